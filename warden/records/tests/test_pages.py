import datetime as dt
import io
import zipfile

from django.urls import reverse
from django.utils import timezone

from warden.core.models import AuditEntry
from warden.records import services
from warden.records.models import ReceivedVia, SarStatus, SubjectAccessRequest
from warden.records.selectors import dpo_for
from warden.records.tests.records_data import pupil_with_records
from warden.testing.factories import PupilFactory
from warden.testing.pages import page_queries


def _logged(school, siro, person, received_on=None):
    return services.sar_log(
        actor=siro,
        school=school,
        person=person,
        requester="The pupil's father",
        received_via=ReceivedVia.EMAIL,
        received_on=received_on or timezone.localdate(),
    )


def test_the_siro_names_the_dpo_and_the_sar_page_shows_them(school, siro, client_for):
    client = client_for(siro)
    response = client.post(
        reverse("records:dpo"),
        {"name": "Schools DPO Service", "email": "dpo@example.org", "organisation": "A firm"},
    )
    assert response.status_code == 302
    contact = dpo_for(school)
    assert contact is not None and contact.name == "Schools DPO Service"
    sar = _logged(school, siro, PupilFactory.create(school=school))
    page = client.get(reverse("records:sar_detail", args=[sar.pk])).content.decode()
    assert "Schools DPO Service" in page and "dpo@example.org" in page


def test_a_dpo_without_an_email_is_refused_with_a_reason(school, siro, client_for):
    response = client_for(siro).post(reverse("records:dpo"), {"name": "Someone", "email": ""})
    assert response.status_code == 200
    assert dpo_for(school) is None
    assert "e-mail" in response.content.decode().lower()


def test_logging_a_sar_through_the_page_sets_its_deadline(school, siro, client_for):
    pupil = PupilFactory.create(school=school)
    response = client_for(siro).post(
        reverse("records:sar_new"),
        {
            "person": str(pupil.pk),
            "requester": "The pupil's mother",
            "received_via": "email",
            "received_on": "2026-01-31",
        },
    )
    sar = SubjectAccessRequest.objects.get()
    assert response.status_code == 302
    assert sar.due_on == dt.date(2026, 2, 28)


def test_the_whole_request_through_the_pages_ends_in_a_download(school, siro, client_for):
    pupils = pupil_with_records(school)
    sar = _logged(school, siro, pupils.subject)
    client = client_for(siro)
    for name, data in [
        ("records:sar_identity", {"method": "Passport seen"}),
        ("records:sar_generate", {}),
        ("records:sar_exclude", {"item": "loans/0", "reason": "Not theirs to see"}),
        ("records:sar_review", {}),
        ("records:sar_release", {"via": "Collected in person"}),
    ]:
        assert client.post(reverse(name, args=[sar.pk]), data).status_code == 302
    sar.refresh_from_db()
    assert sar.status == SarStatus.RELEASED
    response = client.get(reverse("records:sar_download", args=[sar.pk]))
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "summary.pdf" in names and "incidents.csv" in names
    assert AuditEntry.objects.filter(action="subject_access.downloaded").exists()


def test_another_schools_sar_is_not_found(
    school, other_school, siro, other_school_user, client_for
):
    theirs = PupilFactory.create(school=other_school)
    sar = _logged(other_school, other_school_user, theirs)
    client = client_for(siro)
    assert client.get(reverse("records:sar_detail", args=[sar.pk])).status_code == 404
    assert client.get(reverse("records:sar_download", args=[sar.pk])).status_code == 404
    assert client.post(reverse("records:sar_generate", args=[sar.pk])).status_code == 404


def test_a_sar_page_refuses_a_person_of_another_school(school, other_school, siro, client_for):
    stranger = PupilFactory.create(school=other_school)
    response = client_for(siro).post(
        reverse("records:sar_new"),
        {
            "person": str(stranger.pk),
            "requester": "Someone",
            "received_via": "email",
            "received_on": "2026-01-31",
        },
    )
    assert response.status_code == 200
    assert not SubjectAccessRequest.objects.exists()


def test_roles_without_the_right_are_refused(school, teacher, governor, client_for):
    for user in (teacher, governor):
        client = client_for(user)
        assert client.get(reverse("records:sar_list")).status_code == 403
        assert client.get(reverse("records:retention")).status_code == 403


def test_overdue_and_due_soon_requests_head_the_siros_home_page(school, siro, client_for):
    overdue = _logged(school, siro, PupilFactory.create(school=school), dt.date(2020, 1, 10))
    later = _logged(school, siro, PupilFactory.create(school=school))
    page = client_for(siro).get(reverse("core:dashboard")).content.decode()
    assert overdue.reference in page and "Overdue" in page
    assert later.reference not in page


def test_the_retention_page_dry_run_and_approval(school, siro, client_for):
    client = client_for(siro)
    assert client.get(reverse("records:retention")).status_code == 200
    response = client.post(reverse("records:retention_find"))
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "Approve and remove" in detail.content.decode()
    run_pk = int(response["Location"].rstrip("/").split("/")[-1])
    assert client.post(reverse("records:run_approve", args=[run_pk])).status_code == 302
    assert "Approved and carried out" in client.get(response["Location"]).content.decode()


def test_a_schools_own_period_is_saved_from_the_page(school, siro, client_for):
    client = client_for(siro)
    response = client.post(
        reverse("records:retention_setting"),
        {
            "record_type": "monitoring.archive",
            "monitoring-archive-record_type": "monitoring.archive",
            "monitoring-archive-months": "6",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("records:retention")).content.decode()
    assert "Kept 6 months after the day logged" in page


def test_the_termly_report_counts_requests_and_removals_without_names(
    school, siro, governor, client_for
):
    pupil = PupilFactory.create(school=school, first_name="Quentin", last_name="Figureonly")
    _logged(school, siro, pupil, timezone.localdate() - dt.timedelta(days=3))
    response = client_for(governor).get(reverse("incidents:termly_report"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Subject access requests received" in page
    assert "Records removed under the retention schedule" in page
    assert "Figureonly" not in page


def test_the_sar_list_costs_the_same_queries_for_one_request_or_many(school, siro, client_for):
    client = client_for(siro)
    url = reverse("records:sar_list")
    _logged(school, siro, PupilFactory.create(school=school))
    few = page_queries(client, url)
    for person in PupilFactory.create_batch(8, school=school):
        _logged(school, siro, person)
    assert page_queries(client, url) == few
