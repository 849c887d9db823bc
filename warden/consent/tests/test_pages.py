"""The consent pages and command, through HTTP and ``warden consent``: the check before
publishing, unknown lines, class lists, a parent's link, roles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from warden.cli import main as warden
from warden.consent import rules as services_rules
from warden.consent import selectors as consent_selectors
from warden.consent import services
from warden.consent.models import Asks, ConsentDecision, Purpose
from warden.consent.rules import refusals
from warden.consent.testing import answer, family, purposes_published
from warden.people.models import Guardianship
from warden.testing.clients import committed
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def class_7b(school):
    """Three pupils of 7B: one with both parents' yes, one with one yes and one waiting,
    one whose parent said no."""
    purposes_published(school)
    granted = PupilFactory.create(school=school, first_name="Ash", last_name="Granted", form="7B")
    half = PupilFactory.create(school=school, first_name="Bay", last_name="Halfway", form="7B")
    refused = PupilFactory.create(school=school, first_name="Cy", last_name="Refused", form="7B")
    for parent in family(granted):
        answer(granted, parent, "website", "yes")
    first, _ = family(half)
    answer(half, first, "website", "yes")
    (only,) = family(refused, parents=1)
    answer(refused, only, "website", "no")
    return {"granted": granted, "half": half, "refused": refused}


def test_the_check_page_lists_who_may_not_appear_with_why(school, teacher, client_for, class_7b):
    client = client_for(teacher)
    page = client.post(reverse("consent:check"), {"purpose": "website", "form_name": "7B"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "2 of 3 pupils may not appear" in html
    assert "Bay Halfway" in html and "Waiting for 1 of 2 parents" in html
    assert "Cy Refused" in html and "Refused by a parent on" in html
    assert "Ash Granted" not in html
    # Teachers see why, never which parent.
    assert "Parent1" not in html and "@example.org" not in html


def test_pasted_lines_that_name_no_pupil_are_listed_with_their_numbers(
    school, office, client_for, class_7b
):
    pasted = "Bay Halfway (7B)\nNo Such Pupil\n\n" + class_7b["refused"].mis_id
    page = client_for(office).post(
        reverse("consent:check"), {"purpose": "website", "pasted": pasted}
    )
    html = page.content.decode()
    assert "Line 2: “No Such Pupil”" in html
    assert "2 of 2 pupils may not appear" in html


def test_an_uploaded_csv_is_checked(school, office, client_for, class_7b):
    upload = SimpleUploadedFile("class.csv", b"Name\nAsh Granted (7B)\nBay Halfway (7B)\n")
    page = client_for(office).post(
        reverse("consent:check"), {"purpose": "website", "upload": upload}
    )
    html = page.content.decode()
    assert "1 of 2 pupils may not appear" in html and "Bay Halfway" in html


def test_the_command_exits_1_when_anyone_may_not_appear_and_2_on_unknown_lines(
    school, class_7b, tmp_path, capsys
):
    listed = tmp_path / "class.txt"
    listed.write_text("Ash Granted (7B)\nBay Halfway (7B)\n")
    with pytest.raises(SystemExit) as stopped:
        warden(["consent", "check", "--school", school.slug, "--purpose", "website", str(listed)])
    assert stopped.value.code == 1
    out = capsys.readouterr().out
    assert "MAY NOT APPEAR\tBay Halfway (7B)\tWaiting for 1 of 2 parents" in out
    assert "Ash Granted" not in out.replace("1 of 2 pupil(s)", "")

    listed.write_text("Ash Granted (7B)\nNobody Known\n")
    with pytest.raises(SystemExit) as stopped:
        warden(["consent", "check", "--school", school.slug, "--purpose", "website", str(listed)])
    assert stopped.value.code == 2
    assert "line 2: Nobody Known: No pupil on roll" in capsys.readouterr().err

    listed.write_text("Ash Granted (7B)\n")
    warden(["consent", "check", "--school", school.slug, "--purpose", "website", str(listed)])
    assert "0 of 1 pupil(s) may not appear" in capsys.readouterr().out


def test_the_purposes_command_lists_slugs_first(school, class_7b, capsys):
    warden(["consent", "purposes", "--school", school.slug])
    lines = capsys.readouterr().out.splitlines()
    assert "website\tSchool website\t" in "\n".join(lines) + "\t"
    assert all("\t" in line for line in lines)


def test_a_withdrawal_reaches_the_check_at_once(school, office, client_for, class_7b):
    granted = class_7b["granted"]
    parent = granted.guardianships.first().parent
    answer(granted, parent, "website", "no")
    page = client_for(office).post(
        reverse("consent:check"), {"purpose": "website", "pasted": "Ash Granted"}
    )
    assert "Withdrawn by a parent on" in page.content.decode()


def test_the_class_list_prints_who_may_not_be_photographed(school, teacher, client_for, class_7b):
    page = client_for(teacher).get(reverse("consent:class_list"), {"form_name": "7B"})
    html = page.content.decode()
    assert "Not to be photographed: 7B" in html
    assert "Bay Halfway" in html and "School website" in html
    assert "Parent1" not in html


def _token(body: str) -> str:
    found = re.search(r"/consent/answer/([^/\s]+)/", body)
    assert found, body
    return found[1]


def test_a_parent_answers_by_link_then_withdraws_by_the_link_emailed_after(school, class_7b):
    pupil = class_7b["half"]
    second = pupil.guardianships.order_by("contact_priority")[1].parent
    with committed():
        services.consent_requests_send(actor=None, pupils=[pupil], root="http://testserver")
    # Both are asked: the first parent has answered one purpose of several.
    to_second = [m for m in mail.outbox if m.to == [second.email]]
    assert len(to_second) == 1 and len(mail.outbox) == 2
    token = _token(str(to_second[0].body))
    with committed():
        services.consent_link_use(
            token=token,
            answers={"website": "yes", "press": "no"},
            typed_name=second.full_name,
            confirmed=True,
            ip=None,
            user_agent="",
        )
    assert refusals(school, "website", [pupil.pk]) == {}
    # The link works once; the e-mail that follows carries a new one for later.
    with pytest.raises(services.LinkRefused, match="already been used"):
        services.link_for_token(token)
    later = _token(str(mail.outbox[-1].body))
    services.consent_link_use(
        token=later,
        answers={"website": "no"},
        typed_name=second.full_name,
        confirmed=True,
        ip=None,
        user_agent="",
    )
    assert "Withdrawn" in refusals(school, "website", [pupil.pk])[pupil.pk]
    answers = ConsentDecision.objects.filter(
        pupil=pupil, decided_by=second, purpose__slug="website"
    )
    assert sorted(answers.values_list("answer", flat=True)) == ["withdrawn", "yes"]


def test_a_new_pupil_with_parents_gets_the_admission_pack(school):
    from warden.people.services import guardian_link, person_create

    purposes_published(school)
    pupil = person_create(
        actor=None,
        school=school,
        fields={
            "person_type": "pupil",
            "first_name": "New",
            "last_name": "Joiner",
            "form": "7C",
            "year_group": 7,
        },
    )
    parent = person_create(
        actor=None,
        school=school,
        fields={
            "person_type": "parent",
            "first_name": "Parent",
            "last_name": "Joiner",
            "email": "joiner.parent@example.org",
        },
    )
    with committed():
        guardian_link(actor=None, pupil=pupil, parent=parent, relationship="parent")
    assert [m.to for m in mail.outbox] == [["joiner.parent@example.org"]]
    assert "Consent for photographs of New Joiner" in mail.outbox[0].subject


def test_roles_teacher_checks_but_cannot_see_a_pupils_decisions(
    school, teacher, governor, office, client_for, class_7b
):
    pupil = class_7b["half"]
    url = reverse("consent:pupil", kwargs={"pupil_pk": pupil.pk})
    assert client_for(teacher).get(url).status_code == 403
    assert client_for(governor).get(reverse("consent:check")).status_code == 403
    office_page = client_for(office).get(url)
    assert office_page.status_code == 200 and "Parent1" in office_page.content.decode()


def test_the_office_records_a_desk_answer(school, office, client_for, class_7b):
    pupil = class_7b["half"]
    second = pupil.guardianships.order_by("contact_priority")[1].parent
    response = client_for(office).post(
        reverse("consent:record", kwargs={"pupil_pk": pupil.pk}),
        {
            "decided_by": second.pk,
            "method": "desk",
            "typed_name": second.full_name,
            "confirmed": "on",
            "answer_website": "yes",
        },
    )
    assert response.status_code == 302
    assert refusals(school, "website", [pupil.pk]) == {}


def test_the_governors_report_counts_answers_and_names_no_one(school, class_7b):
    from warden.incidents import reports

    report = reports.termly_report(
        school, reports.term("autumn", 2026), now=dt.datetime(2026, 12, 20, tzinfo=dt.UTC)
    )
    (section,) = [s for s in report.sections if s.key == "consent"]
    counts = {row.label: row.now for row in section.rows}
    # The fixture: three yes answers and one no this term.
    assert counts == {"Yes": 3, "No": 1, "Withdrawn": 0}
    assert section.total is not None and section.total.now == 4
    assert "Parent1" not in repr(section) and "Granted" not in repr(section)


def _website_totals(client) -> tuple[int, int, int]:
    home = client.get(reverse("core:dashboard"))
    panel = next(p for p in home.context["panels"] if p.title.startswith("Consent"))
    row = next(r for r in panel.context["rows"] if r["purpose"].slug == "website")
    return row["totals"]["granted"], row["totals"]["pending"], row["totals"]["refused"]


def test_the_office_home_reuses_its_consent_figures_until_an_answer_changes_them(
    school, office, client_for, class_7b, monkeypatch
):
    client = client_for(office)
    assert _website_totals(client) == (1, 1, 1)
    worked_out = []
    real = services_rules.consent_states

    def counting(*args, **kwargs):
        worked_out.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(consent_selectors, "consent_states", counting)
    # Opened again with nothing changed: the figures are reused, not worked out again.
    assert _website_totals(client) == (1, 1, 1)
    assert worked_out == []
    # The second parent says yes: the next home page counts it at once.
    second = class_7b["half"].guardianships.order_by("contact_priority").last().parent
    answer(class_7b["half"], second, "website", "yes")
    assert _website_totals(client) == (2, 0, 1)
    assert worked_out


def test_the_office_home_counts_again_when_responsibility_or_a_purpose_changes(
    school, office, client_for, class_7b
):
    client = client_for(office)
    assert _website_totals(client) == (1, 1, 1)
    # The register (as an MIS import does, in bulk) says the waiting parent has no parental
    # responsibility: only the parent who said yes is asked, so the pupil is granted.
    waiting = class_7b["half"].guardianships.order_by("contact_priority").last()
    Guardianship.objects.filter(pk=waiting.pk).update(parental_responsibility=False)
    assert _website_totals(client) == (2, 0, 1)
    # The website now asks the pupils of 7B too: each one's own answer is awaited.
    services.purpose_update(
        actor=None,
        purpose=Purpose.objects.get(school=school, slug="website"),
        fields={"asks": Asks.PARENTS_AND_PUPIL, "pupil_from_age": 11},
    )
    assert _website_totals(client) == (0, 2, 1)


def test_qr_slips_go_to_each_parent_still_to_answer_and_open_their_page(
    school, office, client_for, class_7b
):
    client = client_for(office)
    page = client.post(reverse("consent:send"), {"form_name": "7B", "sheet": "1"})
    html = page.content.decode()
    # Ash's parents have answered only the website: every parent of the class has slips.
    parents = [g.parent for p in class_7b.values() for g in p.guardianships.all()]
    for parent in parents:
        assert f"For {parent.full_name}" in html
    assert html.count('class="qr-card"') == len(parents)
    assert "<svg" in html and not mail.outbox
    token = _token(html)
    answer_page = Client().get(reverse("consent:public_answer", args=[token]))
    assert answer_page.status_code == 200
    assert "School website" in answer_page.content.decode()


def test_a_link_answered_with_nothing_chosen_says_so_and_still_works(school, class_7b):
    pupil = class_7b["half"]
    second = pupil.guardianships.order_by("contact_priority")[1].parent
    with committed():
        services.consent_requests_send(actor=None, pupils=[pupil], root="http://testserver")
    token = _token(str(next(m for m in mail.outbox if m.to == [second.email]).body))
    sent = len(mail.outbox)
    address = reverse("consent:public_answer", args=[token])
    parent = Client(enforce_csrf_checks=False)
    page = parent.post(address, {"typed_name": second.full_name, "confirmed": "on"})
    assert page.status_code == 200
    assert "Choose yes or no for at least one purpose" in page.content.decode()
    # Nothing is recorded, no thank-you e-mail goes, and the link still opens the form.
    assert len(mail.outbox) == sent
    assert not ConsentDecision.objects.filter(decided_by=second).exists()
    assert services.link_for_token(token).used_at is None
    again = parent.post(
        address, {"typed_name": second.full_name, "confirmed": "on", "answer_website": "yes"}
    )
    assert again.status_code == 200 and "Thank you" in again.content.decode()
    assert refusals(school, "website", [pupil.pk]) == {}


def test_a_change_link_sent_back_unchanged_is_not_spent(school, class_7b):
    pupil = class_7b["half"]
    first = pupil.guardianships.order_by("contact_priority")[0].parent
    _link, token = services.consent_link_create(
        actor=None, pupil=pupil, person=first, sent_to=first.email, reason="change", days=30
    )
    mine = ConsentDecision.objects.filter(decided_by=first, pupil=pupil)
    before = {d.purpose.slug: d.answer for d in mine}
    assert before, "the fixture's first parent has answered already"
    posted = {f"answer_{slug}": answer for slug, answer in before.items()}
    page = Client().post(
        reverse("consent:public_answer", args=[token]),
        {"typed_name": first.full_name, "confirmed": "on", **posted},
    )
    assert page.status_code == 200
    assert "Nothing has changed" in page.content.decode()
    assert services.link_for_token(token).used_at is None
    assert mine.count() == len(before)
