"""Audit entries in words a person reads: what was done, and what changed, with names and dates.

Entries store action codes (``loan.checked_out``), field names and primary keys, because the
hash chain must cover exactly what was written. People see each entry as the sentence its
area declared (``core.audit_registry``), the changed fields it allows by their labels, users
and other records by name, choices by their label and times as dd/mm/yyyy hh:mm. An action
nobody declared (one the code no longer writes) shows its code as words and no changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower, Replace
from django.db.models.lookups import IContains
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from warden.core.audit_registry import AuditType, audit_type, audit_types, code_as_words
from warden.core.models import AuditEntry, User


def action_label(action: str) -> str:
    """The action in a few words: its declared label, or its code read as words."""
    declared = audit_type(action)
    return declared.words if declared is not None else code_as_words(action)


def _as_words(text: str) -> str:
    return " ".join(text.lower().replace(".", " ").replace("_", " ").split())


def action_search(text: str) -> Q:
    """Entries whose action, as the page shows it (``action_label``), contains ``text``.

    The words of the label or of the code both find it: "authenticator reset" and "two
    factor" find ``user.two_factor_reset``, "loan checked out" finds ``loan.checked_out``.
    """
    words = _as_words(text)
    labelled = [code for code, item in audit_types().items() if words in item.words.lower()]
    read = Replace(Replace(Lower("action"), Value("."), Value(" ")), Value("_"), Value(" "))
    return Q(action__in=labelled) | Q(IContains(read, words))


@dataclass(frozen=True)
class Change:
    field: str
    old: str | None
    new: str


def _model_for(entry: AuditEntry) -> type[models.Model] | None:
    try:
        return apps.get_model(entry.object_type) if entry.object_type else None
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _related_model(
    field: models.Field[Any, Any] | None, name: str, declared: AuditType | None = None
) -> type[models.Model] | None:
    if declared is not None and name in declared.refs:
        return apps.get_model(declared.refs[name])
    if field is not None and field.is_relation and field.related_model is not None:
        related = field.related_model
        return related if isinstance(related, type) else None
    # Fields that are not on the model (a reason, an approver) name a user by "…_by".
    return User if field is None and name.endswith("_by") else None


def _when(value: str) -> str | None:
    """An ISO date or time stored in an entry, as people read it; None for other text."""
    moment = parse_datetime(value) if "T" in value or " " in value else None
    if moment is not None:
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%d/%m/%Y %H:%M")
    day = parse_date(value) if len(value) == 10 else None
    return day.strftime("%d/%m/%Y") if isinstance(day, dt.date) else None


def _names(entries: list[AuditEntry]) -> dict[type[models.Model], dict[str, str]]:
    """The names of the entries' actors and of every record their changes point at, one
    query per kind of record."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        if entry.actor_id is not None:
            wanted[User].add(str(entry.actor_id))
        model = _model_for(entry)
        for key, values in (entry.changes or {}).items():
            related = _related_model(_field(model, key), key, audit_type(entry.action))
            if related is None or not isinstance(values, list):
                continue
            flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
            wanted[related].update(str(v) for v in flat if isinstance(v, int | str) and v)
    names: dict[type[models.Model], dict[str, str]] = {}
    for related, keys in wanted.items():
        pks = [k for k in keys if k.isdigit()]
        rows = related._default_manager.filter(pk__in=pks) if pks else []
        names[related] = {str(obj.pk): _name_of(obj) for obj in rows}
    return names


def _name_of(obj: Any) -> str:
    if isinstance(obj, User):
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def _relations(model: type[models.Model], path: str) -> str:
    """The part of a dotted path that follows relations, as a prefetch lookup."""
    followed: list[str] = []
    for name in path.split("."):
        field = _field(model, name)
        if field is None or not field.is_relation or field.related_model is None:
            break
        followed.append(name)
        related = field.related_model
        if not isinstance(related, type):
            break
        model = related
    return "__".join(followed)


