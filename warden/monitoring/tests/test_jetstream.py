"""Log ingestion through a real nats-server with JetStream on loopback: publishing, workers
in this process and in processes of their own, and a worker killed in the middle of a
chunk."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nats as nats_client
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from warden.core.models import AuditEntry, School
from warden.core.schedule import all_jobs
from warden.engine import archive, logbus
from warden.monitoring import ingestion, jetstream
from warden.monitoring.models import IngestCheckpoint, Violation
from warden.monitoring.services.monitoring import logs_ingest
from warden.monitoring.tasks.streaming import prune_stream_markers
from warden.monitoring.tests.monitoring_helpers import busy_log, pupil_with_account
from warden.testing.nats import start_nats
from warden.testing.ports import free_port

CHUNK = 4096
SEARCHES = [
    ("10.0.0.5", "pupil.one", "how+to+kill+myself"),
    ("10.0.0.6", "pupil.two", "how+to+cut+myself"),
]


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[jetstream.NatsProcess]:
    server = start_nats(tmp_path / "nats")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.WARDEN_FILTER_DIR = str(tmp_path / "var" / "filtering")


def publish(url: str, school: str, path: Path, *, progress: bool = True) -> jetstream.Published:
    async def run() -> jetstream.Published:
        client = await jetstream.connect(url, "test")
        try:
            js = client.jetstream()
            await jetstream.ensure_stream(js)
            store = jetstream.publish_progress(path.parent / "publisher") if progress else None
            return await jetstream.publish_file(
                js, school=school, fmt="squid", path=path, limit=CHUNK, progress=store
            )
        finally:
            await client.close()

    return asyncio.run(run())


def stream_messages(url: str) -> int:
    async def run() -> int:
        client = await nats_client.connect(url)
        try:
            info = await client.jetstream().stream_info(logbus.STREAM)
            return int(info.state.messages)
        finally:
            await client.close()

    return asyncio.run(run())


def violations(school: School) -> list[tuple]:
    return sorted(
        Violation.objects.filter(school=school).values_list(
            "engine_id", "line_no", "offset", "phrase", "url", "username", "severity", "ts"
        )
    )


def archived(school: School) -> list[tuple]:
    table = archive.query(ingestion.archive_root(), school=school.slug)
    kept = [name for name in table.column_names if name not in ("school", "person_id")]
    return sorted(map(tuple, (row.values() for row in table.select(kept).to_pylist())))


def people(*schools: School) -> None:
    for school in schools:
        pupil_with_account(school, "pupil.one")
        pupil_with_account(school, "pupil.two")


def test_the_server_runs_jetstream_with_8_mib_payloads(nats) -> None:
    async def check() -> int:
        client = await nats_client.connect(nats.url)
        try:
            await client.jetstream().account_info()
            return client.max_payload
        finally:
            await client.close()

    assert asyncio.run(check()) == 8 * 1024 * 1024


def test_a_published_file_is_ingested_as_plain_ingest_does(nats, school, other_school, tmp_path):
    people(school, other_school)
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=400)
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log)], chunk_bytes=CHUNK)

    sent = publish(nats.url, other_school.slug, log)
    assert sent.chunks > 3
    assert sent.lines == log.read_bytes().count(b"\n")
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.5) as worker:
        stats = worker.run(until_idle=True)

    assert stats.ingested == sent.chunks
    assert stats.failed == stats.skipped == 0
    expected = violations(school)
    assert len(expected) == 15
    assert violations(other_school) == expected
    assert archived(other_school) == archived(school)
    assert len(archived(other_school)) == sent.lines
    # Each chunk is committed under its own key, and the stream is empty once acknowledged.
    keys = set(
        IngestCheckpoint.objects.filter(school=other_school).values_list("source_key", flat=True)
    )
    assert keys == {f"nats:{sent.source}:{n}" for n in range(sent.chunks)}
    assert stream_messages(nats.url) == 0


def test_publishing_the_same_file_again_adds_nothing(nats, school, tmp_path):
    people(school)
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=300)
    first = publish(nats.url, school.slug, log)
    # The publisher remembers how far the file went: nothing is sent again.
    assert publish(nats.url, school.slug, log).chunks == 0
    # Without that record, every chunk goes again and the server drops each one.
    again = publish(nats.url, school.slug, log, progress=False)
    assert (again.chunks, again.duplicates) == (first.chunks, first.chunks)
    assert stream_messages(nats.url) == first.chunks
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.5) as worker:
        worker.run(until_idle=True)
    found = violations(school)
    assert found

    # Past the server's duplicate window (a new stream here), the workers skip what is
    # committed: the same violations, no new archive rows.
    rows = archived(school)
    asyncio.run(_delete_stream(nats.url))
    publish(nats.url, school.slug, log, progress=False)
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.5) as worker:
        stats = worker.run(until_idle=True)
    assert (stats.ingested, stats.skipped) == (0, first.chunks)
    assert violations(school) == found
    assert archived(school) == rows


async def _delete_stream(url: str) -> None:
    client = await nats_client.connect(url)
    try:
        await client.jetstream().delete_stream(logbus.STREAM)
    finally:
        await client.close()


def test_a_file_that_grew_publishes_only_its_new_lines(nats, school, tmp_path):
    people(school)
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=100)
    first = publish(nats.url, school.slug, log)
    grown = busy_log(tmp_path / "more.log", SEARCHES, filler=200).read_bytes()
    with open(log, "ab") as handle:
        handle.write(grown)
    second = publish(nats.url, school.slug, log)
    assert second.source == first.source
    assert first.lines + second.lines == log.read_bytes().count(b"\n")
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.5) as worker:
        worker.run(until_idle=True)
    assert len(archived(school)) == first.lines + second.lines


def test_two_workers_share_the_chunks_without_doing_one_twice(nats, school, other_school, tmp_path):
    people(school, other_school)
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=600)
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log)], chunk_bytes=CHUNK)
    sent = publish(nats.url, other_school.slug, log)
    with (
        jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.3) as one,
        jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.3) as two,
    ):
        # Turn about, one chunk each, until the stream has nothing left.
        while one.run_once() + two.run_once():
            pass
        assert one.idle() and two.idle()
    assert one.stats.ingested > 0 and two.stats.ingested > 0
    assert one.stats.ingested + two.stats.ingested == sent.chunks
    assert one.stats.skipped == two.stats.skipped == 0
    assert violations(other_school) == violations(school)
    assert archived(other_school) == archived(school)


def test_the_same_file_published_for_two_schools_is_ingested_for_both(
    nats, school, other_school, tmp_path
):
    """The server drops a chunk sent twice to one school, never the other school's copy."""
    people(school, other_school)
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=600)
    first = publish(nats.url, school.slug, log)
    second = publish(nats.url, other_school.slug, log)
    assert first.chunks == second.chunks > 1
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.3) as worker:
        stats = worker.run(until_idle=True)
    assert stats.ingested == first.chunks + second.chunks
    assert violations(school) and violations(other_school) == violations(school)
    assert archived(other_school) == archived(school)


