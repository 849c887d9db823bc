"""Two routes out of triage, proposed per category and keyword phrase (issue 13, item 1),
and current references in the playbooks (item 6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.engine.categories import proposed_route
from warden.incidents.models import Part
from warden.incidents.services.incidents import incident_report
from warden.monitoring.models import Keyword
from warden.monitoring.selectors.monitoring import proposed_routes
from warden.monitoring.services.monitoring import keyword_create

from .conftest import alert, save_settings


@pytest.mark.parametrize(
    "category",
    [
        "self-harm",
        "suicide",
        "child-sexual-exploitation",
        "grooming",
        "extremism",
        "terrorism",
        "bullying",
        "child-sexual-abuse",
    ],
)
def test_safeguarding_categories_propose_a_welfare_concern(category):
    assert proposed_route(category) == "welfare"


@pytest.mark.parametrize(
    "category", ["gambling", "games", "proxies", "vpn", "hacking", "pornography", "unknown-x"]
)
def test_misuse_categories_propose_a_breach(category):
    assert proposed_route(category) == "breach"


def test_a_keyword_phrase_can_propose_the_other_route(school, dsl, pupil):
    keyword_create(
        actor=dsl,
        school=school,
        text="kill this boss",
        category="violence",
        severity=2,
        route="breach",
    )
    keyword_create(
        actor=dsl,
        school=school,
        text="nobody would miss me",
        category="bullying",
        severity=4,
        route="",
    )
    Keyword.objects.filter(text="nobody would miss me").update(route="welfare")
    game = alert(pupil, category="violence", term="kill this boss")
    sad = alert(pupil, category="bullying", term="nobody would miss me")
    gambling = alert(pupil, category="gambling", term="best odds")
    routes = proposed_routes([game, sad, gambling])
    assert routes == {game.pk: "breach", sad.pk: "welfare", gambling.pk: "breach"}


def test_a_bad_route_is_refused_with_what_to_choose(school, dsl):
    from warden.core.errors import ServiceError

    with pytest.raises(ServiceError, match="Choose a welfare concern, a breach"):
        keyword_create(
            actor=dsl, school=school, text="x y", category="games", severity=1, route="punish"
        )


def test_the_triage_page_proposes_the_route_and_offers_both(school, dsl, pupil, client_for):
    harm = alert(pupil)
    page = client_for(dsl).get(reverse("incidents:triage_detail", args=[harm.pk])).content
    text = page.decode()
    assert "<strong>Welfare concern</strong> (safeguarding, not discipline)" in text
    assert "Raise a welfare concern" in text
    assert "Breach (misuse): open a new incident" in text
    bet = alert(pupil, category="gambling", term="best odds")
    text = client_for(dsl).get(reverse("incidents:triage_detail", args=[bet.pk])).content.decode()
    assert "Breach (misuse of ICT). You can choose either." in text


def _bullying_steps(school, dsl, pupil):
    incident = incident_report(
        actor=dsl,
        school=school,
        kind="cyberbullying",
        title="Group chat",
        description="Unkind messages about a pupil.",
        people=[(pupil, Part.VICTIM)],
    )
    return {s.code: s for s in incident.steps.all()}


def test_an_academy_names_the_trusts_online_safety_lead_not_the_la_officer(school, dsl, pupil):
    save_settings(
        school,
        dsl,
        is_academy=True,
        online_safety_lead="Online-safety lead, Oak Learning Trust, online@oak.example",
    )
    steps = _bullying_steps(school, dsl, pupil)
    assert steps["la_officer"].text == (
        "Inform the trust's online-safety lead "
        "(Online-safety lead, Oak Learning Trust, online@oak.example) if necessary."
    )
    assert steps["la_officer"].tell == "Trust's online-safety lead"
    assert "ceop.police.uk" in steps["ceop"].text
    assert "ceop.gov.uk" not in steps["ceop"].text


def test_a_maintained_school_keeps_the_la_officer(school, dsl, pupil):
    steps = _bullying_steps(school, dsl, pupil)
    assert steps["la_officer"].text == "Inform the LA e-safety officer if necessary."


def test_an_academy_must_name_its_trust_lead(school, dsl):
    from warden.core.errors import ServiceError

    with pytest.raises(ServiceError, match="trust's online-safety lead"):
        save_settings(
            school,
            dsl,
            is_academy=True,
        )


def test_no_safeguarding_playbook_has_a_disciplinary_step():
    from warden.safeguarding.playbooks import PLAYBOOKS

    for book in PLAYBOOKS.values():
        for step in book.steps:
            assert "disciplin" not in step.text.lower(), (book.key, step.code)
            assert "sanction" not in step.text.lower(), (book.key, step.code)
    assert {"suicide_self_harm", "exploitation", "radicalisation", "illegal_images"} <= set(
        PLAYBOOKS
    )
    illegal = " ".join(s.text for s in PLAYBOOKS["illegal_images"].steps)
    assert "Do not view, copy, print or forward" in illegal
    assert "Secure the device" in illegal and "police" in illegal
