"""The live receiver (``warden ingest-receive``) against a real nats-server on loopback:
Squid's datagrams and shippers' HTTP posts arrive on the stream as chunks headed as
:mod:`warden.engine.logbus` says."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import nats as nats_client
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from nats.js.api import RetentionPolicy

from warden.engine import logbus
from warden.monitoring.jetstream import NatsProcess
from warden.monitoring.receiver import Receiver, ReceiverConfig, strip_syslog
from warden.testing.nats import start_nats
from warden.testing.ports import free_port

TOKEN = "s3cret-token-for-the-tests"
SQUID_LINE = (
    "1736150400.123    240 10.1.2.3 TCP_MISS/200 5120 GET http://www.example.org/{n} "
    "pupil.{n} HIER_DIRECT/93.184.216.34 text/html"
)


@pytest.fixture(scope="module")
def nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsProcess]:
    server = start_nats(tmp_path_factory.mktemp("nats"))
    try:
        asyncio.run(_create_stream(server.url))
        yield server
    finally:
        server.stop()


async def _create_stream(url: str, retention: RetentionPolicy = RetentionPolicy.LIMITS) -> None:
    client = await nats_client.connect(url)
    try:
        await client.jetstream().add_stream(
            name=logbus.STREAM, subjects=[f"{logbus.SUBJECT_PREFIX}.>"], retention=retention
        )
    finally:
        await client.close()


@dataclass
class Message:
    data: bytes
    headers: dict[str, str]


def messages(url: str, school: str, count: int, timeout: float = 10.0) -> list[Message]:
    """The first ``count`` messages on the school's subject (fewer if they do not come)."""

    async def read() -> list[Message]:
        client = await nats_client.connect(url)
        found: list[Message] = []
        try:
            sub = await client.jetstream().subscribe(logbus.subject(school), ordered_consumer=True)
            deadline = time.monotonic() + timeout
            while len(found) < count and time.monotonic() < deadline:
                try:
                    msg = await sub.next_msg(timeout=max(0.1, deadline - time.monotonic()))
                except nats_client.errors.TimeoutError:
                    break
                found.append(Message(msg.data, dict(msg.headers or {})))
        finally:
            await client.close()
        return found

    return asyncio.run(read())


@contextmanager
def running(config: ReceiverConfig) -> Iterator[Receiver]:
    """The receiver serving on its own event loop in a thread, stopped afterwards."""
    live = Receiver(config)
    loop = asyncio.new_event_loop()
    result: dict[str, Any] = {}

    def serve() -> None:
        try:
            result["stats"] = loop.run_until_complete(live.run())
        except BaseException as exc:  # reported in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=serve, name="receiver", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(live.wait_ready(), loop).result(timeout=10)
    try:
        yield live
    finally:
        loop.call_soon_threadsafe(live.stop)
        thread.join(timeout=config.drain_seconds + 10)
        assert not thread.is_alive(), "the receiver did not stop"
        loop.close()
    if "error" in result:
        raise result["error"]


def udp_config(url: str, school: str, **changes: Any) -> ReceiverConfig:
    config = ReceiverConfig(
        school=school, udp=("127.0.0.1", 0), nats_url=url, flush_seconds=0.2, drain_seconds=3
    )
    return replace(config, **changes)


def http_config(url: str, school: str, **changes: Any) -> ReceiverConfig:
    changes = {"udp": None, "http": ("127.0.0.1", 0), "token": TOKEN, **changes}
    return udp_config(url, school, **changes)


def send_datagrams(live: Receiver, datagrams: list[bytes]) -> None:
    assert live.udp_address is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for count, datagram in enumerate(datagrams, 1):
            sock.sendto(datagram, live.udp_address)
            if count % 50 == 0:
                time.sleep(0.01)  # a proxy's pace, not a flood the test machine's kernel drops


