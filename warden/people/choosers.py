"""Choosing a person in a form: type part of a name, pick them from what is found.

A page never sends the school's register in a drop-down (a secondary school has thousands of
people). A :class:`PersonField` renders a text box (an ARIA combobox) and a hidden input that
holds the chosen person's id; as the user types, htmx fills the list under it from one
endpoint, ``people:choose`` (``core/combobox.js`` adds the keys and the tap). Without
JavaScript the typed words are sent instead, and the field takes the one person they match.

Who may be chosen is a named :class:`PersonScope` ("pupils", "staff", ...). Each area lists
its scopes in its ``person_scopes.py`` as ``SCOPES`` (``core.registry.collect``). The
endpoint takes a scope's name and nothing else from the browser, refuses a user who lacks
any of the scope's permissions at their acting school, and the field accepts only a person
of its scope at the form's school, so a forged id of another school's person, or of a parent
in a pupils-only field, is refused. Every scope needs ``people.view``: governors, who see
figures only, never search names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from warden.core.access import AnyUser, has_perm
from warden.core.models import School
from warden.core.registry import collect_unique
from warden.core.roles import ROLE_PERMISSIONS, Perm, Role
from warden.people.access import KINDS, PERSON_DETAILS, Detail, Kind, details_for, kind_of
from warden.people.models import (
    STAFF_TYPES,
    YEAR_GROUP_CHOICES,
    Person,
    PersonType,
    Status,
    status_on,
)

# At most this many people are offered for one search: type more to narrow it.
MAX_FOUND = 10
# Fewer letters than this find too many to be any use.
MIN_LETTERS = 2
MAX_QUERY = 100
MAX_WORDS = 6
# The typed text travels under the field's name with this ending; the chosen id under the
# field's own name, so a client that sends only the id (a test, a script) still works.
SEARCH_SUFFIX = "_search"

_TYPES_OF_KIND: dict[str, frozenset[str]] = {
    Kind.PUPIL: frozenset({PersonType.PUPIL}),
    Kind.PARENT: frozenset({PersonType.PARENT}),
    Kind.STAFF: frozenset(STAFF_TYPES),
    Kind.OTHER: frozenset(PersonType.values)
    - {PersonType.PUPIL, PersonType.PARENT}
    - set(STAFF_TYPES),
}
YEAR_NAMES = dict(YEAR_GROUP_CHOICES)
_YEAR = re.compile(r"^(?:y|yr|year)?(\d{1,2})$", re.IGNORECASE)
_YEAR_WORDS = {"year", "yr", "y"}
_NAMED_YEARS = {"reception": 0, "nursery": -1}
# Punctuation a label or a pasted name may carry around a word: "Smith," "(7B" "7B)".
_AROUND = '()[],;:·"“”‘’'


@dataclass(frozen=True)
class PersonScope:
    """Who a chooser offers, and who may search them.

    ``perms`` are all needed at the school; ``types`` limits the person types (empty: every
    type); ``current`` leaves out people whose leaving date has passed. ``noun`` and
    ``plural`` name them in messages ("No pupil matches", "3 pupils match").
    """

    name: str
    noun: str
    plural: str
    perms: frozenset[str] = frozenset({Perm.PEOPLE_VIEW})
    types: frozenset[str] = frozenset()
    current: bool = False

    def __post_init__(self) -> None:
        # Policy duty "Governors see counts, not names": only a role that may look people
        # up in the register searches them.
        if Perm.PEOPLE_VIEW not in self.perms:
            raise ImproperlyConfigured(
                f"Person scope {self.name!r} must need {Perm.PEOPLE_VIEW!r}: only roles that "
                "may look people up search their names."
            )

    def people(self, school: School) -> QuerySet[Person]:
        people = Person.objects.filter(school=school)
        if self.types:
            people = people.filter(person_type__in=sorted(self.types))
        if self.current:
            people = people.exclude(leaving_date__lt=timezone.localdate())
        return people

    def may_search(self, user: AnyUser, school: School) -> bool:
        return all(has_perm(user, perm, school) for perm in self.perms)

    @property
    def nobody(self) -> str:
        return "No one" if self.noun == "person" else f"No {self.noun}"

    def shown(self, kind: str) -> frozenset[str]:
        """The details of a ``kind`` of person that every role able to search this scope
        sees: a label made of them reads the same to each of its readers."""
        return _shown_to_all(self.perms, kind)


@cache
def _shown_to_all(perms: frozenset[str], kind: str) -> frozenset[str]:
    roles = [role for role in Role if perms <= ROLE_PERMISSIONS.get(role, frozenset())]
    seen = [PERSON_DETAILS.get(role, {}).get(kind, frozenset()) for role in roles]
    return frozenset.intersection(*seen) if seen else frozenset()


def scopes() -> dict[str, PersonScope]:
    """Every scope the installed areas declare, by name."""
    return collect_unique("person_scopes", "SCOPES", lambda s: s.name, "The person scope")


def scope_named(name: str) -> PersonScope | None:
    return scopes().get(name)


def listbox_label(scope: PersonScope) -> str:
    return f"{scope.plural[:1].upper()}{scope.plural[1:]} found"


# --- the search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One person offered: their name, and what tells them from another of the same name."""

    person: Person
    name: str
    place: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.place})" if self.place else self.name


