"""The LDAP connector: what a system's directory should hold, the diff, and applying it.

Warden owns two branches of the directory, both named on the system: the people base DN,
where each account is an ``inetOrgPerson`` + ``shadowAccount`` entry named by ``uid``, and
the groups base DN, where ``groupOfNames`` groups hold people by role and year group
(``cn=staff``, ``cn=teaching-staff``, ``cn=pupils``, ``cn=year-7``...); those groups later
drive filtering groups. A disabled account keeps its entry with ``shadowExpire: 1`` (the
attribute PAM and most LDAP sign-ins honour) and leaves every group; re-enabling removes it.
Entries and group members Warden did not create are left alone.

Planning only reads; ``apply_changes`` writes exactly the changes a plan lists.
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ldap3 import LEVEL, MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.dn import escape_rdn

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
PERSON_ATTRIBUTES = ("cn", "sn", "givenName", "mail", "employeeType", "departmentNumber")


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

    @property
    def enabled(self) -> bool:
        return not any(v not in ("", "-1") for v in self.attrs.get("shadowExpire", []))


@dataclass
class Snapshot:
    people: dict[str, Found] = field(default_factory=dict)  # by uid
    groups: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # cn: (dn, members)


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


def person_dn(system: System, username: str) -> str:
    return f"uid={escape_rdn(username)},{system.ldap_people_dn}"


def group_dn(system: System, cn: str) -> str:
    return f"cn={escape_rdn(cn)},{_groups_dn(system)}"


def read_directory(conn: Connection, system: System) -> Snapshot:
    snap = Snapshot()
    conn.search(
        system.ldap_people_dn,
        "(uid=*)",
        search_scope=LEVEL,
        attributes=["uid", "objectClass", "shadowExpire", *PERSON_ATTRIBUTES],
    )
    for entry in conn.response or []:
        if entry.get("type") != "searchResEntry":
            continue
        raw: dict[str, Any] = entry["attributes"]
        attrs = {
            k: [str(v) for v in (raw[k] if isinstance(raw[k], list) else [raw[k]])] for k in raw
        }
        uids = attrs.get("uid") or []
        if uids:
            snap.people[uids[0]] = Found(
                dn=entry["dn"],
                attrs=attrs,
                object_classes={c.lower() for c in attrs.get("objectClass", [])},
            )
    conn.search(
        _groups_dn(system),
        "(objectClass=groupOfNames)",
        search_scope=LEVEL,
        attributes=["cn", "member"],
    )
    for entry in conn.response or []:
        if entry.get("type") != "searchResEntry":
            continue
        raw = entry["attributes"]
        cn = raw["cn"][0] if isinstance(raw["cn"], list) else raw["cn"]
        members = {m.lower() for m in (raw.get("member") or [])}
        snap.groups[str(cn)] = (entry["dn"], members)
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
        wanted[account.username] = Wanted(
            account=account,
            dn=person_dn(system, account.username),
            enabled=account.state == AccountState.ACTIVE and account.pk not in disabled_ids,
            attrs=person_attributes(account.person),
            groups=groups_for(account.person),
        )
    return wanted


def plan_changes(
    system: System, snap: Snapshot, disabled_ids: frozenset[int] = frozenset()
) -> list[dict[str, Any]]:
    """The changes that bring the directory in line with Warden, in the order to apply them."""
    changes: list[dict[str, Any]] = []
    wanted = wanted_entries(system, disabled_ids)
    live_dns: dict[str, str] = {}  # lower-case dn -> dn, of entries that should be in groups
    managed: set[str] = set()  # lower-case dns of every entry Warden manages
    for uid, w in sorted(wanted.items()):
        found = snap.people.get(uid)
        dn = found.dn if found else w.dn
        managed.add(dn.lower())
        if found is None:
            if not w.enabled:
                continue  # never created, nothing to disable
            changes.append(
                {
                    "op": "create",
                    "dn": dn,
                    "account": w.account.pk,
                    "attrs": w.attrs,
                    "detail": f"new entry for {w.account.person} ({uid})",
                }
            )
        else:
            differ = {k: v for k, v in w.attrs.items() if found.attrs.get(k, []) != [v]}
            gone = [k for k in PERSON_ATTRIBUTES if k not in w.attrs and found.attrs.get(k)]
            if differ or gone:
                changes.append(
                    {
                        "op": "update",
                        "dn": dn,
                        "account": w.account.pk,
                        "attrs": differ,
                        "remove": gone,
                        "detail": "details changed: " + ", ".join(sorted([*differ, *gone])),
                    }
                )
            if w.enabled and not found.enabled:
                changes.append(
                    {
                        "op": "enable",
                        "dn": dn,
                        "account": w.account.pk,
                        "detail": f"re-enable {uid}",
                    }
                )
            elif not w.enabled and found.enabled:
                changes.append(
                    {
                        "op": "disable",
                        "dn": dn,
                        "account": w.account.pk,
                        "add_class": "shadowaccount" not in found.object_classes,
                        "detail": f"disable {uid} ({w.account.get_state_display().lower()})",
                    }
                )
        if w.enabled:
            live_dns[dn.lower()] = dn
    # Groups: Warden's people go where their role and year put them; others are untouched.
    desired: dict[str, set[str]] = {}
    for uid, w in wanted.items():
        found = snap.people.get(uid)
        dn = found.dn if found else w.dn
        if dn.lower() in live_dns:
            for cn in w.groups:
                desired.setdefault(cn, set()).add(dn)
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
        gdn, have = snap.groups[cn]
        add = sorted(want[d] for d in set(want) - have)
        remove = sorted(d for d in have - set(want) if d in managed)
        if not add and not remove:
            continue
        if not (have - set(remove)) and not add:
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
    return changes


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
    LDAP password tools). Accounts the directory says nothing about are left out."""
    conn = connect(system)
    try:
        conn.search(
            system.ldap_people_dn,
            "(uid=*)",
            search_scope=LEVEL,
            attributes=["uid", "shadowLastChange"],
        )
        entries = list(conn.response or [])
    except LDAPException as exc:
        raise ServiceError(f"Cannot read {system.ldap_people_dn} in the directory: {exc}") from None
    finally:
        conn.unbind()
    found: dict[str, dt.datetime] = {}
    for entry in entries:
        if entry.get("type") != "searchResEntry":
            continue
        raw = entry["attributes"]
        uid, days = raw.get("uid"), raw.get("shadowLastChange")
        uid = uid[0] if isinstance(uid, list) and uid else uid
        days = days[0] if isinstance(days, list) and days else days
        if uid and isinstance(days, int | str) and str(days).isdigit() and int(days) > 0:
            found[str(uid)] = EPOCH + dt.timedelta(days=int(days))
    return found


