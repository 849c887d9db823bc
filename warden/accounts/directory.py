"""The LDAP connector: what a system's directory should hold, the diff, and applying it.

Warden owns two branches of the directory, both named on the system: the people base DN,
where each account is an ``inetOrgPerson`` + ``shadowAccount`` entry named by ``uid``, and
the groups base DN, where ``groupOfNames`` groups hold people by role and year group
(``cn=staff``, ``cn=teaching-staff``, ``cn=pupils``, ``cn=year-7``...); those groups later
drive filtering groups. A disabled account keeps its entry with ``shadowExpire: 1`` (the
attribute PAM and most LDAP sign-ins honour) and leaves every group; re-enabling removes it.
Entries and group members Warden did not create are left alone.

A system whose directory kind is Active Directory gets the same plan in AD's terms: each
account is a ``user`` named ``CN=<username>`` with its ``sAMAccountName`` (20 characters at
most) and ``userPrincipalName`` (``username@suffix``), placed in an OU by role and year under
the people base DN (``OU=Year 7,OU=Pupils``, ``OU=Staff``...), and moved there
(``modify_dn``) when the year group changes. Disabling sets the ACCOUNTDISABLE bit of
``userAccountControl`` (514 for a normal account) and takes the entry out of Warden's
groups; AD entries are never deleted. Groups are ``group`` objects and stay when emptied,
since file shares and group policy name them by their SID. AD takes passwords only over
LDAPS (``unicodePwd``): over plain LDAP a new account is created disabled and waits until
someone sets its password in AD; over LDAPS it gets a random password that no one is told,
to be reset when the account is handed over.

Planning only reads; ``apply_changes`` writes exactly the changes a plan lists.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ldap3 import (
    LEVEL,
    MODIFY_ADD,
    MODIFY_DELETE,
    MODIFY_REPLACE,
    SUBTREE,
    Connection,
    Server,
    Tls,
)
from ldap3.core.exceptions import LDAPException
from ldap3.utils.dn import escape_rdn, parse_dn

from warden.accounts.models import Account, AccountState, System
from warden.core.errors import ServiceError
from warden.people.models import Person, PersonType

TYPE_GROUPS: dict[str, str] = {
    PersonType.TEACHING_STAFF: "teaching-staff",
    PersonType.SUPPORT_STAFF: "support-staff",
    PersonType.SUPPLY_STAFF: "supply-staff",
    PersonType.PUPIL: "pupils",
    PersonType.PARENT: "parents",
    PersonType.GOVERNOR: "governors",
    PersonType.VOLUNTEER: "volunteers",
    PersonType.VISITOR: "visitors",
    PersonType.CONTRACTOR: "contractors",
    PersonType.COMMUNITY: "community",
}
STAFF_GROUP = "staff"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
AD_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
PERSON_ATTRIBUTES = ("cn", "sn", "givenName", "mail", "employeeType", "departmentNumber")

# Active Directory. ``userAccountControl`` flags: NORMAL_ACCOUNT, and ACCOUNTDISABLE on top.
AD_ENABLED, AD_DISABLE_BIT = 512, 2
AD_ATTRIBUTES = (
    "displayName",
    "sn",
    "givenName",
    "mail",
    "userPrincipalName",
    "employeeType",
    "department",
)
AD_NAME_LIMIT = 20  # sAMAccountName, the pre-Windows 2000 logon name
AD_NAME_FORBIDDEN = set('"/\\[]:;|=,+*?<>@')
AD_USERS = "(&(objectClass=user)(!(objectClass=computer)))"
_RDN_SPLIT = re.compile(r"(?<!\\),")
# The OU each kind of person is placed in under the people base DN (a pupil's year group
# adds its own OU inside ``Pupils``).
TYPE_OUS: dict[str, str] = {
    PersonType.TEACHING_STAFF: "Staff",
    PersonType.SUPPORT_STAFF: "Staff",
    PersonType.SUPPLY_STAFF: "Staff",
    PersonType.PUPIL: "Pupils",
    PersonType.PARENT: "Parents",
    PersonType.GOVERNOR: "Governors",
    PersonType.VOLUNTEER: "Volunteers",
    PersonType.VISITOR: "Visitors",
    PersonType.CONTRACTOR: "Contractors",
    PersonType.COMMUNITY: "Community",
}


def year_group_cn(year_group: int) -> str:
    return {-1: "nursery", 0: "reception"}.get(year_group, f"year-{year_group}")


def groups_for(person: Person) -> set[str]:
    """The directory groups a person belongs in, by role (type) and year group."""
    names = {TYPE_GROUPS[person.person_type]}
    if person.is_staff_member:
        names.add(STAFF_GROUP)
    if person.person_type == PersonType.PUPIL and person.year_group is not None:
        names.add(year_group_cn(person.year_group))
    return names


def person_attributes(person: Person) -> dict[str, str]:
    attrs = {
        "cn": person.full_name,
        "sn": person.last_name or person.full_name,
        "givenName": person.preferred_name or person.first_name,
        "employeeType": person.person_type,
    }
    if person.email:
        attrs["mail"] = person.email
    if person.person_type == PersonType.PUPIL and person.year_group is not None:
        attrs["departmentNumber"] = year_group_cn(person.year_group)
    return attrs


def year_group_ou(year_group: int) -> str:
    return {-1: "Nursery", 0: "Reception"}.get(year_group, f"Year {year_group}")


def ad_container(system: System, person: Person) -> str:
    """The OU a person's AD entry belongs in: by role, and for a pupil by year group."""
    ous = [TYPE_OUS[person.person_type]]
    if person.person_type == PersonType.PUPIL and person.year_group is not None:
        ous.insert(0, year_group_ou(person.year_group))
    return ",".join([*(f"OU={escape_rdn(ou)}" for ou in ous), system.ldap_people_dn])


