"""What governance adds to an agreement's pages (``agreements.sections``): the policy version
the agreement implements, for staff, and the communications matrix it is read with (ICT
security policy §9: the matrix is shown in the acceptable-use agreements)."""

from __future__ import annotations

from django.http import HttpRequest

from warden.agreements.models import PUPIL_AUDIENCES, AgreementVersion, Audience
from warden.agreements.sections import Section, SectionMaker
from warden.core.access import has_perm
from warden.core.roles import GovernancePerm
from warden.governance.models import PolicyVersion
from warden.governance.selectors import comms_rows


def implements(version: AgreementVersion, request: HttpRequest | None) -> Section | None:
    """The newest policy version linked to this agreement version; staff who read the
    register only, and never on the page a signing link opens."""
    if request is None or not has_perm(request.user, GovernancePerm.READ, version.school):
        return None
    policy_version = (
        PolicyVersion.objects.filter(school=version.school, agreement_versions=version)
        .select_related("policy")
        .order_by("-approved_on", "-number")
        .first()
    )
    if policy_version is None:
        return None
    return (
        "The policy it implements",
        "governance/_agreement_policy.html",
        {"policy_version": policy_version},
    )


def comms_matrix(version: AgreementVersion, request: HttpRequest | None) -> Section | None:
    """The matrix's column for whom the agreement is for: pupils' for pupils and parents,
    staff's for everyone else (none for a device loan, which is not about conduct)."""
    audience = version.agreement.audience
    if audience == Audience.DEVICE_LOAN:
        return None
    for_pupils = audience in PUPIL_AUDIENCES or audience == Audience.PARENT
    rows = [
        (row.label, row.pupils_words if for_pupils else row.staff_words)
        for row in comms_rows(version.school)
    ]
    return (
        "Communications matrix",
        "governance/_agreement_comms.html",
        {"rows": rows, "who": "Pupils" if for_pupils else "Staff"},
    )


SECTIONS: list[SectionMaker] = [implements, comms_matrix]
