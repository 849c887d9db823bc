"""A lower layer never imports a higher one, not even inside a function.

The order is written once, here, lowest first; docs/architecture.md draws the same graph
and says why each area sits where it does. Areas in one layer are peers and import
neither each other. A lower area that needs a higher one to act sends a signal (monitoring's
``violations_stored``) or offers a module the registry collects (``core.registry.collect``).
Tests (``tests/`` folders and ``warden/testing``) exercise the assembled project and are not
held to the order; Warden's own code may not import them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

WARDEN = Path(__file__).resolve().parents[1] / "warden"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("lib",),
    ("engine",),
    ("core",),
    ("people", "sso"),
    ("records",),
    ("agreements",),
    ("accounts", "consent"),
    ("equipment", "monitoring", "publication"),
    ("incidents", "backups", "remoteaccess"),
    ("safeguarding", "privacy", "governance"),
    ("reporting", "api"),
    ("demo",),
    # The project's own modules: settings, URLs, the command line, and the test helpers.
    ("settings", "urls", "wsgi", "cli", "testing", "__init__"),
)
LAYER_OF = {area: number for number, areas in enumerate(LAYERS) for area in areas}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    statement: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} `{self.statement}`: {self.problem}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(WARDEN.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _area(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "warden":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module or ""]
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return [".".join([*base, node.module] if node.module else base)]


def violations_in(module: str, source: str, *, path: str, is_package: bool = False) -> list:
    """Every import in ``source`` (module ``module``) that goes up or sideways a layer."""
    here = _area(module)
    if here is None or here not in LAYER_OF:
        return [Violation(path, 1, module, f"'{here}' is in no layer: add it to LAYERS")]
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for target in _imported(node, module, is_package):
            there = _area(target)
            if there is None or there == here:
                continue
            statement = ast.get_source_segment(source, node) or target
            if there not in LAYER_OF:
                problem = f"'{there}' is in no layer: add it to LAYERS"
            elif LAYER_OF[there] > LAYER_OF[here]:
                problem = f"{here} (layer {LAYER_OF[here]}) imports higher {there} (layer "
                problem += f"{LAYER_OF[there]}): send a signal or use core.registry.collect"
            elif LAYER_OF[there] == LAYER_OF[here]:
                problem = f"{here} and {there} are peers in one layer and import neither"
            else:
                continue
            found.append(Violation(path, node.lineno, " ".join(statement.split()), problem))
    return found


def _project_modules() -> list[Path]:
    return [
        path
        for path in sorted(WARDEN.rglob("*.py"))
        if "tests" not in path.parts and "testing" not in path.relative_to(WARDEN).parts[:1]
    ]


def test_no_module_imports_a_higher_layer():
    paths = _project_modules()
    assert len(paths) > 200  # the walk found Warden's code
    found = []
    for path in paths:
        found += violations_in(
            _module_name(path),
            path.read_text(encoding="utf-8"),
            path=str(path.relative_to(WARDEN.parent)),
            is_package=path.name == "__init__.py",
        )
    assert [str(v) for v in found] == []


def test_the_check_names_a_function_level_import_upwards():
    source = "def load():\n    from warden.people.models import Person\n    return Person\n"
    (found,) = violations_in("warden.core.example", source, path="warden/core/example.py")
    assert str(found) == (
        "warden/core/example.py:2 `from warden.people.models import Person`: core (layer 2) "
        "imports higher people (layer 3): send a signal or use core.registry.collect"
    )


def test_the_check_resolves_relative_imports_and_refuses_peers():
    source = "from ..equipment.models import Asset\n"
    (found,) = violations_in("warden.monitoring.views", source, path="warden/monitoring/views.py")
    assert found.problem == "monitoring and equipment are peers in one layer and import neither"
    assert violations_in("warden.incidents.views", source, path="x") == []


def test_every_area_has_a_layer():
    areas = {path.name for path in WARDEN.iterdir() if path.is_dir() and "__" not in path.name}
    modules = {path.stem for path in WARDEN.glob("*.py")}
    assert (areas | modules) - set(LAYER_OF) == set()