def preview(system: System) -> list[dict[str, Any]]:
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


def _apply_one(conn: Connection, change: dict[str, Any]) -> None:
    op, dn = change["op"], change["dn"]
    if op == "create":
        attrs = dict(change["attrs"])
        attrs["uid"] = dn.split(",", 1)[0].split("=", 1)[1]
        conn.add(dn, ["inetOrgPerson", "shadowAccount"], attrs)
    elif op == "update":
        mods: dict[str, Any] = {k: [(MODIFY_REPLACE, [v])] for k, v in change["attrs"].items()}
        mods.update({k: [(MODIFY_DELETE, [])] for k in change.get("remove", [])})
        conn.modify(dn, mods)
    elif op == "disable":
        disable: dict[str, Any] = {"shadowExpire": [(MODIFY_REPLACE, ["1"])]}
        if change.get("add_class"):
            disable["objectClass"] = [(MODIFY_ADD, ["shadowAccount"])]
        conn.modify(dn, disable)
    elif op == "enable":
        conn.modify(dn, {"shadowExpire": [(MODIFY_DELETE, [])]})
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
                _apply_one(conn, change)
            except LDAPException as exc:
                return applied, f"{change['op']} {change['dn']}: {exc}"
            applied += 1
    finally:
        conn.unbind()
    return applied, ""
