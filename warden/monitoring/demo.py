"""Demo data of the monitoring app (``warden demo``): ``LOADERS`` run once per school."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from warden.core.models import School

LOADERS: list[Callable[..., dict[str, int]]] = []


# --- filtering (the standard filter groups for the school's phase) -----------------------------

# What pupils never reach in school, whatever their age (UK SIC inappropriate content and
# the filter-bypass categories).
_PUPIL_BLOCKS = (
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
)
_STAFF_BLOCKS = ("pornography", "gambling", "malware", "phishing", "proxies", "doh", "piracy")
_STAFF_ALERTS = ("extremism", "self-harm", "suicide", "child-sexual-exploitation")


def _spec(
    slug: str,
    name: str,
    types: list[str],
    years: list[int],
    *,
    blocks: tuple[str, ...] = _PUPIL_BLOCKS,
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


def _plan(phase: str) -> list[dict[str, Any]]:
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
            extra_blocks=("social-networks", "chat", "webmail", "games", "forums"),
        ),
    ]
    secondary = [
        _spec(
            "ks3",
            "Key stage 3",
            ["pupil"],
            [7, 8, 9],
            extra_blocks=("social-networks", "chat", "games"),
            lunch_games=True,
        ),
        _spec("ks4", "Key stage 4", ["pupil"], [10, 11], extra_blocks=("games", "chat")),
        _spec("sixth-form", "Sixth form", ["pupil"], [12, 13], alerts=("social-networks",)),
    ]
    pupils = {"primary": primary, "secondary": secondary}.get(phase, primary + secondary)
    return [
        *pupils,
        _spec(
            "staff",
            "Staff",
            ["teaching_staff", "support_staff", "supply_staff"],
            [],
            blocks=_STAFF_BLOCKS,
            alerts=_STAFF_ALERTS,
        ),
        _spec("guests", "Guests and visitors", [], [], extra_blocks=("social-networks",)),
    ]


def load_filter_groups(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    """The standard filter groups for the school's phase, each with its own address range;
    guests take anyone unmatched. Adds only the groups that are missing."""
    from warden.monitoring.models.filtering import FilterEntry, FilterGroup
    from warden.monitoring.services import filtering as services

    created = {"filter groups": 0, "filter entries": 0}
    existing = set(FilterGroup.objects.filter(school=school).values_list("slug", flat=True))
    for position, spec in enumerate(_plan(school.phase), start=1):
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
        created["filter groups"] += 1
    if not FilterGroup.objects.filter(school=school, slug=services.NO_INTERNET_SLUG).exists():
        services.no_internet_group(school)  # where internet-withdrawal sanctions put pupils
        created["filter groups"] += 1
    if not FilterEntry.objects.filter(school=school).exists():
        services.entry_add(
            actor=None,
            school=school,
            site="www.bbc.co.uk/bitesize",
            action="allow",
            category="education",
            reason="Homework help for every key stage",
        )
        created["filter entries"] += 1
    return created


LOADERS += [load_filter_groups]
# --- end of filtering ---------------------------------------------------------------------------


# --- monitoring (keyword libraries, IP leases, violations) ------------------------------------

# (hours ago, search engine host, query, phrase, category, severity): made-up searches that
# match the starter library, so the violations page and dashboard have something to show.
_DEMO_SEARCHES = (
    (2, "www.google.com", "how to cut myself", "how to cut myself", "self-harm", 5),
    (5, "www.bing.com", "everyone hates you kys", "kys", "bullying", 4),
    (20, "www.google.co.uk", "where to buy weed near me", "buy weed", "drugs", 3),
    (30, "duckduckgo.com", "how to make a pipe bomb", "how to make a pipe bomb", "weapons", 4),
    (75, "www.google.com", "how to bring a gun to school", "bring a gun to school", "weapons", 5),
    (120, "www.google.com", "i want to die", "i want to die", "suicide", 5),
)


def load_monitoring(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    """The starter keyword library, and a handful of synthetic violations by demo pupils."""
    from urllib.parse import quote_plus

    from django.utils import timezone

    from warden.core.audit import audit_log_many, diff, snapshot
    from warden.monitoring.models import Keyword, Violation
    from warden.monitoring.services.monitoring import keywords_load_starter
    from warden.people.models import Person, PersonType

    created = keywords_load_starter(actor=None, school=school)
    pupils = list(
        Person.objects.filter(school=school, person_type=PersonType.PUPIL).order_by("pk")[:6]
    )
    known = {k.normalised for k in Keyword.objects.filter(school=school, active=True)}
    have = set(
        Violation.objects.filter(school=school, engine_id__startswith="demo-").values_list(
            "engine_id", flat=True
        )
    )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    new = []
    for n, (hours, host, query, phrase, category, severity) in enumerate(_DEMO_SEARCHES):
        engine_id = f"demo-{school.slug}-{n}"
        if engine_id in have or not pupils or phrase not in known:
            continue
        pupil = pupils[n % len(pupils)]
        url = f"https://{host}/search?q={quote_plus(query)}"
        new.append(
            Violation(
                school=school,
                engine_id=engine_id,
                source_id="demo",
                offset=n,
                line_no=n + 1,
                ts=now - dt.timedelta(hours=hours),
                person=pupil,
                username=(pupil.mis_id or f"pupil{pupil.pk}").lower(),
                client_ip=f"10.20.0.{10 + n}",
                url=url,
                host=host,
                search_engine=host.split(".")[-2] if host.count(".") else host,
                search_term=query,
                phrase=phrase,
                matched_text=phrase,
                language="en",
                category=category,
                severity=severity,
                decision="allowed",
                kind="keyword",
            )
        )
    Violation.objects.bulk_create(new)
    saved = list(Violation.objects.filter(school=school, engine_id__in=[v.engine_id for v in new]))
    audit_log_many(
        actor=None,
        action="violation.recorded",
        items=[(v, diff({}, snapshot(v, ["phrase", "category", "severity", "ts"]))) for v in saved],
        school=school,
    )
    return {
        "keywords": created["keywords"],
        "keyword exclusions": created["keyword exclusions"],
        "violations": len(saved),
    }


LOADERS += [load_monitoring]
# --- end of monitoring --------------------------------------------------------------------------
