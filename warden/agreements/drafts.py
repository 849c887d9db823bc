"""Drafting and publishing versioned texts (``models.PublishedText``): an agreement's
versions here, a consent purpose's texts in the consent area. Each area's services call
these inside their own transaction and name their own audit actions.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import Max
from django.utils import timezone

from warden.agreements.models import PublishedText, VersionStatus, text_sha256
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import User

V = TypeVar("V", bound=PublishedText)


def check_words(label: str, text: str, *, full_text: str) -> None:
    """A label and a real text; ``full_text`` says what to write ("the agreement's full
    text")."""
    errors: dict[str, list[str]] = {}
    if not label.strip():
        errors["label"] = ["Give the version a label people will recognise, e.g. 2026."]
    if len(text.strip()) < 40:
        errors["text"] = [f"Write {full_text} (at least a few sentences)."]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)


def draft_add(
    *,
    actor: User | None,
    model: type[V],
    parent: models.Model,
    parent_field: str,
    label: str,
    text: str,
    change_note: str,
    action: str,
) -> V:
    """A new draft of ``parent``'s text, numbered after the last; one draft at a time, so
    edits are not split across two. The caller checked the words and holds a transaction."""
    parent = type(parent)._default_manager.select_for_update().get(pk=parent.pk)
    versions = model._default_manager.filter(**{parent_field: parent})
    if versions.filter(status=VersionStatus.DRAFT).exists():
        raise ServiceError(f"{parent} already has a draft; edit or publish that draft first.")
    last = versions.aggregate(last=Max("number"))["last"] or 0
    version = model._default_manager.create(
        school=parent.school,  # type: ignore[attr-defined]
        **{parent_field: parent},
        number=last + 1,
        label=label.strip(),
        text=text.strip() + "\n",
        change_note=change_note.strip(),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action=action,
        obj=version,
        changes=diff({}, snapshot(version, ["number", "label", "sha256", "change_note"])),
    )
    return version


def draft_change(
    *,
    actor: User | None,
    version: V,
    label: str,
    text: str,
    change_note: str,
    full_text: str,
    action: str,
) -> V:
    """Change a draft. A published text is what people answered: never changed."""
    version = type(version)._default_manager.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ServiceError(
            f"{version} is published, so its text cannot change. Write a new version instead."
        )
    check_words(label, text, full_text=full_text)
    fields = ["label", "sha256", "change_note"]
    before = snapshot(version, fields)
    version.label, version.text = label.strip(), text.strip() + "\n"
    version.change_note = change_note.strip()
    version.sha256 = text_sha256(version.text)
    changes = diff(before, snapshot(version, fields))
    if changes:
        version.save()
        audit_log(actor=actor, action=action, obj=version, changes=changes)
    return version


def draft_publish(*, actor: User | None, version: V, action: str, **flags: Any) -> V:
    """Publish a draft with its flags (``requires_resign``, ``asks_again``) set; from now on
    its words are fixed and it supersedes the last published text."""
    version = type(version)._default_manager.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ServiceError(f"{version} is already published.")
    version.status = VersionStatus.PUBLISHED
    for name, value in flags.items():
        setattr(version, name, value)
    version.published_at = timezone.now()
    version.published_by = actor
    version.save()
    changes: dict[str, list[Any]] = {"status": ["draft", "published"]}
    changes.update({name: [None, value] for name, value in flags.items()})
    changes["sha256"] = [None, version.sha256]
    audit_log(actor=actor, action=action, obj=version, changes=changes)
    return version