def upn_suffix(system: System) -> str:
    """The part after @ in user principal names: set on the system, or the DNS domain that
    the DC= parts of the people base DN spell."""
    if system.ldap_upn_suffix:
        return system.ldap_upn_suffix.lstrip("@")
    parts = [value for attr, value, _ in parse_dn(system.ldap_people_dn) if attr.lower() == "dc"]
    return ".".join(parts)


def ad_attributes(system: System, person: Person, username: str) -> dict[str, str]:
    """The OpenLDAP attributes under AD's names, and the user principal name."""
    attrs = person_attributes(person)
    attrs["displayName"] = attrs.pop("cn")
    if attrs.pop("departmentNumber", None) and person.year_group is not None:
        attrs["department"] = year_group_ou(person.year_group)
    attrs["userPrincipalName"] = f"{username}@{upn_suffix(system)}"
    return attrs


def ad_name_refusal(username: str) -> str:
    """Why AD cannot take this user name as a sAMAccountName, or "" when it can."""
    if len(username) > AD_NAME_LIMIT:
        return (
            f"{username!r} has {len(username)} characters; Active Directory logon names "
            f"(sAMAccountName) have {AD_NAME_LIMIT} at most"
        )
    bad = sorted(set(username) & AD_NAME_FORBIDDEN)
    if bad or username.endswith("."):
        return f"{username!r} has {' '.join(bad) or 'a final .'}, which Active Directory refuses"
    return ""


@dataclass
class Wanted:
    account: Account
    dn: str
    enabled: bool
    attrs: dict[str, str]
    groups: set[str]


@dataclass
class Found:
    dn: str
    attrs: dict[str, list[str]]
    object_classes: set[str]

    # Active Directory: whether the entry has ever had a password (``pwdLastSet`` not 0).
    has_password: bool = True

    @property
    def account_control(self) -> int | None:
        values = self.attrs.get("userAccountControl")
        return int(values[0]) if values else None

    @property
    def enabled(self) -> bool:
        control = self.account_control
        if control is not None:
            return not control & AD_DISABLE_BIT
        return not any(v not in ("", "-1") for v in self.attrs.get("shadowExpire", []))


@dataclass
class Snapshot:
    people: dict[str, Found] = field(default_factory=dict)  # by uid (AD: sAMAccountName)
    groups: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # cn: (dn, members)
    ous: set[str] = field(default_factory=set)  # AD: lower-case DNs of the OUs under people


