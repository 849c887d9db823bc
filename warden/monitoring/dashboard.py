"""Dashboard panels of the monitoring app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from warden.core.dashboard import Panel
from warden.core.models import School
from warden.core.roles import Perm

PANELS: list[tuple[str, Any]] = []


# --- monitoring (keyword libraries, IP leases, violations) ------------------------------------
def _violations_panel(request: HttpRequest, school: School) -> list[Panel]:
    from warden.monitoring.selectors.monitoring import violations_by_severity

    return [
        Panel(
            "Violations in the last 24 hours",
            "monitoring/monitoring/_dashboard_panel.html",
            {"by_severity": violations_by_severity(school, hours=24)},
            order=20,
        )
    ]


PANELS += [(Perm.VIOLATIONS_VIEW, _violations_panel)]
# --- end of monitoring --------------------------------------------------------------------------


# --- filtering (pending unblock requests, the policy in force) ---------------------------------
def _filtering_panel(request: HttpRequest, school: School) -> list[Panel]:
    from warden.monitoring.selectors.filtering import filtering_summary

    return [
        Panel(
            "Web filtering",
            "monitoring/filtering/_dashboard_panel.html",
            {"summary": filtering_summary(school)},
            order=15,
        )
    ]


PANELS += [(Perm.FILTERING_VIEW, _filtering_panel)]
# --- end of filtering ---------------------------------------------------------------------------
