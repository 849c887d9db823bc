"""Who may do what: the one table every view and service consults.

A membership gives a user one role at one school, or at every school of a trust when the
membership names no school. A permission is a short string; ``ROLE_PERMISSIONS`` lists what
each role holds. Later areas add their permissions here, so the table stays the single
answer to "may a DSL do this?".
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    HEADTEACHER = "headteacher", "Headteacher"
    DSL = "dsl", "Designated safeguarding lead"
    DEPUTY_DSL = "deputy_dsl", "Deputy DSL"
    SIRO = "siro", "SIRO / data protection lead"
    ICT_MANAGER = "ict_manager", "ICT manager"
    TECHNICIAN = "technician", "ICT technician"
    OFFICE = "office", "Office staff"
    TEACHER = "teacher", "Teacher"
    GOVERNOR = "governor", "Governor"
    TRUST_ADMIN = "trust_admin", "Trust administrator"


class Perm:
    """Permission names. Each is checked through ``warden.core.access``."""

    DASHBOARD_VIEW = "dashboard.view"
    PEOPLE_VIEW = "people.view"
    PEOPLE_EDIT = "people.edit"
    PEOPLE_IMPORT = "people.import"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    SCHOOL_CONFIGURE = "school.configure"
    REPORTS_VIEW = "reports.view"
    # Accounts and access (policy duty "New access authorised by SLT", docs/policy-map.md)
    SYSTEMS_MANAGE = "accounts.systems"
    ACCOUNTS_VIEW = "accounts.view"
    ACCOUNTS_REQUEST = "accounts.request"
    ACCOUNTS_APPROVE = "accounts.approve"
    ACCOUNTS_APPROVE_RESTRICTED = "accounts.approve_restricted"
    ACCOUNTS_PROVISION = "accounts.provision"
    ACCESS_REVIEW = "accounts.review"
    LEAVERS_VIEW = "accounts.leavers"
    DIRECTORY_SYNC = "accounts.directory"
    # Acceptable-use agreements
    AGREEMENTS_VIEW = "agreements.view"
    AGREEMENTS_MANAGE = "agreements.manage"
    SIGNATURES_RECORD = "agreements.record"
    # Filtering and monitoring
    FILTERING_VIEW = "filtering.view"
    FILTERING_MANAGE = "filtering.manage"
    FILTERING_REQUEST = "filtering.request"
    FILTERING_APPROVE = "filtering.approve"
    FILTERING_CHANGELOG = "filtering.changelog"
    KEYWORDS_MANAGE = "monitoring.keywords"
    VIOLATIONS_VIEW = "monitoring.violations"
    LOGS_INGEST = "monitoring.ingest"
    VIOLATIONS_TRIAGE = "monitoring.triage"
    # Equipment (the "Equipment" duties of docs/policy-map.md)
    EQUIPMENT_VIEW = "equipment.view"
    EQUIPMENT_MANAGE = "equipment.manage"
    LOANS_MANAGE = "equipment.loans"
    LOSSES_RECORD = "equipment.losses"
    EQUIPMENT_DATA_EXCEPTIONS = "equipment.data_exceptions"
    DISPOSAL_MANAGE = "equipment.disposal"
    SOFTWARE_MANAGE = "equipment.software"
    SOFTWARE_APPROVE = "equipment.software_approve"
    DEVICES_REQUEST = "equipment.devices_request"
    DEVICES_APPROVE = "equipment.devices_approve"
    # E-safety incidents; confidential (policy duty "Incidents are confidential")
    INCIDENTS_REPORT = "incidents.report"
    INCIDENTS_VIEW = "incidents.view"
    INCIDENTS_MANAGE = "incidents.manage"
    INCIDENTS_TECHNICAL = "incidents.technical"
    # Welfare concerns (safeguarding, KCSIE): the DSL and deputies only, plus audited grants
    WELFARE_VIEW = "safeguarding.view"
    WELFARE_MANAGE = "safeguarding.manage"
    # Publication: the media register and its purge, recording on personal devices, posts
    # (safe use of images, ICT policy §13; the social-media team is whoever holds POSTS_APPROVE)
    MEDIA_RECORD = "publication.media_record"
    MEDIA_MANAGE = "publication.media_manage"
    RECORDING_APPROVE = "publication.recording_approve"
    POSTS_SUBMIT = "publication.posts_submit"
    POSTS_APPROVE = "publication.posts_approve"


# What each permission lets a person do, in words shown on the "Users and roles" page.
PERM_LABELS: dict[str, str] = {
    Perm.DASHBOARD_VIEW: "See the school dashboard",
    Perm.PEOPLE_VIEW: "Look up people in the register",
    Perm.PEOPLE_EDIT: "Add and change people, record leavers",
    Perm.PEOPLE_IMPORT: "Import people from the MIS",
    Perm.AUDIT_VIEW: "Read the audit trail",
    Perm.USERS_MANAGE: "Manage Warden users and their roles",
    Perm.SCHOOL_CONFIGURE: "Change school settings (password policy)",
    Perm.REPORTS_VIEW: "Read reports for governors",
    Perm.SYSTEMS_MANAGE: "Keep the catalogue of systems people get accounts on",
    Perm.ACCOUNTS_VIEW: "See people's accounts on school systems",
    Perm.ACCOUNTS_REQUEST: "Request accounts for joiners",
    Perm.ACCOUNTS_APPROVE: "Approve account requests (SLT)",
    Perm.ACCOUNTS_APPROVE_RESTRICTED: "Approve access to restricted systems (SLT, SEND areas)",
    Perm.ACCOUNTS_PROVISION: "Set up, suspend and disable accounts",
    Perm.ACCESS_REVIEW: "Record reviews of who has access",
    Perm.LEAVERS_VIEW: "See the leavers' board",
    Perm.DIRECTORY_SYNC: "Apply account changes to the directory",
    Perm.AGREEMENTS_VIEW: "See acceptable-use agreements and who has signed",
    Perm.AGREEMENTS_MANAGE: "Write and publish acceptable-use agreements",
    Perm.SIGNATURES_RECORD: "Send signing links, record desk and paper signatures",
    Perm.FILTERING_VIEW: "See web filtering groups, lists and policies",
    Perm.FILTERING_MANAGE: "Change web filtering lists, groups and policies",
    Perm.FILTERING_REQUEST: "Ask for a site to be unblocked",
    Perm.FILTERING_APPROVE: "Approve temporary unblocking",
    Perm.FILTERING_CHANGELOG: "Read the filtering change log",
    Perm.KEYWORDS_MANAGE: "Manage monitoring keywords and exclusions",
    Perm.VIOLATIONS_VIEW: "See monitoring violations (safeguarding)",
    Perm.LOGS_INGEST: "Ingest proxy and DNS logs",
    Perm.VIOLATIONS_TRIAGE: "Triage monitoring violations",
    Perm.EQUIPMENT_VIEW: "See the equipment register and loans",
    Perm.EQUIPMENT_MANAGE: "Register and change equipment, stocktakes",
    Perm.LOANS_MANAGE: "Check equipment out and in",
    Perm.LOSSES_RECORD: "Record lost or stolen equipment and when it is found",
    Perm.EQUIPMENT_DATA_EXCEPTIONS: "Let an unencrypted device with personal data leave the site",
    Perm.DISPOSAL_MANAGE: "Dispose of equipment with certificates",
    Perm.SOFTWARE_MANAGE: "Keep software licences and installations",
    Perm.SOFTWARE_APPROVE: "Approve software installation requests",
    Perm.DEVICES_REQUEST: "Ask to connect a personal device",
    Perm.DEVICES_APPROVE: "Approve personal devices and pupils' phones (SLT)",
    Perm.INCIDENTS_REPORT: "Report an e-safety incident",
    Perm.INCIDENTS_VIEW: "Read the e-safety incident log (confidential)",
    Perm.INCIDENTS_MANAGE: "Handle incidents: severity, sanctions, playbooks",
    Perm.INCIDENTS_TECHNICAL: "Work the technical part of malware and security incidents",
    Perm.WELFARE_VIEW: "Read welfare concerns (DSL and deputies only)",
    Perm.WELFARE_MANAGE: "Record and handle welfare concerns, referrals and who may read them",
    # Publication
    Perm.MEDIA_RECORD: "Record sets of photos and video in the media register",
    Perm.MEDIA_MANAGE: "Manage the media register: removals for retention and withdrawn consent",
    Perm.RECORDING_APPROVE: "Permit staff to record images on a personal device (SLT)",
    Perm.POSTS_SUBMIT: "Submit website and social-media posts for approval",
    Perm.POSTS_APPROVE: "Approve and publish website and social-media posts (social-media team)",
}

ALL_PERMS = frozenset(value for key, value in vars(Perm).items() if key.isupper())
# Welfare concerns are confidential to the designated safeguarding lead and deputies
# (Keeping Children Safe in Education: information is shared on a need-to-know basis); a
# headteacher or trust administrator reads one only through an explicit, audited grant.
DSL_ONLY_PERMS = frozenset({Perm.WELFARE_VIEW, Perm.WELFARE_MANAGE})

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEADTEACHER: ALL_PERMS - DSL_ONLY_PERMS,
    Role.TRUST_ADMIN: ALL_PERMS - DSL_ONLY_PERMS,
    Role.DSL: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.AUDIT_VIEW,
            Perm.REPORTS_VIEW,
            Perm.ACCOUNTS_VIEW,
            Perm.AGREEMENTS_VIEW,
            Perm.FILTERING_VIEW,
            Perm.FILTERING_REQUEST,
            Perm.FILTERING_APPROVE,
            Perm.FILTERING_CHANGELOG,
            Perm.KEYWORDS_MANAGE,
            Perm.VIOLATIONS_VIEW,
            Perm.VIOLATIONS_TRIAGE,
            Perm.INCIDENTS_REPORT,
            Perm.INCIDENTS_VIEW,
            Perm.INCIDENTS_MANAGE,
            Perm.WELFARE_VIEW,
            Perm.WELFARE_MANAGE,
        }
    ),
    Role.DEPUTY_DSL: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.REPORTS_VIEW,
            Perm.AGREEMENTS_VIEW,
            Perm.FILTERING_VIEW,
            Perm.FILTERING_REQUEST,
            Perm.FILTERING_CHANGELOG,
            Perm.VIOLATIONS_VIEW,
            Perm.VIOLATIONS_TRIAGE,
            Perm.INCIDENTS_REPORT,
            Perm.INCIDENTS_VIEW,
            Perm.INCIDENTS_MANAGE,
            Perm.WELFARE_VIEW,
            Perm.WELFARE_MANAGE,
        }
    ),
    Role.SIRO: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.AUDIT_VIEW,
            Perm.REPORTS_VIEW,
            Perm.ACCOUNTS_VIEW,
            Perm.ACCESS_REVIEW,
            Perm.LEAVERS_VIEW,
            Perm.AGREEMENTS_VIEW,
            Perm.AGREEMENTS_MANAGE,
            Perm.FILTERING_VIEW,
            Perm.FILTERING_CHANGELOG,
            Perm.VIOLATIONS_VIEW,
            Perm.EQUIPMENT_VIEW,
            Perm.EQUIPMENT_DATA_EXCEPTIONS,
            Perm.LOSSES_RECORD,
            Perm.INCIDENTS_REPORT,
            Perm.INCIDENTS_VIEW,
            # Publication
            Perm.MEDIA_MANAGE,
        }
    ),
    Role.ICT_MANAGER: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.PEOPLE_EDIT,
            Perm.PEOPLE_IMPORT,
            Perm.AUDIT_VIEW,
            Perm.USERS_MANAGE,
            Perm.SCHOOL_CONFIGURE,
            Perm.SYSTEMS_MANAGE,
            Perm.ACCOUNTS_VIEW,
            Perm.ACCOUNTS_REQUEST,
            Perm.ACCOUNTS_PROVISION,
            Perm.LEAVERS_VIEW,
            Perm.DIRECTORY_SYNC,
            Perm.AGREEMENTS_VIEW,
            Perm.AGREEMENTS_MANAGE,
            Perm.SIGNATURES_RECORD,
            Perm.FILTERING_VIEW,
            Perm.FILTERING_MANAGE,
            Perm.FILTERING_REQUEST,
            Perm.FILTERING_APPROVE,
            Perm.FILTERING_CHANGELOG,
            Perm.KEYWORDS_MANAGE,
            Perm.LOGS_INGEST,
            Perm.EQUIPMENT_VIEW,
            Perm.EQUIPMENT_MANAGE,
            Perm.LOANS_MANAGE,
            Perm.LOSSES_RECORD,
            Perm.DISPOSAL_MANAGE,
            Perm.SOFTWARE_MANAGE,
            Perm.SOFTWARE_APPROVE,
            Perm.DEVICES_REQUEST,
            Perm.INCIDENTS_REPORT,
            Perm.INCIDENTS_TECHNICAL,
            # Publication (ICT policy §13h: the ICT administrator approves posts)
            Perm.MEDIA_RECORD,
            Perm.MEDIA_MANAGE,
            Perm.POSTS_SUBMIT,
            Perm.POSTS_APPROVE,
        }
    ),
    Role.TECHNICIAN: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.ACCOUNTS_VIEW,
            Perm.ACCOUNTS_PROVISION,
            Perm.LEAVERS_VIEW,
            Perm.FILTERING_VIEW,
            Perm.FILTERING_REQUEST,
            Perm.EQUIPMENT_VIEW,
            Perm.EQUIPMENT_MANAGE,
            Perm.LOANS_MANAGE,
            Perm.LOSSES_RECORD,
            Perm.SOFTWARE_MANAGE,
            Perm.DEVICES_REQUEST,
            Perm.INCIDENTS_REPORT,
            Perm.INCIDENTS_TECHNICAL,
        }
    ),
    Role.OFFICE: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.PEOPLE_EDIT,
            Perm.PEOPLE_IMPORT,
            Perm.ACCOUNTS_VIEW,
            Perm.ACCOUNTS_REQUEST,
            Perm.LEAVERS_VIEW,
            Perm.AGREEMENTS_VIEW,
            Perm.SIGNATURES_RECORD,
            Perm.EQUIPMENT_VIEW,
            Perm.LOANS_MANAGE,
            Perm.LOSSES_RECORD,
            Perm.DEVICES_REQUEST,
            Perm.INCIDENTS_REPORT,
            # Publication
            Perm.MEDIA_RECORD,
            Perm.POSTS_SUBMIT,
        }
    ),
    Role.TEACHER: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.AGREEMENTS_VIEW,
            Perm.FILTERING_REQUEST,
            Perm.DEVICES_REQUEST,
            Perm.INCIDENTS_REPORT,
            # Publication
            Perm.MEDIA_RECORD,
            Perm.POSTS_SUBMIT,
        }
    ),
    # Governors monitor through reports only (policy duty "Governors see counts, not names");
    # they hold no operational rights but, bound by the governors' agreement like any user,
    # report an incident they meet (duty "Breaches reported at once to the SIRO"), describing
    # it in words: the report form lists no one's record to them.
    Role.GOVERNOR: frozenset(
        {
            Perm.DASHBOARD_VIEW,
            Perm.REPORTS_VIEW,
            Perm.FILTERING_CHANGELOG,
            Perm.INCIDENTS_REPORT,
        }
    ),
}

# Data protection (the privacy area; policy duties "Information risk incidents logged and handled
# at once", "Pupils' data goes only to approved processors", "Personal data leaves the site only
# encrypted" and "Removable media wiped before reuse or disposal"). The SIRO keeps the
# personal-data breach log and the processors register and may let one pupil use a system whose
# record is not approved; the headteacher gives the "full permission" to take personal data off
# site; technicians record the secure wipes of removable media. Breaches are confidential like
# incidents: the SIRO, the headteacher and the trust administrator.


class PrivacyPerm:
    BREACHES = "privacy.breaches"
    PROCESSORS_VIEW = "privacy.processors_view"
    PROCESSORS_MANAGE = "privacy.processors"
    PROCESSOR_OVERRIDE = "privacy.override"
    OFF_SITE_VIEW = "privacy.off_site_view"
    OFF_SITE_GRANT = "privacy.off_site"
    MEDIA_WIPE = "privacy.wipes"


PERM_LABELS.update(
    {
        PrivacyPerm.BREACHES: "Keep the personal data breach log (confidential)",
        PrivacyPerm.PROCESSORS_VIEW: "See the processors and cloud services register",
        PrivacyPerm.PROCESSORS_MANAGE: "Keep and approve systems' data-protection records",
        PrivacyPerm.PROCESSOR_OVERRIDE: "Let a pupil use a system whose record is not approved",
        PrivacyPerm.OFF_SITE_VIEW: "See permissions to take personal data off site",
        PrivacyPerm.OFF_SITE_GRANT: "Give permission to take personal data off site",
        PrivacyPerm.MEDIA_WIPE: "Record secure wipes of removable media",
    }
)
_PRIVACY_PERMS = frozenset(value for key, value in vars(PrivacyPerm).items() if key.isupper())
ALL_PERMS = ALL_PERMS | _PRIVACY_PERMS
for _role, _perms in {
    Role.HEADTEACHER: _PRIVACY_PERMS,
    Role.TRUST_ADMIN: _PRIVACY_PERMS,
    Role.SIRO: _PRIVACY_PERMS - {PrivacyPerm.OFF_SITE_GRANT, PrivacyPerm.MEDIA_WIPE},
    Role.ICT_MANAGER: frozenset({PrivacyPerm.PROCESSORS_VIEW, PrivacyPerm.MEDIA_WIPE}),
    Role.TECHNICIAN: frozenset({PrivacyPerm.MEDIA_WIPE}),
}.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _perms

# Consent for images and publication (policy duties "Images published only with parents' written
# consent" and "No pupil's full name beside their image"). The office asks parents and records
# their answers; the SIRO writes the purposes; teachers run the check before publishing and print
# their class's list, seeing reasons but no parent's details.


class ConsentPerm:
    VIEW = "consent.view"
    MANAGE = "consent.manage"
    RECORD = "consent.record"
    CHECK = "consent.check"


PERM_LABELS.update(
    {
        ConsentPerm.VIEW: "See pupils' consent for images and who decided",
        ConsentPerm.MANAGE: "Write and publish consent purposes",
        ConsentPerm.RECORD: "Ask parents for consent, record desk and paper decisions",
        ConsentPerm.CHECK: "Check a class list before publishing images; print who may not appear",
    }
)
_CONSENT_PERMS = frozenset(value for key, value in vars(ConsentPerm).items() if key.isupper())
ALL_PERMS = ALL_PERMS | _CONSENT_PERMS
for _role, _perms in {
    Role.HEADTEACHER: _CONSENT_PERMS,
    Role.TRUST_ADMIN: _CONSENT_PERMS,
    Role.OFFICE: frozenset({ConsentPerm.VIEW, ConsentPerm.RECORD, ConsentPerm.CHECK}),
    Role.SIRO: frozenset({ConsentPerm.VIEW, ConsentPerm.MANAGE, ConsentPerm.CHECK}),
    Role.DSL: frozenset({ConsentPerm.VIEW, ConsentPerm.CHECK}),
    Role.DEPUTY_DSL: frozenset({ConsentPerm.VIEW, ConsentPerm.CHECK}),
    Role.TEACHER: frozenset({ConsentPerm.CHECK}),
}.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _perms

# Records (policy duties "Subject access requests answered within a month" and "Personal data kept
# no longer than necessary"). The SIRO logs and answers subject access requests, keeps the
# retention schedule and approves each run; the headteacher may do all of it. A bundle holds
# everything about a person (dates of birth, parents' details), so the trust administrator names
# the DPO and keeps the schedule but handles no request.


class RecordsPerm:
    DPO = "records.dpo"
    SAR = "records.sar"
    RETENTION = "records.retention"


PERM_LABELS.update(
    {
        RecordsPerm.DPO: "Name the data protection officer",
        RecordsPerm.SAR: "Log, check, review and release subject access requests",
        RecordsPerm.RETENTION: "Set the retention schedule and approve what it removes",
    }
)
_RECORDS_PERMS = frozenset(value for key, value in vars(RecordsPerm).items() if key.isupper())
ALL_PERMS = ALL_PERMS | _RECORDS_PERMS
for _role, _perms in {
    Role.HEADTEACHER: _RECORDS_PERMS,
    Role.TRUST_ADMIN: frozenset({RecordsPerm.DPO, RecordsPerm.RETENTION}),
    Role.SIRO: _RECORDS_PERMS,
}.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _perms

# Reporting (the governors' report; policy duty "Governors receive regular IT security reports").
# The headteacher and the office keep the school's term dates the report follows; reading a
# school's report is REPORTS_VIEW; the trust's report, every school of the trust side by side, is
# the trust administrator's.


class ReportingPerm:
    TERMS_MANAGE = "reporting.terms"
    TRUST_REPORT = "reporting.trust"


PERM_LABELS.update(
    {
        ReportingPerm.TERMS_MANAGE: "Keep the school's term dates",
        ReportingPerm.TRUST_REPORT: "Read the trust's report: every school's figures",
    }
)
ALL_PERMS = ALL_PERMS | {ReportingPerm.TERMS_MANAGE, ReportingPerm.TRUST_REPORT}
for _role, _perms in {
    Role.HEADTEACHER: frozenset({ReportingPerm.TERMS_MANAGE}),
    Role.OFFICE: frozenset({ReportingPerm.TERMS_MANAGE}),
    Role.TRUST_ADMIN: frozenset({ReportingPerm.TERMS_MANAGE, ReportingPerm.TRUST_REPORT}),
}.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _perms

# What a role may hold and still see no one's personal data: figures and the dashboard.
# Reporting an incident is one of them: the report form lists people only to a role that
# may look them up, and the reporter's own reports show none of the people in them.
FIGURES_ONLY_PERMS: frozenset[str] = frozenset(
    {Perm.DASHBOARD_VIEW, Perm.REPORTS_VIEW, Perm.FILTERING_CHANGELOG, Perm.INCIDENTS_REPORT}
)

# Governance (policy duties "Policy approved and reviewed every year", "Staff trained in IT
# security at induction", "Governors take IT security training" and "Communications matrix set by
# the school"; the DfE filtering and monitoring standards). Governors read the policy register,
# the annual filtering and monitoring review and the communications matrix: titles, dates and
# judgements, never a name (the pages show owners and participants only to roles that look people
# up). The training matrix names staff, so it is for the headteacher, the SIRO, the DSL and the
# office.


class GovernancePerm:
    READ = "governance.read"
    POLICIES_MANAGE = "governance.policies"
    TRAINING_VIEW = "governance.training_view"
    TRAINING_RECORD = "governance.training"
    REVIEW_MANAGE = "governance.review"
    COMMS_VIEW = "governance.comms_view"
    COMMS_MANAGE = "governance.comms"


PERM_LABELS.update(
    {
        GovernancePerm.READ: "Read the policy register and the annual filtering review",
        GovernancePerm.POLICIES_MANAGE: "Keep policies, their approvals and review triggers",
        GovernancePerm.TRAINING_VIEW: "See who has completed which training",
        GovernancePerm.TRAINING_RECORD: "Record and import training, keep the courses",
        GovernancePerm.REVIEW_MANAGE: "Carry out the annual filtering and monitoring review",
        GovernancePerm.COMMS_VIEW: "Read the communications matrix",
        GovernancePerm.COMMS_MANAGE: "Set the communications matrix",
    }
)
_GOVERNANCE_PERMS = frozenset(value for key, value in vars(GovernancePerm).items() if key.isupper())
ALL_PERMS = ALL_PERMS | _GOVERNANCE_PERMS
_G = GovernancePerm
for _role, _perms in {
    Role.HEADTEACHER: _GOVERNANCE_PERMS,
    Role.TRUST_ADMIN: _GOVERNANCE_PERMS,
    Role.SIRO: frozenset(
        {_G.READ, _G.POLICIES_MANAGE, _G.TRAINING_VIEW, _G.TRAINING_RECORD, _G.COMMS_VIEW}
    ),
    Role.DSL: frozenset(
        {_G.READ, _G.TRAINING_VIEW, _G.TRAINING_RECORD, _G.REVIEW_MANAGE, _G.COMMS_VIEW}
    ),
    Role.DEPUTY_DSL: frozenset({_G.READ, _G.COMMS_VIEW}),
    Role.ICT_MANAGER: frozenset({_G.READ, _G.TRAINING_VIEW, _G.REVIEW_MANAGE, _G.COMMS_VIEW}),
    Role.OFFICE: frozenset({_G.TRAINING_VIEW, _G.TRAINING_RECORD, _G.COMMS_VIEW}),
    Role.TECHNICIAN: frozenset({_G.COMMS_VIEW}),
    Role.TEACHER: frozenset({_G.COMMS_VIEW}),
    Role.GOVERNOR: frozenset({_G.READ, _G.COMMS_VIEW}),
}.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _perms
# Both name no one to a governor, so a governor still signs in with figures only.
FIGURES_ONLY_PERMS = FIGURES_ONLY_PERMS | {_G.READ, _G.COMMS_VIEW}

# Roles that must sign in with a second factor: every role that reads personal data (policy
# duty "Second factor for personal data", docs/policy-map.md: teachers and office staff read
# parents' contact details too). Only a role holding figures alone (governors) signs in
# without one, unless its holder enrols.
TWO_FACTOR_ROLES: frozenset[str] = frozenset(
    role for role, perms in ROLE_PERMISSIONS.items() if perms - FIGURES_ONLY_PERMS
)

# Roles that read no personal data: the only ones a school may let sign in without a second
# factor, and by default it does (policy duty "Second factor for personal data").
SECOND_FACTOR_EXEMPTABLE_ROLES: frozenset[str] = frozenset(Role.values) - TWO_FACTOR_ROLES


def default_second_factor_exemptions() -> list[str]:
    """A new school's exempted roles: every role that reads no personal data."""
    return sorted(SECOND_FACTOR_EXEMPTABLE_ROLES)