def test_a_chunk_that_keeps_failing_is_kept_and_terminated(nats, school, tmp_path):
    """A chunk for a school that does not exist is never retried: it is written to the
    failed folder with why, and taken off the stream."""
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=50)
    sent = publish(nats.url, "no-such-school", log)
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.5) as worker:
        stats = worker.run(until_idle=True)
    assert (stats.ingested, stats.failed) == (0, sent.chunks)
    kept = sorted(jetstream.failed_dir().iterdir())
    assert len(kept) == 2 * sent.chunks
    assert b"".join(path.read_bytes() for path in kept if path.suffix == ".log") == (
        log.read_bytes()
    )
    assert all(
        "no school 'no-such-school'" in path.read_text() for path in kept if path.suffix == ".json"
    )
    assert stream_messages(nats.url) == 0
    # Each give-up is audited, with no school to file it under, its key and why.
    given_up = AuditEntry.objects.filter(action="logs.chunk_failed").order_by("seq")
    assert [(e.school, e.changes["chunk"][1]) for e in given_up] == [
        (None, f"nats:{sent.source}:{n}") for n in range(sent.chunks)
    ]
    assert {e.changes["reason"][1] for e in given_up} == {"no school 'no-such-school'"}


def test_a_chunk_a_known_school_cannot_use_is_audited_under_that_school(nats, school):
    async def send() -> None:
        client = await jetstream.connect(nats.url, "test")
        try:
            js = client.jetstream()
            await jetstream.ensure_stream(js)
            chunk = logbus.Chunk(
                fmt="teletext", source="abc", index=3, offset=0, line=1, data=b"x\n"
            )
            subject = logbus.subject(school.slug)
            await js.publish(subject, chunk.data, headers=chunk.headers(subject))
            await js.publish(logbus.subject(school.slug), b"y\n", headers={"Warden-Chunk": "1"})
        finally:
            await client.close()

    asyncio.run(send())
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.5) as worker:
        stats = worker.run(until_idle=True)
    assert stats.failed == 2
    given_up = AuditEntry.objects.filter(action="logs.chunk_failed").order_by("seq")
    assert [(e.school, e.changes["chunk"][1], e.changes["reason"][1]) for e in given_up] == [
        (school, "nats:abc:3", "unknown log format 'teletext'"),
        (school, "nats:unknown:2", "not a log chunk: bad or missing header 'Warden-Format'"),
    ]
    assert stream_messages(nats.url) == 0


