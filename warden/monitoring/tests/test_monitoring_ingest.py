"""Ingestion through the real ``warden ingest`` command: attribution, idempotence, resuming."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from warden.cli import main as warden
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.engine import archive
from warden.monitoring import ingestion
from warden.monitoring.models import IngestCheckpoint, IpLease, Violation
from warden.monitoring.services.monitoring import logs_ingest
from warden.monitoring.tests.monitoring_helpers import (
    START,
    busy_log,
    pupil_with_account,
    squid_line,
    write_log,
)
from warden.testing.factories import PupilFactory


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    # The filtering folder is read from settings at start-up: point it here too, so a test
    # that writes a snapshot never writes into the real var/.
    settings.WARDEN_FILTER_DIR = str(tmp_path / "var" / "filtering")


def _rows(school) -> list[tuple]:
    return sorted(
        Violation.objects.filter(school=school).values_list(
            "engine_id", "line_no", "phrase", "severity", "username", "url", "ts"
        )
    )


def test_a_pupils_google_search_for_self_harm_gives_a_severity_5_violation(school, tmp_path):
    pupil = pupil_with_account(school, "pupil.one")
    leet_pupil = PupilFactory.create(school=school)
    IpLease.objects.create(
        school=school,
        ip="10.0.0.6",
        device="LAPTOP-17",
        identifier=leet_pupil.mis_id,
        person=leet_pupil,
        start=START - dt.timedelta(hours=1),
    )
    when = START + dt.timedelta(minutes=5)
    plain_url = "https://www.google.com/search?q=how+to+cut+myself&oq=how"
    leet_url = "https://www.google.com/search?q=h0w+t0+cut+mys3lf"
    log = write_log(
        tmp_path / "access.log",
        [
            squid_line(START, "10.0.0.5", "https://www.bbc.co.uk/news", "pupil.one"),
            squid_line(when, "10.0.0.5", plain_url, "pupil.one"),
            squid_line(when, "10.0.0.6", leet_url),
        ],
    )
    warden(["ingest", "--format", "squid", "--school", school.slug, str(log)])

    plain = Violation.objects.get(school=school, url=plain_url)
    assert (plain.severity, plain.phrase, plain.category, plain.kind) == (
        5,
        "how to cut myself",
        "self-harm",
        "keyword",
    )
    assert (plain.person, plain.username, plain.ts) == (pupil, "pupil.one", when)
    assert (plain.search_engine, plain.search_term) == ("google", "how to cut myself")
    leet = Violation.objects.get(school=school, url=leet_url)
    assert (leet.severity, leet.phrase, leet.matched_text) == (
        5,
        "how to cut myself",
        "h0w t0 cut mys3lf",
    )
    assert (leet.person, leet.device, leet.client_ip, leet.ts) == (
        leet_pupil,
        "LAPTOP-17",
        "10.0.0.6",
        when,
    )
    # Every line is archived, partitioned by school and date.
    archived = archive.query(ingestion.archive_root(), school=school.slug)
    assert archived.num_rows == 3


def test_ingesting_the_same_file_twice_adds_nothing(school, tmp_path):
    pupil_with_account(school, "pupil.one")
    log = busy_log(tmp_path / "access.log", [("10.0.0.5", "pupil.one", "how+to+kill+myself")])
    call_command("ingest", "--format", "squid", "--school", school.slug, str(log))
    first = _rows(school)
    assert first
    out = io.StringIO()
    call_command("ingest", "--format", "squid", "--school", school.slug, str(log), stdout=out)
    assert _rows(school) == first
    assert "0 new violations" in out.getvalue()
    # The stream form resumes from the same checkpoint logic and adds nothing either.
    with open(log, "rb") as stream:
        logs_ingest(actor=None, school=school, fmt="squid", paths=["-"], stdin=stream)
    assert _rows(school) == first


def test_a_run_stopped_mid_file_then_run_again_equals_one_clean_run(
    school, other_school, tmp_path, monkeypatch
):
    searches = [
        ("10.0.0.5", "pupil.one", "how+to+kill+myself"),
        ("10.0.0.5", "pupil.one", "i+want+to+die"),
    ]
    for s in (school, other_school):
        pupil_with_account(s, "pupil.one")
    log = busy_log(tmp_path / "access.log", searches, filler=400)
    # One clean run, at another school, as the reference.
    logs_ingest(actor=None, school=other_school, fmt="squid", paths=[str(log)], chunk_bytes=4096)
    clean = _rows(other_school)
    assert len(clean) >= 5

    saves = 0
    real_save = ingestion.DatabaseCheckpointStore.save

    def crash_after_first_chunk(self, checkpoint):
        nonlocal saves
        saves += 1
        if saves == 2:
            raise RuntimeError("killed")
        real_save(self, checkpoint)

    monkeypatch.setattr(ingestion.DatabaseCheckpointStore, "save", crash_after_first_chunk)
    with pytest.raises(RuntimeError, match="killed"):
        logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log)], chunk_bytes=4096)
    partial = _rows(school)
    assert 0 < len(partial) < len(clean)
    assert IngestCheckpoint.objects.get(school=school).chunk_index == 1

    monkeypatch.setattr(ingestion.DatabaseCheckpointStore, "save", real_save)
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log)], chunk_bytes=4096)
    assert _rows(school) == clean
    assert not Violation.objects.filter(school=school, person=None).exists()


def test_follow_mode_reads_lines_added_while_it_runs(school, tmp_path):
    pupil_with_account(school, "pupil.one")
    log = write_log(tmp_path / "access.log", [squid_line(START, "10.0.0.5", "http://a.example/")])
    polls = 0

    def grow(ingestor):
        real = ingestor.ingest_path

        def ingest_path(path, **kwargs):
            stop = kwargs["should_stop"]

            def should_stop():
                nonlocal polls
                polls += 1
                if polls == 1:
                    with open(path, "a", encoding="utf-8") as handle:
                        handle.write(
                            squid_line(
                                START,
                                "10.0.0.5",
                                "https://www.bing.com/search?q=how+to+self+harm",
                                "pupil.one",
                            )
                        )
                return stop()

            return real(path, **{**kwargs, "should_stop": should_stop})

        ingestor.ingest_path = ingest_path

    summary = logs_ingest(
        actor=None,
        school=school,
        fmt="squid",
        paths=[str(log)],
        follow=True,
        poll_seconds=0.01,
        max_polls=3,
        prepare=grow,
    )
    assert summary.result.lines == 2
    assert "how to self harm" in set(
        Violation.objects.filter(school=school).values_list("phrase", flat=True)
    )


def test_ingest_command_with_follow_stops_after_max_polls(school, tmp_path):
    log = write_log(tmp_path / "access.log", [squid_line(START, "10.0.0.5", "http://a.example/")])
    out = io.StringIO()
    call_command(
        "ingest",
        "--format",
        "squid",
        "--follow",
        "--poll-seconds",
        "0.01",
        "--max-polls",
        "2",
        str(log),
        stdout=out,
    )
    assert "1 lines" in out.getvalue()


def test_ingestion_is_audited_and_loads_the_starter_library_once(school, tmp_path):
    log = write_log(tmp_path / "access.log", [squid_line(START, "10.0.0.5", "http://a.example/")])
    call_command("ingest", "--format", "squid", "--school", school.slug, str(log))
    call_command("ingest", "--format", "squid", "--school", school.slug, str(log))
    actions = list(AuditEntry.objects.filter(school=school).values_list("action", flat=True))
    assert actions.count("logs.ingested") == 2
    assert actions.count("keywords.starter_loaded") == 1


def test_ingest_refuses_a_missing_file_and_an_unknown_school(school, tmp_path):
    with pytest.raises(CommandError, match="not a readable file"):
        call_command("ingest", "--format", "squid", "--school", school.slug, "/nonexistent.log")
    with pytest.raises(CommandError, match="No school has the slug"):
        call_command("ingest", "--format", "squid", "--school", "nowhere", str(tmp_path))


def ks3_header(*, block: list[str], alert: list[str]) -> dict:
    """A snapshot header with one group, Key stage 3, for everyone."""
    return {
        "timezone": "Europe/London",
        "block_page": "http://127.0.0.1:8000/blocked",
        "default_group": "ks3",
        "groups": [
            {
                "slug": "ks3",
                "label": "Key stage 3",
                "default": "allow",
                "safe_search": True,
                "block": block,
                "alert": alert,
                "allow": [],
                "schedules": [],
            }
        ],
        "users": {},
        "networks": [],
        "exceptions": [],
    }


def publish(school, header: dict, index) -> None:
    """Put a filtering snapshot where the school's helper and ingestion read it."""
    from warden.engine.snapshot import write_snapshot
    from warden.monitoring.conf import snapshot_path

    path = snapshot_path(school.slug)
    path.parent.mkdir(parents=True)
    write_snapshot(path, header, index)


