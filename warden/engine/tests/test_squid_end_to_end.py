"""End to end through a real Squid: browser request -> Squid -> Warden helper -> origin.

A module-scoped fixture starts ``squid -N`` (Debian's squid 5) on a free loopback port with a
generated configuration, running ``warden-filter-helper`` as its url_rewrite program.
Nothing leaves the machine: Squid's ``hosts_file`` points a real UT1 gambling domain and a
harmless one at a small HTTP origin server on 127.0.0.1, and DNS is never consulted.

Groups are told apart by client address, as in a school where each network has its group:
the snapshot maps 127.0.0.2 to the pupils and 127.0.0.3 to the staff, and each request's
socket is bound to one of those source addresses (every 127/8 address is local on Linux).
Squid passes the client address to the helper, so the helper's group mapping is exercised.

The fixture is parametrised over the two url_rewrite protocols: with concurrency channel IDs
(``concurrency=8``) and without. Squid missing is a failure, not a skip: run
``scripts/ensure-test-deps``.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warden.engine.datafiles import STARTER_UT1
from warden.engine.lists import CategoryIndex, ListBuilder
from warden.engine.snapshot import write_snapshot

REPO = Path(__file__).resolve().parents[3]
BLOCK_PAGE = "https://warden.school.example/blocked"
PUPIL_ADDRESS = "127.0.0.2"
STAFF_ADDRESS = "127.0.0.3"
# A real entry of the UT1 gambling list (checked against the shared data below); requests go
# to a subdomain so the domain-and-subdomains matching is exercised too.
GAMBLING_DOMAIN = "pokerstars.com"
GAMBLING_HOST = "www.pokerstars.com"
OTHER_GAMBLING_DOMAINS = ("bet365.com", "williamhill.com", "paddypower.com")
HARMLESS_HOST = "www.bbc.co.uk"
NO_POLICY = "reason=no%20valid%20policy"
STARTUP_TIMEOUT = 15.0
RELOAD_TIMEOUT = 5.0
ENSURE_DEPS = "scripts/ensure-test-deps"


# --- the origin server ---------------------------------------------------------------------


class _Origin(http.server.ThreadingHTTPServer):
    daemon_threads = True
    received: list[str]
    lock: threading.Lock


class _OriginHandler(http.server.BaseHTTPRequestHandler):
    server: _Origin

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.received.append(f"{self.headers.get('Host', '')}{self.path}")
        body = b"origin says hello\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def start_origin() -> tuple[_Origin, threading.Thread]:
    server = _Origin(("127.0.0.1", 0), _OriginHandler)
    server.received = []
    server.lock = threading.Lock()
    thread = threading.Thread(target=server.serve_forever, name="origin", daemon=True)
    thread.start()
    return server, thread


# --- the policy ----------------------------------------------------------------------------


def gambling_index() -> CategoryIndex:
    """A small list built from a few real UT1 gambling entries (quick to build and load)."""
    source = STARTER_UT1 / "gambling" / "domains"
    wanted = {GAMBLING_DOMAIN, *OTHER_GAMBLING_DOMAINS}
    with source.open(encoding="utf-8", errors="replace") as handle:
        found = {line.strip() for line in handle} & wanted
    assert GAMBLING_DOMAIN in found, f"{GAMBLING_DOMAIN} is no longer in {source}: pick another"
    builder = ListBuilder()
    builder.add_domains(sorted(found), "gambling", source=str(source))
    return builder.build()


def baseline_header() -> dict[str, Any]:
    return {
        "format": "warden-policy",
        "version": 1,
        "timezone": "Europe/London",
        "block_page": BLOCK_PAGE,
        "default_group": "guests",
        "groups": [
            {"slug": "pupils", "label": "Pupils", "block": ["gambling"]},
            {"slug": "staff", "label": "Staff"},
            {"slug": "guests", "label": "Guests", "default": "block"},
        ],
        "users": {},
        "networks": [
            {"cidr": f"{PUPIL_ADDRESS}/32", "group": "pupils"},
            {"cidr": f"{STAFF_ADDRESS}/32", "group": "staff"},
        ],
        "exceptions": [],
    }


# --- Squid ---------------------------------------------------------------------------------


def squid_binary() -> str:
    found = shutil.which("squid") or next(
        (p for p in ("/usr/sbin/squid", "/usr/local/sbin/squid") if os.access(p, os.X_OK)), None
    )
    if found is None:
        pytest.fail(
            f"squid is not installed: run {ENSURE_DEPS} (as root) to install the Debian "
            "packages the tests need. Tests needing a real server are never skipped.",
            pytrace=False,
        )
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def helper_command(snapshot: Path) -> list[str]:
    # The console script the docs tell schools to use: its #! line names the venv's Python,
    # which matters because Squid starts helpers with a made-up argv[0].
    script = Path(sys.executable).parent / "warden-filter-helper"
    assert script.exists(), f"{script} is missing: install the project (make install)"
    return [str(script), "--snapshot", str(snapshot), "--check-interval", "1"]


def helper_env() -> dict[str, str]:
    """The environment for Squid and its helpers: the code under test comes first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("PYTHONHOME", None)
    return env