# -- the commands' refusals -------------------------------------------------------------


def test_publishing_names_an_unknown_school(nats, school, tmp_path):
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=10)
    with pytest.raises(CommandError, match="No school has the slug “nowhere”"):
        call_command("ingest_publish", "--school", "nowhere", "--nats", nats.url, str(log))


def test_publishing_says_when_the_server_cannot_be_reached(school, tmp_path):
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=10)
    url = f"nats://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match=f"cannot reach the NATS server at {url}"):
        call_command("ingest_publish", "--school", school.slug, "--nats", url, str(log))


def test_publishing_says_which_file_cannot_be_read(nats, school, tmp_path):
    missing = tmp_path / "missing.log"
    with pytest.raises(CommandError, match=f"{missing} cannot be read"):
        call_command("ingest_publish", "--school", school.slug, "--nats", nats.url, str(missing))
    with pytest.raises(CommandError, match=f"{tmp_path} is not a file"):
        call_command("ingest_publish", "--school", school.slug, "--nats", nats.url, str(tmp_path))


def test_publishing_refuses_a_line_longer_than_a_chunk(nats, school, tmp_path):
    log = tmp_path / "long.log"
    log.write_bytes(b"x" * 5000 + b"\n")
    with pytest.raises(CommandError, match=r"line 1 .* is longer than a chunk may be"):
        call_command(
            "ingest_publish", "--school", school.slug, "--nats", nats.url,
            "--chunk-bytes", "4096", str(log),
        )  # fmt: skip


def test_the_publish_command_reports_what_it_sent(nats, school, tmp_path):
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=100)
    out = io.StringIO()
    call_command(
        "ingest_publish", "--school", school.slug, "--nats", nats.url,
        "--chunk-bytes", str(CHUNK), str(log), stdout=out,
    )  # fmt: skip
    lines = log.read_bytes().count(b"\n")
    assert f"{school.slug}: {log}: 4 chunks published ({lines} lines" in out.getvalue()
    again = io.StringIO()
    for extra in ([], ["--from-start"]):
        call_command(
            "ingest_publish", "--school", school.slug, "--nats", nats.url,
            "--chunk-bytes", str(CHUNK), *extra, str(log), stdout=again,
        )  # fmt: skip
    assert again.getvalue().splitlines() == [
        f"{school.slug}: {log}: 0 chunks published (0 lines, 0 bytes; 0 the server already had).",
        f"{school.slug}: {log}: 4 chunks published ({lines} lines, {log.stat().st_size} bytes; "
        "4 the server already had).",
    ]


def test_the_worker_says_when_the_server_cannot_be_reached(school):
    url = f"nats://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match=f"cannot reach the NATS server at {url}"):
        call_command("ingest_worker", "--nats", url, "--until-idle")