def second_factor_exemption_refusal(role: str) -> str | None:
    """Why a school may not let holders of ``role`` sign in without a second factor, or None.

    Policy duty "Second factor for personal data" (ICT security policy §8k, §14): every role
    that reads personal data signs in with a second factor; only a role that sees figures
    alone may be exempted.
    """
    if role not in Role.values:
        return f"“{role}” is not a Warden role."
    if role in TWO_FACTOR_ROLES:
        return (
            f"{Role(role).label} reads personal data, so every holder signs in with a second "
            "factor (ICT security policy §8k). Only roles that see figures alone, such as "
            "governors, may be exempted."
        )
    return None


# Roles only a trust-wide membership may hold.
TRUST_ONLY_ROLES: frozenset[str] = frozenset({Role.TRUST_ADMIN})


def role_allows(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


# Roles whose holders see safeguarding records or the whole school's data: only a
# headteacher or trust administrator may hand them out.
SENIOR_ROLES: frozenset[str] = frozenset(
    {Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL, Role.SIRO, Role.TRUST_ADMIN}
)


def grant_refusal(granter_roles: set[str], role: str) -> str | None:
    """Why a user holding ``granter_roles`` may not grant ``role`` at a school, or None."""
    if not any(role_allows(r, Perm.USERS_MANAGE) for r in granter_roles):
        return "Only a headteacher, ICT manager or trust administrator manages users and roles."
    if role in TRUST_ONLY_ROLES:
        return f"{Role(role).label} is a trust-wide role; a trust administrator grants it."
    if role in SENIOR_ROLES and not granter_roles & {Role.HEADTEACHER, Role.TRUST_ADMIN}:
        return (
            f"Only the headteacher or a trust administrator may grant {Role(role).label}, "
            "because it opens safeguarding and personal records."
        )
    return None


def permission_table() -> list[tuple[str, list[bool]]]:
    """Rows of (permission label, [held by each role in ``Role`` order]) for display."""
    return [
        (label, [perm in ROLE_PERMISSIONS.get(role, frozenset()) for role in Role])
        for perm, label in PERM_LABELS.items()
    ]
