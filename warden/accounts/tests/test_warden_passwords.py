"""Warden's own passwords: a breached one is changed at once, and none of the last five is
used again (policy duties "A breached password is changed at once" and "Passwords changed,
not reused", docs/policy-map.md)."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import PasswordHistory
from warden.accounts.passwords import PASSWORD_HISTORY
from warden.core.models import AuditEntry
from warden.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post(reverse("core:login"), {"username": username, "password": password})
    assert response.status_code == 302, "the sign-in was refused"
    return client


def _change(client: Client, old: str, new: str):
    return client.post(
        reverse("core:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_signing_in_with_a_breached_password_forces_a_change_to_one_not_breached(
    governor, settings, tmp_path
):
    breached = tmp_path / "breached.txt"
    breached.write_text(f"{PASSWORD}\nOwl-Harbour-2020\n", encoding="utf-8")
    settings.WARDEN_BREACHED_PASSWORDS_FILE = str(breached)
    client = _sign_in("governor", PASSWORD)
    governor.refresh_from_db()
    assert governor.must_change_password
    assert AuditEntry.objects.filter(action="user.password_breached").exists()
    assert client.get(reverse("core:dashboard"))["Location"] == reverse("core:password_change")
    refused = _change(client, PASSWORD, "Owl-Harbour-2020")
    assert b"has appeared in a data breach" in refused.content
    assert _change(client, PASSWORD, "Kestrel-Meadow-81").status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_a_clean_password_does_not_force_a_change(governor, settings, tmp_path):
    breached = tmp_path / "breached.txt"
    breached.write_text("Owl-Harbour-2020\n", encoding="utf-8")
    settings.WARDEN_BREACHED_PASSWORDS_FILE = str(breached)
    client = _sign_in("governor", PASSWORD)
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_none_of_the_last_five_passwords_can_be_chosen_again(governor):
    client = _sign_in("governor", PASSWORD)
    same = _change(client, PASSWORD, PASSWORD)
    assert b"your last 5 passwords cannot be used again" in same.content
    passwords = [PASSWORD] + [f"Kestrel-Meadow-{n}x" for n in range(PASSWORD_HISTORY)]
    for old, new in pairwise(passwords):
        assert _change(client, old, new).status_code == 302
    current = passwords[-1]
    back = _change(client, current, passwords[-3])
    assert b"your last 5 passwords cannot be used again" in back.content
    # Only hashes are kept, and only the last five: the first password is free again.
    assert PasswordHistory.objects.filter(user=governor).count() == PASSWORD_HISTORY
    assert all(PASSWORD not in h.password_hash for h in PasswordHistory.objects.all())
    assert _change(client, current, PASSWORD).status_code == 302


def test_a_password_older_than_the_schools_maximum_age_must_be_changed_at_sign_in(
    school, governor, ict_manager, client_for
):
    settings_page = client_for(ict_manager).get(reverse("accounts:settings")).content.decode()
    assert "National Cyber Security Centre advises against forced regular changes" in settings_page
    PasswordHistory.objects.filter(user=governor).update(
        set_at=timezone.now() - dt.timedelta(days=91)
    )
    client = _sign_in("governor", PASSWORD)
    assert client.get(reverse("core:dashboard"))["Location"] == reverse("core:password_change")
    assert AuditEntry.objects.filter(action="user.password_expired").exists()
    assert _change(client, PASSWORD, "Kestrel-Meadow-81").status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_a_school_following_ncsc_advice_asks_for_no_change_for_age_alone(
    school, governor, ict_manager, client_for
):
    saved = client_for(ict_manager).post(
        reverse("accounts:settings"),
        {"removal_window_hours": 48, "auto_suspend": "on", "password_max_age_days": 0},
    )
    assert saved.status_code == 302
    PasswordHistory.objects.filter(user=governor).update(
        set_at=timezone.now() - dt.timedelta(days=400)
    )
    client = _sign_in("governor", PASSWORD)
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_at_several_schools_the_strictest_maximum_age_counts(
    school, other_school, governor, ict_manager, django_assert_max_num_queries
):
    from warden.accounts import services
    from warden.core.roles import Role
    from warden.testing.factories import member

    member(governor, other_school, Role.GOVERNOR)
    services.accounts_settings_update(
        actor=ict_manager,
        school=school,
        removal_window_hours=48,
        auto_suspend=True,
        password_max_age_days=0,
    )
    PasswordHistory.objects.filter(user=governor).update(
        set_at=timezone.now() - dt.timedelta(days=91)
    )
    # The other school keeps the default 90 days, stricter than "only when compromised".
    with django_assert_max_num_queries(3):
        assert services.password_expired(governor)
    assert not services.password_expired(governor, now=timezone.now() - dt.timedelta(days=2))
