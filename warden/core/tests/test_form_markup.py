"""Forms name every control for a screen reader, and every description they point at exists.

A label can name one control, so a group of radio buttons or ticks is a fieldset named by its
legend (a ``<label for="">`` names nothing). An ``aria-describedby`` that names no element
leaves the field without the help it promises.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

pytestmark = pytest.mark.django_db

DESCRIBED_BY = re.compile(r'aria-describedby="([^"]*)"')
IDS = re.compile(r'\sid="([^"]+)"')


class ParentsForm(forms.Form):
    parents = forms.ChoiceField(
        label="Parents or carers",
        choices=[("informed", "Informed"), ("not_informed", "Not informed")],
        widget=forms.RadioSelect,
        help_text="Whether they were told.",
    )
    reason = forms.CharField(label="Why not", help_text="How it would put the child at risk.")


def _missing_descriptions(page: str) -> list[str]:
    ids = set(IDS.findall(page))
    return [
        name for value in DESCRIBED_BY.findall(page) for name in value.split() if name not in ids
    ]


def test_a_group_of_radio_buttons_is_a_fieldset_named_by_its_legend():
    form = ParentsForm()
    radios = render_to_string("core/_field.html", {"field": form["parents"]})
    assert re.search(
        r'<fieldset class="field" aria-describedby="id_parents_helptext">\s*'
        r"<legend>Parents or carers <span aria-hidden=\"true\">\*</span></legend>",
        radios,
    )
    assert 'for=""' not in radios and '<label for="id_parents"' not in radios
    assert '<label for="id_parents_0">' in radios
    assert not _missing_descriptions(radios)


def test_a_single_control_keeps_its_label():
    form = ParentsForm()
    text = render_to_string("core/_field.html", {"field": form["reason"]})
    assert '<div class="field">' in text and "<fieldset" not in text
    assert '<label for="id_reason">Why not' in text
    assert 'aria-describedby="id_reason_helptext"' in text
    assert not _missing_descriptions(text)


def test_every_description_on_the_audit_page_exists(headteacher, client_for):
    response = client_for(headteacher).get(reverse("core:audit_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_q_helptext"' in page
    assert not _missing_descriptions(page)
