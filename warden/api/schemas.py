"""What the API sends and accepts. Fields are the record's own; choices are their codes."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

import datetime as dt

from ninja import Field, Schema


class Message(Schema):
    """Every refusal: what is wrong and what to do about it."""

    message: str
    field_errors: dict[str, list[str]] = Field(default_factory=dict)


class _PersonRecord(Schema):
    """The register fields a feed sends and a reader may be shown."""

    first_name: str
    last_name: str
    preferred_name: str = ""
    year_group: int | None = None
    form: str = ""
    job_title: str = ""
    organisation: str = ""
    email: str = ""
    joining_date: dt.date | None = None
    leaving_date: dt.date | None = None
    leaving_reason: str = ""


class PersonOut(_PersonRecord):
    """A person as a token sees them: no phone, date of birth or notes, and of a parent
    the name only (what the ICT team's pages show)."""

    id: int
    person_type: str
    status: str
    mis_id: str = ""


class PersonIn(_PersonRecord):
    mis_id: str = Field(..., description="The MIS's own id: how a person is matched")
    person_type: str = Field(
        ...,
        description="teaching_staff, support_staff, supply_staff, pupil, parent, governor, "
        "volunteer, visitor, contractor or community",
    )
    title: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""


class PeopleUpsertIn(Schema):
    people: list[PersonIn] = Field(..., min_length=1, max_length=20000)
    dry_run: bool = False
    skip_bad_rows: bool = False


class RowProblem(Schema):
    line: int
    column: str
    message: str


class PeopleUpsertOut(Schema):
    outcome: str
    applied: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    errors: list[RowProblem]


class AccountOut(Schema):
    id: int
    person_id: int
    person: str
    system_id: int
    system: str
    username: str
    state: str
    requested_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None
    activated_at: dt.datetime | None = None
    suspended_at: dt.datetime | None = None
    disabled_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    removal_deadline: dt.datetime | None = None


class StandingOut(Schema):
    person_id: int
    person: str
    audience: str
    agreement_id: int | None = None
    status: str
    reason: str
    due_since: dt.datetime | None = None
    grace_ends: dt.datetime | None = None
    next_renewal: dt.datetime | None = None


class AssetOut(Schema):
    id: int
    asset_tag: str
    asset_type: str
    make: str
    model: str
    serial: str
    state: str
    location: str = ""
    holds_personal_data: bool
    encrypted: bool
    on_loan: bool = False


class LoanOut(Schema):
    id: int
    asset_id: int
    asset_tag: str
    person_id: int
    person: str
    kind: str
    state: str
    due_on: dt.date | None = None
    off_site: bool
    checked_out_at: dt.datetime
    returned_at: dt.datetime | None = None


class ViolationOut(Schema):
    id: int
    ts: dt.datetime
    kind: str
    category: str
    severity: int
    person_id: int | None = None
    username: str
    client_ip: str
    host: str
    url: str
    search_term: str
    phrase: str
    decision: str


class IngestIn(Schema):
    format: str = Field("squid", description="squid, e2guardian or dns")
    lines: list[str] = Field(..., min_length=1, max_length=100000)


class IngestOut(Schema):
    lines: int
    malformed: int
    new_violations: int


class InvolvementIn(Schema):
    person_id: int
    part: str = "subject"


class IncidentIn(Schema):
    kind: str
    title: str
    description: str
    occurred_at: dt.datetime | None = None
    people: list[InvolvementIn] = Field(default_factory=list, max_length=50)
    asset_tag: str = ""
    loss_kind: str = ""


class IncidentCreated(Schema):
    id: int
    number: int
    kind: str
    status: str
    reported_at: dt.datetime


class InvolvementOut(Schema):
    person_id: int
    person: str
    part: str


class IncidentOut(Schema):
    id: int
    number: int
    kind: str
    title: str
    description: str
    status: str
    severity: str
    occurred_at: dt.datetime
    reported_at: dt.datetime
    closed_at: dt.datetime | None = None
    people: list[InvolvementOut]


class VerdictOut(Schema):
    group: str
    group_label: str
    action: str
    blocked: bool
    rule: str
    explanation: str
    category: str
    safe_search: bool
    expires_at: dt.datetime | None = None
    lists: list[str]


class FilterCheckOut(Schema):
    url: str
    site: str
    categories: list[str]
    blocked_anywhere: bool
    published_at: str
    error: str
    verdicts: list[VerdictOut]


class PasswordIn(Schema):
    password: str = Field(..., min_length=1, max_length=4096)


class PasswordOut(Schema):
    acceptable: bool
    problems: list[str]
    policy: str
    school: str
