"""What remote access holds about the person, for their subject access bundle: the
connection attempts matched to them."""

from __future__ import annotations

from warden.people.models import Person
from warden.records.bundle import SubjectSection
from warden.remoteaccess.models import RemoteAccessEvent


def remote_access_events(person: Person) -> SubjectSection:
    events = RemoteAccessEvent.objects.filter(school=person.school, person=person).order_by(
        "ts", "pk"
    )
    rows = [
        [
            event.ts,
            event.get_kind_display(),
            event.username,
            event.remote_address,
            event.vpn_address,
            event.gateway,
            event.session_seconds,
            event.bytes_in,
            event.bytes_out,
            event.reason,
        ]
        for event in events
    ]
    return SubjectSection(
        key="remote_access",
        title="Remote access: connection attempts matched to you",
        columns=[
            "When",
            "Kind",
            "User name",
            "From address",
            "VPN address",
            "Gateway",
            "Session seconds",
            "Bytes in",
            "Bytes out",
            "Reason",
        ],
        rows=rows,
        notes=[
            "The school logs every attempt to connect to its network from outside (VPN and "
            "remote-access gateways), as its ICT security policy requires, to detect misuse "
            "of accounts. Events are kept for the period in the school's retention schedule."
        ],
        order=45,
    )


SECTIONS = [remote_access_events]
