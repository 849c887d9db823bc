"""What the data-protection area puts on home pages: the open breaches with their ICO
clocks, for the SIRO and the headteacher, and the headteacher's overview figures."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from warden.core.dashboard import Figure, HomePanel, Panel
from warden.core.models import School
from warden.core.roles import PrivacyPerm, Role
from warden.privacy import selectors

SHOWN = 5


def _breaches_panel(request: HttpRequest, school: School) -> list[Panel]:
    now = timezone.now()
    breaches = list(selectors.open_breaches(school)[: SHOWN + 1])
    rows = [(b, selectors.breach_clock(b, now)) for b in breaches[:SHOWN]]
    return [
        Panel(
            "Personal data breaches",
            "privacy/_dashboard_breaches.html",
            {"rows": rows, "more": len(breaches) > SHOWN},
            order=6,
        )
    ]


def _breach_figures(request: HttpRequest, school: School) -> list[Figure]:
    now = timezone.now()
    url = reverse("privacy:breach_list") + "?state=open"
    open_breaches = list(selectors.open_breaches(school))
    found = [Figure("Data breaches", len(open_breaches), "open", url, order=25)]
    overdue = [b for b in open_breaches if selectors.breach_clock(b, now).overdue]
    if overdue:
        found.append(
            Figure(
                "Data breaches",
                len(overdue),
                "past the ICO's 72 hours without a decision",
                url,
                overdue=True,
                order=25,
            )
        )
    return found


# The headteacher and trust administrator read open and overdue breaches among the figures of
# their one-screen overview (FIGURES below); the SIRO works them from this panel.
HOME = [HomePanel(frozenset({Role.SIRO}), _breaches_panel, PrivacyPerm.BREACHES, order=6)]
FIGURES = [(PrivacyPerm.BREACHES, _breach_figures)]