def _targets(entries: list[AuditEntry]) -> dict[tuple[str, str], models.Model]:
    """The records whose present state a sentence reads (``{target.person}``), one query
    per kind of record and one per relation the sentences follow."""
    paths: dict[type[models.Model], set[str]] = defaultdict(set)
    ids: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        declared = audit_type(entry.action)
        model = _model_for(entry)
        if declared is None or model is None or not entry.object_id:
            continue
        wanted = [n.removeprefix("target.") for n in declared.placeholders if "." in n]
        if wanted:
            ids[model].add(entry.object_id)
            paths[model].update(_relations(model, path) for path in wanted)
    found: dict[tuple[str, str], models.Model] = {}
    for model, keys in ids.items():
        rows = list(model._default_manager.filter(pk__in=keys))
        relations = sorted(p for p in paths[model] if p)
        if relations:
            models.prefetch_related_objects(rows, *relations)
        found.update({(model._meta.label_lower, str(row.pk)): row for row in rows})
    return found


def _text(
    value: Any,
    field: models.Field[Any, Any] | None,
    related: type[models.Model] | None,
    names: dict[type[models.Model], dict[str, str]],
) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v, field, related, names) for v in value) or "none"
    if related is not None:
        # Some entries name a user by username rather than key: that is its name then.
        missing = "a removed record" if str(value).isdigit() else str(value)
        return names.get(related, {}).get(str(value), missing)
    if field is not None and field.choices:
        labels = {str(k): str(v) for k, v in field.flatchoices}
        if str(value) in labels:
            return labels[str(value)]
    if isinstance(value, str):
        return _when(value) or value
    return str(value)


def _label(field: models.Field[Any, Any] | None, key: str) -> str:
    words = str(field.verbose_name) if field is not None else key.replace("_", " ")
    return words[:1].upper() + words[1:]


def _sentence(
    entry: AuditEntry,
    declared: AuditType,
    names: dict[type[models.Model], dict[str, str]],
    target: models.Model | None,
    shown: dict[str, Change],
) -> str | None:
    """The declared sentence, or None when the entry lacks one of its parts (an older entry,
    a record since removed): its plain sentence is shown then."""
    record = entry.object_repr or "a record"
    parts: dict[str, str] = {"actor": _actor(entry, names), "record": record}
    for name in declared.placeholders:
        if name in parts:
            continue
        if name.startswith("target."):
            value: Any = target
            for attr in name.removeprefix("target.").split("."):
                value = getattr(value, attr, None)
            if value is None:
                return None
            parts[name] = _name_of(value)
        elif name in shown:
            parts[name] = shown[name].new
        else:
            return None
    text = declared.sentence
    for name, value in parts.items():
        text = text.replace("{" + name + "}", value)
    return text


def _actor(entry: AuditEntry, names: dict[type[models.Model], dict[str, str]]) -> str:
    if entry.actor_id is None:
        return "Warden"
    return names.get(User, {}).get(str(entry.actor_id), entry.actor_label)


def _plain_sentence(entry: AuditEntry, names: dict[type[models.Model], dict[str, str]]) -> str:
    actor = _actor(entry, names)
    words = action_label(entry.action)
    record = f" ({entry.object_repr})" if entry.object_repr else ""
    return f"{actor}: {words[:1].lower()}{words[1:]}{record}"


def describe(
    entries: Iterable[AuditEntry], *, hidden: frozenset[str] = frozenset()
) -> list[AuditEntry]:
    """The entries, each given ``sentence`` (what happened, in words), ``label`` (the action
    in a few words) and ``readable_changes``: the changes its declaration allows, leaving out
    the fields in ``hidden`` (those the reader may not see)."""
    entries = list(entries)
    names = _names(entries)
    targets = _targets(entries)
    for entry in entries:
        declared = audit_type(entry.action)
        model = _model_for(entry)
        # The record's own fields, less its key: a number means nothing to a reader.
        own = (
            [f.name for f in model._meta.concrete_fields if not f.primary_key]
            if model is not None
            else []
        )
        shown: dict[str, Change] = {}
        for key, values in (entry.changes or {}).items():
            if key in hidden or declared is None or not declared.shows(key, own):
                continue
            field = _field(model, key)
            related = _related_model(field, key, declared)
            old, new = values if isinstance(values, list) and len(values) == 2 else (None, values)
            shown[key] = Change(
                field=_label(field, key),
                old=None if old is None else _text(old, field, related, names),
                new=_text(new, field, related, names),
            )
        sentence = None
        if declared is not None:
            target = targets.get((entry.object_type, entry.object_id))
            sentence = _sentence(entry, declared, names, target, shown)
        entry.sentence = sentence or _plain_sentence(entry, names)  # type: ignore[attr-defined]
        entry.label = action_label(entry.action)  # type: ignore[attr-defined]
        entry.readable_changes = list(shown.values())  # type: ignore[attr-defined]
    return entries
