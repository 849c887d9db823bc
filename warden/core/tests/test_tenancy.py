"""Tenancy the code enforces: a school-owned query needs a declared scope."""

from __future__ import annotations

import contextvars

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Model
from django.http import HttpResponse
from django.test import RequestFactory
from django_scopes import ScopeError

from warden.core.middleware import RequestContextMiddleware
from warden.core.models import School
from warden.core.roles import Role
from warden.core.tenancy import SchoolScoped, all_schools, school_scope
from warden.people.models import Person
from warden.testing.factories import PersonFactory, UserFactory, member

# Identity and the audit trail: read through the access helpers, never by school scope.
# A sign-in provider (a trust's or a school's) and its links to users are read before
# anyone is signed in, when no school is known; their pages filter by the user's schools
# (warden/sso/access.py, walked by test_cross_school_access).
NOT_SCHOOL_OWNED = {"core.Membership", "core.AuditEntry", "sso.Provider", "sso.ProviderLink"}


def _run_without_scope(query):
    """Run ``query`` where nothing declared a scope (a fresh context, as a new thread has)."""
    outcome: dict[str, object] = {}
    try:
        outcome["value"] = contextvars.Context().run(query)
    except Exception as exc:  # the error is the result under test
        outcome["error"] = exc
    return outcome


def test_a_query_with_no_declared_scope_raises_instead_of_reading_every_school():
    outcome = _run_without_scope(lambda: Person.objects.count())
    assert isinstance(outcome.get("error"), ScopeError)
    assert "value" not in outcome


def test_a_related_query_with_no_declared_scope_raises_too(school):
    outcome = _run_without_scope(lambda: list(school.people.all()))
    assert isinstance(outcome.get("error"), ScopeError)


def test_inside_a_school_scope_another_schools_rows_do_not_exist(school, other_school):
    ours = PersonFactory.create(school=school)
    theirs = PersonFactory.create(school=other_school)
    with school_scope(school.pk):
        assert list(Person.objects.all()) == [ours]
        with pytest.raises(Person.DoesNotExist):
            Person.objects.get(pk=theirs.pk)
    with all_schools():
        assert Person.objects.count() == 2


def _people_seen_by(request) -> int:
    counted: dict[str, int] = {}

    def view(request) -> HttpResponse:
        # A page that forgot filter(school=...): the scope still holds.
        counted["people"] = Person.objects.count()
        return HttpResponse("ok")

    RequestContextMiddleware(view)(request)
    return counted["people"]


def test_a_request_sees_only_the_schools_its_user_works_at(school, other_school):
    PersonFactory.create(school=school)
    PersonFactory.create(school=other_school)
    PersonFactory.create(school=other_school)
    user = UserFactory.create()
    member(user, school, Role.TEACHER)
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    assert _people_seen_by(request) == 1


def test_a_request_by_someone_not_signed_in_sees_no_school(school):
    from django.contrib.auth.models import AnonymousUser

    PersonFactory.create(school=school)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    assert _people_seen_by(request) == 0


def _has_school(model: type[Model]) -> bool:
    return model._meta.label not in NOT_SCHOOL_OWNED and any(
        field.name == "school" for field in model._meta.get_fields()
    )


def test_every_model_with_a_school_has_a_scoped_manager():
    unscoped = []
    for model in apps.get_models():
        label = model._meta.label
        if model is School or label in NOT_SCHOOL_OWNED:
            continue
        # Owned directly, or through a parent that is (a stocktake's lines).
        parents = [
            field.related_model
            for field in model._meta.get_fields()
            if field.concrete and field.many_to_one and isinstance(field.related_model, type)
        ]
        owned = _has_school(model) or any(
            parent is not School and _has_school(parent) for parent in parents
        )
        if owned and not isinstance(model._default_manager, SchoolScoped):
            unscoped.append(label)
    assert unscoped == []


def _count_people() -> int:
    return Person.objects.count()


def test_a_background_task_declares_every_school_itself(school, other_school):
    from warden.core.tasks import warden_task

    PersonFactory.create(school=school)
    PersonFactory.create(school=other_school)
    task = warden_task(_count_people)
    # Where nothing declared a scope (as in the worker), the task still runs, for all.
    assert isinstance(_run_without_scope(_count_people).get("error"), ScopeError)
    assert _run_without_scope(task.func).get("value") == 2


def test_a_row_reached_through_its_parent_is_scoped_by_the_parents_school(school, other_school):
    from warden.monitoring.models import FilterGroup, GroupCategoryAction

    ours = FilterGroup.objects.create(school=school, slug="ks2", name="Key stage 2")
    theirs = FilterGroup.objects.create(school=other_school, slug="ks2", name="Key stage 2")
    GroupCategoryAction.objects.create(group=ours, category="gambling", action="block")
    GroupCategoryAction.objects.create(group=theirs, category="gambling", action="block")
    with school_scope(school.pk):
        # The parent's related manager is built from the manager's class: it keeps the path.
        assert ours.actions.count() == 1
        assert theirs.actions.count() == 0
        assert GroupCategoryAction.objects.get().group == ours
