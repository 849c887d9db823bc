"""The Squid helper protocols, in-process and as a real child process on stdin/stdout."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warden.engine._native import rewrite_passes
from warden.engine.policy import PolicyEngine
from warden.engine.snapshot import parse_header, write_snapshot
from warden.engine.squid import Mode, SquidHelper, acl_answer, quote_value, rewrite_answer
from warden.engine.tests.test_snapshot import policy_header, small_index

REPO = Path(__file__).resolve().parents[3]


def helper(mode: Mode = Mode.URL_REWRITE, **kwargs) -> SquidHelper:
    engine = PolicyEngine.for_snapshot(parse_header(policy_header(), small_index()))
    return SquidHelper(engine, mode, **kwargs)


def run_helper(snapshot: Path, lines: list[str], *args: str) -> list[str]:
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "warden.engine.helper", "--snapshot", str(snapshot), *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())


def test_old_redirector_line_without_channel_gets_a_302_to_the_block_page():
    answer = helper().answer("http://casino.example/ 10.1.0.9/- - GET")
    assert answer.startswith('OK status=302 url="https://warden.school.example/blocked?')
    assert "category=gambling" in answer and "group=ks2" in answer


def test_allowed_request_gets_err_meaning_no_change():
    assert helper().answer("https://www.bbc.co.uk/ 10.2.0.9/- - GET") == "ERR"


def test_channel_id_is_echoed_on_the_answer():
    h = helper()
    assert h.answer("7 https://www.bbc.co.uk/ 10.2.0.9/- - GET myip=1.2.3.4 myport=3128") == (
        "7 ERR"
    )
    assert h.answer("12 http://casino.example/ 10.2.0.9/- bob GET").startswith("12 OK status=302")


def test_key_value_extras_name_the_client_and_user():
    answer = helper().answer("3 http://chat.example/ ip=10.2.0.1 user=alice")
    assert answer.startswith("3 OK status=302") and "group=ks2" in answer


def test_percent_encoded_user_names_are_decoded():
    answer = helper().answer("http://chat.example/ 192.168.0.1/- SCHOOL%5Calice GET")
    assert "group=ks2" in answer


def test_safe_search_answers_with_a_rewrite():
    answer = helper().answer("https://www.google.co.uk/search?q=cats 10.1.0.9/- alice GET")
    assert answer == 'OK rewrite-url="https://www.google.co.uk/search?q=cats&safe=active"'


def test_youtube_for_safe_search_groups_is_annotated():
    answer = helper().answer("https://www.youtube.com/watch?v=1 10.1.0.9/- alice GET")
    assert answer == "OK youtube-restrict=strict"


def test_blank_and_garbled_lines_are_blocked_never_answered_bh():
    h = helper()
    unreadable = "reason=the%20request%20could%20not%20be%20read"
    for line in ("", "   "):
        answer = h.answer(line)
        assert answer.startswith('OK status=302 url="https://warden.school.example/blocked?')
        assert unreadable in answer
    assert h.answer("5").startswith("5 OK status=302") and unreadable in h.answer("5")
    assert h.answer("\x00\xff %%% - -").startswith(("ERR", "OK"))


def test_external_acl_answers_ok_for_allowed_and_err_with_reason_for_blocked():
    h = helper(Mode.EXTERNAL_ACL)
    assert h.answer("10.2.0.9 - https://www.bbc.co.uk/") == "OK"
    blocked = h.answer("10.1.0.9 alice http://casino.example/")
    assert blocked.startswith('ERR message="Gambling is blocked for Key stage 2" tag=gambling')
    assert 'block-url="https://warden.school.example/blocked?' in blocked


def test_external_acl_with_channel_ids_and_encoded_fields():
    h = helper(Mode.EXTERNAL_ACL)
    answer = h.answer("4 10.2.0.9 - http%3A%2F%2Fcasino.example%2Fpoker")
    assert answer.startswith("4 ERR ")
    assert h.answer("5 10.2.0.9 - https%3A%2F%2Fwww.bbc.co.uk%2F") == "5 OK"


def test_external_acl_tags_alerts():
    answer = helper(Mode.EXTERNAL_ACL).answer("10.1.0.9 alice http://harm.example/")
    assert answer.startswith("OK tag=self-harm message=")


def test_external_acl_format_can_be_reordered():
    h = helper(Mode.EXTERNAL_ACL, acl_format=["%URI", "%LOGIN", "%SRC"])
    assert h.answer("http://casino.example/ bob 10.2.0.9").startswith("ERR")
    assert h.answer("http://play.example/ bob 10.2.0.9") == "OK tag=games"


def test_external_acl_short_line_is_denied_not_answered_bh():
    answer = helper(Mode.EXTERNAL_ACL).answer("10.1.0.9 alice")
    assert answer.startswith('ERR message="the request could not be read"')


def test_kv_values_are_quoted_the_way_squid_reads_them():
    assert quote_value('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'


def test_answers_from_decisions():
    engine = PolicyEngine.for_snapshot(parse_header(policy_header(), small_index()))
    allowed = engine.decide("https://www.bbc.co.uk/", user="bob")
    assert rewrite_answer(allowed) == "ERR"
    assert acl_answer(allowed) == "OK"


def test_serve_answers_every_line_including_a_last_one_without_newline():
    h = helper()
    stdin = io.BytesIO(b"1 https://www.bbc.co.uk/ 10.2.0.9/- - GET\n\n2 http://casino.example/")
    stdout = io.BytesIO()
    assert h.serve(stdin, stdout) == 3
    lines = stdout.getvalue().decode().splitlines()
    assert lines[0] == "1 ERR"
    assert lines[1].startswith("OK status=302") and "could%20not%20be%20read" in lines[1]
    assert lines[2].startswith("2 OK status=302")


def test_helper_process_speaks_url_rewrite_without_channel_ids(snapshot: Path):
    answers = run_helper(
        snapshot,
        [
            "http://casino.example/ 10.1.0.9/- - GET",
            "https://www.bbc.co.uk/news 10.2.0.9/- - GET myip=10.0.0.1 myport=3128",
            "chat.example:443 10.2.0.9/- alice CONNECT",
            "",
        ],
    )
    assert len(answers) == 4
    assert answers[0].startswith("OK status=302 url=")
    assert answers[1] == "ERR"
    assert answers[2].startswith("OK status=302 url=") and "group=ks2" in answers[2]
    assert answers[3].startswith("OK status=302 url=") and "could%20not%20be%20read" in answers[3]


def test_helper_process_speaks_url_rewrite_with_channel_ids(snapshot: Path):
    answers = run_helper(
        snapshot,
        ["0 http://casino.example/ 10.1.0.9/- - GET", "1 https://www.bbc.co.uk/ 10.2.0.9/- - GET"],
    )
    assert answers[0].startswith("0 OK status=302 url=")
    assert answers[1] == "1 ERR"


def test_helper_process_speaks_external_acl_with_and_without_channel_ids(snapshot: Path):
    answers = run_helper(
        snapshot,
        [
            "10.1.0.9 - http://casino.example/",
            "10.2.0.9 bob https://www.bbc.co.uk/",
            "3 10.1.0.9 - http://casino.example/",
            "4 10.2.0.9 - https://www.bbc.co.uk/",
        ],
        "--mode",
        "external-acl",
    )
    assert answers[0].startswith("ERR message=")
    assert answers[1] == "OK"
    assert answers[2].startswith("3 ERR message=")
    assert answers[3] == "4 OK"


def test_helper_process_fails_closed_without_a_valid_snapshot(tmp_path: Path):
    missing = tmp_path / "missing.wps"
    answers = run_helper(missing, ["https://www.bbc.co.uk/ 10.2.0.9/- - GET"])
    assert answers[0].startswith("OK status=302 url=")
    assert "reason=no%20valid%20policy" in answers[0]
    corrupt = tmp_path / "corrupt.wps"
    corrupt.write_bytes(b"WARDEN-POLICY 1\n{\n")
    answers = run_helper(corrupt, ["1 https://www.bbc.co.uk/ 10.2.0.9/- - GET"])
    assert answers[0].startswith("1 OK status=302")
    acl = run_helper(corrupt, ["10.2.0.9 - https://www.bbc.co.uk/"], "--mode", "external-acl")
    assert acl[0].startswith('ERR message="no valid policy"')


def test_helper_process_fails_open_only_when_told_to(tmp_path: Path):
    answers = run_helper(
        tmp_path / "missing.wps", ["https://www.bbc.co.uk/ 10.2.0.9/- - GET"], "--fail-open"
    )
    assert answers == ["ERR"]


def test_helper_process_answers_each_line_as_it_arrives_and_picks_up_a_new_snapshot(
    snapshot: Path,
):
    process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "warden.engine.helper",
            "--snapshot",
            str(snapshot),
            "--check-interval",
            "0.2",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        bufsize=1,
        cwd=REPO,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write("https://www.bbc.co.uk/ 10.2.0.9/- - GET\n")
        process.stdin.flush()
        assert process.stdout.readline() == "ERR\n"
        write_snapshot(snapshot, policy_header(default_group="no-internet"), small_index())
        time.sleep(0.5)
        process.stdin.write("https://www.bbc.co.uk/ 192.168.0.1/- - GET\n")
        process.stdin.flush()
        answer = process.stdout.readline()
        assert answer.startswith("OK status=302") and "group=no-internet" in answer
    finally:
        process.stdin.close()
        process.wait(timeout=10)


FAST_URLS = (
    "http://www.bbc.co.uk/",
    "https://www.bbc.co.uk/a?b=c",
    "www.bbc.co.uk:443",
    "http://u@www.bbc.co.uk:80/p",
    "http://www.bbc.co.uk?x=1/y",
    "http://www.bbc.co.uk/caf\u00e9",
    "http://casino.example/x",
    "http://casino.example/free/1",
    "http://news.example/casino/1",
    "http://news.example/other",
    "http://play.example/",
    "https://www.google.co.uk/search?q=x",
    "http://chat.example/",
    "http://b\u00fccher.de/",
    "http://school.example/",
    "http://a\tb.example/",
    "http://[2001:db8::1]/",
)
FAST_CLIENTS = (
    "10.1.0.9/-",
    "10.2.3.4/-",
    "10.1.5.7/-",
    "10.3.0.200/-",
    "-",
    "2001:db8::5/-",
    "192.168.0.1/host.example",
)
FAST_USERS = ("-", "alice", "Bob", "carol", "dan", "eve", "SCHOOL%5Calice")


def _fast_lines() -> list[str]:
    lines = []
    for number, (url, client, user) in enumerate(
        (u, c, n) for u in FAST_URLS for c in FAST_CLIENTS for n in FAST_USERS
    ):
        plain = f"{url} {client} {user} GET myip=10.0.0.254 myport=3128"
        lines += [plain, f"{number} {plain}", f"{url} ip={client} user={user}"]
        if number % 5 == 0:
            lines += [f"{url}  {client} {user} GET", f"{url} {client} {user}", f"{url} {client}"]
    return lines


@pytest.mark.parametrize("narrow_network", [False, True], ids=["by-24", "narrower-than-24"])
def test_batched_answers_equal_answers_decided_line_by_line(narrow_network: bool):
    """url_rewrite lines are answered in batches, and lines whose host the policy has
    already passed for their group are answered in C: every answer must be the one the
    line gets on its own, whatever the group, client, user, format or host."""
    header = policy_header(
        exceptions=[
            {
                "site": "casino.example/free/",
                "group": "staff",
                "reason": "lesson",
                "approved_by": "dsl",
                "expires": "2099-01-01T00:00:00Z",
            }
        ]
    )
    if narrow_network:
        header["networks"].append({"cidr": "10.3.0.128/25", "group": "staff"})
    lines = _fast_lines()

    def fresh() -> SquidHelper:
        return SquidHelper(PolicyEngine.for_snapshot(parse_header(header, small_index())))

    expected = [fresh().answer(line) for line in lines]
    batched = fresh()
    data = "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")
    out = io.BytesIO()
    assert batched.serve(io.BytesIO(data * 2), out) == 2 * len(lines)
    assert out.getvalue().decode("utf-8", "surrogateescape").splitlines() == expected * 2

    # Measured, not assumed: allowed lines of a second pass (groups without safe search,
    # plain format) never reach Python; 457 of these 3,000 lines are such.
    policy = batched.engine.policy()
    assert policy is not None
    encoded = [line.encode("utf-8", "surrogateescape") for line in lines]
    answers, misses = rewrite_passes(encoded, True, *policy.passes(time.time()))
    assert len(lines) - len(misses) >= 400
    assert {a for a in answers if a is not None} <= {"ERR"} | {f"{n} ERR" for n in range(5000)}
