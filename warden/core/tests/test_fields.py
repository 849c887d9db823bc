"""Services set a model's editable fields through one helper."""

from __future__ import annotations

import pytest

from warden.core.errors import ServiceError
from warden.core.fields import set_fields
from warden.people.models import Person


def test_text_is_stripped_and_an_empty_text_value_is_stored_as_empty():
    person = Person(first_name="x", preferred_name="Jo")
    set_fields(
        person, {"first_name": "  Ada ", "preferred_name": None}, {"first_name", "preferred_name"}
    )
    assert person.first_name == "Ada"
    assert person.preferred_name == ""


def test_a_field_outside_the_allowed_names_is_refused_and_nothing_is_set():
    person = Person(first_name="Ada")
    with pytest.raises(ServiceError, match=r"These fields cannot be set: school_id\."):
        set_fields(person, {"first_name": "Bea", "school_id": 2}, {"first_name"})
    assert person.first_name == "Ada"
