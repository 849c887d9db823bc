"""The Squid helper against hostile request lines: bytes that are not UTF-8, huge fields,
Squid 5's external-ACL layout, lines it cannot read. Every line gets a block or a decision,
never ``BH`` (which Squid treats as "no answer" and, for url_rewrite, forwards the request).

In-process through :meth:`SquidHelper.reply` (one request line as Squid sends it, to the
answer line the helper writes) and through the real helper process on stdin and stdout.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from warden.engine.policy import PolicyEngine
from warden.engine.snapshot import parse_header, write_snapshot
from warden.engine.squid import MAX_LINE, Mode, SquidHelper
from warden.engine.tests.test_snapshot import policy_header, small_index

REPO = Path(__file__).resolve().parents[2]
BLOCK = b'OK status=302 url="https://warden.school.example/blocked?'
PUPIL = b"10.1.0.9/- -"  # a key stage 2 address: gambling blocked, safe search on
STAFF = b"10.2.0.9/- -"
TOO_LONG = b"reason=the%20request%20is%20too%20long%20to%20check"
UNREADABLE = b"reason=the%20request%20could%20not%20be%20read"
BAD_NAME = b"reason=the%20site%27s%20name%20is%20not%20valid"


def helper(mode: Mode = Mode.URL_REWRITE, **kwargs: object) -> SquidHelper:
    engine = PolicyEngine.for_snapshot(parse_header(policy_header(), small_index()))
    return SquidHelper(engine, mode, **kwargs)  # type: ignore[arg-type]


def helper_argv(snapshot: Path, *args: str) -> list[str]:
    """The command line of the helper process on ``snapshot``, run by this interpreter."""
    return [sys.executable, "-m", "warden.engine.helper", "--snapshot", str(snapshot), *args]


def run_helper(snapshot: Path, data: bytes, *args: str, timeout: float = 60) -> list[bytes]:
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        helper_argv(snapshot, *args),
        input=data,
        capture_output=True,
        cwd=REPO,
        timeout=timeout,
        check=True,
    )
    return result.stdout.split(b"\n")[:-1]


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())


# --- bytes that are not UTF-8 ----------------------------------------------------------------


@pytest.mark.parametrize("channel", [b"", b"7 "])
def test_a_non_utf8_byte_in_the_path_of_a_blocked_site_is_still_blocked(channel: bytes):
    answer = helper().reply(channel + b"http://casino.example/x\xffy " + PUPIL + b" GET")
    assert answer.startswith(channel + BLOCK), answer
    assert b"category=gambling" in answer
    # The byte goes to the block page as the byte it was.
    assert b"url=http%3A%2F%2Fcasino.example%2Fx%FFy" in answer
    assert answer.endswith(b'"\n') and answer.count(b"\n") == 1


def test_a_non_utf8_host_name_is_matched_against_the_lists_and_blocked():
    answer = helper().reply(b"http://sub\xff.casino.example/ " + PUPIL + b" GET")
    assert answer.startswith(BLOCK) and b"category=gambling" in answer, answer
    # A name on no list is not allowed either: a name that is not text is no site at all.
    staff = helper().reply(b"http://www\xff.bbc.co.uk/ " + STAFF + b" GET")
    assert staff.startswith(BLOCK) and BAD_NAME in staff, staff
    illegal = helper().reply(b"http://x\xfe.abuse.example/ " + STAFF + b" GET")
    assert illegal.startswith(BLOCK) and b"category=child-sexual-abuse" in illegal, illegal


def test_safe_search_still_applies_to_a_query_that_is_not_utf8():
    answer = helper().reply(b"https://www.google.co.uk/search?q=caf\xe9 " + PUPIL + b" GET")
    assert answer == b'OK rewrite-url="https://www.google.co.uk/search?q=caf%E9&safe=active"\n'


def test_safe_search_cannot_be_turned_off_by_an_encoded_parameter_name():
    answer = helper().reply(
        b"https://www.google.co.uk/search?q=x&s%61fe=off&safe=off " + PUPIL + b" GET"
    )
    assert answer == b'OK rewrite-url="https://www.google.co.uk/search?q=x&safe=active"\n'


@pytest.mark.parametrize("channel", [b"", b"3 "])
def test_external_acl_denies_a_percent_encoded_non_utf8_url_on_a_blocked_site(channel: bytes):
    h = helper(Mode.EXTERNAL_ACL)
    answer = h.reply(channel + b"10.1.0.9 - http://casino.example/x%FFy -")
    assert answer.startswith(channel + b'ERR message="Gambling is blocked'), answer
    host = h.reply(channel + b"10.2.0.9 - http://www%FF.bbc.co.uk/ -")
    assert host.startswith(channel + b'ERR message="the site\'s name is not valid"'), host


# --- Squid 5's external ACL layout and channel IDs -------------------------------------------


@pytest.mark.parametrize("concurrency", [None, 10])
def test_external_acl_answers_carry_the_channel_id_with_squid5s_trailing_field(
    concurrency: int | None,
):
    h = helper(Mode.EXTERNAL_ACL, concurrency=concurrency)
    assert h.reply(b"0 10.2.0.9 - http://www.bbc.co.uk/ -") == b"0 OK\n"
    assert h.reply(b"41 10.1.0.9 - http://casino.example/ -").startswith(b"41 ERR ")
    # ACL arguments after the format's fields are ignored, however many.
    assert h.reply(b"9 10.2.0.9 - http://www.bbc.co.uk/ one two") == b"9 OK\n"


def test_external_acl_without_channel_ids_with_squid5s_trailing_field():
    h = helper(Mode.EXTERNAL_ACL)
    assert h.reply(b"10.2.0.9 - http://www.bbc.co.uk/ -") == b"OK\n"
    assert h.reply(b"10.1.0.9 - http://casino.example/ -").startswith(b"ERR ")


def test_a_format_starting_with_the_user_name_needs_the_concurrency_setting():
    with pytest.raises(ValueError, match="give --concurrency"):
        helper(Mode.EXTERNAL_ACL, acl_format=["%un", "%>a", "%URI"])
    # A pupil whose user name is all digits is not mistaken for a channel ID.
    h = helper(Mode.EXTERNAL_ACL, acl_format=["%un", "%>a", "%URI"], concurrency=0)
    assert h.reply(b"20231234 10.2.0.9 http://www.bbc.co.uk/ -") == b"OK\n"
    h = helper(Mode.EXTERNAL_ACL, acl_format=["%un", "%>a", "%URI"], concurrency=5)
    assert h.reply(b"4 20231234 10.2.0.9 http://www.bbc.co.uk/ -") == b"4 OK\n"


def test_the_helper_process_refuses_an_ambiguous_format_with_a_clear_message(snapshot: Path):
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        helper_argv(snapshot, "--mode", "external-acl", "--acl-format", "%un %>a %URI"),
        input=b"",
        capture_output=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert b"give --concurrency with Squid's concurrency= value" in result.stderr


@pytest.mark.parametrize(
    "line",
    [b"", b" ", b"12", b"12 ", b"\xff\xfe", b"12 \x00", b"12 http:///", b"\t\t"],
)
@pytest.mark.parametrize("mode", list(Mode))
def test_lines_without_a_usable_request_are_blocked(mode: Mode, line: bytes):
    answer = helper(mode).reply(line)
    assert not answer.startswith((b"BH", b"12 BH")), answer
    if mode is Mode.URL_REWRITE:
        assert BLOCK in answer, answer
    else:
        assert b"ERR " in answer, answer
    if line.startswith(b"12"):
        assert answer.startswith(b"12 ")


def test_an_external_acl_line_with_no_url_is_denied():
    assert helper(Mode.EXTERNAL_ACL).reply(b"- - -").startswith(b'ERR message="the request')


# --- bounds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [256 * 1024, 1024 * 1024])
@pytest.mark.parametrize("mode", list(Mode))
def test_a_huge_host_name_is_blocked_in_well_under_a_second(mode: Mode, size: int):
    h = helper(mode)
    host = b"a." * (size // 2) + b"casino.example"
    if mode is Mode.URL_REWRITE:
        line = b"5 http://" + host + b"/ " + STAFF + b" GET"
    else:
        line = b"5 10.2.0.9 - http://" + host + b"/ -"
    started = time.perf_counter()
    answer = h.reply(line)
    # In-process, without the line bound of serve(): the field bounds alone.
    text = h.answer(line.decode("ascii"))
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"{size} bytes took {elapsed:.1f} s"
    expected = b"5 " + (BLOCK if mode is Mode.URL_REWRITE else b"ERR ")
    assert answer.startswith(expected), answer[:200]
    assert text.encode().startswith(expected) and TOO_LONG.decode() in text
    assert len(answer) < 4096


def test_a_host_name_just_over_its_bound_is_blocked_and_the_page_keeps_a_short_address():
    h = helper()
    answer = h.reply(b"http://" + b"a" * 1100 + b".example/ " + STAFF + b" GET")
    assert answer.startswith(BLOCK) and TOO_LONG in answer
    assert len(answer) < 4096


def test_the_answer_stays_small_whatever_the_address_holds():
    # 3,000 four-byte characters, percent-encoded as Squid sends them: 36 KiB escaped.
    url = b"http://casino.example/" + b"%F0%9F%98%80" * 3000
    answer = helper(Mode.EXTERNAL_ACL).reply(b"10.1.0.9 - " + url + b" -")
    assert answer.startswith(b"ERR ") and len(answer) < 4096, len(answer)


@pytest.mark.parametrize("field", ["user", "client"])
def test_a_huge_user_name_or_client_address_is_blocked(field: str):
    big = b"x" * (1 << 20)
    user, client = (big, b"10.2.0.9") if field == "user" else (b"-", big)
    started = time.perf_counter()
    answer = helper().reply(b"1 http://www.bbc.co.uk/ " + client + b"/- " + user + b" GET")
    assert time.perf_counter() - started < 5
    assert answer.startswith(b"1 " + BLOCK) and TOO_LONG in answer, answer[:200]
    assert len(answer) < 4096


def test_the_helper_process_answers_a_1_mib_host_quickly_and_keeps_going(snapshot: Path):
    host = b"a." * (1 << 19) + b"casino.example"
    data = (
        b"1 http://www.bbc.co.uk/ 10.2.0.9/- - GET\n"
        b"2 http://" + host + b"/ 10.2.0.9/- - GET\n"
        b"3 http://casino.example/x\xffy 10.1.0.9/- - GET\n"
        b"4 http://www.bbc.co.uk/ 10.2.0.9/- - GET\n"
    )
    started = time.perf_counter()
    answers = run_helper(snapshot, data, timeout=30)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"the helper took {elapsed:.1f} s"
    assert len(answers) == 4, answers
    assert answers[0] == b"1 ERR"
    assert answers[1].startswith(b"2 " + BLOCK) and TOO_LONG in answers[1]
    assert answers[2].startswith(b"3 " + BLOCK) and b"category=gambling" in answers[2]
    assert answers[3] == b"4 ERR"


def test_serve_skips_a_line_over_its_bound_without_holding_it(snapshot: Path):
    # Ten lines of 4 MiB each, with no channel ID: each gets its own block, in order.
    line = b"http://" + b"b" * (4 << 20) + b".example/ 10.2.0.9/- - GET\n"
    assert len(line) > MAX_LINE
    answers = run_helper(snapshot, line * 10 + b"http://www.bbc.co.uk/ 10.2.0.9/- - GET\n")
    assert len(answers) == 11
    assert all(a.startswith(BLOCK) and TOO_LONG in a for a in answers[:10])
    assert answers[10] == b"ERR"