def option_for(scope: PersonScope, person: Person) -> Option:
    kind = kind_of(person)
    place: list[str] = []
    if Detail.SCHOOL_PLACE in scope.shown(kind):
        if kind == Kind.PUPIL:
            year = YEAR_NAMES.get(person.year_group) if person.year_group is not None else None
            place += [person.form, year or ""]
        elif kind == Kind.STAFF:
            place.append(person.job_title)
        elif kind == Kind.OTHER:
            place.append(person.organisation)
    place = [p for p in place if p]
    if kind != Kind.PUPIL and not (kind == Kind.STAFF and place):
        place.insert(0, person.get_person_type_display())
    if status_on(person.joining_date, person.leaving_date, timezone.localdate()) == Status.LEFT:
        place.append("left")
    return Option(person, person.full_name, ", ".join(place))


@dataclass(frozen=True)
class Found:
    scope: PersonScope
    query: str
    options: list[Option]
    more: bool
    by_mis_id: bool
    school: str = ""

    @property
    def too_short(self) -> bool:
        return len(re.sub(r"\W", "", self.query)) < MIN_LETTERS

    @property
    def message(self) -> str:
        """What the list says under the box; empty when it just lists a few people."""
        if self.too_short:
            return f"Type {MIN_LETTERS} or more letters of the name{self.or_id(' or')}."
        if not self.options:
            return (
                f"{self.scope.nobody}{self.at_school} matches ‘{self.query}’: check the "
                f"spelling{self.or_id(', or type')}."
            )
        if self.more:
            return (
                f"The first {len(self.options)} {self.scope.plural} matching ‘{self.query}’: "
                f"type more of the name{self.or_id(', or')}."
            )
        return ""

    @property
    def ambiguity(self) -> str:
        """Why the typed text chose no one when it matches several people."""
        how_many = f"More than {len(self.options)}" if self.more else str(len(self.options))
        return (
            f"{how_many} {self.scope.plural} match ‘{self.query}’: type more of the name"
            f"{self.or_id(', or')}."
        )

    @property
    def at_school(self) -> str:
        """ " at <school>", so a user who works at several schools sees which one was searched
        (the acting school, chosen in the page header)."""
        return f" at {self.school}" if self.school else ""

    def or_id(self, joining: str) -> str:
        """``joining`` and "the UPN" when the reader may search by it, else nothing."""
        if not self.by_mis_id:
            return ""
        what = "UPN" if self.scope.types == {PersonType.PUPIL} else "MIS id"
        return f"{joining} the {what}"


def _words(query: str) -> list[str]:
    words = [w.strip(_AROUND) for w in query.split()]
    words = [w for w in words if w]
    joined: list[str] = []
    for word in words:
        # "year 7", "Y 7": one word, as "Y7" is.
        if joined and joined[-1].lower() in _YEAR_WORDS and word.isdigit():
            joined[-1] += word
        else:
            joined.append(word)
    return joined[:MAX_WORDS]


def _year(word: str) -> int | None:
    if word.lower() in _NAMED_YEARS:
        return _NAMED_YEARS[word.lower()]
    match = _YEAR.match(word)
    if match and int(match.group(1)) in YEAR_NAMES:
        return int(match.group(1))
    return None


def _mis_id_types(scope: PersonScope, school: School, user: AnyUser | None) -> list[str]:
    """The person types whose MIS id (a pupil's UPN) the reader sees: they alone are found
    by it, so a number never confirms whose it is to someone who may not read it."""
    types: set[str] = set()
    for kind in KINDS:
        details = details_for(user, school, kind) if user is not None else scope.shown(kind)
        if Detail.MIS_ID in details:
            types |= _TYPES_OF_KIND[kind]
    return sorted(types)


