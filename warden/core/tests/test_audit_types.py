"""Every audit action is declared once, read as a sentence, and seen only by those it is for.

The declarations live in each area's ``audit_types.py`` (``core.audit_registry``); the audit
page and each record's history render entries through them.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

import warden
from warden.accounts.models import Account, System, SystemKind
from warden.core.audit import audit_log
from warden.core.audit_display import describe
from warden.core.audit_registry import AuditType, audit_types
from warden.core.models import AuditEntry
from warden.testing.audit_actions import written_actions
from warden.testing.factories import PupilFactory

WARDEN = Path(warden.__file__).parent
# A code as stored (``loan.checked_out``) or a key left in a sentence (``{due_on}``).
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b|\{")


def test_every_action_the_code_writes_is_declared():
    written, unresolved = written_actions(WARDEN)
    assert not unresolved, (
        "These audit calls build their action in a way the check cannot follow; write the "
        "action out (or pass it as a literal) so it can be declared: "
        + "; ".join(map(str, unresolved))
    )
    undeclared = {code: site for code, site in written.items() if code not in audit_types()}
    assert not undeclared, (
        "Declare these audit actions in their area's audit_types.py: "
        + "; ".join(f"{code} (written at {site})" for code, site in sorted(undeclared.items()))
    )


def test_the_check_follows_actions_through_helpers_and_names_what_it_cannot(tmp_path):
    (tmp_path / "services.py").write_text(
        "from typing import Literal\n"
        "def _log(actor, action, thing):\n"
        "    audit_log(actor=actor, action=action, obj=thing)\n"
        "def lend(actor, thing, ok):\n"
        "    _log(actor, 'gadget.lent' if ok else 'gadget.refused', thing)\n"
        "def read(*, actor, what: Literal['viewed', 'printed']):\n"
        "    audit_log(actor=actor, action=f'gadget.{what}')\n"
        "def odd(actor, codes):\n"
        "    audit_log(actor=actor, action=codes[0])\n",
        encoding="utf-8",
    )
    written, unresolved = written_actions(tmp_path)
    assert set(written) == {"gadget.lent", "gadget.refused", "gadget.viewed", "gadget.printed"}
    assert [(s.line, s.expression) for s in unresolved] == [(9, "codes[0]")]


def test_a_sentence_may_show_only_the_fields_its_entry_declares():
    with pytest.raises(ImproperlyConfigured, match=r"\{due_on\}, which is not one of its fields"):
        AuditType("loan.checked_out", "{actor} lent it, due {due_on}", fields=("person",))


@pytest.mark.parametrize("code", sorted(audit_types()))
def test_each_declared_sentence_reads_without_codes(code):
    declared = audit_types()[code]
    fields = [n for n in declared.placeholders if n not in {"actor", "record"} and "." not in n]
    entry = AuditEntry(
        seq=1,
        at=dt.datetime(2026, 12, 20, 9, 5, tzinfo=dt.UTC),
        actor=None,
        actor_label="system",
        action=code,
        object_repr="Jay Gray",
        changes={name: [None, "something"] for name in fields},
    )
    [shown] = describe([entry])
    sentence, label = shown.sentence, shown.label  # type: ignore[attr-defined]
    assert sentence[:1].isupper()
    assert not CODE.search(sentence), sentence
    assert not CODE.search(label), label


@pytest.fixture
def account(school):
    pupil = PupilFactory.create(school=school, first_name="Jay", last_name="Gray")
    system = System.objects.create(school=school, name="Learning platform", kind=SystemKind.SUPPLY)
    return Account.objects.create(school=school, person=pupil, system=system, username="jgray")


def test_a_sentence_names_people_and_records_and_gives_times_as_people_write_them(
    account, headteacher, client_for
):
    audit_log(
        actor=headteacher,
        action="account.removal_deadline_set",
        obj=account,
        changes={"removal_deadline": [None, "2026-12-20T09:05:00+00:00"]},
    )
    page = html.unescape(client_for(headteacher).get(reverse("core:audit_list")).content.decode())
    sentence = (
        "Head Tester set the removal deadline of Jay Gray's account on Learning platform "
        "to 20/12/2026 09:05"
    )
    assert f"<td>{sentence}</td>" in page
    assert "Removal deadline: 20/12/2026 09:05" in page
    assert "account.removal_deadline_set" not in page and "2026-12-20T" not in page


def test_a_changed_field_that_names_another_record_shows_its_name_not_its_key(
    school, dsl, client_for
):
    pupil = PupilFactory.create(school=school, first_name="Robin", last_name="Ash")
    audit_log(
        actor=dsl,
        action="incident.person_added",
        school=school,
        changes={"person": [None, pupil.pk], "part": [None, "subject"]},
    )
    page = html.unescape(client_for(dsl).get(reverse("core:audit_list")).content.decode())
    assert "<td>Dsl Tester added Robin Ash to a record as subject</td>" in page
    assert f"Person: {pupil.pk}<" not in page and "Person: Robin Ash" in page


def test_fields_an_entry_does_not_declare_are_never_shown(account, headteacher, client_for):
    audit_log(
        actor=headteacher,
        action="api_token.revoked",
        obj=account,
        changes={"revoked": [None, True], "prefix_secret_note": [None, "kept quiet"]},
    )
    audit_log(
        actor=headteacher,
        action="system.created",
        obj=account.system,
        changes={"id": [None, 4711], "name": [None, "Learning platform"]},
    )
    page = html.unescape(client_for(headteacher).get(reverse("core:audit_list")).content.decode())
    assert "Revoked: yes" in page and "Name: Learning platform" in page
    assert "kept quiet" not in page and "Prefix secret note" not in page
    # A record's own key is one of its fields, but a number means nothing to a reader.
    assert "4711" not in page


def test_a_welfare_concern_entry_is_not_listed_to_a_headteacher(
    school, dsl, headteacher, client_for
):
    audit_log(actor=dsl, action="welfare_concerns.listed", school=school, changes={})
    audit_log(actor=dsl, action="user.signed_in", school=school)
    seen_by_head = client_for(headteacher).get(reverse("core:audit_list")).content.decode()
    seen_by_dsl = client_for(dsl).get(reverse("core:audit_list")).content.decode()
    assert "Dsl Tester signed in" in seen_by_head
    assert "list of welfare concerns" not in seen_by_head
    assert "list of welfare concerns" in seen_by_dsl
    # Left out of the count and the pages too, not only hidden from the rows.
    assert re.search(r">\s*1 entry<", seen_by_head)
    assert re.search(r">\s*2 entries<", seen_by_dsl)


def test_a_persons_history_lists_reads_of_their_incidents_only_to_incident_readers(
    school, dsl, ict_manager, client_for
):
    pupil = PupilFactory.create(school=school, first_name="Sam", last_name="Reed")
    audit_log(
        actor=dsl, action="person.incidents_viewed", obj=pupil, changes={"incidents": [None, []]}
    )
    url = reverse("people:detail", kwargs={"person_pk": pupil.pk})
    to_dsl = html.unescape(client_for(dsl).get(url).content.decode())
    to_ict = html.unescape(client_for(ict_manager).get(url).content.decode())
    assert "Dsl Tester read the incidents Sam Reed is part of" in to_dsl
    assert "incidents Sam Reed is part of" not in to_ict
