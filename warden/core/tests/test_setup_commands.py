from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from warden.cli import main as warden
from warden.core.models import AuditEntry, Membership, School, User


def test_a_new_installation_gets_its_school_and_first_headteacher(db, capsys):
    warden(["add-school", "--name", "Elm Primary", "--slug", "elm", "--trust-slug", "elm"])
    school = School.objects.get(slug="elm")
    assert school.trust.name == "Elm Primary"
    warden(
        [
            "add-user",
            "a.head",
            "--email",
            "head@elm.example.org",
            "--first-name",
            "A",
            "--last-name",
            "Head",
            "--role",
            "headteacher",
            "--school",
            "elm",
        ]
    )
    out = capsys.readouterr().out
    password = out.split("Temporary password: ")[1].split()[0]
    user = User.objects.get(username="a.head")
    assert user.must_change_password
    assert Membership.objects.get(user=user).school == school
    client = Client()
    client.post(reverse("core:login"), {"username": "a.head", "password": password})
    # A headteacher sets up a second factor before anything else.
    assert client.get(reverse("core:dashboard"))["Location"] == reverse("core:otp_setup")
    assert AuditEntry.objects.filter(action="school.created", via="cli").exists()


def test_a_trust_administrator_is_created_trust_wide(db, capsys):
    warden(
        [
            "add-school",
            "--name",
            "Ash Academy",
            "--slug",
            "ash",
            "--trust-slug",
            "wood",
            "--trust-name",
            "Wood Trust",
        ]
    )
    warden(
        [
            "add-user",
            "t.admin",
            "--email",
            "t@wood.example.org",
            "--first-name",
            "T",
            "--last-name",
            "Admin",
            "--role",
            "trust_admin",
            "--trust",
            "wood",
        ]
    )
    membership = Membership.objects.get(user__username="t.admin")
    assert membership.school is None and membership.trust.slug == "wood"


def test_a_duplicate_school_is_refused_with_the_reason(db, capsys):
    warden(["add-school", "--name", "Elm Primary", "--slug", "elm", "--trust-slug", "elm"])
    with pytest.raises(SystemExit) as exit_info:
        warden(["add-school", "--name", "Elm Two", "--slug", "elm", "--trust-slug", "elm"])
    assert exit_info.value.code != 0
    assert "choose another" in capsys.readouterr().err
