"""Safeguarding playbooks: the DSL's checklists for a welfare concern.

Keeping Children Safe in Education (Part one and Annex B), the Prevent duty guidance,
CEOP's and the Internet Watch Foundation's advice on indecent images, and the ICT Security
Policy, Appendix B for bullying directed at a child. None has a disciplinary step: a child
at risk is supported, not sanctioned. Like the incident playbooks, a playbook's steps are
copied onto the concern when applied, and mandatory steps must be ticked before it closes.
"""

from __future__ import annotations

from warden.incidents.playbooks import Playbook, Step
from warden.safeguarding.models import ConcernCategory

_SPEAK = Step(
    "speak",
    "Speak to the pupil today, calmly and in private; listen, and record what they say in "
    "their own words.",
)
_PARENTS = Step(
    "parents",
    "Decide whether to inform the parents or carers; if telling them would put the child at "
    "risk, do not, and record why.",
)
_REVIEW = Step("review", "Set a date to review the concern with the pupil.")

PLAYBOOKS: dict[str, Playbook] = {
    p.key: p
    for p in (
        Playbook(
            "suicide_self_harm",
            "Risk of suicide or self-harm",
            "Keeping Children Safe in Education, Part one",
            (
                Step(
                    "danger",
                    "If the pupil is in immediate danger, call 999 and stay with them.",
                    tell="Emergency services",
                    mandatory=False,
                ),
                _SPEAK,
                Step(
                    "ask",
                    "Ask directly whether they are thinking of hurting themselves or ending "
                    "their life; asking does not put the idea in their head.",
                ),
                Step(
                    "safety_plan",
                    "Agree a safety plan with the pupil: who they can talk to, what helps, "
                    "and Childline (0800 1111) or Samaritans (116 123).",
                ),
                _PARENTS,
                Step(
                    "referral",
                    "Consider a referral: early help, the school counsellor, mental-health "
                    "support through the GP, or children's social care if the child is at "
                    "risk of significant harm.",
                    mandatory=False,
                ),
                _REVIEW,
            ),
        ),
        Playbook(
            "exploitation",
            "Sexual exploitation or grooming",
            "Keeping Children Safe in Education, Annex B (child sexual exploitation)",
            (
                Step(
                    "listen",
                    "Listen and reassure; do not question the pupil in detail or promise to "
                    "keep a secret. Record their words.",
                ),
                Step(
                    "no_copy",
                    "Do not view, copy, print or forward any image or message; secure the "
                    "device as it is.",
                ),
                Step(
                    "social_care",
                    "Refer to children's social care (MASH) the same day.",
                    tell="Children's social care (MASH)",
                ),
                Step(
                    "ceop_police",
                    "Report online grooming to CEOP (ceop.police.uk), or call the police "
                    "on 999 if the child is in immediate danger.",
                    tell="CEOP or police",
                ),
                _PARENTS,
                _REVIEW,
            ),
        ),
        Playbook(
            "abuse",
            "Abuse or neglect",
            "Keeping Children Safe in Education, Part one",
            (
                Step(
                    "listen",
                    "Listen and reassure; do not question the pupil in detail or promise to "
                    "keep a secret. Record their words.",
                ),
                Step(
                    "social_care",
                    "Refer to children's social care (MASH) the same day if the child is at "
                    "risk of significant harm; call 999 if they are in immediate danger.",
                    tell="Children's social care (MASH)",
                ),
                Step(
                    "parents",
                    "Decide whether to inform the parents or carers; if they may be involved, "
                    "or telling them would put the child at risk, do not, and record why.",
                ),
                _REVIEW,
            ),
        ),
        Playbook(
            "radicalisation",
            "Radicalisation or extremism",
            "Prevent duty guidance; Keeping Children Safe in Education, Annex B",
            (
                _SPEAK,
                Step(
                    "prevent",
                    "Decide with the deputy DSL whether to refer to Prevent (Channel) through "
                    "the local authority's Prevent referral form.",
                    tell="Prevent (local authority)",
                ),
                Step(
                    "police",
                    "If there is an immediate risk, call the police on 999.",
                    tell="Police",
                    mandatory=False,
                ),
                _PARENTS,
                _REVIEW,
            ),
        ),
        Playbook(
            "illegal_images",
            "Illegal images (indecent images of children, terrorist material)",
            "CEOP and Internet Watch Foundation advice; Online Safety Policy §12",
            (
                Step(
                    "do_not_view",
                    "Do not view, copy, print or forward the material, and show it to nobody, "
                    "even to check it.",
                ),
                Step(
                    "secure_device",
                    "Secure the device: leave it as it is, put it somewhere locked, and write "
                    "down who has handled it.",
                ),
                Step(
                    "police",
                    "Contact the police and follow their advice.",
                    tell="Police",
                ),
                Step(
                    "social_care",
                    "Refer to children's social care (MASH) when a child may be at risk.",
                    tell="Children's social care (MASH)",
                    mandatory=False,
                ),
                Step(
                    "ceop",
                    "If a child is being groomed or coerced, report it to CEOP (ceop.police.uk).",
                    tell="CEOP",
                    mandatory=False,
                ),
                _PARENTS,
            ),
        ),
        Playbook(
            "bullying",
            "Bullying directed at the pupil",
            "ICT Security Policy, Appendix B; Keeping Children Safe in Education",
            (
                _SPEAK,
                Step("evidence", "Secure and preserve any evidence, without forwarding it."),
                _PARENTS,
                Step(
                    "la_officer",
                    "Inform the LA e-safety officer if necessary.",
                    tell="LA e-safety officer",
                    mandatory=False,
                ),
                Step("support", "Agree support for the pupil in school."),
                _REVIEW,
            ),
        ),
        Playbook(
            "other",
            "Another worry about the child",
            "Keeping Children Safe in Education, Part one",
            (_SPEAK, _PARENTS, _REVIEW),
        ),
    )
}

CATEGORY_PLAYBOOKS: dict[str, str] = {
    ConcernCategory.SELF_HARM: "suicide_self_harm",
    ConcernCategory.SUICIDE: "suicide_self_harm",
    ConcernCategory.EATING_DISORDER: "suicide_self_harm",
    ConcernCategory.EXPLOITATION: "exploitation",
    ConcernCategory.ABUSE: "abuse",
    ConcernCategory.RADICALISATION: "radicalisation",
    ConcernCategory.ILLEGAL_IMAGES: "illegal_images",
    ConcernCategory.BULLYING: "bullying",
    ConcernCategory.OTHER: "other",
}


def playbook_for(category: str) -> str:
    return CATEGORY_PLAYBOOKS.get(category, "other")