@dataclass
class RunAs:
    """How to start Squid so that it, and the helpers it starts, can run this interpreter.

    Squid refuses to run as root: started as root it switches to ``cache_effective_user``.
    That user must be able to run this virtualenv's Python, which it cannot when the
    interpreter lives under root's home (pyenv). Then Squid runs in a user namespace
    instead, as an unprivileged user inside that is still root's uid outside.
    """

    prefix: list[str] = field(default_factory=list)
    effective_user: str | None = None
    how: str = "as the current user"


def _helper_runs_as(user: pwd.struct_passwd, workdir: Path) -> bool:
    command = [*helper_command(workdir / "none.wps")[:4], "--help"]
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments
            command,
            user=user.pw_uid,
            group=user.pw_gid,
            extra_groups=[],
            cwd=workdir,
            env=helper_env(),
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def choose_run_as(workdir: Path) -> RunAs:
    if os.geteuid() != 0:
        return RunAs()
    try:
        proxy = pwd.getpwnam("proxy")
    except KeyError:
        proxy = pwd.getpwnam("nobody")
    os.chown(workdir, proxy.pw_uid, proxy.pw_gid)
    if _helper_runs_as(proxy, workdir):
        return RunAs(
            effective_user=proxy.pw_name,
            how=f"as root, switching to {proxy.pw_name}",
        )
    os.chown(workdir, 0, 0)
    unshare = shutil.which("unshare")
    prefix = [
        unshare or "unshare",
        "--user",
        f"--map-user={proxy.pw_uid}",
        f"--map-group={proxy.pw_gid}",
    ]
    if unshare is not None:
        probe = subprocess.run(  # noqa: S603 - fixed arguments
            [*prefix, sys.executable, "-c", "pass"], capture_output=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return RunAs(prefix=prefix, how=f"in a user namespace as {proxy.pw_name}")
    pytest.fail(
        f"running as root, Squid must switch to an unprivileged user, but {proxy.pw_name} "
        f"cannot run {sys.executable} (is it under a private home directory?) and no user "
        "namespace is available: run the tests as an ordinary user, or from a virtualenv "
        "built on a system Python",
        pytrace=False,
    )


def squid_conf(*, port: int, workdir: Path, snapshot: Path, concurrency: int, run_as: RunAs) -> str:
    children = "url_rewrite_children 3 startup=1 idle=1"
    if concurrency:
        children += f" concurrency={concurrency}"
    lines = [
        f"http_port 127.0.0.1:{port}",
        "visible_hostname warden-end-to-end",
        f"pid_filename {workdir / 'squid.pid'}",
        f"access_log stdio:{workdir / 'access.log'}",
        f"cache_log {workdir / 'cache.log'}",
        f"coredump_dir {workdir}",
        "cache deny all",
        "netdb_filename none",
        "pinger_enable off",
        "icp_port 0",
        "htcp_port 0",
        "shutdown_lifetime 0 seconds",
        # Every name the tests use is in the hosts file: DNS is never asked.
        f"hosts_file {workdir / 'hosts'}",
        "dns_nameservers 127.0.0.1",
        "dns_timeout 2 seconds",
        f"url_rewrite_program {' '.join(helper_command(snapshot))}",
        children,
        "acl test_clients src 127.0.0.0/8",
        "http_access allow test_clients",
        "http_access deny all",
    ]
    if run_as.effective_user:
        lines.append(f"cache_effective_user {run_as.effective_user}")
    return "\n".join(lines) + "\n"


@dataclass
class Response:
    status: int
    location: str
    body: bytes


@dataclass
class Proxy:
    """A running Squid with its helpers, origin server and snapshot."""

    process: subprocess.Popen[bytes]
    port: int
    service: str
    workdir: Path
    snapshot: Path
    index: CategoryIndex
    origin: _Origin
    run_as: RunAs
    concurrency: int
    dirty: bool = False
    last: tuple[str, str, Response] | None = None  # the last request and its answer

    @property
    def origin_port(self) -> int:
        return int(self.origin.server_address[1])

    def url(self, host: str) -> str:
        """A URL on ``host`` that nothing has requested before (so nothing is cached)."""
        return f"http://{host}:{self.origin_port}/page?t={uuid.uuid4().hex}"

    def get(self, url: str, source: str) -> Response:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(source, 0)
        )
        try:
            connection.request("GET", url, headers={"Cache-Control": "no-cache"})
            answer = connection.getresponse()
            response = Response(answer.status, answer.getheader("Location") or "", answer.read())
            self.last = (url, source, response)
            return response
        finally:
            connection.close()

    def reached_origin(self, url: str) -> bool:
        token = url.split("?", 1)[1]
        with self.origin.lock:
            return any(token in seen for seen in self.origin.received)

    def write_policy(self, header: dict[str, Any]) -> None:
        write_snapshot(self.snapshot, header, self.index)
        self.dirty = True

    def log_tail(self) -> str:
        return log_tail(self.workdir)

    def squid_pid(self) -> int:
        return int((self.workdir / "squid.pid").read_text().strip())

    def wait_for(
        self, what: str, check: Callable[[], Response | None], timeout: float = RELOAD_TIMEOUT
    ) -> tuple[Response, float]:
        """Poll ``check`` until it returns a response; fail with Squid's log if it never does."""
        started = time.monotonic()
        error: Exception | None = None
        while True:
            try:
                found, error = check(), None
            except (OSError, http.client.HTTPException) as exc:
                found, error = None, exc
            if found is not None:
                return found, time.monotonic() - started
            if time.monotonic() - started > timeout:
                last = f"error {error!r}" if error is not None else f"{self.last}"
                pytest.fail(f"{what}: not within {timeout:.0f} s; last: {last}{self.log_tail()}")
            time.sleep(0.1)


