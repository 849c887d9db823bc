"""Audit entries the governance area writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import RECORD, declarer
from warden.core.roles import GovernancePerm

_read = declarer(GovernancePerm.READ)
_training = declarer(GovernancePerm.TRAINING_VIEW)
_comms = declarer(GovernancePerm.COMMS_VIEW)

AUDIT_TYPES = [
    _read("policy.created", "{actor} added the policy {record}", RECORD),
    _read("policy.updated", "{actor} changed the policy {record}", RECORD),
    _read("policy_version.created", "{actor} added the version {record}", RECORD),
    _read(
        "policy_version.linked",
        "{actor} linked {record} to the agreements it is put into practice by",
        ("agreement_versions",),
    ),
    _read(
        "policy_review.brought_forward",
        "{actor} brought forward the review of {record}",
        RECORD,
        label="Policy review brought forward",
    ),
    _read(
        "policy_review.reminded",
        "{actor} reminded the owner that {record} is due for review",
        ("next_review_on",),
        label="Policy review reminder sent",
    ),
    _training("course.created", "{actor} added the course {record}", RECORD),
    _training("course.updated", "{actor} changed the course {record}", RECORD),
    _training(
        "training.recorded",
        "{actor} recorded training completed",
        ("course", "completed_on", "expires_on", "method", "people"),
        label="Training recorded",
    ),
    _training(
        "training_link.sent",
        "{actor} e-mailed a link to confirm training",
        ("person", "course", "expires_at"),
        label="Training link sent",
    ),
    _training(
        "training_link.used",
        "Training confirmed through a link",
        ("completed_on",),
        label="Training confirmed through a link",
    ),
    _training(
        "training.assigned", "{actor} set training due", ("count",), label="Training set due"
    ),
    _read("filtering_review.started", "{actor} started {record}", ("year", "snapshot_at")),
    _read(
        "filtering_review.refreshed", "{actor} refreshed the figures of {record}", ("snapshot_at",)
    ),
    _read(
        "filtering_review.updated",
        "{actor} changed {record}",
        ("answers", "summary", "participants"),
    ),
    _read("filtering_review.completed", "{actor} completed {record}", ("status",)),
    _read("review_action.created", "{actor} added an action to the review", RECORD),
    _read("review_action.done", "{actor} marked a review action done", ("done_on",)),
    _comms("comms_matrix.updated", "{actor} changed the communications matrix", ("rows",)),
]
