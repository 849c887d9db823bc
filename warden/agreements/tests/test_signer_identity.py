"""A signature identifies who agreed (AUP-03): the typed name must be the person's, and a
person signs each version once in a renewal year, at the desk, on paper or by link."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils.html import escape

from warden.agreements import services
from warden.agreements.models import Audience, Method, Signature
from warden.agreements.testing import published_version
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoe(school):
    published_version(school, Audience.STAFF)
    return PersonFactory.create(
        school=school, title="Mrs", first_name="Zoë", last_name="O'Brien", preferred_name=""
    )


def _desk(client, person, typed):
    return client.post(
        reverse("agreements:desk_sign", kwargs={"person_pk": person.pk}),
        {"typed_name": typed, "confirmed": "on"},
    )


def test_a_desk_signature_in_someone_elses_name_is_refused_in_words(zoe, office, client_for):
    response = _desk(client_for(office), zoe, "Someone Else")
    assert response.status_code == 200
    (error,) = response.context["form"].errors["typed_name"]
    assert error == (
        "The name typed, “Someone Else”, is not Zoë O'Brien’s name. The signature must be in "
        "the name of the person agreeing: type “Zoë O'Brien” (capitals, spaces and accents "
        "do not matter)."
    )
    assert not Signature.objects.exists()


@pytest.mark.parametrize("typed", ["zoe  o'brien", "ZOË O'BRIEN", " Zoe O'Brien ", "Mrs O'Brien"])
def test_case_spacing_accents_and_title_are_forgiven(zoe, office, client_for, typed):
    response = _desk(client_for(office), zoe, typed)
    assert response.status_code == 302
    assert Signature.objects.get().person == zoe


def test_the_same_person_cannot_sign_the_same_version_twice(zoe, office, client_for):
    client = client_for(office)
    assert _desk(client, zoe, "Zoë O'Brien").status_code == 302
    again = _desk(client, zoe, "Zoë O'Brien")
    assert again.status_code == 200
    (error,) = again.context["form"].non_field_errors()
    assert "already signed" in error and "still counts" in error
    assert Signature.objects.count() == 1


def test_a_paper_scan_is_held_to_the_same_rules(zoe, office, client_for):
    url = reverse("agreements:paper_record", kwargs={"person_pk": zoe.pk})

    def post(typed):
        scan = SimpleUploadedFile("form.pdf", b"%PDF-1.4 signed form", "application/pdf")
        return client_for(office).post(url, {"typed_name": typed, "confirmed": "on", "scan": scan})

    refused = post("Someone Else")
    assert escape("is not Zoë O'Brien’s name") in refused.content.decode()
    assert post("Zoe O'Brien").status_code == 302
    assert "already signed" in post("Zoe O'Brien").content.decode()
    assert Signature.objects.count() == 1


def test_a_signing_link_is_held_to_the_same_rules(zoe, school, client):
    version = published_version(school, Audience.STAFF)
    _link, token = services.signing_link_create(actor=None, person=zoe, version=version)
    url = reverse("agreements:public_sign", kwargs={"token": token})
    refused = client.post(url, {"typed_name": "Someone Else", "confirmed": "on"})
    assert escape("is not Zoë O'Brien’s name") in refused.content.decode()
    assert not Signature.objects.exists()
    client.post(url, {"typed_name": "zoe o'brien", "confirmed": "on"})
    assert Signature.objects.get().method == Method.LINK
    _again, token = services.signing_link_create(actor=None, person=zoe, version=version)
    # Refused as signed already (the link may also say it is no longer needed).
    with pytest.raises(services.ServiceError, match=r"signed .+ on \d\d/\d\d/\d{4}"):
        services.signing_link_use(
            token=token, typed_name="Zoë O'Brien", confirmed=True, ip=None, user_agent=""
        )
    assert Signature.objects.count() == 1


def test_the_database_holds_one_signature_per_person_version_and_year(zoe, school):
    version = published_version(school, Audience.STAFF)
    first = services.signature_record(
        actor=None,
        person=zoe,
        version=version,
        typed_name="Zoë O'Brien",
        confirmed=True,
        method=Method.DESK,
    )
    first.pk = None
    with pytest.raises(IntegrityError):
        first.save()
