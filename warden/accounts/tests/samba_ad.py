"""A real Active Directory domain controller for the tests: Samba, provisioned once.

``samba-tool domain provision`` builds a throw-away domain in a temporary directory (about
ten seconds, so once per test session), then ``samba`` serves only its LDAP, in the
foreground, on 127.0.0.1. Samba has no setting for the LDAP port, so it listens on 389 (and
636 for LDAPS, with the certificate made here for 127.0.0.1); the tests need that port free
on loopback. Simple binds over plain LDAP are allowed, as the connector's tests bind that way.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

REALM = "OAKFIELD.TEST"
DOMAIN = "OAKFIELD"
BASE_DN = "DC=oakfield,DC=test"
ADMIN_PASSWORD = "Samba-test-Secret1"  # a throw-away domain on loopback
HOST = "127.0.0.1"
LDAP_PORT, LDAPS_PORT = 389, 636
PROVISION_SECONDS = 180
START_SECONDS = 60


class SambaUnavailable(RuntimeError):
    """Samba cannot run here; the message says what is missing."""


@dataclass(frozen=True)
class SambaAD:
    url: str
    ldaps_url: str
    base_dn: str
    admin_dn: str
    password: str
    ca_file: Path


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def _run(*args: str | Path, timeout: int, what: str) -> None:
    try:
        done = subprocess.run(  # noqa: S603
            [str(a) for a in args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise SambaUnavailable(f"{what} took longer than {timeout} seconds") from None
    if done.returncode != 0:
        raise SambaUnavailable(f"{what} failed: {(done.stderr or done.stdout)[-2000:]}")


def _certificate(tls: Path) -> None:
    """A CA and a server certificate for 127.0.0.1, so LDAPS is checked as in production."""
    tls.mkdir(parents=True)
    ssl = shutil.which("openssl") or "/usr/bin/openssl"
    new_key = ("req", "-nodes", "-newkey", "rsa:2048", "-days", "2")
    ca, ca_key, key, csr = tls / "ca.pem", tls / "ca-key.pem", tls / "key.pem", tls / "req.csr"
    _run(ssl, *new_key, "-x509", "-subj", "/CN=Warden test CA", "-keyout", ca_key, "-out", ca,
         timeout=60, what="Making the test CA")  # fmt: skip
    _run(ssl, *new_key, "-subj", f"/CN={HOST}", "-keyout", key, "-out", csr,
         timeout=60, what="Making the server key")  # fmt: skip
    (tls / "san.cnf").write_text(f"subjectAltName=IP:{HOST}\n", encoding="utf-8")
    _run(ssl, "x509", "-req", "-in", csr, "-days", "2", "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-extfile", tls / "san.cnf", "-out", tls / "cert.pem",
         timeout=60, what="Signing the server certificate")  # fmt: skip
    key.chmod(0o600)


def _provision(workdir: Path) -> Path:
    tool = shutil.which("samba-tool") or "/usr/bin/samba-tool"
    if not Path(tool).exists():
        raise SambaUnavailable("samba-tool is not installed: run scripts/ensure-test-deps")
    _run(tool, "domain", "provision", f"--targetdir={workdir}", f"--realm={REALM}",
         f"--domain={DOMAIN}", "--server-role=dc", "--dns-backend=NONE", "--use-rfc2307",
         f"--adminpass={ADMIN_PASSWORD}", "--host-name=dc1", f"--option=interfaces={HOST}",
         "--option=bind interfaces only = yes",
         timeout=PROVISION_SECONDS, what="samba-tool domain provision")  # fmt: skip
    conf = workdir / "etc" / "smb.conf"
    tls = workdir / "tls"
    _certificate(tls)
    text = conf.read_text(encoding="utf-8")
    # Only the LDAP service: no SMB, Kerberos, DNS or NetBIOS ports are opened.
    text = re.sub(r"(?m)^\s*server services = .*$", "\tserver services = ldap", text)
    text = re.sub(r"(?m)^\s*log file = .*$", f"\tlog file = {workdir / 'log.%m'}", text)
    extra = [
        "ldap server require strong auth = no",
        f"tls certfile = {tls / 'cert.pem'}",
        f"tls keyfile = {tls / 'key.pem'}",
        f"tls cafile = {tls / 'ca.pem'}",
    ]
    text = text.replace("[global]\n", "[global]\n" + "".join(f"\t{line}\n" for line in extra), 1)
    conf.write_text(text, encoding="utf-8")
    return conf


@dataclass
class _Server:
    process: subprocess.Popen[bytes]
    log: Path


def _start(conf: Path, workdir: Path) -> _Server:
    binary = shutil.which("samba") or "/usr/sbin/samba"
    if not Path(binary).exists():
        raise SambaUnavailable("samba is not installed: run scripts/ensure-test-deps")
    if _port_open(LDAP_PORT):
        raise SambaUnavailable(
            f"something already listens on {HOST}:{LDAP_PORT}; Samba's LDAP port cannot be "
            "changed, so stop that server (a system slapd or samba) for these tests"
        )
    log = workdir / "samba.out"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [binary, "-i", "-M", "single", "-s", str(conf), "--debug-stdout", "-d", "1"],
            # In the foreground samba stops when its standard input ends: keep it open.
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = _Server(process, log)
    deadline = time.monotonic() + START_SECONDS
    while not (_port_open(LDAP_PORT) and _port_open(LDAPS_PORT)):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(server)
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise SambaUnavailable(f"samba did not start within {START_SECONDS} s: {tail}")
        time.sleep(0.1)
    return server


def _stop(server: _Server) -> None:
    if server.process.stdin:
        server.process.stdin.close()
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def samba_ad_server() -> Generator[SambaAD]:
    """Provision a domain, serve it on loopback until the generator is closed, clean up."""
    workdir = Path(tempfile.mkdtemp(prefix="warden-samba-"))
    try:
        conf = _provision(workdir)
        server = _start(conf, workdir)
        try:
            yield SambaAD(
                url=f"ldap://{HOST}:{LDAP_PORT}",
                ldaps_url=f"ldaps://{HOST}:{LDAPS_PORT}",
                base_dn=BASE_DN,
                admin_dn=f"CN=Administrator,CN=Users,{BASE_DN}",
                password=ADMIN_PASSWORD,
                ca_file=workdir / "tls" / "ca.pem",
            )
        finally:
            _stop(server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
