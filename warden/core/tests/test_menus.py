"""The menus: each role's daily pages first, a long menu folded by section with the current
page's section open, and on a phone the page before the menu."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from warden.core.nav import DAILY
from warden.core.roles import Role
from warden.testing.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def _menu(response: Any) -> list[Any]:
    assert response.status_code == 200
    return response.context["nav_sections"]


def test_a_long_menu_puts_the_daily_pages_first_and_folds_the_rest(school, headteacher, client_for):
    response = client_for(headteacher).get(reverse("core:dashboard"))
    menu = _menu(response)
    assert menu[0].name == DAILY and not menu[0].folded
    daily = [e["label"] for e in menu[0].items]
    assert daily[:2] == ["Home", "Accounts and requests"] and "Audit trail" in daily
    folded = [s for s in menu[1:] if s.folded]
    assert folded and not any(s.open for s in folded)
    html = response.content.decode()
    assert "<details><summary>Equipment</summary>" in html
    # The section of the page being read is open.
    people = client_for(headteacher).get(reverse("people:list"))
    section = next(s for s in _menu(people) if any(e["current"] for e in s.items))
    assert section.name == "People and access" and section.open
    assert "<details open><summary>People and access</summary>" in people.content.decode()


def test_a_short_menu_keeps_its_sections_with_the_daily_ones_first(
    school, teacher, governor, client_for
):
    governor_menu = _menu(client_for(governor).get(reverse("core:dashboard")))
    assert not any(s.folded for s in governor_menu)
    assert [s.name for s in governor_menu][:2] == ["Overview", "Governance"]
    # A teacher's menu has grown past a short one: their daily pages come first, in the
    # order of their work, and the rest fold away.
    teacher_menu = _menu(client_for(teacher).get(reverse("core:dashboard")))
    assert teacher_menu[0].name == DAILY and not teacher_menu[0].folded
    daily = [e["label"] for e in teacher_menu[0].items]
    assert daily[:2] == ["Home", "Check before publishing"]
    assert daily.index("Tell the DSL of a worry") < daily.index("Report an incident")
    assert "My reports" in daily and "Posts" in daily


def test_on_a_phone_the_page_comes_before_the_menu(school, teacher, client_for):
    html = client_for(teacher).get(reverse("core:dashboard")).content.decode()
    assert html.index('<main id="main"') < html.index('<nav class="sidenav" id="menu"')
    assert re.search(r'<a class="menu-link" href="#menu">Menu</a>', html)
    assert '<a class="skip-link" href="#menu">Skip to the menu</a>' in html


def test_a_user_with_two_roles_has_both_daily_pages_in_the_order_of_their_work(school, client_for):
    user = UserFactory.create(username="dslwhoteaches")
    member(user, school, Role.TEACHER)
    member(user, school, Role.DSL)
    menu = _menu(client_for(user).get(reverse("core:dashboard")))
    assert [e["label"] for e in menu[0].items] == [
        "Home",
        "Triage queue",
        "Welfare concerns",
        "E-safety incidents",
        "Weekly safeguarding digest",
        "Check before publishing",
        "Unblock requests",
        "Tell the DSL of a worry",
        "Report an incident",
        "My reports",
        "Posts",
    ]
    # Two items are not worth a fold: they show as they are.
    administration = next(s for s in menu if s.name == "Administration")
    assert len(administration.items) == 2 and not administration.folded
