"""The school's own contacts in playbook steps (``warden.incidents.playbooks.local_step``).

The ICT Security Policy, Appendix B says "Inform the LA e-safety officer". An academy has
no local-authority officer for this: its trust's online-safety lead takes the step. A
school that has named its contact sees the name in the step.
"""

from __future__ import annotations

from dataclasses import replace

from warden.core.models import School
from warden.incidents.playbooks import Step
from warden.safeguarding.models import SafeguardingSettings
from warden.safeguarding.rules import LA_OFFICER, TRUST_LEAD


def la_officer_step(school: School, step: Step) -> Step | None:
    if step.code != "la_officer":
        return None
    found = SafeguardingSettings.objects.filter(school=school).first()
    if found is None:
        return None
    if found.is_academy:
        who = TRUST_LEAD
        contact = found.online_safety_lead
    else:
        who = LA_OFFICER
        contact = found.la_esafety_officer
    named = f" ({contact})" if contact else ""
    return replace(
        step, text=f"Inform the {who[0].lower()}{who[1:]}{named} if necessary.", tell=who
    )


STEP_WORDING = [la_officer_step]
