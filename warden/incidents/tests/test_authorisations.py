"""Policy duty "Staff monitored only with authorisation" (docs/policy-map.md): only while
one is in force can its investigator search the member of staff's archived internet history,
and every search is recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.cli import main as warden
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry, School, User
from warden.incidents.models import (
    AuthorisationScope,
    AuthorisationStatus,
    MonitoringAuthorisation,
    ReviewOutcome,
)
from warden.incidents.services import authorisations as services
from warden.monitoring.tests.monitoring_helpers import START, squid_line, write_log
from warden.people.models import Person
from warden.testing.factories import PupilFactory

SUBJECT_USER = "sam.subject"


@pytest.fixture
def archive(school: School, staff_member: Person, settings, tmp_path: Path) -> Path:
    """An ingested Squid log: three requests by the member of staff, two by someone else."""
    settings.VAR_DIR = tmp_path / "var"
    system, _ = System.objects.get_or_create(
        school=school, name="Network sign-in", defaults={"kind": SystemKind.DIRECTORY}
    )
    Account.objects.create(
        school=school,
        person=staff_member,
        system=system,
        username=SUBJECT_USER,
        state=AccountState.ACTIVE,
    )
    lines = [
        squid_line(START, "10.2.0.5", "http://www.example.org/timetable", SUBJECT_USER),
        squid_line(
            START + dt.timedelta(minutes=1),
            "10.2.0.5",
            "https://shop.example.com/basket",
            SUBJECT_USER,
        ),
        squid_line(
            START + dt.timedelta(days=1), "10.2.0.5", "http://news.example.net/today", SUBJECT_USER
        ),
        squid_line(START, "10.2.0.9", "http://www.example.org/other-person", "someone.else"),
        squid_line(START, "10.1.0.9", "http://www.example.org/no-user"),
    ]
    log = write_log(tmp_path / "access.log", lines)
    warden(["ingest", "--format", "squid", "--school", school.slug, str(log)])
    return log


def _request(
    actor: User,
    school: School,
    subject: Person,
    investigator: User,
    *,
    days: int = 14,
    scope: str = AuthorisationScope.INTERNET,
    **extra,
) -> MonitoringAuthorisation:
    today = services.today_at(school)
    return services.authorisation_request(
        actor=actor,
        school=school,
        subject=subject,
        investigator=investigator,
        scope=scope,
        reason="Reports that school equipment is used for private trading during lessons.",
        starts_on=today,
        ends_on=today + dt.timedelta(days=days),
        **extra,
    )


def _search_url(authorisation: MonitoringAuthorisation) -> str:
    return reverse("incidents:authorisation_search", kwargs={"authorisation_pk": authorisation.pk})


def test_without_an_active_authorisation_an_investigator_cannot_search_a_staff_members_history(
    school, dsl, governor, ict_manager, staff_member, archive, client_for
):
    authorisation = _request(dsl, school, staff_member, ict_manager)
    investigator = client_for(ict_manager)

    refused = investigator.get(_search_url(authorisation))
    assert refused.status_code == 403
    assert "has not been approved yet" in refused.content.decode()
    assert AuditEntry.objects.filter(action="staff_monitoring.search_refused").count() == 1

    authorisation = services.authorisation_approve(
        actor=governor, authorisation=authorisation, note="Agreed"
    )
    found = investigator.get(_search_url(authorisation))
    assert found.status_code == 200
    page = found.content.decode()
    assert "3 requests" in page
    assert "shop.example.com/basket" in page
    assert "other-person" not in page and "no-user" not in page
    searched = AuditEntry.objects.get(action="staff_monitoring.searched")
    assert searched.actor == ict_manager
    assert searched.object_id == str(authorisation.pk)
    assert searched.changes["rows"] == [None, 3]

    services.authorisation_end(actor=dsl, authorisation=authorisation, reason="Facts established")
    ended = investigator.get(_search_url(authorisation))
    assert ended.status_code == 403
    assert "has ended" in ended.content.decode()


def test_only_the_named_investigator_may_search(
    school, dsl, governor, ict_manager, staff_member, archive, client_for
):
    authorisation = _request(dsl, school, staff_member, ict_manager)
    authorisation = services.authorisation_approve(actor=governor, authorisation=authorisation)
    response = client_for(dsl).get(_search_url(authorisation))
    assert response.status_code == 403
    assert "Only the investigator named" in response.content.decode()


def test_the_search_filters_by_date_site_and_address_and_pages(
    school, dsl, headteacher, ict_manager, staff_member, archive, client_for, monkeypatch
):
    authorisation = _request(dsl, school, staff_member, ict_manager)
    authorisation = services.authorisation_approve(actor=headteacher, authorisation=authorisation)

    def search(**filters) -> services.HistoryPage:
        return services.authorisation_search(
            actor=ict_manager, authorisation=authorisation, search=services.HistorySearch(**filters)
        )

    day = START.date()
    assert search(start=day, end=day).total == 2
    assert search(host="SHOP.example").total == 1
    assert search(url="/today").total == 1
    monkeypatch.setattr(services, "SEARCH_PAGE_SIZE", 2)
    second = search(page=2)
    assert (second.total, second.pages, len(second.rows)) == (3, 2, 1)
    assert second.rows[0]["host"] == "news.example.net"
    response = client_for(ict_manager).get(_search_url(authorisation), {"host": "example"})
    assert "Page 1 of 2" in response.content.decode()
    last = AuditEntry.objects.filter(action="staff_monitoring.searched").order_by("-seq").first()
    assert last is not None and last.changes["filters"][1]["host"] == "example"


def test_the_search_keeps_to_the_period_of_use_the_authorisation_allows(
    school, dsl, governor, ict_manager, staff_member, archive
):
    day = START.date()
    authorisation = _request(
        dsl, school, staff_member, ict_manager, history_from=day, history_to=day
    )
    authorisation = services.authorisation_approve(actor=governor, authorisation=authorisation)
    result = services.authorisation_search(
        actor=ict_manager, authorisation=authorisation, search=services.HistorySearch()
    )
    assert result.total == 2
    assert result.search.end == day


def test_an_authorisation_is_in_force_only_between_its_dates(
    school, dsl, governor, ict_manager, staff_member, archive
):
    today = services.today_at(school)
    authorisation = services.authorisation_request(
        actor=dsl,
        school=school,
        subject=staff_member,
        investigator=ict_manager,
        scope=AuthorisationScope.BOTH,
        reason="Reports that school equipment is used for private trading during lessons.",
        starts_on=today + dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=9),
    )
    authorisation = services.authorisation_approve(actor=governor, authorisation=authorisation)
    with pytest.raises(ServiceError, match="comes into force on"):
        services.authorisation_search(
            actor=ict_manager, authorisation=authorisation, search=services.HistorySearch()
        )
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        services.authorisation_search(
            actor=ict_manager, authorisation=authorisation, search=services.HistorySearch()
        )
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=11)),
        pytest.raises(ServiceError, match="is no longer in force"),
    ):
        services.authorisation_search(
            actor=ict_manager, authorisation=authorisation, search=services.HistorySearch()
        )


def test_an_overdue_review_pauses_searching_until_it_is_recorded(
    school, dsl, governor, ict_manager, staff_member, archive
):
    today = services.today_at(school)
    authorisation = _request(
        dsl,
        school,
        staff_member,
        ict_manager,
        days=40,
        review_dates=[today + dt.timedelta(days=20)],
    )
    authorisation = services.authorisation_approve(actor=governor, authorisation=authorisation)
    with time_machine.travel(timezone.now() + dt.timedelta(days=22)):
        with pytest.raises(ServiceError, match="due for review"):
            services.authorisation_search(
                actor=ict_manager, authorisation=authorisation, search=services.HistorySearch()
            )
        services.authorisation_review(
            actor=governor,
            authorisation=authorisation,
            outcome=ReviewOutcome.CONTINUE,
            notes="The trading has not been ruled out yet.",
        )
        result = services.authorisation_search(
            actor=ict_manager, authorisation=authorisation, search=services.HistorySearch()
        )
        assert result.total == 3
        services.authorisation_review(
            actor=governor,
            authorisation=authorisation,
            outcome=ReviewOutcome.END,
            notes="Facts established.",
        )
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.ENDED


def test_an_e_mail_only_authorisation_opens_no_internet_history(
    school, dsl, governor, ict_manager, staff_member, archive
):
    authorisation = _request(dsl, school, staff_member, ict_manager, scope=AuthorisationScope.EMAIL)
    authorisation = services.authorisation_approve(actor=governor, authorisation=authorisation)
    with pytest.raises(ServiceError, match="e-mail only"):
        services.authorisation_search(
            actor=ict_manager, authorisation=authorisation, search=services.HistorySearch()
        )


def test_the_requester_never_approves_their_own_request(
    school, headteacher, governor, ict_manager, staff_member
):
    authorisation = _request(headteacher, school, staff_member, ict_manager)
    with pytest.raises(ServiceError, match="you cannot approve it"):
        authorisation = services.authorisation_approve(
            actor=headteacher, authorisation=authorisation
        )
    authorisation = services.authorisation_approve(actor=governor, authorisation=authorisation)
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.APPROVED
    assert authorisation.decided_by == governor


def test_only_the_headteacher_or_a_governor_approves(
    school, dsl, siro, ict_manager, staff_member, client_for
):
    authorisation = _request(siro, school, staff_member, ict_manager)
    url = reverse("incidents:authorisation_approve", kwargs={"authorisation_pk": authorisation.pk})
    response = client_for(dsl).post(url)
    assert response.status_code == 403
    assert "headteacher or a governor" in response.content.decode()
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.PENDING


def test_a_refusal_needs_a_reason_and_closes_the_request(
    school, dsl, governor, ict_manager, staff_member, client_for
):
    authorisation = _request(dsl, school, staff_member, ict_manager)
    url = reverse("incidents:authorisation_refuse", kwargs={"authorisation_pk": authorisation.pk})
    client = client_for(governor)
    client.post(url, {"note": ""})
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.PENDING
    client.post(url, {"note": "The grounds do not justify monitoring."})
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.REFUSED
    with pytest.raises(ServiceError, match="was refused"):
        services.authorisation_search(
            actor=ict_manager, authorisation=authorisation, search=services.HistorySearch()
        )


def test_a_request_must_be_limited_and_reviewed(school, dsl, ict_manager, staff_member):
    with pytest.raises(ServiceError, match="at most 90 days"):
        _request(dsl, school, staff_member, ict_manager, days=120)
    with pytest.raises(ServiceError, match="review at least every 28 days") as refused:
        _request(dsl, school, staff_member, ict_manager, days=40)
    assert "review_dates" in refused.value.field_errors


def test_pupils_are_not_subjects_of_an_authorisation(school, dsl, ict_manager):
    pupil = PupilFactory.create(school=school, first_name="Robin", last_name="Pupil-Subject")
    with pytest.raises(ServiceError, match="for members of staff"):
        _request(dsl, school, pupil, ict_manager)


def test_a_teacher_may_not_ask_and_does_not_see_authorisations(
    school, dsl, teacher, ict_manager, staff_member, client_for
):
    authorisation = _request(dsl, school, staff_member, ict_manager)
    client = client_for(teacher)
    assert client.get(reverse("incidents:authorisation_request")).status_code == 403
    assert client.get(reverse("incidents:authorisation_list")).status_code == 403
    detail = reverse(
        "incidents:authorisation_detail", kwargs={"authorisation_pk": authorisation.pk}
    )
    assert client.get(detail).status_code == 404
    assert client.get(_search_url(authorisation)).status_code == 404


def test_the_dsl_asks_through_the_form_and_the_governor_approves_from_the_dashboard(
    school, dsl, governor, ict_manager, staff_member, client_for
):
    today = services.today_at(school)
    response = client_for(dsl).post(
        reverse("incidents:authorisation_request"),
        {
            "subject": staff_member.pk,
            "investigator": ict_manager.pk,
            "scope": AuthorisationScope.INTERNET,
            "reason": "Reports that school equipment is used for private trading.",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=30)).isoformat(),
            "review_dates": (today + dt.timedelta(days=14)).strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    authorisation = MonitoringAuthorisation.objects.get()
    assert authorisation.review_dates == [(today + dt.timedelta(days=14)).isoformat()]
    governor_client = client_for(governor)
    dashboard = governor_client.get(reverse("core:dashboard")).content.decode()
    assert authorisation.reference in dashboard
    detail = reverse(
        "incidents:authorisation_detail", kwargs={"authorisation_pk": authorisation.pk}
    )
    assert "Approve" in governor_client.get(detail).content.decode()
    governor_client.post(
        reverse("incidents:authorisation_approve", kwargs={"authorisation_pk": authorisation.pk})
    )
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.APPROVED
    listing = client_for(ict_manager).get(reverse("incidents:authorisation_list")).content.decode()
    assert authorisation.reference in listing and "In force" in listing
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"staff_monitoring.requested", "staff_monitoring.approved"} <= actions
    assert "staff_monitoring.viewed" in actions
