"""The media register: sets recorded, pupils added, removals listed and ticked off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from warden.consent.models import Purpose
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.core.selectors import operators_at
from warden.people.models import Person, PersonType
from warden.publication.models import (
    RETENTION_YEARS_DEFAULT,
    MediaSet,
    PublicationSettings,
    Removal,
)
from warden.publication.rules import location_refusal, retention_cutoff


def _words(text: str) -> str:
    return " ".join((text or "").split())


def publication_settings(school: School) -> PublicationSettings:
    """The school's settings (the defaults until someone changes them)."""
    found = PublicationSettings.objects.filter(school=school).first()
    return found if found is not None else PublicationSettings(school=school)


@transaction.atomic
def publication_settings_update(
    *, actor: User | None, school: School, retention_years: int
) -> PublicationSettings:
    """Change how many years images are kept before they are listed for removal."""
    if not 1 <= retention_years <= 25:
        raise ServiceError(
            "Keep images for between 1 and 25 years (the policy says generally three).",
            field_errors={"retention_years": ["Enter a number of years from 1 to 25."]},
        )
    settings, _ = PublicationSettings.objects.select_for_update().get_or_create(school=school)
    before = snapshot(settings, ["retention_years"])
    settings.retention_years = retention_years
    settings.save()
    changes = diff(before, snapshot(settings, ["retention_years"]))
    if changes:
        audit_log(actor=actor, action="publication.settings_changed", obj=settings, changes=changes)
    return settings


@transaction.atomic
def social_media_team_set(
    *, actor: User | None, school: School, users: Iterable[User]
) -> PublicationSettings:
    """Name the users besides the headteacher and ICT manager who check and approve posts;
    each must work at the school."""
    chosen = list(dict.fromkeys(users))
    working_here = set(operators_at(school).values_list("pk", flat=True))
    strangers = [u.get_username() for u in chosen if u.pk not in working_here]
    if strangers:
        raise ServiceError(
            f"Only people who sign in to Warden at {school.name} can be on the team: "
            f"{', '.join(strangers)} do not.",
            field_errors={"social_media_team": ["Choose people who work at this school."]},
        )
    settings, _ = PublicationSettings.objects.select_for_update().get_or_create(school=school)
    before = sorted(settings.social_media_team.values_list("pk", flat=True))
    settings.social_media_team.set(chosen)
    after = sorted(u.pk for u in chosen)
    if before != after:
        audit_log(
            actor=actor,
            action="publication.team_changed",
            obj=settings,
            changes={"social_media_team": [before, after]},
        )
    return settings


def _check_pupils(school: School, pupils: Iterable[Person]) -> list[Person]:
    found = list(dict.fromkeys(pupils))
    for pupil in found:
        if pupil.school_id != school.pk or pupil.person_type != PersonType.PUPIL:
            raise ServiceError(
                f"{pupil} is not a pupil at {school.name}.",
                field_errors={"pupil": ["Choose a pupil of this school."]},
            )
    return found


