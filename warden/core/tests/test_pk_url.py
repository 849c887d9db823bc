"""The list pages' URL filter gives what ``{% url %}`` gives."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from warden.core.templatetags.warden_urls import pk_url


@pytest.mark.parametrize(
    ("name", "kwarg"),
    [("people:detail", "person_pk"), ("accounts:account_detail", "account_pk")],
)
@pytest.mark.parametrize("pk", [1, 7, 2_147_483_645, 1000])
def test_the_same_url_as_the_url_tag(name: str, kwarg: str, pk: int) -> None:
    assert pk_url(pk, name) == reverse(name, kwargs={kwarg: pk})


def test_in_a_template() -> None:
    rendered = Template('{% load warden_urls %}{{ pk|pk_url:"people:detail" }}').render(
        Context({"pk": 42})
    )
    assert rendered == reverse("people:detail", kwargs={"person_pk": 42})


def test_follows_the_script_prefix() -> None:
    try:
        set_script_prefix("/warden/")
        assert pk_url(5, "people:detail") == reverse("people:detail", kwargs={"person_pk": 5})
        assert pk_url(5, "people:detail").startswith("/warden/")
    finally:
        set_script_prefix("/")


def test_refuses_a_url_that_takes_no_number() -> None:
    with pytest.raises(NoReverseMatch):
        pk_url(1, "core:dashboard")
