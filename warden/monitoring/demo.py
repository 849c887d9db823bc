"""Demo data of the monitoring app (``warden demo``): ``LOADERS`` run once per school."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from warden.core.models import School

LOADERS: list[Callable[..., dict[str, int]]] = []


# --- filtering (the shipped filter groups for the school's phase) -----------------------------


def load_filter_groups(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    """The shipped filter groups and the starter lists (a school registered by ``warden
    add-school`` has them already), and one allow-list entry to show."""
    from warden.monitoring.models.filtering import FilterEntry
    from warden.monitoring.services import filtering as services
    from warden.monitoring.services.standard_groups import standard_groups_create
    from warden.monitoring.services.starter_lists import starter_lists_load

    created = {
        "filter groups": standard_groups_create(school=school),
        "filter lists": starter_lists_load(school=school),
        "filter entries": 0,
    }
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


# --- retention (records): a pupil who left over a year ago, whose violations are due ------------


def load_leaver_violations(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    """A pupil who left 13 months ago with a few violations, so the retention schedule's
    dry run (violations kept one year after the pupil leaves) lists them."""
    import random
    import zlib

    from django.utils import timezone
    from faker import Faker

    from warden.core.audit import audit_log_many, diff, snapshot
    from warden.monitoring.models import Violation
    from warden.people.models import PersonType
    from warden.people.services import person_create

    prefix = f"demo-leaver-{school.slug}-"
    if Violation.objects.filter(school=school, engine_id__startswith=prefix).exists():
        return {"violations of a leaver": 0}
    faker = Faker("en_GB")
    # Seeded by the school's slug, not its row number: the same seed builds the same people.
    faker.seed_instance(seed + zlib.crc32(school.slug.encode()))
    left = today - dt.timedelta(days=400)
    pupil = person_create(
        actor=None,
        school=school,
        fields={
            "person_type": PersonType.PUPIL,
            "first_name": faker.first_name(),
            "last_name": faker.last_name(),
            "joining_date": left - dt.timedelta(days=5 * 365),
            "leaving_date": left,
            "leaving_reason": "Moved school",
            "mis_id": f"DEMO-LEFT-{school.slug}",
            # The year they were in when they left: the last of the school.
            "year_group": 11 if school.phase == "secondary" else 6,
            "form": "Left",
        },
    )
    rng = random.Random(seed)
    now = timezone.now()
    new = [
        Violation(
            school=school,
            engine_id=f"{prefix}{n}",
            source_id="demo",
            offset=n,
            line_no=n + 1,
            ts=now - dt.timedelta(days=420 + rng.randint(0, 200)),
            person=pupil,
            username=f"left{pupil.pk}",
            host="games.example",
            url="https://games.example/",
            category="games",
            severity=1,
            decision="blocked",
            kind="blocked",
        )
        for n in range(3)
    ]
    Violation.objects.bulk_create(new)
    saved = list(Violation.objects.filter(school=school, engine_id__startswith=prefix))
    audit_log_many(
        actor=None,
        action="violation.recorded",
        items=[(v, diff({}, snapshot(v, ["category", "severity", "ts"]))) for v in saved],
        school=school,
    )
    return {"violations of a leaver": len(saved)}


LOADERS += [load_leaver_violations]
