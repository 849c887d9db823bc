"""An agreement's signer list as CSV or XLSX: the page's rows, filters and access."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from warden.agreements.access import agreement_for_user
from warden.agreements.models import StoredStanding
from warden.agreements.selectors import audience_standings
from warden.agreements.views import signer_filters
from warden.core.exports import export_response, filters_described
from warden.lib.exports import Column


def _signed(s: StoredStanding) -> object:
    signature = s.shown_signature
    return signature.signed_at if signature else None


def _version(s: StoredStanding) -> str:
    signature = s.shown_signature
    return signature.version.label if signature else ""


SIGNER_COLUMNS: list[Column[StoredStanding]] = [
    Column("Surname", lambda s: s.person.last_name),
    Column("First name", lambda s: s.person.first_name),
    Column(
        "Year group",
        lambda s: s.person.get_year_group_display() if s.person.year_group is not None else "",
    ),
    Column("Form", lambda s: s.person.form),
    Column("Job title", lambda s: s.person.job_title),
    Column("Status", lambda s: s.state_label),
    Column("Signed", _signed),
    Column("Version", _version),
    Column("Why not current", lambda s: getattr(s, "now_reason", s.reason)),
    Column("Grace ends", lambda s: getattr(s, "now_grace_ends", None)),
]


@login_required
@require_GET
def signer_export(request: HttpRequest, agreement_pk: int, fmt: str) -> HttpResponseBase:
    agreement = agreement_for_user(request.user, agreement_pk)
    form, filters = signer_filters(request)
    return export_response(
        request,
        fmt=fmt,
        school=agreement.school,
        name=f"agreement-{agreement.pk}-signers",
        title=f"Who has signed {agreement.title}",
        rows=audience_standings(agreement, filters),
        columns=SIGNER_COLUMNS,
        filters=filters_described(form),
    )
