"""School-B objects for the cross-school test (``warden/core/tests/test_cross_school_access``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warden.core.models import School

OBJECT_MAKERS: list[tuple[str, Callable[[School], Any]]] = []
PUBLIC_PATTERNS: list[str] = []


# --- monitoring (keyword libraries, IP leases, violations) ------------------------------------
MARKER = "Zebedee-Bschool"


def _violation(b: School) -> Any:
    import datetime as dt

    from warden.monitoring.models import Violation
    from warden.testing.factories import PupilFactory

    pupil = PupilFactory.create(school=b, first_name=MARKER, last_name="Marker")
    return Violation.objects.create(
        school=b,
        engine_id=f"b-{Violation.objects.count()}",
        source_id="0" * 64,
        offset=0,
        line_no=1,
        ts=dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC),
        person=pupil,
        username=MARKER,
        url=f"https://www.google.com/search?q={MARKER}",
        host="www.google.com",
        phrase=MARKER,
        category="self-harm",
        severity=5,
        kind="keyword",
    ).pk


def _keyword(b: School) -> Any:
    from warden.monitoring.models import Keyword

    return Keyword.objects.create(
        school=b,
        text=MARKER,
        normalised=MARKER.lower(),
        category="bullying",
        severity=3,
    ).pk


def _exclusion(b: School) -> Any:
    from warden.monitoring.models import KeywordExclusion

    return KeywordExclusion.objects.create(
        school=b, text=MARKER, normalised=MARKER.lower(), reason=MARKER
    ).pk


def _lease(b: School) -> Any:
    import datetime as dt

    from warden.monitoring.models import IpLease
    from warden.testing.factories import PupilFactory

    pupil = PupilFactory.create(school=b)
    return IpLease.objects.create(
        school=b,
        ip="10.99.0.1",
        device=MARKER,
        identifier=MARKER,
        person=pupil,
        start=dt.datetime(2025, 3, 10, 8, 0, tzinfo=dt.UTC),
    ).pk


OBJECT_MAKERS += [
    ("violation_pk", _violation),
    ("keyword_pk", _keyword),
    ("exclusion_pk", _exclusion),
    ("lease_pk", _lease),
]
# --- end of monitoring --------------------------------------------------------------------------


# --- filtering (groups, schedules, networks, lists, entries, exceptions, requests) -----------
def _filter_group(b: School) -> Any:
    from warden.monitoring.models import FilterGroup

    n = FilterGroup.objects.filter(school=b).count()
    return FilterGroup.objects.create(
        school=b, slug=f"bgroup{n}", name=f"{MARKER} group {n}", description=MARKER
    ).pk


def _filter_schedule(b: School) -> Any:
    import datetime as dt

    from warden.monitoring.models import FilterGroup, GroupSchedule

    group = FilterGroup.objects.get(pk=_filter_group(b))
    return GroupSchedule.objects.create(
        group=group,
        label=MARKER,
        days=["mon"],
        start=dt.time(12, 0),
        end=dt.time(13, 0),
        categories=["games"],
        action="allow",
    ).pk


def _filter_network(b: School) -> Any:
    from warden.monitoring.models import FilterGroup, GroupNetwork

    group = FilterGroup.objects.get(pk=_filter_group(b))
    n = GroupNetwork.objects.filter(school=b).count()
    return GroupNetwork.objects.create(
        school=b, group=group, cidr=f"10.250.{n}.0/24", label=MARKER
    ).pk


def _list_source(b: School) -> Any:
    from django.utils import timezone

    from warden.monitoring.models import ListSource

    n = ListSource.objects.filter(school=b).count()
    return ListSource.objects.create(
        school=b,
        name=f"{MARKER} list {n}",
        format="domains",
        origin=MARKER,
        category="gambling",
        sha256="0" * 64,
        compiled_path="sources/none.wli",
        imported_at=timezone.now(),
    ).pk


def _filter_entry(b: School) -> Any:
    from warden.monitoring.models import FilterEntry

    n = FilterEntry.objects.filter(school=b).count()
    return FilterEntry.objects.create(
        school=b,
        value=f"zebedee-bschool-{n}.example",
        kind="domain",
        action="block",
        category="games",
        reason=MARKER,
    ).pk


def _filter_exception(b: School) -> Any:
    import datetime as dt

    from django.utils import timezone

    from warden.monitoring.models import FilterException
    from warden.testing.factories import UserFactory

    approver = UserFactory.create(username="b-approver", first_name=MARKER)
    return FilterException.objects.create(
        school=b,
        site="zebedee-bschool.example",
        reason=MARKER,
        approved_by=approver,
        approved_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=2),
    ).pk


def _filter_request(b: School) -> Any:
    import datetime as dt

    from django.utils import timezone

    from warden.monitoring.models import UnblockRequest

    return UnblockRequest.objects.create(
        school=b,
        site="zebedee-bschool.example",
        reason=MARKER,
        requester_name=MARKER,
        wanted_until=timezone.now() + dt.timedelta(hours=2),
    ).pk


def _filter_assignment(b: School) -> Any:
    from django.utils import timezone

    from warden.monitoring.models import FilterGroup, FilterGroupAssignment
    from warden.testing.factories import PupilFactory

    group = FilterGroup.objects.get(pk=_filter_group(b))
    pupil = PupilFactory.create(school=b, first_name=MARKER, last_name="Assigned")
    return FilterGroupAssignment.objects.create(
        school=b, person=pupil, group=group, reason=MARKER, starts_at=timezone.now()
    ).pk


def _list_import(b: School) -> Any:
    from warden.monitoring.models import ListImport

    return ListImport.objects.create(
        school=b, name=f"{MARKER} import", format="domains", filename=f"{MARKER}.txt"
    ).pk


def _list_feed(b: School) -> Any:
    from warden.monitoring.models import ListFeed

    n = ListFeed.objects.filter(school=b).count()
    return ListFeed.objects.create(
        school=b, name=f"{MARKER} feed {n}", url="https://lists.example.org/b.tar.gz"
    ).pk


OBJECT_MAKERS += [
    ("filter_group_pk", _filter_group),
    ("filter_assignment_pk", _filter_assignment),
    ("filter_schedule_pk", _filter_schedule),
    ("filter_network_pk", _filter_network),
    ("list_source_pk", _list_source),
    ("list_import_pk", _list_import),
    ("list_feed_pk", _list_feed),
    ("filter_entry_pk", _filter_entry),
    ("filter_exception_pk", _filter_exception),
    ("filter_request_pk", _filter_request),
]
# The block page is public: the blocked pupil has no Warden sign-in.
PUBLIC_PATTERNS += ["monitoring:filter_blocked"]
# --- end of filtering ---------------------------------------------------------------------------