# -- workers in processes of their own ----------------------------------------------------
# Each installation is its own var folder and SQLite file, copied from one migrated at the
# start, as a worker process cannot see the test database.


def warden_env(var: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WARDEN_")}
    for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    env.update(
        WARDEN_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'warden.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    return env


def warden(var: Path, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - this interpreter, running the warden command
        [sys.executable, "-m", "warden.cli", *args],
        env=warden_env(var),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, f"warden {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def start_worker(var: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this interpreter, running the warden command
        [sys.executable, "-m", "warden.cli", "ingest-worker", *args],
        env=warden_env(var),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_line(process: subprocess.Popen[str], text: str, timeout: float = 120) -> str:
    """Read the worker's output until a line containing ``text``; that line."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no {text!r} from the worker:\n{''.join(seen)[-3000:]}")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var folder with a migrated database and the school "oak", copied by each test."""
    var = tmp_path_factory.mktemp("template") / "var"
    var.mkdir()
    warden(var, "migrate", "--noinput")
    warden(var, "add-school", "--name", "Oak Primary", "--slug", "oak", "--trust-slug", "oak")
    return var


def installation(migrated: Path, folder: Path) -> Path:
    shutil.copytree(migrated, folder)
    return folder


def stored(var: Path) -> tuple[list[tuple], list[tuple], list[str]]:
    """Violations, archived rows and committed checkpoint keys of an installation."""
    database = sqlite3.connect(f"file:{var / 'warden.sqlite3'}?mode=ro", uri=True)
    try:
        found = sorted(
            database.execute(
                "SELECT engine_id, line_no, offset, phrase, url, severity FROM monitoring_violation"
            )
        )
        keys = sorted(
            key for (key,) in database.execute("SELECT source_key FROM monitoring_ingestcheckpoint")
        )
    finally:
        database.close()
    table = archive.query(var / "archive", school="oak")
    rows = sorted(map(tuple, (row.values() for row in table.to_pylist())))
    return found, rows, keys


def published_chunks(output: str) -> int:
    """The chunk count ``warden ingest-publish`` printed."""
    return int(output.split(" chunks published")[0].rsplit(" ", 1)[1])


def test_a_worker_killed_mid_chunk_leaves_it_to_another_which_ingests_it_once(
    nats, migrated, tmp_path
):
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=300)
    plain = installation(migrated, tmp_path / "plain")
    warden(
        plain, "ingest", "--format", "squid", "--school", "oak", "--chunk-bytes", "4096", str(log)
    )
    expected, expected_rows, _ = stored(plain)
    assert expected and len(expected_rows) == log.read_bytes().count(b"\n")

    streamed = installation(migrated, tmp_path / "streamed")
    out = warden(
        streamed, "ingest-publish", "--school", "oak", "--nats", nats.url,
        "--chunk-bytes", "4096", str(log),
    )  # fmt: skip
    chunks = published_chunks(out)
    assert chunks > 3

    # The first worker takes a chunk, archives it and waits before committing: killed there.
    doomed = start_worker(
        streamed, "--nats", nats.url, "--ack-wait", "3", "--pause-before-commit", "300"
    )
    started = wait_for_line(doomed, "started")
    killed_key = started.split("chunk ", 1)[1].split(" ", 1)[0]
    # Killed once its archive file is written, while it waits to commit.
    deadline = time.monotonic() + 120
    while not list((streamed / "archive").glob("school=oak/date=*/*.parquet")):
        assert time.monotonic() < deadline, "the worker wrote no archive file"
        time.sleep(0.1)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=30)
    assert doomed.returncode == -signal.SIGKILL
    assert stored(streamed)[2] == []

    # Another worker takes everything, the killed chunk once its ack wait has run out.
    survivor = start_worker(streamed, "--nats", nats.url, "--ack-wait", "3", "--until-idle")
    output, _ = survivor.communicate(timeout=180)
    assert survivor.returncode == 0, output
    assert f"chunk {killed_key} ingested" in output
    assert f"stopped: {chunks} chunks ingested" in output
    assert "0 already done, 0 to retry, 0 given up" in output

    found, rows, keys = stored(streamed)
    assert found == expected
    assert rows == expected_rows
    assert len(keys) == chunks and killed_key in keys
    assert stream_messages(nats.url) == 0


def test_sigterm_lets_a_worker_finish_and_acknowledge_its_chunk(nats, migrated, tmp_path):
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=300)
    var = installation(migrated, tmp_path / "var")
    out = warden(
        var, "ingest-publish", "--school", "oak", "--nats", nats.url,
        "--chunk-bytes", "4096", str(log),
    )  # fmt: skip
    worker = start_worker(var, "--nats", nats.url, "--pause-before-commit", "2")
    started = wait_for_line(worker, "started")
    key = started.split("chunk ", 1)[1].split(" ", 1)[0]
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert f"chunk {key} ingested" in output
    assert "stopped: 1 chunks ingested" in output
    assert stored(var)[2] == [key]
    # Acknowledged (so gone from the stream); the chunks nobody started are still there.
    assert stream_messages(nats.url) == published_chunks(out) - 1


