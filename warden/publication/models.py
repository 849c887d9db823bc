"""The publication area's tables: the media register and its removals, permissions to record
on a personal device, and posts for the school's website and social-media accounts.

Safe use of images (ICT policy §13, e-safety policy §7 and §10, the staff agreement's
"Photographs and Video"): where images of pupils are kept, for which consented use, who is
in them, until when; nothing is deleted silently: a removal is ticked off with who and when
and the register row stays as the record of it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.people.models import Person

# Policy §14 "Storage of Images" d: images are deleted when no longer required, "generally
# after three years".
RETENTION_YEARS_DEFAULT = 3


class PublicationSettings(models.Model):
    """A school's choices about images, one row a school (made on first change)."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="publication_settings"
    )
    retention_years = models.PositiveSmallIntegerField(
        "Keep images for (years)",
        default=RETENTION_YEARS_DEFAULT,
        help_text="Sets older than this are listed for removal (policy: generally three years).",
    )
    # "Only the ICT administrator, the headteacher or another member of the social-media team
    # approve material": those who hold the right to approve posts, and these users besides.
    social_media_team = models.ManyToManyField(
        User, blank=True, related_name="+", verbose_name="Social-media team"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"Publication settings of {self.school}"


class MediaSet(models.Model):
    """An album or set of images or video: where it is kept, what it is used for, who is in
    it. The server never opens ``location``; it is a record for staff."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    location = models.CharField(
        "Where it is stored",
        max_length=500,
        help_text="A web address (https://…) or a drive path (e.g. Media Drive/2026/Sports day).",
    )
    purpose = models.ForeignKey("consent.Purpose", on_delete=models.PROTECT, related_name="+")
    taken_on = models.DateField("Date taken")
    pupils = models.ManyToManyField(Person, related_name="+", blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField()
    # Set by the daily job once the set is past the school's retention period.
    due_for_removal_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-taken_on", "-pk"]
        indexes = [
            models.Index(fields=["school", "removed_at", "taken_on"], name="publication_set_due")
        ]

    def __str__(self) -> str:
        return self.title


class Removal(models.Model):
    """Something to take out of a media set, ticked off with who and when.

    Retention: the whole set is past the school's retention period. Withdrawal: a pupil in
    the set may no longer appear for a purpose (a parent said no or withdrew)."""

    class Kind(models.TextChoices):
        RETENTION = "retention", "Past the retention period"
        WITHDRAWAL = "withdrawal", "Consent withdrawn"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    media_set = models.ForeignKey(MediaSet, on_delete=models.PROTECT, related_name="removals")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    pupil = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300)
    raised_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["media_set"],
                condition=Q(kind="retention"),
                name="publication_removal_one_retention",
            ),
            models.UniqueConstraint(
                fields=["media_set", "pupil"],
                condition=Q(kind="withdrawal", done_at__isnull=True),
                name="publication_removal_one_open_withdrawal",
            ),
        ]
        indexes = [models.Index(fields=["school", "done_at"], name="publication_removal_open")]

    def __str__(self) -> str:
        return self.reason


class RecordingPermission(models.Model):
    """A senior leader's permission for a member of staff to record images of pupils on a
    personal device, for a period and on conditions (ICT policy §13d; staff agreement,
    "Photographs and Video": not "without permission")."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=200)
    conditions = models.TextField()
    valid_from = models.DateField()
    valid_until = models.DateField()
    agreed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    agreed_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-valid_until", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="publication_recording_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} may record on {self.device}"


class Channel(models.TextChoices):
    WEBSITE = "website", "School website"
    SOCIAL = "social", "School social media"


class SocialAccount(models.Model):
    """One of the school's social-media accounts posts go to (e.g. "Facebook page")."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="publication_account_name")
        ]

    def __str__(self) -> str:
        return self.name


class PostState(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Post(models.Model):
    """A post for the school's website or a social-media account, checked by the
    social-media team before it goes out (ICT policy §13g–h)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    account = models.ForeignKey(
        SocialAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="posts"
    )
    text = models.TextField()
    pupils = models.ManyToManyField(Person, related_name="+", blank=True)
    state = models.CharField(max_length=10, choices=PostState.choices)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    objects = SchoolScoped()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["school", "state"], name="publication_post_state")]

    def __str__(self) -> str:
        return f"{self.where}: {self.text[:40]}"

    @property
    def where(self) -> str:
        return self.account.name if self.account_id and self.account else self.get_channel_display()


class PostImage(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="images")
    file = models.FileField(upload_to="publication/posts/%Y/")
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)

    objects = SchoolScoped()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class PostDecision(models.Model):
    """Each step of a post (submitted, approved, refused with the reason, published,
    withdrawn): never changed, so the history stays."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="decisions")
    state = models.CharField(max_length=10, choices=PostState.choices)
    note = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    objects = SchoolScoped()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["school", "state", "at"], name="publication_decision_at")]

    def __str__(self) -> str:
        return f"{self.get_state_display()} by {self.by}"
