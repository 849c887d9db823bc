"""Every audit action the code writes, read from the source without running it.

``written_actions(root)`` finds each call of ``audit_log`` and ``audit_log_many`` and works
out the codes its ``action`` can take: a literal, either side of a conditional, an f-string
over values it can work out, a variable assigned in the function, a parameter (from the
literal ``Literal[...]`` type, its default and what every caller passes), a member of a
choices class (``ImportKind.ASSETS``) or a field of a declared value (``kind.audit`` where
``kind: RecordKind`` and every ``RecordKind(audit=...)`` is literal). A call it cannot work
out is returned as unresolved, so a new way of building an action fails the test that uses
this rather than slipping past it.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

WRITERS = ("audit_log", "audit_log_many")
_DEPTH = 8


class _Unresolved(Exception):
    pass


@dataclass(frozen=True)
class Site:
    path: Path
    line: int
    expression: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.expression})"


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Source:
    def __init__(self, root: Path) -> None:
        self.calls: dict[str, list[tuple[Path, ast.Call]]] = {}
        self.classes: dict[str, list[ast.ClassDef]] = {}
        self.parents: dict[ast.AST, ast.AST] = {}
        for path in sorted(root.rglob("*.py")):
            if {"tests", "migrations"} & set(path.parts):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    self.parents[child] = node
                if isinstance(node, ast.Call) and (name := _name(node.func)):
                    self.calls.setdefault(name, []).append((path, node))
                if isinstance(node, ast.ClassDef):
                    self.classes.setdefault(node.name, []).append(node)

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        current: ast.AST | None = node
        while current is not None:
            if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
                return current
            current = self.parents.get(current)
        return None

    def resolve(self, path: Path, expr: ast.expr, depth: int = 0) -> set[str]:
        if depth > _DEPTH:
            raise _Unresolved
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.resolve(path, expr.body, depth) | self.resolve(path, expr.orelse, depth)
        if isinstance(expr, ast.JoinedStr):
            parts: list[list[str]] = []
            for value in expr.values:
                if isinstance(value, ast.FormattedValue):
                    parts.append(sorted(self.resolve(path, value.value, depth + 1)))
                elif isinstance(value, ast.Constant):
                    parts.append([str(value.value)])
            return {"".join(chosen) for chosen in itertools.product(*parts)}
        if isinstance(expr, ast.Name):
            return self._name_values(path, expr, depth)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            return self._attribute_values(path, expr, depth)
        raise _Unresolved

    def _name_values(self, path: Path, expr: ast.Name, depth: int) -> set[str]:
        func = self.function_of(expr)
        if func is None:
            raise _Unresolved
        assigned = [
            node.value
            for node in ast.walk(func)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)
        ]
        if assigned:
            return set().union(*(self.resolve(path, v, depth + 1) for v in assigned))
        args = func.args
        positional = [*args.posonlyargs, *args.args]
        for arg in [*positional, *args.kwonlyargs]:
            if arg.arg == expr.id:
                return self._parameter_values(path, func, arg, depth)
        raise _Unresolved

    def _parameter_values(
        self,
        path: Path,
        func: ast.FunctionDef | ast.AsyncFunctionDef,
        arg: ast.arg,
        depth: int,
    ) -> set[str]:
        literal = _literal_values(arg.annotation)
        if literal:
            return literal
        args = func.args
        positional = [*args.posonlyargs, *args.args]
        default: ast.expr | None = None
        if arg in args.kwonlyargs:
            default = args.kw_defaults[args.kwonlyargs.index(arg)]
        else:
            index = positional.index(arg)
            offset = len(positional) - len(args.defaults)
            default = args.defaults[index - offset] if index >= offset else None
        values = self.resolve(path, default, depth + 1) if default is not None else set()
        callers = self.calls.get(func.name, [])
        if func.name.startswith("_"):
            # A private helper is called from its own module, or from its package's.
            near = [(where, call) for where, call in callers if where == path]
            callers = near or [(w, c) for w, c in callers if w.parent == path.parent]
        if not callers and default is None:
            raise _Unresolved
        for where, call in callers:
            given = next((k.value for k in call.keywords if k.arg == arg.arg), None)
            if given is None and arg in positional:
                index = positional.index(arg) - (1 if positional[0].arg in {"self", "cls"} else 0)
                given = call.args[index] if 0 <= index < len(call.args) else None
            if given is None:
                if default is None:
                    raise _Unresolved
                continue
            values |= self.resolve(where, given, depth + 1)
        return values

    def _attribute_values(self, path: Path, expr: ast.Attribute, depth: int) -> set[str]:
        owner = expr.value.id if isinstance(expr.value, ast.Name) else ""
        # A member of a choices class: ``ImportKind.ASSETS``.
        for cls in self.classes.get(owner, []):
            for node in cls.body:
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == expr.attr for t in node.targets
                ):
                    value = node.value.elts[0] if isinstance(node.value, ast.Tuple) else node.value
                    return self.resolve(path, value, depth + 1)
        # A field of a declared value: ``kind.audit`` where ``kind: RecordKind``.
        func = self.function_of(expr)
        if func is None:
            raise _Unresolved
        every = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
        arg = next((a for a in every if a.arg == owner), None)
        kind = _name(arg.annotation) if arg is not None and arg.annotation is not None else None
        made = self.calls.get(kind or "", [])
        if not made:
            raise _Unresolved
        values: set[str] = set()
        for where, call in made:
            given = next((k.value for k in call.keywords if k.arg == expr.attr), None)
            if given is None:
                raise _Unresolved
            values |= self.resolve(where, given, depth + 1)
        return values


def _literal_values(annotation: ast.expr | None) -> set[str]:
    if isinstance(annotation, ast.Subscript) and _name(annotation.value) == "Literal":
        items = annotation.slice
        elements = items.elts if isinstance(items, ast.Tuple) else [items]
        if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elements):
            return {str(e.value) for e in elements if isinstance(e, ast.Constant)}
    return set()


def written_actions(root: Path) -> tuple[dict[str, Site], list[Site]]:
    """The action codes written under ``root`` (each with one place that writes it), and
    the writing calls whose action could not be worked out."""
    source = _Source(root)
    found: dict[str, Site] = {}
    unresolved: list[Site] = []
    for writer in WRITERS:
        for path, call in source.calls.get(writer, []):
            expr = next((k.value for k in call.keywords if k.arg == "action"), None)
            text = ast.unparse(expr) if expr is not None else "no action= given"
            site = Site(path, call.lineno, text)
            try:
                if expr is None:
                    raise _Unresolved
                for action in source.resolve(path, expr):
                    found.setdefault(action, site)
            except _Unresolved:
                unresolved.append(site)
    return found, unresolved