@transaction.atomic
def media_set_record(
    *,
    actor: User | None,
    school: School,
    title: str,
    location: str,
    purpose: Purpose,
    taken_on: dt.date,
    pupils: Iterable[Person] = (),
) -> MediaSet:
    """Record where a set of images or video is kept, the consented use it is for, when it
    was taken and the pupils in it (ICT policy §13–14). The location is checked for form
    only; nothing is fetched or opened."""
    errors: dict[str, list[str]] = {}
    refusal = location_refusal(location)
    if refusal:
        errors["location"] = [refusal]
    if not _words(title):
        errors["title"] = ["Give the set a name people will recognise, e.g. Sports day 2026."]
    if taken_on > timezone.localdate():
        errors["taken_on"] = ["The date taken cannot be in the future."]
    if purpose.school_id != school.pk:
        errors["purpose"] = ["Choose one of this school's consent purposes."]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    chosen = _check_pupils(school, pupils)
    media_set = MediaSet.objects.create(
        school=school,
        title=_words(title)[:200],
        location=location.strip()[:500],
        purpose=purpose,
        taken_on=taken_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    media_set.pupils.set(chosen)
    audit_log(
        actor=actor,
        action="media_set.recorded",
        obj=media_set,
        changes={
            **diff({}, snapshot(media_set, ["title", "location", "purpose", "taken_on"])),
            "pupils": [None, len(chosen)],
        },
    )
    return media_set


@transaction.atomic
def media_set_add_pupils(
    *, actor: User | None, media_set: MediaSet, pupils: Iterable[Person]
) -> int:
    """Add pupils to a set; returns how many were not in it already."""
    if media_set.removed_at is not None:
        raise ServiceError("This set has been removed; record a new set instead.")
    chosen = _check_pupils(media_set.school, pupils)
    present = set(media_set.pupils.values_list("pk", flat=True))
    added = [p for p in chosen if p.pk not in present]
    if added:
        media_set.pupils.add(*added)
        audit_log(
            actor=actor,
            action="media_set.pupils_added",
            obj=media_set,
            changes={"added": [None, len(added)]},
        )
    return len(added)


def _raise(media_set: MediaSet, kind: str, reason: str, pupil: Person | None) -> Removal | None:
    try:
        with transaction.atomic():
            removal = Removal.objects.create(
                school_id=media_set.school_id,
                media_set=media_set,
                kind=kind,
                pupil=pupil,
                reason=reason[:300],
                raised_at=timezone.now(),
            )
    except IntegrityError:  # already listed
        return None
    audit_log(
        actor=None,
        action="media_set.removal_raised",
        obj=media_set,
        changes={
            "reason": [None, removal.reason],
            "kind": [None, kind],
            "pupil": [None, pupil.pk if pupil else None],
        },
    )
    return removal


@transaction.atomic
def retention_flag(*, school: School, today: dt.date | None = None) -> int:
    """List for removal every set past the school's retention period (ICT policy §14 d:
    images are deleted when no longer needed, "generally after three years"); each is
    listed once. Returns how many were newly listed."""
    today = today or timezone.localdate()
    years = publication_settings(school).retention_years or RETENTION_YEARS_DEFAULT
    cutoff = retention_cutoff(today, years)
    due = MediaSet.objects.filter(
        school=school,
        removed_at__isnull=True,
        due_for_removal_at__isnull=True,
        taken_on__lte=cutoff,
    ).select_for_update()
    listed = 0
    for media_set in due:
        media_set.due_for_removal_at = timezone.now()
        media_set.save(update_fields=["due_for_removal_at"])
        reason = f"Taken on {media_set.taken_on:%d/%m/%Y}: past the {years}-year retention period"
        if _raise(media_set, Removal.Kind.RETENTION, reason, None) is not None:
            listed += 1
    return listed


@transaction.atomic
def withdrawal_listed(
    *, school: School, pupil: Person, purpose: Purpose, answer: str, at: dt.datetime
) -> int:
    """A pupil's consent for ``purpose`` was refused: every set that includes them, and is
    not yet removed, gets a removal to tick off. Returns how many were listed."""
    local = timezone.localtime(at)
    verb = "withdrew consent for" if answer == "withdrawn" else "was refused consent for"
    reason = f"{pupil.full_name} {verb} {purpose.name} on {local.day} {local:%b %Y}"
    sets = MediaSet.objects.filter(school=school, pupils=pupil, removed_at__isnull=True)
    return sum(
        _raise(media_set, Removal.Kind.WITHDRAWAL, reason, pupil) is not None for media_set in sets
    )


@transaction.atomic
def removal_done(*, actor: User, removal: Removal) -> Removal:
    """Tick a removal off: who did it and when. For a set past retention the whole set is
    recorded as removed; its register row stays as the record of the removal."""
    removal = Removal.objects.select_for_update().select_related("media_set").get(pk=removal.pk)
    if removal.done_at is not None:
        when = timezone.localtime(removal.done_at)
        raise ServiceError(f"This removal was already ticked off on {when:%d/%m/%Y}.")
    now = timezone.now()
    removal.done_at, removal.done_by = now, actor
    removal.save(update_fields=["done_at", "done_by"])
    audit_log(
        actor=actor,
        action="media_set.removal_done",
        obj=removal.media_set,
        changes={
            "reason": [None, removal.reason],
            "kind": [None, removal.kind],
            "pupil": [None, removal.pupil_id],
        },
    )
    media_set = removal.media_set
    if removal.kind == Removal.Kind.RETENTION and media_set.removed_at is None:
        media_set.removed_at, media_set.removed_by = now, actor
        media_set.save(update_fields=["removed_at", "removed_by"])
        audit_log(
            actor=actor,
            action="media_set.removed",
            obj=media_set,
            changes={"removed_at": [None, now.isoformat()]},
        )
    return removal