def test_sites_are_classified_with_the_schools_snapshot_and_alert_categories_reported(
    school, tmp_path
):
    from warden.engine.lists import ListBuilder

    pupil_with_account(school, "pupil.one")
    builder = ListBuilder()
    builder.add_domains(["casino.example"], "gambling")
    builder.add_domains(["forum.example"], "self-harm")
    builder.add_domains(["games.example"], "games")
    header = ks3_header(block=["self-harm", "games"], alert=["gambling"])
    publish(school, header, builder.build())
    log = write_log(
        tmp_path / "access.log",
        [
            squid_line(START, "10.0.0.5", "https://www.casino.example/slots", "pupil.one"),
            squid_line(START, "10.0.0.5", "https://forum.example/t/1", "pupil.one"),
            squid_line(START, "10.0.0.5", "https://games.example/play", "pupil.one"),
        ],
    )
    out = io.StringIO()
    call_command("ingest", "--format", "squid", "--school", school.slug, str(log), stdout=out)
    assert "not classified" not in out.getvalue()
    attempt = Violation.objects.get(school=school, category="self-harm")
    assert (attempt.kind, attempt.severity) == ("category", 5)
    assert not Violation.objects.filter(school=school, category="games").exists()
    visit = Violation.objects.get(school=school, category="gambling")
    assert (visit.kind, visit.category, visit.severity, visit.host) == (
        "category",
        "gambling",
        3,
        "www.casino.example",
    )
    assert visit.person is not None