def wait_until_listening(
    process: subprocess.Popen[bytes], port: int, log: Path, deadline: float
) -> str:
    """An empty string once Squid accepts connections on ``port``, else what went wrong.

    Squid's own word in cache.log, not a test connection: a connection would also succeed if
    something else had taken the port between :func:`free_port` and Squid binding it.
    """
    listening = "Accepting HTTP Socket connections at conn"
    local = f"local=127.0.0.1:{port} "
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"squid exited with status {process.returncode}"
        with contextlib.suppress(OSError):
            if any(
                listening in line and local in line
                for line in log.read_text(errors="replace").splitlines()
            ):
                with socket.create_connection(("127.0.0.1", port), 1):
                    return ""
        time.sleep(0.05)
    return f"squid did not accept connections on port {port} within {STARTUP_TIMEOUT:.0f} s"


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Squid's helpers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def stop(process: subprocess.Popen[bytes], service: str) -> None:
    """Kill Squid and the helpers it started (each helper runs in a session of its own).

    Killed rather than shut down: a graceful Squid shutdown takes two seconds whatever
    shutdown_lifetime says. A killed Squid leaves its shared memory segments behind; they
    carry this Squid's own service name, so removing them touches no other Squid.
    """
    helpers = children_of(process.pid) if process.poll() is None else []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    for helper in helpers:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(helper, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    for segment in Path("/dev/shm").glob(f"{service}-*"):  # noqa: S108 - POSIX shm names
        segment.unlink(missing_ok=True)


def log_tail(workdir: Path, lines: int = 40) -> str:
    text = ""
    for name in ("squid.out", "cache.log"):
        path = workdir / name
        if path.exists():
            content = path.read_text(errors="replace").splitlines()[-lines:]
            text += f"\n--- {name} (last {len(content)} lines) ---\n" + "\n".join(content)
    return text


def start_squid(
    workdir: Path,
    concurrency: int,
    run_as: RunAs,
    make_conf: Callable[[int], str] | None = None,
) -> tuple[subprocess.Popen[bytes], int, str]:
    """Start Squid on a free port; (process, port, service name).

    ``make_conf(port)`` gives the configuration, by default :func:`squid_conf`'s.
    """
    binary = squid_binary()
    env = helper_env()
    problem = ""
    for _attempt in range(3):
        port = free_port()
        # Squid names its shared memory segments after the service name ("squid" unless
        # -n says otherwise): a name of our own keeps clear of any other Squid's segments.
        service = f"wardentest{uuid.uuid4().hex[:12]}"
        conf = workdir / "squid.conf"
        conf.write_text(
            make_conf(port)
            if make_conf is not None
            else squid_conf(
                port=port,
                workdir=workdir,
                snapshot=workdir / "policy.wps",
                concurrency=concurrency,
                run_as=run_as,
            )
        )
        for name in ("cache.log", "squid.out"):
            (workdir / name).unlink(missing_ok=True)
        with open(workdir / "squid.out", "wb") as out:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [*run_as.prefix, binary, "-N", "-n", service, "-f", str(conf)],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        problem = wait_until_listening(
            process, port, workdir / "cache.log", time.monotonic() + STARTUP_TIMEOUT
        )
        if not problem:
            return process, port, service
        stop(process, service)
        if "in use" not in log_tail(workdir):
            break
    pytest.fail(f"Squid did not start ({run_as.how}): {problem}{log_tail(workdir)}", pytrace=False)


@pytest.fixture(
    scope="module",
    params=[8, 0],
    ids=["with-channel-ids", "without-channel-ids"],
)
def running_squid(request: pytest.FixtureRequest) -> Iterator[Proxy]:
    concurrency = int(request.param)
    squid_binary()
    index = gambling_index()
    # Not under pytest's tmp_path: that sits in a private (0700) directory Squid's
    # unprivileged user could not enter.
    workdir = Path(tempfile.mkdtemp(prefix="warden-squid-"))
    workdir.chmod(0o755)
    origin, origin_thread = start_origin()
    process: subprocess.Popen[bytes] | None = None
    service = ""
    try:
        run_as = choose_run_as(workdir)
        (workdir / "hosts").write_text(
            f"127.0.0.1 {GAMBLING_HOST} {GAMBLING_DOMAIN} {HARMLESS_HOST}\n"
            f"{PUPIL_ADDRESS} pupil-laptop.test\n"
            f"{STAFF_ADDRESS} staff-laptop.test\n"
        )
        write_snapshot(workdir / "policy.wps", baseline_header(), index)
        process, port, service = start_squid(workdir, concurrency, run_as)
        proxy = Proxy(
            process=process,
            port=port,
            service=service,
            workdir=workdir,
            snapshot=workdir / "policy.wps",
            index=index,
            origin=origin,
            run_as=run_as,
            concurrency=concurrency,
        )
        proxy.wait_for("Squid and its helper answering", lambda: _passes(proxy), STARTUP_TIMEOUT)
        yield proxy
    finally:
        if process is not None:
            stop(process, service)
        origin.shutdown()
        origin.server_close()
        origin_thread.join(timeout=5)
        shutil.rmtree(workdir, ignore_errors=True)


def _passes(
    proxy: Proxy, source: str = STAFF_ADDRESS, host: str = HARMLESS_HOST
) -> Response | None:
    url = proxy.url(host)
    response = proxy.get(url, source)
    return response if response.status == 200 and proxy.reached_origin(url) else None


def _blocked(proxy: Proxy, source: str, host: str, marker: str) -> Response | None:
    response = proxy.get(proxy.url(host), source)
    return response if response.status == 302 and marker in response.location else None


@pytest.fixture
def squid(running_squid: Proxy) -> Iterator[Proxy]:
    """The module's Squid, put back on the baseline policy after a test changed it."""
    yield running_squid
    if running_squid.dirty:
        write_snapshot(running_squid.snapshot, baseline_header(), running_squid.index)
        running_squid.dirty = False
        running_squid.wait_for("baseline policy back in force", lambda: _baseline(running_squid))


def _baseline(proxy: Proxy) -> Response | None:
    if _passes(proxy) is None:
        return None
    return _blocked(proxy, PUPIL_ADDRESS, GAMBLING_HOST, "category=gambling")


# --- the tests -----------------------------------------------------------------------------


def test_pupil_request_to_gambling_domain_is_redirected_to_block_page(squid: Proxy):
    url = squid.url(GAMBLING_HOST)
    response = squid.get(url, PUPIL_ADDRESS)
    assert response.status == 302, f"{response}{squid.log_tail()}"
    assert response.location.startswith(BLOCK_PAGE + "?"), response.location
    assert "category=gambling" in response.location
    assert "group=pupils" in response.location
    assert f"ip={PUPIL_ADDRESS}" in response.location
    assert not squid.reached_origin(url), "a blocked request reached the origin server"


def test_same_request_from_staff_group_passes(squid: Proxy):
    url = squid.url(GAMBLING_HOST)
    response = squid.get(url, STAFF_ADDRESS)
    assert response.status == 200, f"{response}{squid.log_tail()}"
    assert response.body == b"origin says hello\n"
    assert response.location == ""
    assert squid.reached_origin(url)


def test_exception_added_to_snapshot_takes_effect_within_5_seconds_without_restarting_squid(
    squid: Proxy,
):
    pid = squid.squid_pid()
    assert _blocked(squid, PUPIL_ADDRESS, GAMBLING_HOST, "category=gambling") is not None
    header = baseline_header()
    expires = datetime.now(UTC) + timedelta(hours=1)
    header["exceptions"] = [
        {
            "site": GAMBLING_DOMAIN,
            "group": "pupils",
            "reason": "end-to-end test of exceptions",
            "approved_by": "dsl@school.example",
            "expires": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ]
    squid.write_policy(header)
    _, waited = squid.wait_for(
        "the pupil's request passing after the exception",
        lambda: _passes(squid, PUPIL_ADDRESS, GAMBLING_HOST),
    )
    assert waited <= RELOAD_TIMEOUT
    assert squid.process.poll() is None, "squid stopped"
    assert squid.squid_pid() == pid == squid.process.pid, "squid was restarted"


def test_deleting_the_snapshot_makes_the_helper_block_not_allow(squid: Proxy):
    assert _passes(squid) is not None, "the harmless request should pass before the deletion"
    squid.snapshot.unlink()
    squid.dirty = True
    response, waited = squid.wait_for(
        "the staff request being blocked for want of a policy",
        lambda: _blocked(squid, STAFF_ADDRESS, HARMLESS_HOST, NO_POLICY),
    )
    assert waited <= RELOAD_TIMEOUT
    assert response.status == 302
    assert squid.process.poll() is None, "squid stopped"
