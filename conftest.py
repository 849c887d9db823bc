"""The named users every permission test reads naturally with.

School A ("Oakfield") has a headteacher, DSL, ICT manager, office, teacher, technician,
governor; school B ("Riverside") is another trust's school with its own headteacher
(``other_school_user``).
"""

from __future__ import annotations

import pytest
from django.test import Client

from warden.core.models import School, User
from warden.core.roles import Role
from warden.testing.clients import CommittingClient, signed_in
from warden.testing.factories import SchoolFactory, TrustFactory, UserFactory, member


@pytest.fixture(autouse=True)
def _keep_test_connection_open(monkeypatch):
    """Let tests drive the real ``warden`` command line.

    A management command run from the command line closes every database connection when
    it ends, and the worker does between tasks; inside a test that would close the
    connection holding the test's transaction (PostgreSQL then fails the rest of the test).
    """
    from django.db import connections
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(connections, "close_all", lambda: None)
    # The worker likewise drops connections between tasks.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def _every_school_outside_requests():
    """Set-up and direct service calls in a test act for every school, as the ``warden``
    commands and tasks do; a request through the test client still enters the user's own
    scope in the middleware (warden.core.tenancy)."""
    from warden.core.tenancy import all_schools

    with all_schools():
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Nothing one test kept in the cache reaches the next: figures are kept until the audit
    trail moves, and each test's trail starts again from where its rollback left it."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _filtering_files_in_tmp(settings, tmp_path):
    """Compiled lists and snapshots a test writes go to its own folder, never ``var/``."""
    settings.WARDEN_FILTER_DIR = tmp_path / "filtering"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path_factory):
    """Each test signs audit checkpoints into a file of its own, never the site's."""
    folder = tmp_path_factory.mktemp("audit")
    settings.WARDEN_AUDIT_CHECKPOINT_FILE = folder / "audit-checkpoints"


@pytest.fixture
def school(db) -> School:
    trust = TrustFactory.create(name="Oak Learning Trust", slug="oak-trust")
    return SchoolFactory.create(trust=trust, name="Oakfield Primary", slug="oakfield")


@pytest.fixture
def other_school(db) -> School:
    trust = TrustFactory.create(name="River Trust", slug="river-trust")
    return SchoolFactory.create(trust=trust, name="Riverside Academy", slug="riverside")


def _user(username: str, school: School, role: str) -> User:
    user = UserFactory.create(username=username, first_name=username.title(), last_name="Tester")
    member(user, school, role)
    return user


@pytest.fixture
def headteacher(school: School) -> User:
    return _user("head", school, Role.HEADTEACHER)


@pytest.fixture
def dsl(school: School) -> User:
    return _user("dsl", school, Role.DSL)


@pytest.fixture
def ict_manager(school: School) -> User:
    return _user("ictmanager", school, Role.ICT_MANAGER)


@pytest.fixture
def office(school: School) -> User:
    return _user("office", school, Role.OFFICE)


@pytest.fixture
def teacher(school: School) -> User:
    return _user("teacher", school, Role.TEACHER)


@pytest.fixture
def technician(school: School) -> User:
    return _user("technician", school, Role.TECHNICIAN)


@pytest.fixture
def governor(school: School) -> User:
    return _user("governor", school, Role.GOVERNOR)


@pytest.fixture
def other_school_user(other_school: School) -> User:
    return _user("otherhead", other_school, Role.HEADTEACHER)


@pytest.fixture
def client_for():
    """``client_for(user)``: a client signed in (and past 2FA) as that user."""
    return signed_in


@pytest.fixture
def anonymous() -> Client:
    return CommittingClient()
