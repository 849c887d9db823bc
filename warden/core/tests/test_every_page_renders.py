"""Every page a role reaches from its navigation renders on the demo school, for every role.

The demo fills every area, so this walks real records: each navigation page the role may
open, then the pages those link to (object pages, filters), one level deep. Nothing may fail
with a server error; the role's own navigation pages must answer 200.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from warden.cli import main as warden
from warden.core.access import has_perm
from warden.core.models import School, User
from warden.core.nav import all_items
from warden.demo.trust import SCHOOL_ROLES
from warden.testing.clients import signed_in
from warden.testing.pages import inline_code

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#?]*)(?:\?[^"#]*)?"')
SKIP = ("/static/", "/sign-out", "/healthz")
PER_ROLE = 45


@pytest.fixture
def demo_school(tmp_path, settings) -> School:
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WARDEN_FILTER_DIR = tmp_path / "filtering"
    warden(["demo", "--schools", "1", "--pupils", "20"])
    return School.objects.get()


def test_every_page_of_every_role_renders(demo_school):
    # One demo for all roles: loading it is most of the time.
    failures: list[str] = []
    for role, _prefix in SCHOOL_ROLES:
        failures += _walk(demo_school, role)
    assert not failures, "\n".join(failures)


def _walk(demo_school: School, role: str) -> list[str]:
    failures = []
    user = User.objects.get(memberships__school=demo_school, memberships__role=role)
    client = signed_in(user)
    assert client.get(reverse("core:dashboard")).status_code == 200
    own = [reverse(i.url_name) for i in all_items() if has_perm(user, i.perm, demo_school)]
    assert own, f"{role} has no navigation"
    seen: set[str] = set()
    queue: list[tuple[str, bool]] = [(url, True) for url in own]
    while queue and len(seen) < PER_ROLE:
        url, must_open = queue.pop(0)
        if url in seen or url.startswith(SKIP):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500 or (must_open and response.status_code != 200):
            failures.append(f"{role}: GET {url} answered {response.status_code}")
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        # The Content-Security-Policy forbids inline script, handlers and styles.
        failures += [f"{role}: GET {url} has {found}" for found in inline_code(html)]
        if must_open:
            queue += [(link, False) for link in LINK.findall(html)]
    return failures
