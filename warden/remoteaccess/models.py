"""Remote-access connection attempts, how far each log has been read, and the alerts raised
on bursts of failures (policy duty "Remote connection attempts logged", docs/policy-map.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from warden.core.models import School
from warden.core.tenancy import SchoolScoped
from warden.people.models import Person


class EventKind(models.TextChoices):
    CONNECTED = "connected", "Connected"
    DISCONNECTED = "disconnected", "Disconnected"
    FAILED = "failed", "Failed attempt"
    UPDATE = "update", "Accounting update"


class LogFormat(models.TextChoices):
    OPENVPN = "openvpn", "OpenVPN server log"
    RADIUS_DETAIL = "radius-detail", "FreeRADIUS accounting (detail)"
    RADIUS_LOG = "radius-log", "FreeRADIUS authentication (radius.log)"


class RemoteAccessSettings(models.Model):
    """When failed attempts make a burst worth an alert (one row per school)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    burst_failures = models.PositiveSmallIntegerField(
        default=10, help_text="Failed attempts that make a burst (at least 2)."
    )
    burst_minutes = models.PositiveSmallIntegerField(
        default=5, help_text="Within this many minutes, for one account or from one address."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"Remote-access settings for {self.school}"


class LogSource(models.Model):
    """How far one log file has been read. ``key`` names the file as the engine does
    (``file:<device>:<inode>``), so a rotated file is recognised under its new name;
    ``source_id`` is the sha256 of its first ``fingerprint_len`` bytes, so a file replaced
    at the same inode starts again from the beginning."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    fmt = models.CharField(max_length=20, choices=LogFormat.choices)
    key = models.CharField(max_length=200)
    source_id = models.CharField(max_length=64)
    fingerprint_len = models.PositiveIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    path = models.CharField(max_length=1000)
    events = models.PositiveIntegerField(default=0)
    malformed = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField()

    objects = SchoolScoped()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "fmt", "key"], name="remoteaccess_source_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.path} ({self.get_fmt_display()})"


class RemoteAccessEvent(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(
        max_length=40, help_text="sha256 of the source's identity and the line's offset."
    )
    ts = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    username = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remote_address = models.CharField(max_length=64, blank=True)
    vpn_address = models.CharField(max_length=64, blank=True)
    gateway = models.CharField(max_length=200, blank=True)
    bytes_in = models.PositiveBigIntegerField(null=True, blank=True)
    bytes_out = models.PositiveBigIntegerField(null=True, blank=True)
    session_seconds = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    fmt = models.CharField(max_length=20, choices=LogFormat.choices)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-ts", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "event_id"], name="remoteaccess_event_uniq")
        ]
        indexes = [
            models.Index(fields=["school", "-ts"], name="remoteaccess_event_ts_idx"),
            models.Index(fields=["school", "kind", "-ts"], name="remoteaccess_event_kind_idx"),
            models.Index(fields=["school", "username", "ts"], name="remoteaccess_event_user_idx"),
            models.Index(
                fields=["school", "remote_address", "ts"], name="remoteaccess_event_addr_idx"
            ),
        ]

    def __str__(self) -> str:
        who = self.username or "unknown user"
        return f"{self.get_kind_display()} {who} from {self.remote_address or 'unknown address'}"


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class RemoteAccessAlert(models.Model):
    """A burst of failed attempts for one user name (``username``) or from one address
    (``remote_address``): one alert per burst, extended while failures keep coming."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    username = models.CharField(max_length=200, blank=True)
    remote_address = models.CharField(max_length=64, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    failed_count = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=AlertState.choices, default=AlertState.OPEN)
    opened_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["state", "-window_end", "-pk"]
        indexes = [
            models.Index(fields=["school", "state", "-window_end"], name="remoteaccess_alert_idx"),
            models.Index(
                fields=["school", "username", "-window_end"], name="remoteaccess_alert_user"
            ),
            models.Index(
                fields=["school", "remote_address", "-window_end"], name="remoteaccess_alert_addr"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.failed_count} failed remote-access attempts for {self.subject}"

    @property
    def subject(self) -> str:
        if self.username:
            return f"account {self.username}"
        return f"address {self.remote_address}"
