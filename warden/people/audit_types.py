"""Audit entries the people register writes, as people read them (``core.audit_registry``).

Only readers who may see the register see these entries; a person's page hides the changed
fields its reader may not see, as the page itself does.
"""

from __future__ import annotations

from warden.core.audit_registry import RECORD, declarer
from warden.core.roles import Perm

_see = declarer(Perm.PEOPLE_VIEW)

AUDIT_TYPES = [
    _see("person.created", "{actor} added {record} to the register"),
    _see("person.updated", "{actor} changed {record}'s details"),
    _see("person.viewed", "{actor} read {record}'s record", label="Person's record viewed"),
    _see("guardianship.created", "{actor} linked {parent} to {pupil}", RECORD),
    _see("guardianship.updated", "{actor} changed the link {record}"),
    _see("guardianship.removed", "{actor} removed the link {record}"),
    _see(
        "people.imported",
        "{actor} imported {file} from the MIS: {created} added, {updated} changed",
        fields=(
            "file",
            "source",
            "rows",
            "created",
            "updated",
            "unchanged",
            "skipped",
            "marked_leaving",
            "links_created",
            "links_updated",
        ),
        label="People imported from the MIS",
    ),
    _see("people.feed_created", "{actor} set up the MIS feed", label="MIS feed set up"),
    _see("people.feed_changed", "{actor} changed the MIS feed", label="MIS feed changed"),
]
