"""School-B objects for the cross-school test: one maker per URL keyword of this area."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from warden.core.models import School
from warden.remoteaccess.models import RemoteAccessAlert

MARKER = "Zebedee-Bschool"


def _alert(b: School) -> Any:
    now = timezone.now()
    return RemoteAccessAlert.objects.create(
        school=b,
        username=MARKER,
        window_start=now,
        window_end=now,
        failed_count=10,
        opened_at=now,
    ).pk


OBJECT_MAKERS = [("remote_alert_pk", _alert)]