def test_nats_dev_runs_jetstream_on_loopback_until_stopped(tmp_path):
    var = tmp_path / "var"
    port, monitor = free_port(), free_port()
    server = subprocess.Popen(  # noqa: S603 - this interpreter, running the warden command
        [sys.executable, "-m", "warden.cli", "nats-dev", "--port", str(port),
         "--monitor-port", str(monitor)],
        env=warden_env(var),
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        probe = jetstream.NatsProcess(var / "nats", port=port, monitor_port=monitor)
        probe.wait_ready(timeout=60)
        config = (var / "nats" / "nats-server.conf").read_text()
        assert f'listen: "127.0.0.1:{port}"' in config
        assert "max_payload: 8388608" in config
        assert (var / "nats" / "store" / "jetstream").is_dir()
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0
    assert f"nats-server on nats://127.0.0.1:{port}" in output


@pytest.mark.parametrize("limit", [20, 33, 64, 1000])
def test_chunks_are_whole_lines_that_resume_where_they_stopped(limit):
    data = b"".join(b"line %d %s\n" % (n, b"x" * (n % 7)) for n in range(100)) + b"unfinished"
    chunks = list(logbus.cut_chunks(io.BytesIO(data), fmt="squid", source="s", limit=limit))
    assert b"".join(chunk.data for chunk in chunks) == data[: data.rfind(b"\n") + 1]
    assert all(len(chunk.data) <= limit and chunk.data.endswith(b"\n") for chunk in chunks)
    assert [chunk.line for chunk in chunks] == [
        1 + data[: chunk.offset].count(b"\n") for chunk in chunks
    ]
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))
    middle = chunks[len(chunks) // 2]
    resumed = logbus.cut_chunks(
        io.BytesIO(data), fmt="squid", source="s", limit=limit,
        index=middle.index, offset=middle.offset, line=middle.line,
    )  # fmt: skip
    assert list(resumed) == chunks[len(chunks) // 2 :]
    assert logbus.Chunk.from_message(middle.headers("warden.logs.oak"), middle.data) == middle


# -- chunk markers -------------------------------------------------------------------------


def test_chunk_markers_are_summed_per_source_on_the_sources_list(
    nats, school, ict_manager, client_for, tmp_path
):
    people(school)
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=400)
    kept = busy_log(tmp_path / "kept.log", SEARCHES, filler=10)
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(kept)], chunk_bytes=CHUNK)
    sent = publish(nats.url, school.slug, log)
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.5) as worker:
        worker.run(until_idle=True)
    assert sent.chunks > 3

    page = client_for(ict_manager).get(reverse("monitoring:lease_list")).content.decode()
    listed = page.split('id="sources"')[1].split("</ul>")[0]
    assert listed.count("<li>") == 2
    assert str(kept) in listed
    assert f"· squid · {sent.chunks} chunks up to line {sent.lines} ·" in listed
    assert "nats:" not in listed


