"""The filter groups Warden ships: every school starts with them when it is registered.

They follow the school's policies, so a new school filters as its policies say from the
first minute; the school then changes them knowingly (a change away from a policy block
needs a reason, see ``filtering_rules.policy_block_refusal``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from warden.core.models import School
from warden.monitoring.filtering_rules import POLICY_PUPIL_BLOCKS

# What pupils never reach in school, whatever their age (UK SIC inappropriate content, the
# filter-bypass categories, and what the school's policies forbid pupils: social media and
# software downloads).
PUPIL_BLOCKS: tuple[str, ...] = (
    "child-sexual-exploitation",
    "suicide",
    "self-harm",
    "extremism",
    "pornography",
    "bullying",
    "discrimination",
    "violence",
    "weapons",
    "drugs",
    "gambling",
    "malware",
    "phishing",
    "hacking",
    "proxies",
    "vpn",
    "doh",
    "remote-access",
    "piracy",
    "adult",
    "dating",
    "cults",
    "cheating",
    *POLICY_PUPIL_BLOCKS,
)
STAFF_BLOCKS = ("pornography", "gambling", "malware", "phishing", "proxies", "doh", "piracy")
STAFF_ALERTS = ("extremism", "self-harm", "suicide", "child-sexual-exploitation")


def _spec(
    slug: str,
    name: str,
    types: list[str],
    years: list[int],
    *,
    blocks: tuple[str, ...] = PUPIL_BLOCKS,
    extra_blocks: tuple[str, ...] = (),
    alerts: tuple[str, ...] = (),
    allows: tuple[str, ...] = (),
    default: str = "allow",
    lunch_games: bool = False,
) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": name,
        "types": types,
        "years": years,
        "blocks": blocks + extra_blocks,
        "alerts": alerts,
        "allows": allows,
        "default": default,
        "lunch_games": lunch_games,
    }


def standard_plan(phase: str) -> list[dict[str, Any]]:
    """The groups for a school of ``phase``: its key stages, staff and guests."""
    primary = [
        _spec(
            "ks1",
            "Key stage 1",
            ["pupil"],
            [-1, 0, 1, 2],
            allows=("education", "child-friendly", "trusted"),
            default="block",
        ),
        _spec(
            "ks2",
            "Key stage 2",
            ["pupil"],
            [3, 4, 5, 6],
            extra_blocks=("chat", "webmail", "games", "forums"),
        ),
    ]
    secondary = [
        _spec(
            "ks3",
            "Key stage 3",
            ["pupil"],
            [7, 8, 9],
            extra_blocks=("chat", "games"),
            lunch_games=True,
        ),
        _spec("ks4", "Key stage 4", ["pupil"], [10, 11], extra_blocks=("games", "chat")),
        _spec("sixth-form", "Sixth form", ["pupil"], [12, 13]),
    ]
    pupils = {"primary": primary, "secondary": secondary}.get(phase, primary + secondary)
    return [
        *pupils,
        _spec(
            "staff",
            "Staff",
            ["teaching_staff", "support_staff", "supply_staff"],
            [],
            blocks=STAFF_BLOCKS,
            alerts=STAFF_ALERTS,
        ),
        _spec("guests", "Guests and visitors", [], [], extra_blocks=("social-networks",)),
    ]


@transaction.atomic
def standard_groups_create(*, school: School) -> int:
    """Create the shipped groups the school lacks (by slug), and its "No internet" group.
    Returns how many groups were created; run again, it creates nothing."""
    from warden.monitoring.models.filtering import FilterGroup
    from warden.monitoring.services import filtering as services

    created = 0
    existing = set(FilterGroup.objects.filter(school=school).values_list("slug", flat=True))
    for position, spec in enumerate(standard_plan(school.phase), start=1):
        if spec["slug"] in existing:
            continue
        group = services.group_create(
            actor=None,
            school=school,
            fields={
                "name": spec["name"],
                "slug": spec["slug"],
                "position": position * 10,
                "default_action": spec["default"],
                "safe_search": spec["slug"] != "staff",
                "person_types": spec["types"],
                "year_groups": spec["years"],
                "is_default": spec["slug"] == "guests",
            },
        )
        actions = dict.fromkeys(spec["blocks"], "block")
        actions.update(dict.fromkeys(spec["alerts"], "alert"))
        actions.update(dict.fromkeys(spec["allows"], "allow"))
        services.group_set_categories(actor=None, group=group, actions=actions)
        if spec["lunch_games"]:
            services.schedule_add(
                actor=None,
                group=group,
                label="Lunchtime games",
                days=["mon", "tue", "wed", "thu", "fri"],
                start=dt.time(12, 15),
                end=dt.time(13, 15),
                categories=["games"],
                action="allow",
            )
        services.network_add(
            actor=None, group=group, cidr=f"10.{100 + position}.0.0/16", label=spec["name"]
        )
        created += 1
    if not FilterGroup.objects.filter(school=school, slug=services.NO_INTERNET_SLUG).exists():
        services.no_internet_group(school)  # where internet-withdrawal sanctions put pupils
        created += 1
    return created
