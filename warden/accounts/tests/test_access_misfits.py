"""The access review's misfits: every live account a rule refuses, and no other."""

from __future__ import annotations

import datetime as dt

from warden.accounts import rules
from warden.accounts.models import Account
from warden.accounts.selectors import LIVE_STATES, access_misfits
from warden.accounts.tests.helpers import active_account
from warden.people.models import Person, PersonType
from warden.testing.factories import PersonFactory


def test_misfits_are_the_accounts_a_rule_refuses(school, directory):
    fits, named, leaving, supply, unnamed = (
        PersonFactory.create(school=school, last_name=name, person_type=PersonType.TEACHING_STAFF)
        for name in ("Fits", "Named", "Leaving", "Supply", "Unnamed")
    )
    accounts = {
        p.last_name: active_account(p, directory) for p in (fits, named, leaving, supply, unnamed)
    }
    Person.objects.filter(pk=leaving.pk).update(leaving_date=dt.date.today() + dt.timedelta(days=9))
    Person.objects.filter(pk=supply.pk).update(person_type=PersonType.SUPPLY_STAFF)
    # Remote access switched on after the accounts were given, for named staff only.
    directory.remote_access = True
    directory.save()
    directory.remote_people.set([fits, named, leaving])

    found = {m.account.pk: m.reason for m in access_misfits(directory)}

    assert set(found) == {accounts[n].pk for n in ("Leaving", "Supply", "Unnamed")}
    assert "is leaving on" in found[accounts["Leaving"].pk]
    assert "generic supply account" in found[accounts["Supply"].pk]
    assert "not among the staff named" in found[accounts["Unnamed"].pk]
    # The same answer as asking the rules of every live account.
    every = Account.objects.filter(system=directory, state__in=list(LIVE_STATES))
    refused = {
        a.pk
        for a in every.select_related("person", "system")
        if rules.holder_refusal(directory, a.person)
        or rules.supply_refusal(directory, a.person)
        or a.person.leaving_date
        or a.person not in {fits, named, leaving}
    }
    assert refused == set(found)
