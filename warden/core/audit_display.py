"""Audit entries in words a person reads: what was done, and what changed, with names and dates.

Entries store action codes (``loan.checked_out``), field names and primary keys, because the
hash chain must cover exactly what was written. People see the action as a sentence, each
changed field by its label, users and other records by name, choices by their label and
times as dd/mm/yyyy hh:mm. A few codes need their own words; every other one is read
from its parts (``loan.checked_out`` reads "Loan checked out").
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

from warden.core.models import AuditEntry, User

# Codes whose parts do not read as a sentence on their own.
ACTION_LABELS: dict[str, str] = {
    "person.viewed": "Person's record viewed",
    "person.incidents_viewed": "Person's incidents viewed",
    "person.violations_viewed": "Person's monitoring violations viewed",
    "incident.viewed": "Incident viewed",
    "incident_log.viewed": "Incident log viewed",
    "anti_bullying_log.viewed": "Anti-bullying log viewed",
    "triage_queue.viewed": "Triage queue viewed",
    "violation.viewed": "Monitoring violation viewed",
    "violations.alerted": "DSL alerted to monitoring violations",
    "violations.digest_sent": "Daily triage digest sent",
    "incidents.weekly_report_sent": "Weekly safeguarding report sent",
    "reports.termly_viewed": "Termly report viewed",
    "reports.weekly_viewed": "Weekly report viewed",
    "logs.ingested": "Proxy and DNS logs read",
    "demo.loaded": "Demonstration data loaded",
    "user.second_factor_failed": "Wrong second-factor code entered",
    "user.second_factor_passed": "Second factor passed",
    "user.two_factor_enrolled": "Authenticator set up",
    "user.two_factor_reset": "Authenticator reset",
    "account.removal_deadline_set": "Account removal deadline set",
    "account.overdue_notified": "Overdue account removal reported",
    "api_token.created": "Access token created",
    "api_token.revoked": "Access token revoked",
    "ip_leases.imported": "IP address leases imported",
    "ip_lease.created": "IP address lease added",
    "ip_lease.updated": "IP address lease changed",
    "ip_lease.removed": "IP address lease removed",
    "keywords.starter_loaded": "Starter keyword library loaded",
    "filtering.request_created": "Unblock request made",
    "filtering.request_approved": "Unblock request approved",
    "filtering.request_refused": "Unblock request refused",
    "staff_monitoring.search_refused": "Staff monitoring search refused",
}


def action_label(action: str) -> str:
    """The action as words: its own label, or its parts read as a sentence."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    thing, _, done = action.partition(".")
    words = " ".join(part.replace("_", " ") for part in (thing, done) if part)
    return words[:1].upper() + words[1:]


def _as_words(text: str) -> str:
    return " ".join(text.lower().replace(".", " ").replace("_", " ").split())


def action_search(text: str) -> Q:
    """Entries whose action, as the page shows it (``action_label``), contains ``text``.

    The words of the label or of the code both find it: "authenticator reset" and "two
    factor" find ``user.two_factor_reset``, "loan checked out" finds ``loan.checked_out``.
    """
    words = _as_words(text)
    labelled = [code for code, label in ACTION_LABELS.items() if words in label.lower()]
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


def _related_model(field: models.Field[Any, Any] | None, name: str) -> type[models.Model] | None:
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
    """The names of every record the entries' changes point at, one query per kind."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        model = _model_for(entry)
        for key, values in (entry.changes or {}).items():
            related = _related_model(_field(model, key), key)
            if related is None or not isinstance(values, list):
                continue
            wanted[related].update(str(v) for v in values if isinstance(v, int | str) and v)
    names: dict[type[models.Model], dict[str, str]] = {}
    for related, keys in wanted.items():
        pks = [k for k in keys if k.isdigit()]
        rows = related._default_manager.filter(pk__in=pks) if pks else []
        names[related] = {
            str(obj.pk): (
                obj.get_full_name() or obj.get_username() if isinstance(obj, User) else str(obj)
            )
            for obj in rows
        }
    return names


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
        return names.get(related, {}).get(str(value), "a removed record")
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


def describe(
    entries: Iterable[AuditEntry], *, hidden: frozenset[str] = frozenset()
) -> list[AuditEntry]:
    """The entries, each given ``label`` (the action in words) and ``readable_changes``,
    leaving out the fields in ``hidden`` (those the reader may not see)."""
    entries = list(entries)
    names = _names(entries)
    for entry in entries:
        model = _model_for(entry)
        rows: list[Change] = []
        for key, values in (entry.changes or {}).items():
            if key in hidden:
                continue
            field = _field(model, key)
            related = _related_model(field, key)
            old, new = values if isinstance(values, list) and len(values) == 2 else (None, values)
            rows.append(
                Change(
                    field=_label(field, key),
                    old=None if old is None else _text(old, field, related, names),
                    new=_text(new, field, related, names),
                )
            )
        entry.label = action_label(entry.action)  # type: ignore[attr-defined]
        entry.readable_changes = rows  # type: ignore[attr-defined]
    return entries
