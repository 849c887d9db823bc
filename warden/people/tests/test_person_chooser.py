"""The person chooser: the search behind it, its endpoint, and the field that checks a choice.

A page sends no list of people: they are found as the user types (``people:choose``), only
within the user's acting school and the scope the form names, and a submitted choice is
checked against the same scope and school.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from warden.core.models import School, User
from warden.core.roles import Perm, Role
from warden.people.choosers import (
    MAX_FOUND,
    PeopleForm,
    PersonField,
    PersonScope,
    scope_named,
    scopes,
    search,
)
from warden.people.models import Person, PersonType
from warden.testing.factories import PersonFactory, PupilFactory, UserFactory, member

pytestmark = pytest.mark.django_db

URL = reverse("people:choose")


def _names(html: str) -> list[str]:
    return re.findall(r'<span class="chooser-name">([^<]+)</span>', html)


def _found(scope: str, query: str, school: School, **kwargs: object) -> list[str]:
    found = search(scope_named(scope), school, query, **kwargs)  # type: ignore[arg-type]
    return [option.name for option in found.options]


def _parent(school: School, **fields: object) -> Person:
    return PersonFactory.create(school=school, person_type=PersonType.PARENT, **fields)


# --- the search ------------------------------------------------------------------------------


def test_a_search_matches_part_of_any_name_and_every_word_typed(school):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill", form="7B")
    PupilFactory.create(
        school=school, first_name="Robert", preferred_name="Bobby", last_name="Quillon"
    )
    PupilFactory.create(school=school, first_name="Ada", last_name="Stone")
    assert _found("pupils", "quil", school) == ["Ada Quill", "Bobby Quillon"]
    assert _found("pupils", "bobby", school) == ["Bobby Quillon"]
    assert _found("pupils", "ada qui", school) == ["Ada Quill"]
    assert _found("pupils", "QUILL ada", school) == ["Ada Quill"]


def test_names_that_begin_with_the_first_word_come_first(school):
    PupilFactory.create(school=school, first_name="Ada", last_name="Macdonald")
    PupilFactory.create(school=school, first_name="Ada", last_name="Donaldson")
    assert _found("pupils", "donald", school) == ["Ada Donaldson", "Ada Macdonald"]


def test_a_year_or_a_form_narrows_the_search(school):
    PupilFactory.create(school=school, first_name="Kit", last_name="Smith", year_group=7, form="7B")
    PupilFactory.create(school=school, first_name="Kim", last_name="Smith", year_group=8, form="8C")
    assert _found("pupils", "smith y7", school) == ["Kit Smith"]
    assert _found("pupils", "Smith year 8", school) == ["Kim Smith"]
    assert _found("pupils", "smith Yr8", school) == ["Kim Smith"]
    assert _found("pupils", "7b", school) == ["Kit Smith"]
    assert _found("pupils", "smith 8C", school) == ["Kim Smith"]


def test_two_people_of_one_name_are_told_apart(school, client_for, teacher):
    PupilFactory.create(school=school, first_name="Sam", last_name="Jones", year_group=7, form="7B")
    PersonFactory.create(
        school=school,
        first_name="Sam",
        last_name="Jones",
        person_type=PersonType.TEACHING_STAFF,
        job_title="Teacher of Music",
    )
    _parent(school, first_name="Sam", last_name="Jones")
    html = client_for(teacher).get(URL, {"scope": "people", "q": "sam jones"}).content.decode()
    labels = re.findall(r'data-label="([^"]+)"', html)
    assert sorted(labels) == [
        "Sam Jones (7B, Year 7)",
        "Sam Jones (Parent / carer)",
        "Sam Jones (Teacher of Music)",
    ]


def test_the_upn_finds_a_pupil_for_those_who_may_read_it_only(school, office, teacher):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill", mis_id="K801200300")
    assert _found("pupils", "k801200300", school, user=office) == ["Ada Quill"]
    # A teacher sees no UPNs in the register, so a UPN finds no one for them.
    assert _found("pupils", "K801200300", school, user=teacher) == []


def test_a_scope_offers_only_its_people(school):
    PupilFactory.create(school=school, first_name="Ada", last_name="Smith")
    _parent(school, first_name="Bea", last_name="Smith")
    PersonFactory.create(school=school, first_name="Cy", last_name="Smith")
    left = timezone.localdate() - dt.timedelta(days=3)
    PersonFactory.create(
        school=school,
        first_name="Di",
        last_name="Smith",
        joining_date=left - dt.timedelta(days=300),
        leaving_date=left,
    )
    assert _found("pupils", "smith", school) == ["Ada Smith"]
    assert _found("parents", "smith", school) == ["Bea Smith"]
    assert _found("staff", "smith", school) == ["Cy Smith", "Di Smith"]
    assert _found("current_staff", "smith", school) == ["Cy Smith"]
    assert len(_found("people", "smith", school)) == 4


def test_one_school_never_finds_another_schools_people(school, other_school):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    PupilFactory.create(school=other_school, first_name="Ada", last_name="Quillfeather")
    assert _found("people", "quill", school) == ["Ada Quill"]
    assert _found("people", "quill", other_school) == ["Ada Quillfeather"]


def test_a_search_offers_at_most_ten_and_says_to_type_more(school):
    for n in range(MAX_FOUND + 5):
        PupilFactory.create(school=school, first_name=f"Kit{n:02d}", last_name="Many")
    found = search(scope_named("pupils"), school, "many")  # type: ignore[arg-type]
    assert len(found.options) == MAX_FOUND and found.more
    assert found.message == "The first 10 pupils matching ‘many’: type more of the name."


def test_a_search_runs_the_same_few_queries_however_many_people_match(school, teacher):
    pupils = scope_named("pupils")
    assert pupils is not None
    PupilFactory.create_batch(3, school=school, last_name="Few")
    search(pupils, school, "few", user=teacher)  # the user's roles, read once per request
    with CaptureQueriesContext(connection) as few:
        search(pupils, school, "few", user=teacher)
    PupilFactory.create_batch(40, school=school, last_name="Fewer")
    with CaptureQueriesContext(connection) as many:
        search(pupils, school, "few", user=teacher)
    assert len(many) == len(few) == 1


def test_too_little_typed_finds_no_one_and_says_so(school, office):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    found = search(scope_named("pupils"), school, "q", user=office)  # type: ignore[arg-type]
    assert found.options == []
    assert found.message == "Type 2 or more letters of the name or the UPN."


# --- the endpoint -----------------------------------------------------------------------------


def test_the_endpoint_sends_the_people_found_under_the_ids_of_its_widget(
    school, teacher, client_for
):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    response = client_for(teacher).get(URL, {"scope": "pupils", "q": "quill", "for": "id_person"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="id_person_results"')
    assert 'id="id_person_listbox" role="listbox" aria-label="Pupils found"' in html
    assert 'id="id_person_option1" role="option"' in html
    assert _names(html) == ["Ada Quill"]
    odd = client_for(teacher).get(URL, {"scope": "pupils", "q": "quill", "for": '"><b>'})
    assert 'id="chooser_results"' in odd.content.decode()


def test_the_endpoint_says_when_no_one_matches(school, teacher, client_for):
    html = client_for(teacher).get(URL, {"scope": "pupils", "q": "Smyth"}).content.decode()
    assert f"No pupil at {school.name} matches ‘Smyth’: check the spelling." in html
    assert 'role="listbox" aria-label="Pupils found" hidden' in html


def test_a_governor_never_gets_names(school, governor, client_for):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    response = client_for(governor).get(URL, {"scope": "people", "q": "quill"})
    assert response.status_code == 403
    assert b"Quill" not in response.content


def test_a_scope_needs_every_right_it_names(school, teacher, office, client_for):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    # Borrowers are searched by those who lend equipment: the office, not a teacher.
    refused = client_for(teacher).get(URL, {"scope": "borrowers", "q": "quill"})
    assert refused.status_code == 403 and b"Quill" not in refused.content
    allowed = client_for(office).get(URL, {"scope": "borrowers", "q": "quill"})
    assert _names(allowed.content.decode()) == ["Ada Quill"]


def test_the_browser_names_a_scope_and_nothing_else(school, teacher, client_for):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    client = client_for(teacher)
    assert client.get(URL, {"scope": "everyone-please", "q": "quill"}).status_code == 404
    # A filter sent alongside the scope is not read.
    sneaky = client.get(URL, {"scope": "staff", "q": "quill", "person_type": "pupil"})
    assert _names(sneaky.content.decode()) == []


def test_the_endpoint_searches_the_acting_school_only(school, other_school, client_for):
    both = UserFactory.create(username="both")
    member(both, school, Role.TEACHER)
    member(both, other_school, Role.TEACHER)
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    PupilFactory.create(school=other_school, first_name="Ada", last_name="Quillfeather")
    client = client_for(both)
    client.post(reverse("core:switch_school"), {"school": school.slug})
    assert _names(client.get(URL, {"scope": "pupils", "q": "quill"}).content.decode()) == [
        "Ada Quill"
    ]


def test_a_scope_that_does_not_need_the_register_right_is_refused():
    with pytest.raises(ImproperlyConfigured, match="only roles that may look people up"):
        PersonScope("figures", noun="person", plural="people", perms=frozenset({Perm.REPORTS_VIEW}))


def test_every_declared_scope_has_its_own_name():
    assert {"people", "pupils", "parents", "staff", "current_staff", "borrowers"} <= set(scopes())


# --- the field --------------------------------------------------------------------------------


class PupilForm(PeopleForm):
    pupil = PersonField(scope="pupils", label="Pupil")
    helper = PersonField(scope="staff", label="Who helped", required=False)


def _form(school: School, data: dict[str, str], user: User | None = None) -> PupilForm:
    return PupilForm(data, school=school, user=user)


def test_the_field_renders_a_labelled_combobox_and_a_hidden_choice(school, teacher):
    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Quill", form="7B")
    html = str(PupilForm(school=school, user=teacher, initial={"pupil": pupil}))
    assert '<label for="id_pupil">Pupil' in html
    assert re.search(
        r'<input type="text" name="pupil_search" value="Ada Quill \(7B, Year 7\)"', html
    )
    for attribute in (
        'id="id_pupil"',
        'role="combobox"',
        'aria-expanded="false"',
        'aria-controls="id_pupil_listbox"',
        'hx-trigger="input changed delay:250ms, search"',
        f'hx-get="{URL}?scope=pupils&amp;for=id_pupil"',
    ):
        assert attribute in html
    assert f'<input type="hidden" name="pupil" value="{pupil.pk}"' in html
    assert 'id="id_pupil_listbox" role="listbox"' in html


def test_a_chosen_pupil_is_accepted(school):
    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Quill", form="7B")
    form = _form(school, {"pupil": str(pupil.pk), "pupil_search": "Ada Quill (7B, Year 7)"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"pupil": pupil, "helper": None}
    # A client that sends the id alone (a script, a test) is understood too.
    assert _form(school, {"pupil": str(pupil.pk)}).is_valid()


def test_a_forged_id_of_another_schools_pupil_is_refused(school, other_school):
    theirs = PupilFactory.create(school=other_school)
    form = _form(school, {"pupil": str(theirs.pk)})
    assert not form.is_valid()
    assert form.errors["pupil"] == [
        f"Choose a pupil at {school} from the list: the one sent is not a pupil there."
    ]


def test_a_parent_in_a_pupils_only_field_is_refused(school):
    parent = _parent(school)
    form = _form(school, {"pupil": str(parent.pk)})
    assert not form.is_valid()
    assert "the one sent is not a pupil there" in form.errors["pupil"][0]
    assert not _form(school, {"pupil": "12abc"}).is_valid()


def test_without_javascript_the_typed_name_is_taken_when_it_matches_one_pupil(school):
    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Quill", form="7B")
    PupilFactory.create(school=school, first_name="Bo", last_name="Quill", form="8C")
    form = _form(school, {"pupil": "", "pupil_search": "quill 7b"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["pupil"] == pupil


def test_without_javascript_no_match_or_several_say_what_to_type(school, office):
    for first in ("Ada", "Bo", "Cy"):
        PupilFactory.create(school=school, first_name=first, last_name="Smith")
    missing = _form(school, {"pupil_search": "Smyth"})
    assert missing.errors["pupil"] == [
        f"No pupil at {school.name} matches ‘Smyth’: check the spelling."
    ]
    several = _form(school, {"pupil_search": "Smith"}, user=office)
    assert several.errors["pupil"] == ["3 pupils match ‘Smith’: type more of the name, or the UPN."]
    empty = _form(school, {"pupil_search": ""})
    assert empty.errors["pupil"] == ["Type the pupil's name and choose them from the list."]


def test_text_changed_after_a_choice_counts_over_the_choice(school):
    first = PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    second = PupilFactory.create(school=school, first_name="Bo", last_name="Stone")
    form = _form(school, {"pupil": str(first.pk), "pupil_search": "bo stone"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["pupil"] == second


def test_a_form_drops_the_choosers_a_user_may_not_search(school, governor, teacher):
    assert set(PupilForm(school=school, user=governor).fields) == set()
    assert set(PupilForm(school=school, user=teacher).fields) == {"pupil", "helper"}


def test_a_field_with_a_scope_no_area_declares_says_so(school):
    class Broken(PeopleForm):
        who = PersonField(scope="nobody-declares-this", label="Who")

    with pytest.raises(ImproperlyConfigured, match="nobody-declares-this"):
        Broken({"who": "1"}, school=school).is_valid()


def test_a_form_without_a_school_refuses_to_check(school):
    class Unbound(forms.Form):
        who = PersonField(scope="pupils", label="Who")

    with pytest.raises(ImproperlyConfigured, match="Bind"):
        Unbound({"who": "1"}).is_valid()
