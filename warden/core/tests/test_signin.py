from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from warden.core.models import AuditEntry
from warden.testing.factories import PASSWORD


def _sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_governor_signs_in_with_password_alone(governor):
    # Governors see figures only; every role that reads personal data needs a second factor.
    client = Client()
    response = _sign_in(client, "governor")
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_five_wrong_passwords_lock_the_account(teacher):
    client = Client()
    for _ in range(5):
        response = _sign_in(client, "teacher", "wrong-password")
    assert response.status_code == 429
    # Even the right password is refused now.
    response = _sign_in(Client(), "teacher")
    assert response.status_code == 429
    assert b"This account is locked" in response.content
    assert AuditEntry.objects.filter(action="user.locked_out").exists()


def test_four_wrong_passwords_do_not_lock_the_account(teacher):
    client = Client()
    for _ in range(4):
        _sign_in(client, "teacher", "wrong-password")
    assert _sign_in(client, "teacher").status_code == 302


@pytest.mark.parametrize(
    "url_name", ["core:dashboard", "people:list", "core:audit_list", "core:user_list"]
)
def test_dsl_cannot_reach_any_page_before_the_second_factor(dsl, url_name):
    client = Client()
    _sign_in(client, "dsl")
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:otp_setup")


def test_dsl_enrols_an_authenticator_then_reaches_the_dashboard(dsl):
    client = Client()
    _sign_in(client, "dsl")
    page = client.get(reverse("core:otp_setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    # No backup codes exist yet: the box asks for the authenticator's code only.
    assert "Code from your authenticator app" in page.content.decode()
    assert b"backup code" not in page.content
    device = TOTPDevice.objects.get(user=dsl, confirmed=False)
    response = client.post(reverse("core:otp_setup"), {"token": _code(device)})
    assert response.status_code == 200
    assert b"backup codes" in response.content
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_dsl_with_an_authenticator_must_enter_a_code_each_sign_in(dsl):
    device = TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    client = Client()
    _sign_in(client, "dsl")
    held = client.get(reverse("people:list"))["Location"]
    assert held == reverse("core:otp_verify") + "?next=%2Fpeople%2F"
    wrong = client.post(held, {"token": "000000"})
    assert b"did not match" in wrong.content
    assert client.get(reverse("people:list")).status_code == 302
    response = client.post(held, {"token": _code(device)})
    assert response["Location"] == reverse("people:list")
    assert client.get(reverse("people:list")).status_code == 200


def test_a_wrong_code_does_not_refuse_the_right_one_typed_at_once(dsl):
    """django-otp's back-off refused every code for a while after a wrong one, so the right
    code typed straight after a typo failed for the rest of its 30-second window."""
    device = TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    client = Client()
    _sign_in(client, "dsl")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        wrong = client.post(reverse("core:otp_verify"), {"token": "000000"})
        assert b"did not match" in wrong.content
        client.post(reverse("core:otp_verify"), {"token": _code(device)})
        assert client.get(reverse("people:list")).status_code == 200


def test_a_wrong_code_at_enrolment_does_not_refuse_the_right_one(dsl):
    client = Client()
    _sign_in(client, "dsl")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        client.get(reverse("core:otp_setup"))
        device = TOTPDevice.objects.get(user=dsl, confirmed=False)
        assert (
            b"did not match" in client.post(reverse("core:otp_setup"), {"token": "000000"}).content
        )
        response = client.post(reverse("core:otp_setup"), {"token": _code(device)})
        assert b"backup codes" in response.content


def test_each_second_factor_try_at_sign_in_is_audited(dsl):
    device = TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    client = Client()
    _sign_in(client, "dsl")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        client.post(reverse("core:otp_verify"), {"token": "000000"})
        client.post(reverse("core:otp_verify"), {"token": _code(device)})
    tries = AuditEntry.objects.filter(action__startswith="user.second_factor_").order_by("seq")
    assert [(e.action, e.actor_id) for e in tries] == [
        ("user.second_factor_failed", dsl.pk),
        ("user.second_factor_passed", dsl.pk),
    ]


def test_a_wrong_code_at_enrolment_is_not_counted_as_a_failed_sign_in(dsl):
    client = Client()
    _sign_in(client, "dsl")
    client.get(reverse("core:otp_setup"))
    client.post(reverse("core:otp_setup"), {"token": "000000"})
    assert not AuditEntry.objects.filter(action__startswith="user.second_factor_").exists()


def test_many_wrong_codes_in_a_row_make_the_next_try_wait(dsl):
    device = TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    client = Client()
    _sign_in(client, "dsl")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        for _ in range(3):
            client.post(reverse("core:otp_verify"), {"token": "000000"})
        # Three wrong codes are free; then the wait doubles with each wrong one.
        held = client.post(reverse("core:otp_verify"), {"token": _code(device)})
        assert b"Wait 1 second," in held.content
        clock.shift(dt.timedelta(seconds=1))
        client.post(reverse("core:otp_verify"), {"token": "000000"})
        held = client.post(reverse("core:otp_verify"), {"token": _code(device)})
        assert b"Wait 2 seconds," in held.content
        assert client.get(reverse("people:list")).status_code == 302
        clock.shift(dt.timedelta(seconds=2))
        client.post(reverse("core:otp_verify"), {"token": _code(device)})
        assert client.get(reverse("people:list")).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_temporary_password_must_be_changed_at_first_sign_in(governor):
    governor.must_change_password = True
    governor.save()
    client = Client()
    _sign_in(client, "governor")
    assert client.get(reverse("core:dashboard"))["Location"] == reverse("core:password_change")
    weak = client.post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": "lowercase", "new_password2": "lowercase"},
    )
    assert b"Mix upper and lower case letters." in weak.content
    done = client.post(
        reverse("core:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Kestrel-Meadow-81",
            "new_password2": "Kestrel-Meadow-81",
        },
    )
    assert done.status_code == 302
    governor.refresh_from_db()
    assert not governor.must_change_password
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_session_ends_after_fifteen_idle_minutes(governor, settings):
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = Client()
        _sign_in(client, "governor")
        clock.shift(dt.timedelta(minutes=14))
        assert client.get(reverse("core:dashboard")).status_code == 200
        clock.shift(dt.timedelta(minutes=14))  # activity above renewed the session
        assert client.get(reverse("core:dashboard")).status_code == 200
        clock.shift(dt.timedelta(minutes=16))
        response = client.get(reverse("core:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))


def test_password_reset_by_email(teacher, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:password_reset"), {"email": teacher.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/\S+)", str(mail.outbox[0].body))
    assert link
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Heron-Valley-204", "new_password2": "Heron-Valley-204"},
    )
    assert response.status_code == 302
    assert _sign_in(Client(), "teacher", "Heron-Valley-204").status_code == 302


def test_healthz_answers_when_the_database_does(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_reset_emails_go_through_the_background_worker(
    teacher, settings, django_capture_on_commit_callbacks
):
    from warden.cli import main as warden

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("core:password_reset"), {"email": teacher.email})
    assert mail.outbox == []
    warden(["worker", "--batch"])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [teacher.email]
    assert "teacher" in str(mail.outbox[0].body)
