"""Fuzzing the Squid helper: malformed lines, bytes that are not UTF-8, huge fields and any
number of fields. Every line must get exactly one well-formed answer carrying its channel
ID, never ``BH``, and a request for a blocked site must never be let through, whatever
surrounds it.

In-process through :meth:`SquidHelper.reply` (a few hundred examples per mode), and a
smaller number through one real helper process on stdin and stdout.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warden.engine.policy import PolicyEngine
from warden.engine.snapshot import parse_header, write_snapshot
from warden.engine.squid import MAX_LINE, Mode, SquidHelper
from warden.engine.tests.test_snapshot import policy_header, small_index

from .test_squid_helper_input import helper_argv

REPO = Path(__file__).resolve().parents[2]
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# One answer: an optional channel ID, OK or ERR, then key=value pairs, quoted or not.
ANSWER = re.compile(rb'^(?:(\d+) )?(OK|ERR)(?: [a-z][a-z-]*=(?:"(?:[^"\\\n]|\\.)*"|[^" \n]+))*\n$')

# --- strategies ----------------------------------------------------------------------------

# Any byte but the field separator and the line end.
field_byte = st.integers(0, 255).filter(lambda b: b not in (0x20, 0x0A)).map(lambda b: bytes([b]))
junk = st.lists(field_byte, max_size=40).map(b"".join)
# A label of a sub-domain: anything that keeps the host part a host part (no separators).
label_byte = field_byte.filter(lambda b: b not in b"./:?#@[]%\\")
label = st.lists(label_byte, min_size=1, max_size=12).map(b"".join)
huge = st.builds(
    lambda piece, count: piece * count,
    st.binary(min_size=1, max_size=3),
    st.integers(1 << 10, 1 << 17),
).map(lambda value: value.replace(b" ", b"a").replace(b"\n", b"b"))


def _case(text: bytes, flips: list[bool]) -> bytes:
    return bytes(
        c ^ 0x20 if flip and 0x61 <= c <= 0x7A else c
        for c, flip in zip(text, flips + [False] * len(text), strict=False)
    )


@st.composite
def blocked_url(draw: st.DrawFn) -> bytes:
    """An address on casino.example, which every group blocks, in any spelling Squid may
    pass on: scheme or none (CONNECT), user info, sub-domains with any bytes, upper case,
    a trailing dot, a port, any path."""
    domain = _case(b"casino.example", draw(st.lists(st.booleans(), max_size=14)))
    subs = draw(st.lists(label, max_size=3))
    host = b"".join(sub + b"." for sub in subs) + domain + draw(st.sampled_from([b"", b"."]))
    if draw(st.booleans()):
        host = draw(label) + b"@" + host
    port = draw(st.sampled_from([b"", b":80", b":443", b":8080"]))
    if draw(st.booleans()):
        return host + (port or b":443")  # CONNECT host:port
    scheme = draw(st.sampled_from([b"http://", b"https://", b"HTTP://", b"ftp://"]))
    path = b"/" + draw(st.one_of(junk, junk, junk, huge))
    return scheme + host + port + path


any_field = st.one_of(
    junk.filter(bool), huge, st.sampled_from([b"-", b"10.1.0.9", b"10.2.0.9/-", b"alice", b"GET"])
)
channel = st.one_of(st.none(), st.integers(0, 10**6).map(lambda n: str(n).encode()))


@st.composite
def blocked_line(draw: st.DrawFn, mode: Mode) -> tuple[bytes | None, bytes]:
    """``(channel ID or None, line)``: a request for a blocked site among random fields."""
    url = draw(blocked_url())
    if mode is Mode.URL_REWRITE:
        fields = [url, *draw(st.lists(any_field, max_size=6))]
    else:
        fields = [draw(any_field), draw(any_field), url, *draw(st.lists(any_field, max_size=3))]
        # The first field is a client address or "-", never all digits (the format's rule).
        if fields[0].isdigit():
            fields[0] = b"-"
    return _with_channel(draw, fields)


@st.composite
def random_line(draw: st.DrawFn) -> tuple[bytes | None, bytes]:
    """Any number of any fields, with or without a channel ID."""
    fields = draw(st.lists(any_field, max_size=8))
    if fields and fields[0].isdigit():
        fields[0] = b"x" + fields[0]
    return _with_channel(draw, fields)


def _with_channel(draw: st.DrawFn, fields: list[bytes]) -> tuple[bytes | None, bytes]:
    found = draw(channel)
    if found is not None:
        fields = [found, *fields]
    spaces = draw(st.sampled_from([b" ", b"  "]))
    return found, spaces.join(fields)


# --- checks ----------------------------------------------------------------------------------


def check(answer: bytes, found: bytes | None, line: bytes, *, blocked: bool, mode: Mode) -> None:
    match = ANSWER.match(answer)
    assert match is not None, f"malformed answer {answer[:300]!r} to {line[:300]!r}"
    assert match.group(1) == found, f"channel {match.group(1)!r} for {found!r}: {line[:300]!r}"
    assert len(answer) < 16384, f"a {len(answer)}-byte answer to {line[:300]!r}"
    if blocked:
        if mode is Mode.URL_REWRITE:
            assert b" status=302 " in answer, f"blocked site let through: {line[:300]!r}"
        else:
            assert match.group(2) == b"ERR", f"blocked site let through: {line[:300]!r}"


HELPERS = {
    mode: SquidHelper(PolicyEngine.for_snapshot(parse_header(policy_header(), small_index())), mode)
    for mode in Mode
}


@pytest.mark.parametrize("mode", list(Mode))
@FUZZ
@given(data=st.data())
def test_fuzzed_lines_for_a_blocked_site_are_always_blocked(mode: Mode, data: st.DataObject):
    found, line = data.draw(blocked_line(mode))
    check(HELPERS[mode].reply(line), found, line, blocked=True, mode=mode)


@FUZZ
@given(random_line(), st.sampled_from(list(Mode)))
def test_any_line_gets_exactly_one_well_formed_answer(
    drawn: tuple[bytes | None, bytes], mode: Mode
):
    found, line = drawn
    check(HELPERS[mode].reply(line), found, line, blocked=False, mode=mode)


# --- through the real helper process -------------------------------------------------------


class HelperProcess:
    def __init__(self, snapshot: Path, mode: Mode) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            helper_argv(snapshot, "--mode", mode.value),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
        )
        self.buffer = b""

    def ask(self, lines: list[bytes], timeout: float = 20) -> list[bytes]:
        """Send ``lines`` at once; their answers, each with its newline."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"".join(line + b"\n" for line in lines))
        self.process.stdin.flush()
        out = self.process.stdout.fileno()
        while self.buffer.count(b"\n") < len(lines):
            ready, _, _ = select.select([out], [], [], timeout)
            assert ready, f"no answer within {timeout} s; the helper is {self.state()}"
            chunk = os.read(out, 1 << 16)
            assert chunk, f"the helper closed its output; it is {self.state()}"
            self.buffer += chunk
        answers = []
        for _ in lines:
            answer, _, self.buffer = self.buffer.partition(b"\n")
            answers.append(answer + b"\n")
        assert self.buffer == b"", f"more answers than lines: {self.buffer[:200]!r}"
        return answers

    def state(self) -> str:
        code = self.process.poll()
        return "running" if code is None else f"gone (exit status {code})"

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module", params=list(Mode), ids=[m.value for m in Mode])
def helper_process(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Mode, HelperProcess]]:
    mode = request.param
    snapshot = write_snapshot(
        tmp_path_factory.mktemp("fuzz") / "policy.wps", policy_header(), small_index()
    )
    process = HelperProcess(snapshot, mode)
    yield mode, process
    process.close()
    assert process.process.returncode == 0


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(st.data())
def test_the_helper_process_answers_every_fuzzed_line_in_order(
    helper_process: tuple[Mode, HelperProcess], data: st.DataObject
):
    mode, process = helper_process
    drawn = data.draw(
        st.lists(
            st.one_of(
                blocked_line(mode).map(lambda item: (True, *item)),
                random_line().map(lambda item: (False, *item)),
            ),
            min_size=1,
            max_size=20,
        )
    )
    if data.draw(st.booleans()):
        # A line over the helper's bound, with a channel ID, in the middle of the batch.
        long_line = b"99 http://casino.example/" + b"a" * MAX_LINE
        drawn.insert(len(drawn) // 2, (True, b"99", long_line))
    answers = process.ask([line for _, _, line in drawn])
    for (blocked, found, line), answer in zip(drawn, answers, strict=True):
        check(answer, found, line, blocked=blocked, mode=mode)
    assert process.process.poll() is None
