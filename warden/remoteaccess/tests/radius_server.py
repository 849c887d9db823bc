"""A real FreeRADIUS on loopback for the tests: Debian's configuration copied into a
temporary directory, one site listening on free ports, one user, authentication logging on,
and the ``detail`` module writing accounting where the test reads it."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from warden.testing.ports import free_port

DEBIAN_RADDB = Path("/etc/freeradius/3.0")
FREERADIUS = "/usr/sbin/freeradius"
RADCLIENT = "/usr/bin/radclient"
SECRET = "testing123"
SITE = """server default {{
listen {{
	type = auth
	ipaddr = 127.0.0.1
	port = {auth}
}}
listen {{
	type = acct
	ipaddr = 127.0.0.1
	port = {acct}
}}
authorize {{
	preprocess
	files
	pap
}}
authenticate {{
	Auth-Type PAP {{
		pap
	}}
}}
preacct {{
	preprocess
	acct_unique
}}
accounting {{
	detail
}}
post-auth {{
	Post-Auth-Type REJECT {{
		attr_filter.access_reject
	}}
}}
}}
"""


@dataclass(frozen=True)
class Radius:
    auth_port: int
    acct_port: int
    log_dir: Path

    @property
    def radius_log(self) -> Path:
        return self.log_dir / "radius.log"

    def detail_files(self) -> list[Path]:
        return sorted((self.log_dir / "radacct").glob("*/detail-*"))

    def send(self, kind: str, attributes: dict[str, str]) -> str:
        """Send one request with radclient; its output."""
        port = self.auth_port if kind == "auth" else self.acct_port
        body = "\n".join(f"{name} = {value}" for name, value in attributes.items())
        done = subprocess.run(  # noqa: S603 - fixed programs, the test's own arguments
            [RADCLIENT, "-x", "-r", "1", "-t", "3", f"127.0.0.1:{port}", kind, SECRET],
            input=body,
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
        return done.stdout + done.stderr


def available() -> bool:
    return DEBIAN_RADDB.is_dir() and Path(FREERADIUS).is_file() and Path(RADCLIENT).is_file()


def _configure(root: Path, users: dict[str, str], auth: int, acct: int) -> Path:
    raddb = root / "raddb"
    shutil.copytree(DEBIAN_RADDB, raddb, symlinks=True)
    conf = (raddb / "radiusd.conf").read_text()
    for name, value in {
        "logdir": str(root / "log"),
        "run_dir": str(root / "run"),
        "raddbdir": str(raddb),
    }.items():
        conf = re.sub(rf"(?m)^{name} = .*$", f"{name} = {value}", conf)
    conf = re.sub(r"(?m)^(\s*)auth = no$", r"\1auth = yes", conf)
    conf = re.sub(r"(?m)^(\s*)(user|group) = freerad$", r"\1#\2 = freerad", conf)
    (raddb / "radiusd.conf").write_text(conf)
    for site in (raddb / "sites-enabled").iterdir():
        site.unlink()
    (raddb / "sites-enabled" / "default").write_text(SITE.format(auth=auth, acct=acct))
    (raddb / "mods-enabled" / "eap").unlink(missing_ok=True)
    entries = "".join(f'{user} Cleartext-Password := "{pw}"\n' for user, pw in users.items())
    (raddb / "mods-config" / "files" / "authorize").write_text(entries)
    (root / "log").mkdir()
    (root / "run").mkdir()
    return raddb


@contextmanager
def running(root: Path, users: dict[str, str]) -> Iterator[Radius]:
    auth, acct = free_port(), free_port()
    raddb = _configure(root, users, auth, acct)
    process = subprocess.Popen(  # noqa: S603 - as above
        [FREERADIUS, "-f", "-d", str(raddb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Radius(auth, acct, root / "log")
    try:
        deadline = time.monotonic() + 20
        while "Ready to process requests" not in _text(server.radius_log):
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"freeradius did not start:\n{output}{_text(server.radius_log)}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _text(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""