def post(
    live: Receiver,
    body: bytes,
    *,
    token: str | None = TOKEN,
    method: str = "POST",
    path: str = "/lines",
) -> tuple[int, dict[str, Any]]:
    assert live.http_address is not None
    connection = http.client.HTTPConnection(*live.http_address, timeout=10)
    headers = {"Content-Type": "text/plain"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")
    finally:
        connection.close()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: object = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out ({what})"
        time.sleep(0.05)


def squid_lines(count: int, start: int = 0) -> list[str]:
    return [SQUID_LINE.format(n=n) for n in range(start, start + count)]


# --- UDP ---------------------------------------------------------------------------------


def test_squid_datagrams_arrive_as_chunks_headed_by_the_contract(nats: NatsProcess) -> None:
    lines = squid_lines(1200)
    # As Squid sends them: one line a datagram, or several with buffered_logs on.
    datagrams = [f"{line}\n".encode() for line in lines[:200]]
    datagrams += [
        "".join(f"{line}\n" for line in lines[i : i + 10]).encode() for i in range(200, 1200, 10)
    ]
    with running(udp_config(nats.url, "udp-school", chunk_bytes=64 * 1024)) as live:
        send_datagrams(live, datagrams)
        wait_for(lambda: live.stats.published_lines == len(lines), what=live.stats)
        source = live.source
    found = messages(nats.url, "udp-school", count=100)
    assert len(found) >= 2, "150 kB of lines at 64 KiB a chunk make several chunks"
    assert b"".join(m.data for m in found).decode().splitlines() == lines
    offset, line_no = 0, 1
    for index, message in enumerate(found):
        assert message.headers[logbus.H_FORMAT] == "squid"
        assert message.headers[logbus.H_SOURCE] == source
        assert message.headers[logbus.H_CHUNK] == str(index)
        assert message.headers[logbus.H_OFFSET] == str(offset)
        assert message.headers[logbus.H_LINE] == str(line_no)
        assert message.headers["Nats-Msg-Id"] == f"warden.logs.udp-school:{source}:{index}"
        assert len(message.data) <= 64 * 1024 and message.data.endswith(b"\n")
        offset += len(message.data)
        line_no += message.data.count(b"\n")


def test_syslog_headers_are_stripped_so_ingestion_sees_squids_own_line(nats: NatsProcess) -> None:
    native = squid_lines(3)
    datagrams = [
        f"<150>Jan  6 08:00:00 proxy squid[812]: {native[0]}".encode(),
        f'<150>1 2025-01-06T08:00:00.123Z proxy squid 812 - [meta x="a]b\\]"] {native[1]}'.encode(),
        native[2].encode(),
    ]
    with running(udp_config(nats.url, "syslog-school")) as live:
        for datagram in datagrams:  # one at a time, so they arrive in order
            send_datagrams(live, [datagram])
            time.sleep(0.05)
        wait_for(lambda: live.stats.published_lines == 3)
    (chunk,) = messages(nats.url, "syslog-school", count=1)
    assert chunk.data.decode().splitlines() == native


def test_dns_lines_keep_their_syslog_time_and_lose_only_the_priority() -> None:
    line = b"<30>Jan  6 08:00:01 dns dnsmasq[99]: query[A] example.org from 10.0.0.5"
    assert strip_syslog(line, keep_header=True) == line[4:]
    assert strip_syslog(line) == b"query[A] example.org from 10.0.0.5"


def test_datagrams_from_outside_the_allowed_networks_are_refused(nats: NatsProcess) -> None:
    import ipaddress

    config = udp_config(nats.url, "allow-school", allow=[ipaddress.ip_network("127.0.0.2/32")])
    with running(config) as live:
        send_datagrams(live, [squid_lines(1)[0].encode()])  # from 127.0.0.1
        wait_for(lambda: live.stats.refused == 1)
    assert live.stats.received == 0
    assert messages(nats.url, "allow-school", count=1, timeout=1) == []


# --- HTTP --------------------------------------------------------------------------------


def test_posted_lines_with_the_token_are_published(nats: NatsProcess) -> None:
    lines = squid_lines(5)
    with running(http_config(nats.url, "http-school")) as live:
        status, answer = post(live, "\r\n".join(lines).encode() + b"\r\n\r\n")
        assert (status, answer["accepted"]) == (202, 5)
        wait_for(lambda: live.stats.published_lines == 5)
    (chunk,) = messages(nats.url, "http-school", count=1)
    assert chunk.data.decode().splitlines() == lines
    assert chunk.headers[logbus.H_CHUNK] == "0"
    assert chunk.headers[logbus.H_LINE] == "1"


def test_posts_without_the_right_token_are_refused_and_publish_nothing(nats: NatsProcess) -> None:
    with running(http_config(nats.url, "token-school")) as live:
        assert post(live, b"x\n", token=None)[0] == 401
        assert post(live, b"x\n", token="not-the-token-at-all")[0] == 401
        assert post(live, b"x\n", token=TOKEN, method="GET")[0] == 405
        assert post(live, b"x\n", token=TOKEN, path="/other")[0] == 404
        time.sleep(0.5)
    assert live.stats.refused == 2
    assert live.stats.received == 0
    assert messages(nats.url, "token-school", count=1, timeout=1) == []


# --- NATS away ---------------------------------------------------------------------------


def test_chunks_wait_while_nats_is_down_and_are_published_once_it_is_up(tmp_path: Path) -> None:
    server = NatsProcess(tmp_path / "nats", port=free_port(), monitor_port=free_port())
    config = http_config(
        server.url,
        "late-school",
        udp=("127.0.0.1", 0),
        chunk_bytes=64 * 1024,
        buffer_bytes=128 * 1024,
        drain_seconds=15,
    )
    line = "x" * 999
    with running(config) as live:
        status, answer = post(live, ("\n".join([line] * 100)).encode())
        assert (status, answer["accepted"]) == (202, 100)
        # The buffer holds 128 KiB: another 100 kB does not fit, and the shipper is told so.
        status, _ = post(live, ("\n".join([line] * 100)).encode())
        assert status == 503
        # Datagrams cannot be told to retry: what does not fit is dropped and counted.
        send_datagrams(live, [line.encode()] * 100)
        wait_for(lambda: live.stats.received == 200, what=live.stats)
        assert 0 < live.stats.dropped < 100
        server.start()
        try:
            asyncio.run(_create_stream(server.url))
            wait_for(lambda: live.stats.published_lines == 200 - live.stats.dropped, 20, live.stats)
            found = messages(server.url, "late-school", count=10)
        finally:
            live.stop()
            time.sleep(0.2)
            server.stop()
    assert sum(m.data.count(b"\n") for m in found) == live.stats.published_lines


# --- the command -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--udp", "nowhere"], "HOST:PORT"),
        (["--udp", "example.org:5514"], "IP address"),
        (["--http", "127.0.0.1:8514"], "token"),
        (["--http", "127.0.0.1:8514", "--token", "short"], "token"),
        (["--allow", "10.0.0.300/32"], "not a network"),
        (["--nats", "http://127.0.0.1:4222"], "nats://"),
        (["--chunk-bytes", "10"], "--chunk-bytes"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(
    school, monkeypatch, arguments, message
) -> None:
    monkeypatch.delenv("WARDEN_INGEST_TOKEN", raising=False)
    with pytest.raises(CommandError, match=message):
        call_command("ingest_receive", "--school", school.slug, *arguments)


def test_an_unknown_school_is_refused(school) -> None:
    with pytest.raises(CommandError, match="No school has the slug"):
        call_command("ingest_receive", "--school", "no-such-school")


def test_the_command_serves_until_stopped_and_reports_its_counts(
    nats: NatsProcess, transactional_db, school, monkeypatch
) -> None:
    # transactional_db: the command runs in a thread, on its own database connection.
    monkeypatch.setenv("WARDEN_INGEST_TOKEN", TOKEN)
    port = free_port()
    out = io.StringIO()
    thread = threading.Thread(
        target=call_command,
        args=["ingest_receive", "--school", school.slug, "--http", f"127.0.0.1:{port}"],
        kwargs={"nats": nats.url, "flush_seconds": 0.2, "stop_after": 3, "stdout": out},
    )
    thread.start()
    try:
        wait_for(lambda: "Receiving" in out.getvalue())
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = "\n".join(squid_lines(2)).encode()
        connection.request(
            "POST", "/lines", body=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert connection.getresponse().status == 202
        connection.close()
    finally:
        thread.join(timeout=15)
    assert f"{school.slug}: 2 lines received, 2 published in 1 chunks" in out.getvalue()
    (chunk,) = messages(nats.url, school.slug, count=1)
    assert chunk.data.decode().splitlines() == squid_lines(2)


# --- end to end through a real Squid -------------------------------------------------------


@pytest.fixture
def work_queue_nats(tmp_path: Path) -> Iterator[NatsProcess]:
    """A server of its own whose stream has the workers' work-queue retention (the other
    tests read the stream back, which a work queue does not allow)."""
    server = start_nats(tmp_path / "wq-nats")
    try:
        asyncio.run(_create_stream(server.url, RetentionPolicy.WORK_QUEUE))
        yield server
    finally:
        server.stop()


def test_a_search_through_squid_becomes_a_violation_through_the_receiver_and_a_worker(
    work_queue_nats: NatsProcess, transactional_db, school, tmp_path: Path
) -> None:
    """Squid (``access_log udp://``) -> the receiver -> JetStream -> ``warden ingest-worker``
    -> a violation in the database. Squid missing is a failure, not a skip."""
    nats = work_queue_nats
    from warden.engine.tests import test_squid_end_to_end as squid
    from warden.monitoring.models import IpLease, Violation
    from warden.monitoring.services.monitoring import keywords_load_starter
    from warden.testing.factories import PupilFactory

    keywords_load_starter(actor=None, school=school)
    # Squid knows no user name here: the pupil is found by the address's lease.
    pupil = PupilFactory.create(school=school)
    IpLease.objects.create(
        school=school,
        ip="127.0.0.1",
        device="LAPTOP-17",
        identifier=pupil.mis_id,
        person=pupil,
        start=timezone.now() - dt.timedelta(hours=1),
    )
    origin, _ = squid.start_origin()
    workdir = tmp_path / "squid"
    workdir.mkdir()
    run_as = squid.choose_run_as(workdir)
    (workdir / "hosts").write_text("127.0.0.1 www.google.com\n")
    with running(udp_config(nats.url, school.slug)) as live:
        assert live.udp_address is not None
        udp_port = live.udp_address[1]

        def conf(port: int) -> str:
            # The end-to-end Squid's configuration, with no filter helper and its access
            # log sent to the receiver instead of a file.
            base = squid.squid_conf(
                port=port,
                workdir=workdir,
                snapshot=workdir / "policy.wps",
                concurrency=0,
                run_as=run_as,
            )
            lines = [
                line
                for line in base.splitlines()
                if not line.startswith(("url_rewrite", "access_log"))
            ]
            lines.append(f"access_log udp://127.0.0.1:{udp_port} squid")
            # Squid leaves the query out of logged URLs unless told: searches need it.
            lines.append("strip_query_terms off")
            return "\n".join(lines) + "\n"

        process, port, service = squid.start_squid(workdir, 0, run_as, make_conf=conf)
        try:
            url = f"http://www.google.com:{origin.server_address[1]}/search?q=how+to+cut+myself"
            # Squid packs its UDP log lines into datagrams of about 1,400 bytes and sends one
            # when it is full: ask again until a datagram has come.
            for _ in range(50):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", url)
                assert connection.getresponse().status == 200
                connection.close()
                if live.stats.received:
                    break
                time.sleep(0.05)
            wait_for(lambda: live.stats.published_lines >= 1, what=live.stats)
        finally:
            squid.stop(process, service)
            origin.shutdown()
    out = io.StringIO()
    call_command(
        "ingest_worker", "--nats", nats.url, "--school", school.slug, "--until-idle", stdout=out
    )
    violation = Violation.objects.filter(school=school, url=url).first()
    assert violation is not None, (
        out.getvalue(),
        list(Violation.objects.values_list("url", "severity")),
    )
    assert (violation.severity, violation.person) == (5, pupil)
    assert violation.client_ip == "127.0.0.1"