def _matching(word: str, mis_id_types: list[str]) -> Q:
    match = (
        Q(last_name__icontains=word)
        | Q(first_name__icontains=word)
        | Q(preferred_name__icontains=word)
        | Q(form__iexact=word)
    )
    if mis_id_types:
        match |= Q(mis_id__iexact=word, person_type__in=mis_id_types)
    year = _year(word)
    if year is not None:
        match |= Q(year_group=year)
    return match


def search(scope: PersonScope, school: School, query: str, *, user: AnyUser | None = None) -> Found:
    """The first people of ``scope`` at ``school`` matching every word of ``query``.

    A word matches part of a first, preferred or last name, a form ("7B"), a year ("Y7",
    "year 7"), or an MIS id (a pupil's UPN) the reader may see. Names that begin with the
    first word come first. One bounded query on the school's rows: never more than
    ``MAX_FOUND`` people (and one more, to know there are more).
    """
    query = " ".join(query.split())[:MAX_QUERY]
    mis_id_types = _mis_id_types(scope, school, user)
    found = Found(scope, query, [], False, bool(mis_id_types), school.name)
    words = _words(query)
    if found.too_short or not words:
        return found
    people = scope.people(school)
    for word in words:
        people = people.filter(_matching(word, mis_id_types))
    first = words[0]
    starts = (
        Q(last_name__istartswith=first)
        | Q(first_name__istartswith=first)
        | Q(preferred_name__istartswith=first)
    )
    rows = list(
        people.annotate(starts=Case(When(starts, then=Value(0)), default=Value(1))).order_by(
            "starts", "last_name", "first_name", "pk"
        )[: MAX_FOUND + 1]
    )
    options = [option_for(scope, person) for person in rows[:MAX_FOUND]]
    return Found(scope, query, options, len(rows) > MAX_FOUND, bool(mis_id_types), school.name)


# --- the form field ------------------------------------------------------------------------------


