"""The public block page for welfare categories shows a child where to find help, never an
unblock request and nothing that says they are in trouble (issue 13, item 4)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import save_settings

HELP = (
    "Childline",
    "0800 1111",
    "childline.org.uk",
    "Samaritans",
    "116 123",
    "85258",
    "trusted adult",
)


def _blocked(school, category: str, client: Client | None = None) -> str:
    url = reverse("monitoring:filter_blocked", args=[school.slug])
    response = (client or Client()).get(
        url, {"url": "https://example.org/page", "category": category}
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "category", ["self-harm", "suicide", "child-sexual-exploitation", "extremism"]
)
def test_a_welfare_block_page_shows_help_and_no_unblock_request(school, category):
    page = _blocked(school, category)
    for words in HELP:
        assert words in page, words
    assert "Send the request" not in page
    assert "should not be blocked" not in page
    assert page.count("in trouble") == page.count("You are not in trouble")


@pytest.mark.parametrize("category", ["child-sexual-abuse", "terrorism"])
def test_an_illegal_content_page_never_offers_an_unblock(school, category):
    page = _blocked(school, category)
    assert "Send the request" not in page
    assert "cannot be unblocked" in page


def test_a_gambling_block_page_keeps_the_unblock_request_and_shows_no_helplines(school):
    page = _blocked(school, "gambling")
    assert "Send the request" in page
    assert "Childline" not in page


def test_the_school_writes_its_own_help_and_may_name_its_safeguarding_lead(school, dsl):
    save_settings(
        school,
        dsl,
        block_help_text="The wellbeing room is open every lunchtime.",
        show_dsl_on_block_page=True,
        dsl_name_for_pupils="our safeguarding lead, in the office by the library",
    )
    page = _blocked(school, "self-harm")
    assert "The wellbeing room is open every lunchtime." in page
    assert "our safeguarding lead, in the office by the library" in page
    assert "Childline" in page


def test_the_safeguarding_lead_is_not_named_unless_the_school_allows(school, dsl):
    save_settings(
        school,
        dsl,
        dsl_name_for_pupils="the person in the green office",
    )
    assert "green office" not in _blocked(school, "suicide")


def test_the_settings_page_saves_the_help_text_for_the_dsl_only(school, dsl, teacher, client_for):
    url = reverse("safeguarding:settings")
    assert client_for(teacher).get(url).status_code == 403
    response = client_for(dsl).post(
        url,
        {
            "block_help_text": "Come and see us in Student Services.",
            "dsl_name_for_pupils": "",
            "online_safety_lead": "",
            "la_esafety_officer": "",
        },
    )
    assert response.status_code == 302
    assert "Come and see us in Student Services." in _blocked(school, "self-harm")
