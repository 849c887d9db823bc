"""Background tasks of core. Each is a thin wrapper the worker (``warden worker``) runs."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks import task

from warden.core.audit import audit_checkpoint_write


@task()
def send_email(*, subject: str, body: str, to: list[str], from_email: str | None = None) -> int:
    """Send one plain-text e-mail; a failure is retried by running the task again."""
    message = EmailMessage(subject, body, from_email or settings.DEFAULT_FROM_EMAIL, to)
    return message.send()


def send_email_on_commit(*, subject: str, body: str, to: list[str]) -> None:
    """Queue ``send_email`` once the current transaction commits: nothing is sent about a
    change that is rolled back."""
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=to))


@task()
def audit_checkpoint() -> int:
    """Sign where the audit chain stands (``warden audit checkpoint`` does it on demand)."""
    return audit_checkpoint_write(if_changed=True).seq


@task()
def password_reset_send(*, email: str) -> None:
    """Send a reset link to each active sign-in with this address (none when unknown)."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    base = urlsplit(settings.WARDEN_BASE_URL)
    form.save(
        domain_override=base.netloc,
        use_https=base.scheme == "https",
        subject_template_name="core/password_reset_subject.txt",
        email_template_name="core/password_reset_email.txt",
    )