class PersonChooser(forms.Widget):
    """A text box the user types into and a hidden input holding the chosen person's id."""

    template_name = "people/chooser/widget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.scope_name = ""

    def format_value(self, value: Any) -> Any:
        return value

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        pk, text = value if isinstance(value, tuple) else ("", "")
        widget = context["widget"]
        prefix = widget["attrs"].get("id") or f"id_{name}"
        scope = scope_named(self.scope_name)
        query = urlencode({"scope": self.scope_name, "for": prefix})
        widget.update(
            pk=pk,
            text=text,
            prefix=prefix,
            search_name=name + SEARCH_SUFFIX,
            listbox_label=listbox_label(scope) if scope else "",
            url=f"{reverse('people:choose')}?{query}",
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        return (str(data.get(name) or "").strip(), str(data.get(name + SEARCH_SUFFIX) or ""))

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + SEARCH_SUFFIX not in data


class PersonField(forms.Field):
    """A person of a named scope at the form's school, chosen by typing part of their name.

    The form binds it to its school (and, when it knows them, the user) with
    :func:`bind_people`. A submitted id counts when it is a person of the scope and school
    and the text beside it is empty or still that person's label; otherwise the typed text
    is searched, and must match exactly one person.
    """

    widget = PersonChooser

    def __init__(self, *, scope: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # A form may say what to do when nothing is chosen; else the scope's words do.
        self.required_message = (kwargs.get("error_messages") or {}).get("required")
        self.scope_name = scope
        assert isinstance(self.widget, PersonChooser)
        self.widget.scope_name = scope
        self.school: School | None = None
        self.user: AnyUser | None = None

    @property
    def scope(self) -> PersonScope:
        scope = scope_named(self.scope_name)
        if scope is None:
            raise ImproperlyConfigured(f"No person scope is named {self.scope_name!r}.")
        return scope

    def _people(self) -> QuerySet[Person]:
        if self.school is None:
            raise ImproperlyConfigured("Bind the form's person fields to a school first.")
        return self.scope.people(self.school)

    def prepare_value(self, value: Any) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        if value in (None, ""):
            return ("", "")
        person = value if isinstance(value, Person) else None
        if person is None and str(value).isdigit():
            person = self._people().filter(pk=int(value)).first()
        if person is None:
            return ("", "")
        return (str(person.pk), option_for(self.scope, person).label)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.prepare_value(initial)[0] != self.prepare_value(data)[0]

    def clean(self, value: Any) -> Person | None:
        pk, text = value if isinstance(value, tuple) else (str(value or ""), "")
        text = " ".join(text.split())
        scope = self.scope
        if pk:
            person = self._people().filter(pk=int(pk)).first() if pk.isdigit() else None
            if person is None:
                raise forms.ValidationError(
                    f"Choose a {scope.noun} at {self.school} from the list: the one sent is "
                    f"not a {scope.noun} there.",
                    code="invalid_choice",
                )
            if not text or text == option_for(scope, person).label:
                return person
            # The text was changed after a choice (without JavaScript to clear the choice):
            # what the user typed last counts.
        if not text:
            if self.required:
                raise forms.ValidationError(
                    self.required_message
                    or f"Type the {scope.noun}'s name and choose them from the list.",
                    code="required",
                )
            return None
        assert self.school is not None
        found = search(scope, self.school, text, user=self.user)
        if len(found.options) == 1 and not found.more:
            return found.options[0].person
        if found.too_short or not found.options:
            raise forms.ValidationError(found.message, code="not_found")
        raise forms.ValidationError(found.ambiguity, code="ambiguous")


class PeopleChooser(PersonChooser):
    """The chooser for several people: those chosen so far as ticked boxes (untick to take
    one off), and the text box to find and add another."""

    template_name = "people/chooser/widget_many.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        chosen, text = value if isinstance(value, tuple) else ([], "")
        context = super().get_context(name, ("", text), attrs)
        context["widget"]["chosen"] = chosen
        return context

    def value_from_datadict(  # type: ignore[override]
        self, data: Any, files: Any, name: str
    ) -> tuple[list[str], str]:
        ids = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        ids = [ids] if isinstance(ids, str) else ids
        return (
            [str(pk).strip() for pk in ids if str(pk).strip()],
            str(data.get(name + SEARCH_SUFFIX) or ""),
        )


class PeopleField(PersonField):
    """Several people of a named scope at the form's school: each chosen from the list as
    with :class:`PersonField`, or, without JavaScript, the one the typed words match added to
    those already chosen. Cleans to a list in the order chosen, without repeats."""

    widget = PeopleChooser

    def prepare_value(self, value: Any) -> tuple[list[tuple[str, str]], str]:  # type: ignore[override]
        if isinstance(value, tuple):
            ids, text = value
        else:
            ids, text = list(value or []), ""
        wanted = [v.pk if isinstance(v, Person) else v for v in ids]
        wanted = [int(v) for v in wanted if str(v).isdigit()]
        found = {p.pk: p for p in self._people().filter(pk__in=wanted)} if wanted else {}
        chosen = [
            (str(pk), option_for(self.scope, found[pk]).label)
            for pk in dict.fromkeys(wanted)
            if pk in found
        ]
        return (chosen, text)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return [pk for pk, _ in self.prepare_value(initial)[0]] != [
            pk for pk, _ in self.prepare_value(data)[0]
        ]

    def clean(self, value: Any) -> list[Person]:  # type: ignore[override]
        ids, text = value if isinstance(value, tuple) else (list(value or []), "")
        text = " ".join(str(text).split())
        scope = self.scope
        wanted = list(dict.fromkeys(ids))
        if any(not str(pk).isdigit() for pk in wanted):
            raise forms.ValidationError(
                f"Choose each {scope.noun} from the list.", code="invalid_choice"
            )
        found = {p.pk: p for p in self._people().filter(pk__in=[int(pk) for pk in wanted])}
        if len(found) != len(wanted):
            raise forms.ValidationError(
                f"Choose each {scope.noun} at {self.school} from the list: one sent is not a "
                f"{scope.noun} there.",
                code="invalid_choice",
            )
        people = [found[int(pk)] for pk in wanted]
        if text:
            assert self.school is not None
            result = search(scope, self.school, text, user=self.user)
            if result.too_short or not result.options:
                raise forms.ValidationError(result.message, code="not_found")
            if len(result.options) != 1 or result.more:
                raise forms.ValidationError(result.ambiguity, code="ambiguous")
            person = result.options[0].person
            if person.pk not in found:
                people.append(person)
        if not people and self.required:
            raise forms.ValidationError(
                self.required_message
                or f"Type a {scope.noun}'s name and choose them from the list.",
                code="required",
            )
        return people


def bind_people(form: forms.Form, *, school: School, user: AnyUser | None = None) -> None:
    """Tie every person field of ``form`` to ``school``; with ``user``, drop the fields
    whose scope they may not search (a governor describes people in words instead)."""
    for name, field in list(form.fields.items()):
        if not isinstance(field, PersonField):
            continue
        if user is not None and not field.scope.may_search(user, school):
            del form.fields[name]
            continue
        field.school = school
        field.user = user


class PeopleForm(forms.Form):
    """A form with person fields, for one school (and, when known, the user filling it)."""

    def __init__(
        self, *args: Any, school: School, user: AnyUser | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        bind_people(self, school=school, user=user)
