"""A real OpenSSH sshd serving SFTP on a free loopback port, for the scheduled MIS pull.

Each test gets its own host key, client key, ``authorized_keys`` and ``sshd_config`` in a
temporary directory; the system's own sshd (if installed) is never used or started. The
login is the user running the tests: an unprivileged sshd can only let its own user in,
and as root the configuration allows root by key only.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from warden.testing.ports import free_port

SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "/usr/bin/ssh-keygen"


@dataclass(frozen=True)
class SftpServer:
    host: str
    port: int
    user: str
    # "ssh-ed25519 AAAA..." as ssh-keyscan prints it (without the host name).
    host_key: str
    # The client's private key file, as an ICT manager would leave it for Warden.
    key_file: Path
    # A folder on the server to drop exports into (an absolute path).
    drop: Path


def _keygen(path: Path) -> str:
    subprocess.run(  # noqa: S603
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "warden-test", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    kind, key, *_ = path.with_suffix(".pub").read_text(encoding="ascii").split()
    return f"{kind} {key}"


@pytest.fixture
def sftp_server() -> Iterator[SftpServer]:
    """sshd with only the SFTP subsystem, on 127.0.0.1, for one test."""
    if not Path(SSHD).exists():
        pytest.fail("sshd is not installed: run scripts/ensure-test-deps")
    workdir = Path(tempfile.mkdtemp(prefix="warden-sshd-"))
    workdir.chmod(0o755)
    host_key = _keygen(workdir / "host_ed25519")
    client_public = _keygen(workdir / "client_ed25519")
    authorized = workdir / "authorized_keys"
    authorized.write_text(client_public + "\n", encoding="ascii")
    authorized.chmod(0o600)
    drop = workdir / "drop"
    drop.mkdir()
    port = free_port()
    config = workdir / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"ListenAddress 127.0.0.1:{port}",
                f"HostKey {workdir / 'host_ed25519'}",
                f"PidFile {workdir / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                f"AllowUsers {getpass.getuser()}",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication yes",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                # The temporary directory belongs to the test, not to a login's home.
                "StrictModes no",
                "Subsystem sftp internal-sftp",
                "ForceCommand internal-sftp",
                "AllowTcpForwarding no",
                "X11Forwarding no",
                "LogLevel ERROR",
                "",
            ]
        ),
        encoding="ascii",
    )
    if os.geteuid() == 0:
        # sshd started as root separates privileges into this (empty) directory.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603
        [SSHD, "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"sshd did not start: {err[-2000:]}")
                time.sleep(0.05)
        yield SftpServer(
            host="127.0.0.1",
            port=port,
            user=getpass.getuser(),
            host_key=host_key,
            key_file=workdir / "client_ed25519",
            drop=drop,
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