def test_a_category_alerts_only_for_the_groups_that_alert_on_it(school, tmp_path):
    """Staff may visit gambling sites with an alert; for pupils they are simply blocked, so a
    pupil's blocked attempt at one is not a violation (it is no safeguarding category)."""
    from warden.engine.lists import ListBuilder

    pupil_with_account(school, "pupil.one")
    builder = ListBuilder()
    builder.add_domains(["casino.example"], "gambling")
    group = {"default": "allow", "safe_search": True, "allow": [], "schedules": []}
    header = {
        "timezone": "Europe/London",
        "block_page": "http://127.0.0.1:8000/blocked",
        "default_group": "ks3",
        "groups": [
            {**group, "slug": "ks3", "label": "Key stage 3", "block": ["gambling"], "alert": []},
            {**group, "slug": "staff", "label": "Staff", "block": [], "alert": ["gambling"]},
        ],
        "users": {"pupil.one": "ks3", "a.teacher": "staff"},
        "networks": [{"cidr": "10.2.0.0/16", "group": "staff"}],
        "exceptions": [],
    }
    publish(school, header, builder.build())
    log = write_log(
        tmp_path / "access.log",
        [
            squid_line(START, "10.0.0.5", "https://casino.example/slots", "pupil.one"),
            squid_line(START, "10.0.0.6", "https://casino.example/poker", "a.teacher"),
            squid_line(START, "10.2.0.9", "https://casino.example/bingo"),
        ],
    )
    call_command("ingest", "--format", "squid", "--school", school.slug, str(log))
    visits = Violation.objects.filter(school=school, category="gambling").order_by("url")
    assert [v.url for v in visits] == [
        "https://casino.example/bingo",
        "https://casino.example/poker",
    ]


def test_the_command_reads_standard_input(school, tmp_path, monkeypatch):
    pupil_with_account(school, "pupil.one")
    data = squid_line(
        START, "10.0.0.5", "https://www.google.com/search?q=how+to+kill+myself", "pupil.one"
    ).encode()

    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr("sys.stdin", Stdin)
    call_command("ingest", "--format", "squid", "--school", school.slug, "-")
    assert Violation.objects.filter(school=school, phrase="how to kill myself").exists()


