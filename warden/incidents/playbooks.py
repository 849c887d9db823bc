"""Response playbooks: the checklists the policies lay down for each kind of incident
(policy duty "Incidents follow the policy's response steps"; docs/policy-map.md names the
clause behind each playbook).

- Serious adult and serious pupil violations, and illegal material (the police and / or
  the data protection officer at once; an offensive e-mail is not forwarded unless an
  investigator asks for it).
- Bullying.
- Lost equipment; malware; security breaches and misuse; filtering failures; offensive
  e-mail; data breaches (the ICO within 72 hours).

A playbook is applied once to an incident (its steps are copied onto it, so a later change
to this table does not rewrite what was done). Mandatory steps must be ticked before the
incident can be closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from warden.core.models import School
from warden.core.registry import collect
from warden.incidents.models import IncidentKind, Severity


@dataclass(frozen=True)
class Step:
    code: str
    text: str
    tell: str = ""
    mandatory: bool = True


@dataclass(frozen=True)
class Playbook:
    key: str
    title: str
    source: str
    steps: tuple[Step, ...]


_IDENTIFY = Step("identify", "Identify the precise details of the material.")
_AUDIT = Step(
    "audit",
    "Instigate an audit of all ICT equipment by the school's ICT managed service provider, "
    "so that there is no risk of pupils accessing inappropriate materials in school.",
    tell="ICT managed service provider",
)
_SECURE = Step("secure", "Remove the equipment to a secure place.")
_DISCIPLINE = Step("discipline", "Take appropriate disciplinary action.")

PLAYBOOKS: dict[str, Playbook] = {
    p.key: p
    for p in (
        Playbook(
            "serious_adult",
            "Adult violation judged to be serious",
            "ICT Security Policy, Appendix B",
            (
                _IDENTIFY,
                _AUDIT,
                _SECURE,
                Step(
                    "cluster_leader",
                    "Discuss the violation directly with the cluster leader or headteacher.",
                    tell="Cluster leader or headteacher",
                ),
                _DISCIPLINE,
                Step(
                    "governors",
                    "Inform the appropriate Governing Body committee of the incident.",
                    tell="Governing Body committee",
                ),
            ),
        ),
        Playbook(
            "serious_pupil",
            "Pupil violation judged to be serious",
            "ICT Security Policy, Appendix B",
            (
                _IDENTIFY,
                _AUDIT,
                _SECURE,
                _DISCIPLINE,
                Step(
                    "parents",
                    "Notify parents of any children involved.",
                    tell="Parents or carers",
                ),
                Step("governors", "Inform Governors of the incident.", tell="Governors"),
            ),
        ),
        Playbook(
            "illegal",
            "Material of an illegal nature",
            "ICT Security Policy, Appendix B; Online Safety Policy §12",
            (
                Step(
                    "no_copy",
                    "Do not copy, forward, print or show the material to anyone, unless the "
                    "police ask you to.",
                ),
                Step(
                    "secure_device",
                    "Secure the device: remove the equipment to a secure place, leave it as "
                    "it is and document what you have done.",
                ),
                Step(
                    "police",
                    "Contact the local police or the High Tech Crime Unit and follow their advice.",
                    tell="Police",
                ),
                Step(
                    "ceop",
                    "If a child may be at risk, report it to CEOP (ceop.police.uk) and keep "
                    "the evidence for the police.",
                    tell="CEOP",
                    mandatory=False,
                ),
                Step("dpo", "Report it immediately to the DPO.", tell="DPO / SIRO"),
            ),
        ),
        Playbook(
            "bullying",
            "Bullying, or malicious or threatening comments about a pupil or member of staff",
            "ICT Security Policy, Appendix B; ICT Security Policy §12h",
            (
                Step("policies", "Refer to the relevant policies (anti-bullying, behaviour)."),
                Step("evidence", "Secure and preserve any evidence."),
                Step(
                    "parents", "Notify parents of any children involved.", tell="Parents or carers"
                ),
                Step("police", "Inform the police if necessary.", tell="Police", mandatory=False),
                Step(
                    "la_officer",
                    "Inform the LA e-safety officer if necessary.",
                    tell="LA e-safety officer",
                    mandatory=False,
                ),
                Step("support", "Support the staff and pupils affected."),
                Step(
                    "ceop",
                    "If appropriate, report it to CEOP (ceop.police.uk).",
                    tell="CEOP",
                    mandatory=False,
                ),
            ),
        ),
        Playbook(
            "lost_equipment",
            "Lost, damaged or stolen equipment",
            "ICT Security Policy, Appendix A",
            (
                Step(
                    "notify",
                    "Notify the ICT Network Manager and headteacher immediately.",
                    tell="ICT Network Manager, headteacher",
                ),
                Step(
                    "personal_data",
                    "Find out whether the device held personal data; if it did, record a "
                    "data breach as well.",
                    tell="SIRO",
                ),
                Step(
                    "accounts",
                    "Lock the device remotely and change the passwords signed in on it.",
                    mandatory=False,
                ),
            ),
        ),
        Playbook(
            "malware",
            "Suspected virus or malware",
            "ICT Security Policy, Anti-virus and Firewall Security",
            (
                Step(
                    "disconnect",
                    "Disconnect the machine from the network until it is deemed safe.",
                ),
                Step("inform", "Inform the ICT Network Manager.", tell="ICT Network Manager"),
                Step(
                    "clean",
                    "Scan the machine with up-to-date anti-virus software and remove what it "
                    "finds.",
                ),
                Step(
                    "restore",
                    "Restore damaged files or the machine from a clean backup, then reconnect "
                    "it once it is deemed safe.",
                ),
            ),
        ),
        Playbook(
            "security",
            "Security breach, attempt or misuse of ICT",
            "ICT Security Policy §7e, §8e",
            (
                Step("siro", "Report it to the school's SIRO immediately.", tell="SIRO"),
                Step(
                    "passwords",
                    "Change the passwords of any account whose security was breached.",
                    mandatory=False,
                ),
            ),
        ),
        Playbook(
            "filtering",
            "Failure of the filtering system",
            "E-Safety Policy §5",
            (
                Step(
                    "network_manager",
                    "Report the failure to the Network Manager, who liaises with the "
                    "filtering provider.",
                    tell="Network Manager",
                ),
                Step("block", "Block the site and record the change in the filtering log."),
            ),
        ),
        Playbook(
            "offensive_email",
            "Offensive e-mail received",
            "ICT Security Policy §9h; Staff policy §2, Use of Email",
            (
                Step(
                    "no_forward",
                    "Do not forward the e-mail to any other address unless an investigator "
                    "appointed by the school asks for it.",
                ),
                Step("inform", "Inform the headteacher / SIRO.", tell="Headteacher / SIRO"),
            ),
        ),
        Playbook(
            "data_breach",
            "Personal data breach",
            "GDPR policy; UK GDPR Article 33",
            (
                Step("siro", "Tell the SIRO / DPO at once.", tell="SIRO / DPO"),
                Step(
                    "ico",
                    "Decide, within 72 hours of becoming aware, whether the ICO must be told, "
                    "and record why.",
                    tell="ICO (if reportable)",
                ),
                Step(
                    "data_subjects",
                    "Tell the people affected if the breach is likely to put them at high risk.",
                    mandatory=False,
                ),
            ),
        ),
    )
}

KIND_PLAYBOOKS: dict[str, tuple[str, ...]] = {
    IncidentKind.ILLEGAL_MATERIAL: ("illegal",),
    IncidentKind.CYBERBULLYING: ("bullying",),
    IncidentKind.LOST_EQUIPMENT: ("lost_equipment",),
    IncidentKind.MALWARE: ("malware",),
    IncidentKind.SECURITY_BREACH: ("security",),
    IncidentKind.MISUSE: ("security",),
    IncidentKind.FILTERING_FAILURE: ("filtering",),
    IncidentKind.OFFENSIVE_EMAIL: ("offensive_email",),
    IncidentKind.DATA_BREACH: ("data_breach",),
}
# The steps the ICT team works on a technical incident (``rules.TECHNICAL_KINDS``) without
# reading its confidential parts: taking the machine off the network, cleaning it,
# restoring it, and changing breached passwords.
TECHNICAL_STEPS: frozenset[tuple[str, str]] = frozenset(
    {
        ("malware", "disconnect"),
        ("malware", "inform"),
        ("malware", "clean"),
        ("malware", "restore"),
        ("security", "passwords"),
    }
)

# Kinds that are "serious" whatever their assessed severity.
SERIOUS_KINDS = frozenset({IncidentKind.OFFENSIVE_MATERIAL, IncidentKind.ILLEGAL_MATERIAL})


# Steps whose words depend on the school: "the LA e-safety officer" is the trust's
# online-safety lead at an academy. An area that keeps the school's contacts (safeguarding)
# offers ``STEP_WORDING`` in its ``playbook_contacts`` module: callables
# ``(school, step) -> Step | None`` giving the step in the school's own words.
LOCAL_STEP_CODES = frozenset({"la_officer"})


def local_step(school: School, step: Step) -> Step:
    """``step`` in the school's own words (its named contacts), or as written here."""
    if step.code not in LOCAL_STEP_CODES:
        return step
    for wording in collect("playbook_contacts", "STEP_WORDING"):
        local = wording(school, step)
        if local is not None:
            return local
    return step


def playbooks_for(*, kind: str, severity: str, subject_types: Iterable[str]) -> list[str]:
    """Which playbooks an incident needs now: its kind's, and the serious-violation ones.

    A violation is serious when its kind is offensive or illegal material or it is assessed
    as severe; the adult or pupil playbook follows the subjects (both when both are
    involved).
    """
    keys = list(KIND_PLAYBOOKS.get(kind, ()))
    if kind in SERIOUS_KINDS or severity == Severity.SEVERE:
        types = set(subject_types)
        if "pupil" in types:
            keys.append("serious_pupil")
        if types - {"pupil"}:
            keys.append("serious_adult")
    return keys
