"""Fixtures of the accounts tests: a small catalogue, a real OpenLDAP server, and a real
Active Directory domain controller (Samba)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ldap3 import Connection, Server

from warden.accounts import services
from warden.accounts.models import DirectoryKind, System, SystemKind
from warden.accounts.tests.samba_ad import SambaAD, SambaUnavailable, samba_ad_server
from warden.core.models import School
from warden.people.models import PersonType
from warden.testing.ports import free_port

T, S, P = PersonType.TEACHING_STAFF, PersonType.SUPPORT_STAFF, PersonType.PUPIL


@pytest.fixture
def directory(school: School) -> System:
    return services.system_create(
        actor=None,
        school=school,
        fields={"name": "Network sign-in", "kind": SystemKind.DIRECTORY},
    )


@pytest.fixture
def email(school: School) -> System:
    return services.system_create(
        actor=None, school=school, fields={"name": "E-mail", "kind": SystemKind.EMAIL}
    )


@pytest.fixture
def mis(school: School) -> System:
    return services.system_create(
        actor=None,
        school=school,
        fields={
            "name": "MIS",
            "kind": SystemKind.MIS,
            "allowed_person_types": [T, S],
            "holds_personal_data": True,
        },
    )


SUFFIX = "dc=oakfield,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "slapd-test-secret"


@dataclass(frozen=True)
class Slapd:
    url: str
    suffix: str
    admin_dn: str
    password: str
    people_dn: str
    groups_dn: str


def _ldapadd(url: str, ldif: str) -> None:
    subprocess.run(  # noqa: S603
        ["/usr/bin/ldapadd", "-x", "-H", url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
        input=ldif,
        text=True,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def slapd() -> Iterator[Slapd]:
    """A real slapd on a free loopback port, with its own config and database, for one test."""
    binary = shutil.which("slapd") or "/usr/sbin/slapd"
    if not Path(binary).exists():
        pytest.fail("slapd is not installed: run scripts/ensure-test-deps")
    workdir = Path(tempfile.mkdtemp(prefix="warden-slapd-"))
    (workdir / "db").mkdir()
    schema = Path("/etc/ldap/schema")
    conf = workdir / "slapd.conf"
    conf.write_text(
        "\n".join(
            [
                *(
                    f"include {schema / name}.schema"
                    for name in ("core", "cosine", "inetorgperson", "nis")
                ),
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                f"pidfile {workdir / 'slapd.pid'}",
                f"argsfile {workdir / 'slapd.args'}",
                "database mdb",
                "maxsize 10485760",
                f'suffix "{SUFFIX}"',
                f'rootdn "{ADMIN_DN}"',
                f"rootpw {ADMIN_PASSWORD}",
                f"directory {workdir / 'db'}",
                "",
            ]
        ),
        encoding="utf-8",
    )
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603
        [binary, "-f", str(conf), "-h", f"{url}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"slapd did not start: {err[-2000:]}")
                time.sleep(0.05)
        _ldapadd(
            url,
            f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Oakfield\n"
            f"dc: oakfield\n\n"
            f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n"
            f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n",
        )
        yield Slapd(
            url=url,
            suffix=SUFFIX,
            admin_dn=ADMIN_DN,
            password=ADMIN_PASSWORD,
            people_dn=f"ou=people,{SUFFIX}",
            groups_dn=f"ou=groups,{SUFFIX}",
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
        shutil.rmtree(workdir, ignore_errors=True)


def ldap_connection(slapd: Slapd) -> Connection:
    """A connection to the test directory as its administrator, to look at what Warden wrote."""
    return Connection(
        Server(slapd.url), user=slapd.admin_dn, password=slapd.password, auto_bind=True
    )


@pytest.fixture
def ldap_system(school: School, slapd: Slapd, monkeypatch: pytest.MonkeyPatch) -> System:
    """A directory system connected to the test slapd (its bind password from the environment)."""
    monkeypatch.setenv("WARDEN_TEST_LDAP_PASSWORD", slapd.password)
    return services.system_create(
        actor=None,
        school=school,
        fields={
            "name": "Network sign-in",
            "kind": "directory",
            "connector": "ldap",
            "ldap_url": slapd.url,
            "ldap_bind_dn": slapd.admin_dn,
            "ldap_password_env": "WARDEN_TEST_LDAP_PASSWORD",
            "ldap_people_dn": slapd.people_dn,
            "ldap_groups_dn": slapd.groups_dn,
        },
    )


@pytest.fixture(scope="module")
def samba_ad() -> Iterator[SambaAD]:
    """Samba's Active Directory domain controller on 127.0.0.1, provisioned once a module and
    stopped after it: its ports cannot move, so the browser journey's own Samba needs them
    free later in the same run."""
    server = samba_ad_server()
    try:
        yield next(server)
    except SambaUnavailable as exc:
        pytest.fail(f"Samba's AD domain controller cannot run: {exc}")
    finally:
        server.close()


@pytest.fixture
def ad_system(
    school: School,
    samba_ad: SambaAD,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> System:
    """An Active Directory system in its own OU of the test domain (one OU per test, as the
    domain lives for the whole session), its groups in an OU inside it."""
    monkeypatch.setenv("WARDEN_TEST_AD_PASSWORD", samba_ad.password)
    people_dn = f"OU={request.node.name[-40:].replace('_', '-')},{samba_ad.base_dn}"
    conn = ad_connection(samba_ad)
    for dn in (people_dn, f"OU=Groups,{people_dn}"):
        if not conn.add(dn, ["organizationalUnit"]):
            pytest.fail(f"Cannot make {dn} in the test domain: {conn.result}")
    conn.unbind()
    return services.system_create(
        actor=None,
        school=school,
        fields={
            "name": "Active Directory",
            "kind": SystemKind.DIRECTORY,
            "connector": "ldap",
            "directory_kind": DirectoryKind.ACTIVE_DIRECTORY,
            "ldap_url": samba_ad.url,
            "ldap_bind_dn": samba_ad.admin_dn,
            "ldap_password_env": "WARDEN_TEST_AD_PASSWORD",
            "ldap_people_dn": people_dn,
            "ldap_groups_dn": f"OU=Groups,{people_dn}",
            "ldap_upn_suffix": "oakfield.sch.uk",
        },
    )


def ad_connection(samba_ad: SambaAD) -> Connection:
    """A connection to the test domain as its administrator, to look at what Warden wrote."""
    return Connection(
        Server(samba_ad.url), user=samba_ad.admin_dn, password=samba_ad.password, auto_bind=True
    )