def test_ctrl_c_in_follow_mode_stops_cleanly_and_keeps_what_was_committed(school, tmp_path):
    pupil_with_account(school, "pupil.one")
    log = write_log(
        tmp_path / "access.log",
        [
            squid_line(
                START, "10.0.0.5", "https://www.google.com/search?q=i+want+to+die", "pupil.one"
            )
        ],
    )

    def interrupt_at_first_poll(ingestor):
        real = ingestor.ingest_path

        def ingest_path(path, **kwargs):
            def should_stop():
                raise KeyboardInterrupt

            return real(path, **{**kwargs, "should_stop": should_stop})

        ingestor.ingest_path = ingest_path

    summary = logs_ingest(
        actor=None,
        school=school,
        fmt="squid",
        paths=[str(log)],
        follow=True,
        prepare=interrupt_at_first_poll,
    )
    assert summary.interrupted
    assert Violation.objects.filter(school=school, phrase="i want to die").exists()
    assert IngestCheckpoint.objects.get(school=school).line_no == 1


def test_the_sink_upserts_a_violation_delivered_again(school):
    from warden.engine.ingest import Violation as Found

    pupil = pupil_with_account(school, "pupil.one")
    found = Found(
        id="f" * 32,
        school=school.slug,
        source_id="s" * 64,
        offset=0,
        line_no=1,
        ts=START,
        person_id=str(pupil.pk),
        username="pupil.one",
        client_ip="10.0.0.5",
        url="https://www.google.com/search?q=i+want+to+die",
        host="www.google.com",
        kind="keyword",
        category="suicide",
        severity=4,
        phrase="i want to die",
    )
    sink = ingestion.DatabaseViolationSink(school)
    sink.deliver([found])
    sink.deliver([dataclasses.replace(found, severity=5)])
    stored = Violation.objects.get(school=school)
    assert (stored.engine_id, stored.severity, stored.person) == ("f" * 32, 5, pupil)


def test_ingesting_with_two_workers_equals_one_process(school, other_school, tmp_path):
    """Chunks analysed in forked workers (classification, filter groups and attribution
    included) give the same violations and archive as one process."""
    from warden.engine.lists import ListBuilder

    builder = ListBuilder()
    builder.add_domains(["casino.example"], "gambling")
    header = ks3_header(block=[], alert=["gambling"])
    for s in (school, other_school):
        pupil_with_account(s, "pupil.one")
        publish(s, header, builder.build())
    lines = [
        squid_line(START, "10.0.0.5", f"https://www.casino.example/slots/{n}", "pupil.one")
        for n in range(40)
    ]
    log = busy_log(
        tmp_path / "access.log",
        [
            ("10.0.0.5", "pupil.one", "how+to+kill+myself"),
            ("10.0.0.5", "pupil.one", "i+want+to+die"),
        ],
        filler=400,
    )
    with open(log, "a") as handle:
        handle.write("\n".join(lines) + "\n")
    one = logs_ingest(
        actor=None, school=other_school, fmt="squid", paths=[str(log)], chunk_bytes=4096
    )
    two = logs_ingest(
        actor=None, school=school, fmt="squid", paths=[str(log)], chunk_bytes=4096, workers=2
    )
    assert two.result.chunks == one.result.chunks > 4
    assert _rows(school) == _rows(other_school)
    assert Violation.objects.filter(school=school, category="gambling").count() == 40
    columns = ["offset", "person_id", "categories", "url"]
    archived = {}
    for s in (school, other_school):
        rows = archive.query(ingestion.archive_root(), school=s.slug, columns=columns)
        pupil = str(Violation.objects.filter(school=s).exclude(person=None)[0].person_id)
        # Each school has its own pupil.one; which rows are theirs must be the same.
        archived[s.slug] = [
            {**row, "person_id": row["person_id"] == pupil}
            for row in rows.sort_by("offset").to_pylist()
        ]
    assert archived[school.slug] == archived[other_school.slug]
    assert any(row["person_id"] for row in archived[school.slug])
    assert len(archived[school.slug]) == one.result.records
    with pytest.raises(ServiceError, match="at least one worker"):
        logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log)], workers=0)