def bind_password(system: System) -> str:
    """The bind password, from the environment variable or the file the system names."""
    if system.ldap_password_env:
        value = os.environ.get(system.ldap_password_env)
        if value is None:
            raise ServiceError(
                f"The environment variable {system.ldap_password_env} (the directory's bind "
                "password) is not set for Warden."
            )
        return value
    if system.ldap_password_file:
        try:
            return Path(system.ldap_password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ServiceError(
                f"Cannot read the bind password file {system.ldap_password_file}: {exc.strerror}."
            ) from None
    return ""


def connect(system: System) -> Connection:
    if not system.ldap_url or not system.ldap_people_dn:
        raise ServiceError(f"{system} has no directory connection set up.")
    # ldaps:// checks the server's certificate against the system's trust store; ldap3's
    # default would accept any certificate, which would hand the bind password to anyone
    # able to answer on the directory's address.
    tls = Tls(validate=ssl.CERT_REQUIRED) if system.ldap_url.lower().startswith("ldaps:") else None
    try:
        server = Server(system.ldap_url, connect_timeout=5, tls=tls)
        conn = Connection(
            server,
            user=system.ldap_bind_dn or None,
            password=bind_password(system) or None,
            auto_bind=True,
            raise_exceptions=True,
            receive_timeout=15,
        )
    except LDAPException as exc:
        raise ServiceError(f"Cannot connect to the directory at {system.ldap_url}: {exc}") from None
    return conn


def _groups_dn(system: System) -> str:
    return system.ldap_groups_dn or system.ldap_people_dn


def person_dn(system: System, username: str, person: Person | None = None) -> str:
    if system.is_active_directory and person is not None:
        return f"CN={escape_rdn(username)},{ad_container(system, person)}"
    return f"uid={escape_rdn(username)},{system.ldap_people_dn}"


def group_dn(system: System, cn: str) -> str:
    return f"cn={escape_rdn(cn)},{_groups_dn(system)}"


def _values(raw: dict[str, Any]) -> dict[str, list[str]]:
    return {k: [str(v) for v in (raw[k] if isinstance(raw[k], list) else [raw[k]])] for k in raw}


def _entries(conn: Connection) -> list[dict[str, Any]]:
    return [e for e in conn.response or [] if e.get("type") == "searchResEntry"]


def _read_groups(conn: Connection, system: System, snap: Snapshot, object_class: str) -> None:
    conn.search(
        _groups_dn(system),
        f"(objectClass={object_class})",
        search_scope=LEVEL,
        attributes=["cn", "member"],
    )
    for entry in _entries(conn):
        raw = entry["attributes"]
        cn = raw["cn"][0] if isinstance(raw["cn"], list) else raw["cn"]
        members = {m.lower() for m in (raw.get("member") or [])}
        snap.groups[str(cn)] = (entry["dn"], members)


def _read_active_directory(conn: Connection, system: System) -> Snapshot:
    snap = Snapshot()
    conn.search(
        system.ldap_people_dn,
        AD_USERS,
        search_scope=SUBTREE,
        attributes=[
            "sAMAccountName",
            "objectClass",
            "userAccountControl",
            "pwdLastSet",
            *AD_ATTRIBUTES,
        ],
    )
    for entry in _entries(conn):
        attrs = _values(entry["attributes"])
        names = attrs.get("sAMAccountName") or []
        # pwdLastSet is read raw: ldap3 turns 0 ("never set") into a date in 1601.
        last_set = (entry.get("raw_attributes", {}).get("pwdLastSet") or [b"0"])[0]
        if names:
            snap.people[names[0]] = Found(
                dn=entry["dn"],
                attrs={k: v for k, v in attrs.items() if k != "pwdLastSet"},
                object_classes={c.lower() for c in attrs.get("objectClass", [])},
                has_password=last_set not in (b"0", b""),
            )
    conn.search(
        system.ldap_people_dn,
        "(objectClass=organizationalUnit)",
        search_scope=SUBTREE,
        attributes=["ou"],
    )
    snap.ous = {e["dn"].lower() for e in _entries(conn)}
    _read_groups(conn, system, snap, "group")
    return snap


def read_directory(conn: Connection, system: System) -> Snapshot:
    if system.is_active_directory:
        return _read_active_directory(conn, system)
    snap = Snapshot()
    conn.search(
        system.ldap_people_dn,
        "(uid=*)",
        search_scope=LEVEL,
        attributes=["uid", "objectClass", "shadowExpire", *PERSON_ATTRIBUTES],
    )
    for entry in _entries(conn):
        attrs = _values(entry["attributes"])
        uids = attrs.get("uid") or []
        if uids:
            snap.people[uids[0]] = Found(
                dn=entry["dn"],
                attrs=attrs,
                object_classes={c.lower() for c in attrs.get("objectClass", [])},
            )
    _read_groups(conn, system, snap, "groupOfNames")
    return snap


def wanted_entries(system: System, disabled_ids: frozenset[int] = frozenset()) -> dict[str, Wanted]:
    """What the directory should hold for this system's accounts, by username.

    ``disabled_ids`` are accounts to treat as disabled whatever their state: the leavers'
    board previews what their removal deadline will write (``leaver_changes``).
    """
    wanted: dict[str, Wanted] = {}
    for account in (
        Account.objects.filter(system=system)
        .exclude(state__in=[AccountState.REQUESTED, AccountState.APPROVED])
        .select_related("person")
        .order_by("username", "-pk")
    ):
        if account.username in wanted:
            continue  # an older deleted account under a reused name
        person = account.person
        wanted[account.username] = Wanted(
            account=account,
            dn=person_dn(system, account.username, person),
            enabled=account.state == AccountState.ACTIVE and account.pk not in disabled_ids,
            attrs=(
                ad_attributes(system, person, account.username)
                if system.is_active_directory
                else person_attributes(person)
            ),
            groups=groups_for(person),
        )
    return wanted


def _parent(dn: str) -> str:
    return _RDN_SPLIT.split(dn, maxsplit=1)[1]


def _rdn(dn: str) -> str:
    return _RDN_SPLIT.split(dn, maxsplit=1)[0]


def _ou_changes(system: System, container: str, snap: Snapshot) -> list[dict[str, Any]]:
    """The OUs to create, outermost first, so that ``container`` exists under the people DN;
    each is recorded in the snapshot so that it is planned once."""
    base = system.ldap_people_dn.lower()
    chain: list[str] = []
    dn = container
    while dn.lower() != base and dn.lower() not in snap.ous:
        chain.insert(0, dn)
        dn = _parent(dn)
    snap.ous.update(d.lower() for d in chain)
    return [
        {"op": "ou_create", "dn": d, "detail": f"new OU {_rdn(d).split('=', 1)[1]}"} for d in chain
    ]


def _ad_entry_changes(
    system: System, uid: str, w: Wanted, found: Found | None, snap: Snapshot
) -> tuple[list[dict[str, Any]], str]:
    """One account's changes in Active Directory, and the DN its entry has once they are
    applied (a pupil moving up a year moves to the new year's OU)."""
    pk = w.account.pk
    if found is None:
        if not w.enabled:
            return [], w.dn
        how = (
            "with a random password no one is told: reset it when handing the account over"
            if system.uses_ldaps
            else "disabled: Active Directory takes passwords only over LDAPS, so set its "
            "password in Active Directory; the next sync then enables it"
        )
        create = {
            "op": "create",
            "dn": w.dn,
            "account": pk,
            "attrs": w.attrs,
            "enabled": system.uses_ldaps,
            "detail": f"new entry for {w.account.person} ({uid}), {how}",
        }
        return [*_ou_changes(system, _parent(w.dn), snap), create], w.dn
    changes: list[dict[str, Any]] = []
    dn = found.dn
    if w.enabled and _parent(found.dn).lower() != _parent(w.dn).lower():
        # Disabled entries stay where they are, so a leaver's changes never wait on a move.
        dn = f"{_rdn(found.dn)},{_parent(w.dn)}"
        changes += _ou_changes(system, _parent(w.dn), snap)
        changes.append(
            {
                "op": "move",
                "dn": found.dn,
                "new_dn": dn,
                "account": pk,
                "detail": f"move {uid} to {_parent(w.dn)[: -len(system.ldap_people_dn) - 1]}",
            }
        )
    changes += _attribute_changes(dn, w, found, AD_ATTRIBUTES)
    control = found.account_control or AD_ENABLED
    if w.enabled and not found.enabled:
        if found.has_password or system.uses_ldaps:
            changes.append(
                {
                    "op": "enable",
                    "dn": dn,
                    "account": pk,
                    "control": control & ~AD_DISABLE_BIT,
                    "set_password": not found.has_password,
                    "detail": f"re-enable {uid}"
                    + ("" if found.has_password else " with a random password no one is told"),
                }
            )
        else:
            changes.append(
                {
                    "op": "waiting",
                    "dn": dn,
                    "account": pk,
                    "detail": f"{uid} stays disabled until its password is set in Active "
                    "Directory (Warden cannot set one over plain LDAP); nothing is written",
                }
            )
    elif not w.enabled and found.enabled:
        changes.append(
            {
                "op": "disable",
                "dn": dn,
                "account": pk,
                "control": control | AD_DISABLE_BIT,
                "detail": f"disable {uid} ({w.account.get_state_display().lower()})",
            }
        )
    return changes, dn


def _attribute_changes(
    dn: str, w: Wanted, found: Found, names: tuple[str, ...]
) -> list[dict[str, Any]]:
    differ = {k: v for k, v in w.attrs.items() if found.attrs.get(k, []) != [v]}
    gone = [k for k in names if k not in w.attrs and found.attrs.get(k)]
    if not (differ or gone):
        return []
    return [
        {
            "op": "update",
            "dn": dn,
            "account": w.account.pk,
            "attrs": differ,
            "remove": gone,
            "detail": "details changed: " + ", ".join(sorted([*differ, *gone])),
        }
    ]


def _openldap_entry_changes(
    uid: str, w: Wanted, found: Found | None
) -> tuple[list[dict[str, Any]], str]:
    if found is None:
        if not w.enabled:
            return [], w.dn  # never created, nothing to disable
        create = {
            "op": "create",
            "dn": w.dn,
            "account": w.account.pk,
            "attrs": w.attrs,
            "detail": f"new entry for {w.account.person} ({uid})",
        }
        return [create], w.dn
    changes = _attribute_changes(found.dn, w, found, PERSON_ATTRIBUTES)
    if w.enabled and not found.enabled:
        changes.append(
            {"op": "enable", "dn": found.dn, "account": w.account.pk, "detail": f"re-enable {uid}"}
        )
    elif not w.enabled and found.enabled:
        changes.append(
            {
                "op": "disable",
                "dn": found.dn,
                "account": w.account.pk,
                "add_class": "shadowaccount" not in found.object_classes,
                "detail": f"disable {uid} ({w.account.get_state_display().lower()})",
            }
        )
    return changes, found.dn


def plan_changes(
    system: System, snap: Snapshot, disabled_ids: frozenset[int] = frozenset()
) -> list[dict[str, Any]]:
    """The changes that bring the directory in line with Warden, in the order to apply them."""
    ad = system.is_active_directory
    ou_changes: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    wanted = wanted_entries(system, disabled_ids)
    final_dns: dict[str, str] = {}  # uid -> the entry's dn once the changes are applied
    moved: dict[str, str] = {}  # lower-case dn before a move -> after
    for uid, w in sorted(wanted.items()):
        found = snap.people.get(uid)
        if ad:
            entry_changes, dn = _ad_entry_changes(system, uid, w, found, snap)
            ou_changes += [c for c in entry_changes if c["op"] == "ou_create"]
            changes += [c for c in entry_changes if c["op"] != "ou_create"]
        else:
            entry_changes, dn = _openldap_entry_changes(uid, w, found)
            changes += entry_changes
        final_dns[uid] = dn
        if found is not None and found.dn.lower() != dn.lower():
            moved[found.dn.lower()] = dn.lower()
    managed = {dn.lower() for dn in final_dns.values()}  # every entry Warden manages
    # Groups: Warden's people go where their role and year put them; others are untouched.
    # AD follows a move in every group's member list by itself.
    desired: dict[str, set[str]] = {}
    for uid, w in wanted.items():
        if w.enabled:
            for cn in w.groups:
                desired.setdefault(cn, set()).add(final_dns[uid])
    for cn in sorted(set(desired) | set(snap.groups)):
        want = {d.lower(): d for d in desired.get(cn, set())}
        if cn not in snap.groups:
            if want:
                changes.append(
                    {
                        "op": "group_create",
                        "dn": group_dn(system, cn),
                        "members": sorted(want.values()),
                        "detail": f"new group {cn} with {len(want)} members",
                    }
                )
            continue
        gdn, found_members = snap.groups[cn]
        have = {moved.get(d, d) for d in found_members}
        add = sorted(want[d] for d in set(want) - have)
        remove = sorted(d for d in have - set(want) if d in managed)
        if not add and not remove:
            continue
        # groupOfNames needs a member; an AD group stays, as shares and policies name its SID.
        if not ad and not (have - set(remove)) and not add:
            changes.append({"op": "group_delete", "dn": gdn, "detail": f"group {cn} is now empty"})
            continue
        changes.append(
            {
                "op": "group_members",
                "dn": gdn,
                "add": add,
                "remove": remove,
                "detail": f"{cn}: +{len(add)} −{len(remove)}",
            }
        )
    return ou_changes + changes


def _read(system: System) -> Snapshot:
    conn = connect(system)
    try:
        return read_directory(conn, system)
    except LDAPException as exc:
        raise ServiceError(
            f"Cannot read {system.ldap_people_dn} or {_groups_dn(system)} in the directory: "
            f"{exc}. Check the base DNs on the system's page."
        ) from None
    finally:
        conn.unbind()


def password_changes(system: System) -> dict[str, dt.datetime]:
    """When each account's password was last changed, by username, where the directory
    says: ``shadowLastChange`` (days since 1970, kept by ``passwd`` through PAM and by most
    LDAP password tools), or in Active Directory ``pwdLastSet`` (100-nanosecond steps since
    1601). Accounts the directory says nothing about are left out."""
    ad = system.is_active_directory
    conn = connect(system)
    try:
        conn.search(
            system.ldap_people_dn,
            AD_USERS if ad else "(uid=*)",
            search_scope=SUBTREE if ad else LEVEL,
            attributes=["sAMAccountName", "pwdLastSet"] if ad else ["uid", "shadowLastChange"],
        )
        entries = _entries(conn)
    except LDAPException as exc:
        raise ServiceError(f"Cannot read {system.ldap_people_dn} in the directory: {exc}") from None
    finally:
        conn.unbind()
    found: dict[str, dt.datetime] = {}
    for entry in entries:
        if ad:
            raw = entry.get("raw_attributes", {})
            uid = (raw.get("sAMAccountName") or [b""])[0].decode()
            ticks = (raw.get("pwdLastSet") or [b"0"])[0].decode()
            if uid and ticks.isdigit() and int(ticks) > 0:
                found[uid] = AD_EPOCH + dt.timedelta(microseconds=int(ticks) // 10)
            continue
        attrs = entry["attributes"]
        uid, days = attrs.get("uid"), attrs.get("shadowLastChange")
        uid = uid[0] if isinstance(uid, list) and uid else uid
        days = days[0] if isinstance(days, list) and days else days
        if uid and isinstance(days, int | str) and str(days).isdigit() and int(days) > 0:
            found[str(uid)] = EPOCH + dt.timedelta(days=int(days))
    return found


def preview(system: System) -> list[dict[str, Any]]:
    """The full diff a person reviews before applying it. Active Directory refuses logon
    names it cannot hold here, before anything is read."""
    if system.is_active_directory:
        names = Account.objects.filter(system=system).exclude(
            state__in=[AccountState.REQUESTED, AccountState.APPROVED, AccountState.DELETED]
        )
        refusals = [r for r in map(ad_name_refusal, names.values_list("username", flat=True)) if r]
        if refusals:
            raise ServiceError(
                "Active Directory cannot hold these user names: "
                + "; ".join(sorted(refusals))
                + ". Change them on the accounts' pages, then preview again."
            )
    return plan_changes(system, _read(system))


def leaver_changes(
    system: System, account_ids: list[int], *, as_disabled: bool
) -> list[dict[str, Any]]:
    """The directory changes that disabling these leavers' accounts makes, and nothing else.

    The hourly deadline run writes only these (other pending differences wait for a person
    to preview and apply them); with ``as_disabled`` the accounts still live in Warden are
    treated as disabled, which is the dry run the leavers' board shows beforehand. Each
    entry gets ``shadowExpire`` and leaves its groups; a group left with no member goes.
    """
    snap = _read(system)
    ids = frozenset(account_ids)
    plan = plan_changes(system, snap, ids if as_disabled else frozenset())
    usernames = set(Account.objects.filter(pk__in=ids).values_list("username", flat=True))
    dns = {
        (snap.people[u].dn if u in snap.people else person_dn(system, u)).lower() for u in usernames
    }
    members = {gdn.lower(): have for gdn, have in snap.groups.values()}
    chosen: list[dict[str, Any]] = []
    for change in plan:
        op = change["op"]
        if op == "disable" and change["account"] in ids:
            chosen.append(change)
        elif op == "group_members":
            remove = [d for d in change["remove"] if d.lower() in dns]
            if remove:
                cn = change["detail"].split(":", 1)[0]
                chosen.append(
                    change | {"add": [], "remove": remove, "detail": f"{cn}: −{len(remove)}"}
                )
        elif op == "group_delete" and members.get(change["dn"].lower(), set()) <= dns:
            chosen.append(change)
    return chosen


def _ad_password() -> bytes:
    """A random password no one is told, as ``unicodePwd`` wants it (quoted, UTF-16LE)."""
    return f'"{secrets.token_urlsafe(24)}!aA1"'.encode("utf-16-le")


def _apply_one(conn: Connection, change: dict[str, Any], ad: bool = False) -> None:
    op, dn = change["op"], change["dn"]
    if op == "create" and ad:
        attrs: dict[str, Any] = dict(change["attrs"])
        attrs["sAMAccountName"] = change["attrs"]["userPrincipalName"].rsplit("@", 1)[0]
        attrs["userAccountControl"] = str(AD_ENABLED | (0 if change["enabled"] else AD_DISABLE_BIT))
        if change["enabled"]:  # over LDAPS only: the entry must change it at first sign-in
            attrs["unicodePwd"] = _ad_password()
            attrs["pwdLastSet"] = "0"
        conn.add(dn, ["top", "person", "organizationalPerson", "user"], attrs)
    elif op == "create":
        attrs = dict(change["attrs"])
        attrs["uid"] = dn.split(",", 1)[0].split("=", 1)[1]
        conn.add(dn, ["inetOrgPerson", "shadowAccount"], attrs)
    elif op == "update":
        mods: dict[str, Any] = {k: [(MODIFY_REPLACE, [v])] for k, v in change["attrs"].items()}
        mods.update({k: [(MODIFY_DELETE, [])] for k in change.get("remove", [])})
        conn.modify(dn, mods)
    elif op in ("disable", "enable") and ad:
        control: dict[str, Any] = {"userAccountControl": [(MODIFY_REPLACE, [change["control"]])]}
        if change.get("set_password"):
            control = {
                "unicodePwd": [(MODIFY_REPLACE, [_ad_password()])],
                "pwdLastSet": [(MODIFY_REPLACE, ["0"])],
                **control,
            }
        conn.modify(dn, control)
    elif op == "disable":
        disable: dict[str, Any] = {"shadowExpire": [(MODIFY_REPLACE, ["1"])]}
        if change.get("add_class"):
            disable["objectClass"] = [(MODIFY_ADD, ["shadowAccount"])]
        conn.modify(dn, disable)
    elif op == "enable":
        conn.modify(dn, {"shadowExpire": [(MODIFY_DELETE, [])]})
    elif op == "ou_create":
        conn.add(dn, ["organizationalUnit"])
    elif op == "move":
        conn.modify_dn(dn, _rdn(change["new_dn"]), new_superior=_parent(change["new_dn"]))
    elif op == "waiting":
        pass  # shown in the diff; nothing to write
    elif op == "group_create" and ad:
        # No sAMAccountName: it must be unique in the whole domain, which may hold several
        # schools' "staff" groups, so the domain controller gives the group its own.
        conn.add(dn, ["top", "group"], {"member": change["members"]})
    elif op == "group_create":
        conn.add(dn, ["groupOfNames"], {"member": change["members"]})
    elif op == "group_members":
        group_mods: dict[str, Any] = {}
        if change["add"]:
            group_mods["member"] = [(MODIFY_ADD, change["add"])]
        if change["remove"]:
            group_mods.setdefault("member", []).append((MODIFY_DELETE, change["remove"]))
        conn.modify(dn, group_mods)
    elif op == "group_delete":
        conn.delete(dn)
    else:
        raise ValueError(f"unknown directory change {op!r}")


def apply_changes(system: System, changes: list[dict[str, Any]]) -> tuple[int, str]:
    """Apply the planned changes in order; (how many were applied, the error if one failed)."""
    conn = connect(system)
    applied = 0
    try:
        for change in changes:
            try:
                _apply_one(conn, change, ad=system.is_active_directory)
            except LDAPException as exc:
                return applied, f"{change['op']} {change['dn']}: {exc}"
            applied += 1
    finally:
        conn.unbind()
    return applied, ""
