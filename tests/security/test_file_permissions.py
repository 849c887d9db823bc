"""What Warden writes under var/ is for its own user: the folder 0700, files 0600.

Runs the real ``warden`` command in its own process, as an installation does, on a fresh
var folder: the database, the secret key, the mail spool (reset and signing links), audit
checkpoints and filtering snapshots. The filter folder alone may be shared with the group
Squid's helper runs as.
"""

from __future__ import annotations

import grp
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

WARDEN = Path(sys.executable).with_name("warden")


def _env(var: Path, **extra: str) -> dict[str, str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WARDEN_", "SECRET_KEY", "DATABASE_URL", "EMAIL_URL"))
    }
    return {**inherited, "WARDEN_VAR_DIR": str(var), **extra}


def _warden(var: Path, *args: str, **extra: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own command with fixed arguments
        [str(WARDEN), *args],
        env=_env(var, **extra),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        umask=0o022,  # as generous as a login shell or a service manager may hand Warden
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _modes(var: Path) -> dict[str, int]:
    modes = {".": stat.S_IMODE(var.stat().st_mode)}
    for path in var.rglob("*"):
        if not path.is_symlink():
            modes[str(path.relative_to(var))] = stat.S_IMODE(path.stat().st_mode)
    return modes


@pytest.fixture(scope="module")
def installed() -> Iterator[Path]:
    # Not under pytest's own temporary folder, which Squid's user cannot pass through: an
    # installation's folder (/srv/warden) lets others pass without listing it.
    base = Path(tempfile.mkdtemp(prefix="warden-install-"))
    base.chmod(0o711)
    var = base / "var"
    _warden(var, "migrate", "--noinput")
    _warden(var, "add-school", "--name", "Test School", "--slug", "test", "--trust-slug", "test")
    _warden(var, "sendtestemail", "someone@example.org")
    _warden(var, "audit", "checkpoint")
    _warden(var, "filter-snapshot", "--school", "test")
    yield var
    shutil.rmtree(base)


def test_var_and_everything_warden_writes_in_it_is_owner_only(installed):
    modes = _modes(installed)
    for expected in ["warden.sqlite3", "secret_key", "audit-checkpoints", "filtering/test"]:
        assert expected in modes, f"{expected} was not written"
    assert any(name.startswith("mail/") for name in modes), "no e-mail was spooled"
    loose = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode & 0o077 or (mode & 0o700 != 0o700 and (installed / name).is_dir())
    }
    assert not loose, f"readable by others: {loose}"
    files = {n: m for n, m in modes.items() if (installed / n).is_file()}
    assert set(files.values()) == {0o600}, files


def test_a_var_folder_left_open_by_an_older_version_is_tightened(tmp_path):
    var = tmp_path / "var"
    (var / "mail").mkdir(parents=True)
    var.chmod(0o755)
    (var / "mail").chmod(0o755)
    (var / "mail" / "old.log").write_text("a reset link")
    (var / "mail" / "old.log").chmod(0o644)
    _warden(var, "check")
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "mail").stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "mail" / "old.log").stat().st_mode) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another group")
def test_squids_group_reads_the_snapshots_and_nothing_else(installed):
    group = "proxy"
    gid = grp.getgrnam(group).gr_gid
    _warden(installed, "filter-snapshot", "--school", "test", WARDEN_FILTER_GROUP=group)
    filtering = installed / "filtering"
    assert installed.stat().st_gid == gid
    assert stat.S_IMODE(installed.stat().st_mode) == 0o710  # pass through, not list
    for folder in [filtering, filtering / "test"]:
        assert folder.stat().st_gid == gid
        assert stat.S_IMODE(folder.stat().st_mode) == 0o2750
    snapshot_files = [p for p in (filtering / "test").rglob("*") if p.is_file()]
    assert snapshot_files
    for path in snapshot_files:
        assert (path.stat().st_gid, stat.S_IMODE(path.stat().st_mode)) == (gid, 0o640), path
    for path in (p for p in (filtering / "test").rglob("*") if p.is_dir()):
        assert (path.stat().st_gid, stat.S_IMODE(path.stat().st_mode)) == (gid, 0o2750), path

    def read_as_proxy(path: Path) -> int:
        return subprocess.run(  # noqa: S603 - fixed arguments
            ["/bin/cat", str(path)], user="proxy", group=group, capture_output=True, check=False
        ).returncode

    assert read_as_proxy(filtering / "test" / "policy.wps") == 0
    assert read_as_proxy(installed / "warden.sqlite3") != 0
    assert read_as_proxy(installed / "secret_key") != 0
    # A snapshot published later, by a process with Warden's private umask, stays readable.
    _warden(installed, "filter-snapshot", "--school", "test", WARDEN_FILTER_GROUP=group)
    assert read_as_proxy(filtering / "test" / "policy.wps") == 0


def test_uploads_are_stored_owner_only(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    storage = FileSystemStorage()
    name = storage.save("scans/form.png", ContentFile(b"\x89PNG scan"))
    path = Path(storage.path(name))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
