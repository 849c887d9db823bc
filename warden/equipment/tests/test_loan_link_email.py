"""The one-time link to accept a loan agreement is e-mailed to the borrower, or their parents."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from warden.agreements.testing import parent_of, sign_current
from warden.equipment.models import Loan
from warden.equipment.services.loans import loan_check_out, loan_link_send
from warden.people.models import Person
from warden.testing.clients import committed
from warden.testing.factories import PupilFactory

from .factories import AssetFactory, signed_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_loans_without_permission")]


def _awaiting(school, office, person: Person) -> Loan:
    return loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=person,
        due_on=timezone.localdate(),
    )


def test_sending_the_link_e_mails_the_borrower(school, office, client_for):
    loan = _awaiting(school, office, signed_staff(school, email="borrower@example.org"))
    client = client_for(office)
    page = client.get(reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk}))
    assert b"Send the link" in page.content
    done = client.post(
        reverse("equipment:loan_link", kwargs={"loan_pk": loan.pk}), {"email": "1"}, follow=True
    )
    assert [m.to for m in mail.outbox] == [["borrower@example.org"]]
    assert "/equipment/accept/" in str(mail.outbox[0].body)
    assert b"The link is e-mailed to borrower@example.org." in done.content


def test_a_pupils_link_goes_to_the_parents_with_parental_responsibility(school, office):
    pupil = PupilFactory.create(school=school, email="")
    sign_current(pupil)  # counter-signed by a parent with parental responsibility
    parent = parent_of(pupil)
    loan = _awaiting(school, office, pupil)
    with committed():
        sent = loan_link_send(actor=office, loan=loan, url_for=lambda t: f"http://x/{t}/")
    assert sent.sent_to == [parent.email]
    assert mail.outbox[-1].to == [parent.email]
    assert f"for {pupil.full_name}" in str(mail.outbox[-1].body)


def test_without_any_e_mail_address_the_page_says_so_and_shows_the_link(school, office, client_for):
    loan = _awaiting(school, office, signed_staff(school, email=""))
    client = client_for(office)
    page = client.get(reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk}))
    assert b"nor a parent or carer has an e-mail address" in page.content
    done = client.post(reverse("equipment:loan_link", kwargs={"loan_pk": loan.pk}), follow=True)
    assert not mail.outbox
    assert done.context["link"] and b"give it to the borrower" in done.content
