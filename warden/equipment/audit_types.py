"""Audit entries the equipment area writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import declarer
from warden.core.roles import Perm

_see = declarer(
    Perm.EQUIPMENT_VIEW,
    refs={"pupil": "people.person"},
    shorthand={"loan": "{target.asset} lent to {target.person}"},
)
_IMPORTED = ("file", "rows", "created", "updated", "unchanged", "removed")


_DECISION = ("state", "note")

AUDIT_TYPES = [
    _see("equipment.settings_changed", "{actor} changed the equipment settings"),
    _see(
        "equipment.off_site_exception_recorded",
        "{actor} let {record} leave the site until {off_site_until}: {reason}",
        ("off_site_until", "reason"),
        label="Off-site exception recorded",
    ),
    _see("location.created", "{actor} added the location {name}", ("name",)),
    _see("asset.created", "{actor} added {record} to the register"),
    _see("asset.updated", "{actor} changed {record}"),
    _see("asset.state_changed", "{actor} marked {record} as {state}"),
    _see(
        "asset.added_to_disposal",
        "{actor} added {record} to {disposal_batch}",
        ("disposal_batch",),
    ),
    _see(
        "asset.removed_from_disposal",
        "{actor} took {record} out of its disposal batch",
        ("disposal_batch",),
    ),
    _see("asset.disposed", "{actor} recorded {record} as disposed of"),
    _see(
        "assets.imported",
        "{actor} imported assets from {file}: {created} added, {updated} changed",
        _IMPORTED,
        label="Assets imported",
    ),
    _see("loan.checked_out", "{actor} checked out {loan}"),
    _see("loan.checked_in", "{actor} checked in {loan}"),
    _see("loan.cancelled", "{actor} cancelled the loan of {loan}", ("state", "reason")),
    _see("loan.written_off", "{actor} wrote off the loan of {loan}", ("state", "reason")),
    _see("loan.due_date_changed", "{actor} moved the due date of {loan} to {due_on}", ("due_on",)),
    _see(
        "loan.agreement_accepted", "{target.person} accepted the loan agreement for {target.asset}"
    ),
    _see("loan.permission_given", "{actor} gave the ICT permission for {loan}"),
    _see("loan.permission_refused", "{actor} refused the ICT permission for {loan}"),
    _see(
        "loan.link_created",
        "{actor} made a link to accept the loan agreement for {loan}, open until {link_expires_at}",
        ("link_expires_at",),
    ),
    _see(
        "loan.link_sent",
        "{actor} sent the loan agreement link for {loan} to {sent_to}",
        ("sent_to",),
    ),
    _see(
        "loan.reminded",
        "{actor} reminded {target.person} to return {target.asset}",
        ("reminded_at",),
    ),
    _see("class_set.created", "{actor} made the class set {name}", ("name",)),
    _see(
        "class_set.checked_out",
        "{actor} lent the class set {record}",
        ("person", "devices", "left_behind"),
    ),
    _see(
        "class_set.checked_in",
        "{actor} checked in the class set {record}",
        ("returned", "still_out"),
    ),
    _see("audit_plan.set", "{actor} set the stocktake plan {record}"),
    _see("stocktake.started", "{actor} started {record}", ("location", "expected")),
    _see("stocktake.seen", "{actor} saw {asset} in {record}", ("asset", "how")),
    _see("stocktake.completed", "{actor} completed {record}"),
    _see("loss.reported", "{actor} reported the loss or theft of {asset}"),
    _see(
        "possible_breach.raised",
        "{actor} flagged a possible data breach: {reason}",
        ("raised_at", "reason"),
    ),
    _see(
        "possible_breach.acknowledged",
        "{actor} acknowledged the possible data breach {record}",
        ("status", "note"),
    ),
    _see("disposal_company.created", "{actor} added the disposal company {record}"),
    _see(
        "disposal_company.approved", "{actor} approved the disposal company {record}", ("approved",)
    ),
    _see(
        "disposal_company.unapproved",
        "{actor} withdrew approval of the disposal company {record}",
        ("approved",),
    ),
    _see(
        "disposal_batch.created",
        "{actor} started {record} with {company}",
        ("company", "reference"),
    ),
    _see("disposal_batch.completed", "{actor} completed {record}"),
    _see("product.created", "{actor} added the software {record}"),
    _see("product.updated", "{actor} changed the software {record}"),
    _see("installation.recorded", "{actor} recorded {record}"),
    _see("installation.updated", "{actor} changed {record}"),
    _see(
        "installation.removed", "{actor} recorded the removal of {record}", ("removed_at", "reason")
    ),
    _see(
        "installations.imported",
        "{actor} imported software installations from {file}: {created} added, {updated} changed",
        _IMPORTED,
        label="Software installations imported",
    ),
    _see("install_request.created", "{actor} asked to install {software_name}"),
    _see("install_request.approved", "{actor} approved {record}", _DECISION),
    _see("install_request.refused", "{actor} refused {record}", _DECISION),
    _see("install_request.done", "{actor} installed {record}", ("state", "installation")),
    _see("device_request.created", "{actor} asked to connect {record}"),
    _see("device_request.approved", "{actor} approved connecting {record}", _DECISION),
    _see("device_request.refused", "{actor} refused connecting {record}", _DECISION),
    _see("device_request.revoked", "{actor} withdrew approval of {record}", _DECISION),
    _see(
        "device_request.set_up",
        "{actor} set up {record} on the network",
        ("state", "mac_address", "serial"),
    ),
    _see("phone_request.recorded", "{actor} recorded a request for {pupil} to bring a phone"),
    _see("phone_request.approved", "{actor} approved {record}", _DECISION),
    _see("phone_request.refused", "{actor} refused {record}", _DECISION),
    _see("phone.handed_in", "{actor} took in {record}", ("pupil", "day")),
    _see("phone.collected", "{actor} handed back {record}", ("collected_at",)),
    _see("guest_wifi.started", "{actor} gave {visitor_name} guest Wi-Fi"),
    _see("guest_wifi.ended", "{actor} ended {record}", ("ended_at",)),
]
