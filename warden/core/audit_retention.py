"""How long the audit trail is kept: seven years, across the whole site.

The trail is one hash chain across every school, so it cannot lose one school's entries
without leaving gaps that ``warden audit verify`` reports. Retention therefore removes only
its oldest entries, as a prefix of the chain: every entry written before the cut-off (IRMS
Information Management Toolkit for Schools: audit logs, seven years; the default of
``warden audit prune --older-than-years``).

Before any entry goes, a signed *anchor* is appended to a file beside the checkpoint file:
the last removed entry's ``seq`` and ``hash``, signed under the site's audit key like a
checkpoint but with a salt of its own, so a checkpoint line cannot pass for an anchor.
Verify then starts at the latest anchor: the first kept entry must name the anchor's hash
as the previous one. A removed prefix with no anchor (the file lost or emptied) fails as
"entry #1 is missing"; a forged or altered anchor fails its signature.

The anchor is written before the rows go, inside the removal's transaction: if the
transaction fails, the anchor names an entry still in the trail, verify starts there, and
the next prune removes up to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from warden.core.audit_checkpoints import (
    Checkpoint,
    checkpoint_append,
    checkpoint_path,
    checkpoint_sign,
    checkpoints_read,
)
from warden.core.errors import ServiceError
from warden.core.models import AuditChainHead, AuditEntry

DEFAULT_YEARS = 7
_SALT = "warden.core.audit_retention"
_NAME = "the retention anchor file"


def anchor_path() -> Path:
    """Where the signed anchors are kept: beside the checkpoint file."""
    path = checkpoint_path()
    return path.with_name(f"{path.name}-retention-anchors")


def anchors_read() -> list[Checkpoint]:
    """Every retention anchor, oldest first (none before the first prune). Raises
    ``CheckpointFileError`` for a line this site did not sign."""
    return checkpoints_read(anchor_path(), salt=_SALT, name=_NAME)


def chain_start() -> Checkpoint | None:
    """The latest anchor, after which the kept trail starts (None: nothing was pruned
    yet, the trail starts at #1). Raises ``CheckpointFileError``."""
    return max(anchors_read(), key=lambda anchor: anchor.seq, default=None)


def _years_before(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February, in a year that has none
        return moment.replace(year=moment.year - years, day=28)


@dataclass(frozen=True)
class Pruned:
    """What a prune removed (or, dry, would remove): entries ``first`` to ``last``."""

    cutoff: dt.datetime
    count: int
    first: int | None = None
    last: int | None = None
    anchor: Checkpoint | None = None


def audit_prune(
    *, older_than_years: int = DEFAULT_YEARS, now: dt.datetime | None = None, dry_run: bool = False
) -> Pruned:
    """Remove every audit entry written more than ``older_than_years`` before ``now``, as a
    prefix of the chain behind a signed anchor (see the module docstring). The trail must
    verify first: a broken trail is investigated, never pruned. ``dry_run`` writes nothing.
    """
    from warden.core.audit import audit_log, audit_verify

    if older_than_years < 1:
        raise ServiceError("Give a whole number of years, 1 or more.")
    cutoff = _years_before(now or timezone.now(), older_than_years)
    with transaction.atomic():
        # Lock the head, as every append does, so no entry is written while the cut moves.
        AuditChainHead.objects.select_for_update().filter(pk=1).first()
        # The prefix: everything before the first entry written since the cut-off.
        first_kept = AuditEntry.objects.filter(at__gte=cutoff).aggregate(seq=Min("seq"))["seq"]
        doomed = AuditEntry.objects.all()
        if first_kept is not None:
            doomed = doomed.filter(seq__lt=first_kept)
        span = doomed.aggregate(first=Min("seq"), last=Max("seq"), count=Count("pk"))
        first, count = span["first"], span["count"]
        if not count:
            return Pruned(cutoff, 0)
        last = AuditEntry.objects.get(seq=span["last"])
        if dry_run:
            return Pruned(cutoff, count, first, last.seq)
        result = audit_verify()
        if not result.ok:
            raise ServiceError(
                f"The audit trail is broken ({result.problem}), so nothing was removed. "
                "Run 'warden audit verify' and investigate."
            )
        anchor = checkpoint_sign(
            seq=last.seq, chain_hash=last.hash, written_at=timezone.now(), salt=_SALT
        )
        checkpoint_append(anchor, anchor_path())
        doomed.remove_for_retention()
        audit_log(
            actor=None,
            action="audit.pruned",
            changes={
                "years": older_than_years,
                "cutoff": cutoff.isoformat(),
                "first": first,
                "last": last.seq,
                "count": count,
            },
        )
    return Pruned(cutoff, count, first, last.seq, anchor)