def test_the_daily_job_prunes_chunk_markers_the_stream_can_no_longer_resend(
    nats, school, other_school, tmp_path
):
    people(school, other_school)
    log = busy_log(tmp_path / "access.log", SEARCHES, filler=400)
    kept = busy_log(tmp_path / "kept.log", SEARCHES, filler=10)
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(kept)], chunk_bytes=CHUNK)
    sent = publish(nats.url, school.slug, log)
    # Another file: the server would drop the same chunks sent again (Nats-Msg-Id).
    other = publish(nats.url, other_school.slug, busy_log(tmp_path / "b.log", SEARCHES[::-1]))
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.5) as worker:
        worker.run(until_idle=True)
    markers = IngestCheckpoint.objects.filter(source_key__startswith="nats:")
    assert markers.count() == sent.chunks + other.chunks
    # Every checkpoint of the first school is older than the stream's age and duplicate
    # window, but the file's is not a chunk's; the other school's markers are within it.
    old = timezone.now() - dt.timedelta(days=8, minutes=1)
    IngestCheckpoint.objects.filter(school=school).update(updated_at=old)
    within = timezone.now() - dt.timedelta(days=7, hours=23)
    IngestCheckpoint.objects.filter(school=other_school).update(updated_at=within)
    assert "monitoring.stream_markers" in {job.name for job in all_jobs()}

    assert prune_stream_markers.enqueue().return_value == sent.chunks
    assert not markers.filter(school=school).exists()
    assert markers.filter(school=other_school).count() == other.chunks > 0
    assert IngestCheckpoint.objects.filter(school=school).count() == 1


# -- workers of named schools ----------------------------------------------------------------


def test_a_worker_for_one_school_leaves_other_schools_chunks_in_the_stream(
    nats, school, other_school, tmp_path
):
    people(school, other_school)
    mine = publish(nats.url, school.slug, busy_log(tmp_path / "a.log", SEARCHES, filler=300))
    theirs = publish(
        nats.url, other_school.slug, busy_log(tmp_path / "b.log", SEARCHES[::-1], filler=300)
    )
    with jetstream.IngestWorker(
        nats.url, schools=[school.slug], ack_wait=5, fetch_seconds=0.3
    ) as worker:
        stats = worker.run(until_idle=True)
    assert (stats.ingested, stats.failed, stats.skipped) == (mine.chunks, 0, 0)
    assert Violation.objects.filter(school=school).exists()
    assert not Violation.objects.filter(school=other_school).exists()
    assert not IngestCheckpoint.objects.filter(school=other_school).exists()
    # The other school's chunks wait in the stream for a worker naming that school.
    assert stream_messages(nats.url) == theirs.chunks
    with jetstream.IngestWorker(
        nats.url, schools=[other_school.slug], ack_wait=5, fetch_seconds=0.3
    ) as worker:
        assert worker.run(until_idle=True).ingested == theirs.chunks
    assert stream_messages(nats.url) == 0
    assert Violation.objects.filter(school=other_school).exists()


def test_workers_for_every_school_and_for_named_schools_cannot_run_side_by_side(
    nats, school, other_school
):
    """The stream hands each chunk to one consumer only: a worker whose consumer would
    share chunks with another's is refused, naming it, instead of waiting for nothing."""
    with jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.3):
        pass
    with pytest.raises(
        CommandError, match=f"warden-ingest-{school.slug} cannot be made.*warden-ingest already"
    ):
        call_command("ingest_worker", "--school", school.slug, "--nats", nats.url, "--until-idle")

    async def drop() -> None:
        client = await nats_client.connect(nats.url)
        try:
            await client.jetstream().delete_consumer(logbus.STREAM, logbus.CONSUMER)
        finally:
            await client.close()

    asyncio.run(drop())
    with jetstream.IngestWorker(nats.url, schools=[other_school.slug], fetch_seconds=0.3):
        pass
    worker = jetstream.IngestWorker(nats.url, ack_wait=5, fetch_seconds=0.3)
    try:
        with pytest.raises(
            jetstream.ConsumerConflict, match=f"warden-ingest-{other_school.slug} already"
        ):
            worker.connect()
    finally:
        worker.close()
