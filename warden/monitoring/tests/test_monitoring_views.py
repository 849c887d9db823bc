"""The monitoring pages: who may see violations, filters, read auditing, keyword pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from warden.core.models import AuditEntry
from warden.core.roles import Role
from warden.monitoring.models import IpLease, Keyword, KeywordExclusion, Violation
from warden.monitoring.services.monitoring import keywords_load_starter
from warden.monitoring.tests.monitoring_helpers import pupil_with_account
from warden.testing.factories import UserFactory, member


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def _violation(school, person=None, *, n=0, severity=5, category="self-harm", ts=None):
    return Violation.objects.create(
        school=school,
        engine_id=f"test-{school.pk}-{n}",
        source_id="a" * 64,
        offset=n * 100,
        line_no=n + 1,
        ts=ts or timezone.now() - dt.timedelta(hours=1),
        person=person,
        username="pupil.one",
        client_ip="10.0.0.5",
        url="https://www.google.com/search?q=how+to+cut+myself",
        host="www.google.com",
        search_engine="google",
        search_term="how to cut myself",
        phrase="how to cut myself",
        category=category,
        severity=severity,
        kind="keyword",
    )


@pytest.fixture
def deputy_dsl(school):
    user = UserFactory.create(username="deputydsl")
    member(user, school, Role.DEPUTY_DSL)
    return user


def test_a_dsl_sees_violations_and_opening_one_is_audited(school, dsl, client_for):
    pupil = pupil_with_account(school, "pupil.one", first_name="Pupil", last_name="Onesie")
    violation = _violation(school, pupil)
    client = client_for(dsl)
    page = client.get(reverse("monitoring:violation_list"))
    assert page.status_code == 200
    assert b"Onesie" in page.content
    detail = client.get(
        reverse("monitoring:violation_detail", kwargs={"violation_pk": violation.pk})
    )
    assert detail.status_code == 200
    assert b"how to cut myself" in detail.content
    assert b"https://www.google.com/search?q=how+to+cut+myself" in detail.content
    entry = AuditEntry.objects.get(action="violation.viewed")
    assert (entry.actor, entry.object_id) == (dsl, str(violation.pk))


@pytest.mark.parametrize("role", [Role.DEPUTY_DSL, Role.SIRO, Role.HEADTEACHER])
def test_safeguarding_leads_may_see_violations(school, client_for, role):
    user = UserFactory.create(username=f"lead-{role}")
    member(user, school, role)
    assert client_for(user).get(reverse("monitoring:violation_list")).status_code == 200


def test_a_teacher_cannot_see_violations(school, teacher, client_for):
    violation = _violation(school)
    client = client_for(teacher)
    assert client.get(reverse("monitoring:violation_list")).status_code == 403
    detail = reverse("monitoring:violation_detail", kwargs={"violation_pk": violation.pk})
    assert client.get(detail).status_code == 403
    assert not AuditEntry.objects.filter(action="violation.viewed").exists()


def test_an_ict_manager_manages_keywords_but_cannot_see_violations(school, ict_manager, client_for):
    client = client_for(ict_manager)
    assert client.get(reverse("monitoring:violation_list")).status_code == 403
    assert client.get(reverse("monitoring:keyword_list")).status_code == 200
    assert client.get(reverse("monitoring:lease_list")).status_code == 200


def test_a_dsl_of_school_b_sees_nothing_of_school_a(school, other_school, client_for):
    pupil = pupil_with_account(school, "pupil.one", first_name="Pupil", last_name="Onesie")
    violation = _violation(school, pupil)
    b_dsl = UserFactory.create(username="dsl-b")
    member(b_dsl, other_school, Role.DSL)
    client = client_for(b_dsl)
    listing = client.get(reverse("monitoring:violation_list"))
    assert listing.status_code == 200
    assert b"Onesie" not in listing.content
    assert b"0 violations" in listing.content
    detail = reverse("monitoring:violation_detail", kwargs={"violation_pk": violation.pk})
    assert client.get(detail).status_code == 404


def test_violations_filter_by_severity_category_person_and_date(school, dsl, client_for):
    pupil = pupil_with_account(school, "pupil.one", first_name="Pupil", last_name="Onesie")
    other = pupil_with_account(school, "pupil.two", first_name="Pupil", last_name="Twosome")
    now = timezone.now()
    _violation(school, pupil, n=1, severity=5)
    _violation(school, other, n=2, severity=2, category="bullying")
    _violation(school, other, n=3, severity=4, ts=now - dt.timedelta(days=10))
    url = reverse("monitoring:violation_list")
    client = client_for(dsl)

    def count(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return response.context["page"].paginator.count

    assert count() == 3
    assert count(min_severity=4) == 2
    assert count(category="bullying") == 1
    assert count(person=other.pk) == 2
    assert count(date_from=(now - dt.timedelta(days=2)).date().isoformat()) == 2
    assert count(date_to=(now - dt.timedelta(days=5)).date().isoformat()) == 1
    ordered = client.get(url, {"sort": "-severity"}).context["page"]
    assert [v.severity for v in ordered] == [5, 4, 2]
    partial = client.get(url, {"min_severity": 5}, headers={"HX-Request": "true"})
    assert b"<h1>" not in partial.content and b"Onesie" in partial.content


def test_the_violation_list_pages_without_extra_queries_per_row(school, dsl, client_for):
    for n in range(60):
        pupil = pupil_with_account(school, f"pupil.{n}")
        _violation(school, pupil, n=n)
    client = client_for(dsl)
    client.get(reverse("monitoring:violation_list"))
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("monitoring:violation_list"), {"page": 2})
    assert len(response.context["page"]) == 10
    assert len(few) < 20


def test_the_dashboard_counts_the_last_24_hours_by_severity(school, dsl, client_for):
    _violation(school, n=1, severity=5)
    _violation(school, n=2, severity=5)
    _violation(school, n=3, severity=3, ts=timezone.now() - dt.timedelta(days=2))
    page = client_for(dsl).get(reverse("core:dashboard"))
    assert b"Violations in the last 24 hours" in page.content
    panel = next(p for p in page.context["panels"] if p.title.startswith("Violations"))
    assert dict(panel.context["by_severity"]) == {5: 2, 4: 0, 3: 0, 2: 0, 1: 0}


def test_the_navigation_shows_monitoring_pages_by_role(school, dsl, teacher, client_for):
    dsl_page = client_for(dsl).get(reverse("core:dashboard")).content.decode()
    assert "Violations" in dsl_page and "Keyword library" in dsl_page
    teacher_page = client_for(teacher).get(reverse("core:dashboard")).content.decode()
    assert "Violations" not in teacher_page and "Keyword library" not in teacher_page


def test_keyword_library_lists_filters_and_switches_phrases(school, dsl, client_for):
    keywords_load_starter(actor=None, school=school)
    client = client_for(dsl)
    url = reverse("monitoring:keyword_list")
    page = client.get(url, {"category": "self-harm", "severity": 5})
    assert page.status_code == 200
    shown = list(page.context["page"])
    assert shown and {(k.category, k.severity) for k in shown} == {("self-harm", 5)}
    assert client.get(url, {"q": "cut myself"}).context["page"].paginator.count >= 2
    keyword = shown[0]
    toggle = reverse("monitoring:keyword_toggle", kwargs={"keyword_pk": keyword.pk})
    response = client.post(toggle, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"switch on" in response.content
    keyword.refresh_from_db()
    assert not keyword.active
    assert AuditEntry.objects.filter(action="keyword.updated", object_id=str(keyword.pk)).exists()


def test_a_phrase_can_be_added_by_hand(school, dsl, client_for):
    response = client_for(dsl).post(
        reverse("monitoring:keyword_create"),
        {
            "text": "meet me behind the bike sheds",
            "category": "bullying",
            "severity": 3,
            "language": "en",
        },
    )
    assert response.status_code == 302
    assert Keyword.objects.get(school=school).source == "manual"


def test_an_exclusion_is_added_and_removed_through_the_page(school, dsl, client_for):
    client = client_for(dsl)
    url = reverse("monitoring:exclusion_list")
    missing = client.post(url, {"text": "suicide squad", "reason": ""})
    assert missing.status_code == 200 and b"This field is required" in missing.content
    assert client.post(url, {"text": "suicide squad", "reason": "A film"}).status_code == 302
    exclusion = KeywordExclusion.objects.get(school=school)
    assert b"A film" in client.get(url).content
    remove = reverse("monitoring:exclusion_remove", kwargs={"exclusion_pk": exclusion.pk})
    assert client.post(remove).status_code == 302
    assert not KeywordExclusion.objects.exists()
    assert AuditEntry.objects.filter(action="keyword_exclusion.removed").exists()


def test_a_keyword_file_upload_reports_its_bad_line(school, dsl, client_for):
    upload = SimpleUploadedFile("en", b"first phrase\nbad\xff\n")
    response = client_for(dsl).post(
        reverse("monitoring:keyword_import"), {"fmt": "ldnoobw", "upload": upload}
    )
    assert response.status_code == 200
    assert "en, line 2: not UTF-8 text" in response.content.decode()
    assert not Keyword.objects.exists()


def test_an_installed_e2guardian_list_is_imported_from_the_page(school, dsl, client_for):
    response = client_for(dsl).post(
        reverse("monitoring:keyword_import"),
        {
            "fmt": "e2guardian",
            "installed": "/etc/e2guardian/lists/phraselists/drugadvocacy/weighted",
        },
    )
    assert response.status_code == 200, response.content
    assert Keyword.objects.filter(school=school, source="e2guardian").exists()


def test_a_lease_export_is_uploaded_and_a_lease_removed(school, ict_manager, client_for):
    pupil_with_account(school, "pupil.one")
    export = b"ip,mac,username,start,end\n10.0.1.5,m1,pupil.one,2025-03-10 08:00,\n"
    client = client_for(ict_manager)
    url = reverse("monitoring:lease_list")
    response = client.post(url, {"upload": SimpleUploadedFile("leases.csv", export)})
    assert response.status_code == 302
    lease = IpLease.objects.get()
    assert b"10.0.1.5" in client.get(url).content
    remove = reverse("monitoring:lease_remove", kwargs={"lease_pk": lease.pk})
    assert client.post(remove).status_code == 302
    assert not IpLease.objects.exists()


def test_a_pupils_page_lists_their_violations_for_the_dsl_only(school, dsl, teacher, client_for):
    pupil = pupil_with_account(school, "pupil.one")
    _violation(school, pupil)
    url = reverse("people:detail", kwargs={"person_pk": pupil.pk})
    page = client_for(dsl).get(url)
    assert b"Monitoring violations" in page.content and b"how to cut myself" in page.content
    assert AuditEntry.objects.filter(action="person.violations_viewed").exists()
    assert b"Monitoring violations" not in client_for(teacher).get(url).content


@pytest.mark.parametrize(
    "url_name",
    ["monitoring:keyword_create", "monitoring:keyword_import", "monitoring:exclusion_list"],
)
def test_keyword_pages_open_for_the_dsl_and_are_refused_to_a_teacher(
    school, dsl, teacher, client_for, url_name
):
    assert client_for(dsl).get(reverse(url_name)).status_code == 200
    assert client_for(teacher).get(reverse(url_name)).status_code == 403


def test_a_violation_is_named_in_words_at_school_time(school):
    summer = dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.UTC)
    violation = Violation(school=school, category="self-harm", phrase="", ts=summer)
    # 13:05 UTC is 14:05 in a British summer.
    assert str(violation) == "Self-harm at 01/07/2026 14:05"
