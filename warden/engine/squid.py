"""Squid's helper protocols: turning request lines into policy decisions and answers.

Two helper types, both line-based on stdin/stdout, both with or without concurrency channel
IDs (``concurrency=N`` in Squid's config puts a numeric ID in front of every request, and the
answer must carry it back; answers may then come in any order, ours come in order).

**url_rewrite** (``url_rewrite_program``)::

    [channel-ID] URL [extras...]

``extras`` default to ``client_ip/fqdn user method myip=... myport=...`` (the same layout as
the pre-3.4 redirector line squidGuard reads); ``key=value`` extras set with
``url_rewrite_extras`` are understood too (``ip=``/``src=``, ``user=``/``login=``). Answers:

* ``OK status=302 url="BLOCK-PAGE"`` - blocked: the browser is sent to the block page;
* ``OK rewrite-url="URL"`` - safe search: Squid fetches the safe form instead;
* ``OK youtube-restrict=strict`` - keep the request, annotate it for YouTube (below);
* ``OK warden-alert=CATEGORY`` - keep the request, annotate it for the access log;
* ``ERR`` - no change.

**external_acl** (``external_acl_type``), fields as configured, by default
``%>a %un %URI``; Squid 5 adds the ACL's arguments after them (``-`` when there are none),
which are ignored. ``OK`` means "allowed" and ``ERR`` "blocked", so a helper that dies
leaves the ACL unmatched and ``http_access allow warden`` denies: the failure closes.
Blocks carry ``message="reason"``, ``tag=category`` and ``block-url="..."``; allowed
requests in a category carry ``tag=category``. Field values arrive percent-encoded and are
decoded once; ``-`` means "none".

**Fail closed.** The helper never answers ``BH``: Squid treats that as "no answer" and, for
url_rewrite, forwards the request untouched. A line it cannot read (no URL, too few
fields, a field over its bound, an error while deciding) gets a block: a redirect to the
block page, or ``ERR``. Lines are taken as the bytes Squid sends: bytes that are not UTF-8
are kept (as surrogate escapes) and given back unchanged, a host name holding such bytes is
blocked, and fields are split at spaces only, as Squid writes them.

**Channel IDs.** Squid sends one when ``concurrency`` is above 0. The helper recognises it
by itself (a first field of digits), since neither a URL nor a client address is all
digits; an external ACL format that starts with a field that can be (``%un``, ``%DST``)
needs ``--concurrency N`` with Squid's value.

**Bounds.** Every field is bounded before any work (:data:`warden.engine.policy.MAX_URL`,
``MAX_AUTHORITY``, ``MAX_NAME``), and :meth:`SquidHelper.serve` answers a line over
:data:`MAX_LINE` bytes without keeping it: such requests are blocked, in time proportional
to their length.

Squid configuration: :func:`squid_config` gives the lines ``docs/squid.md`` tells schools
to use (and the tests run a real Squid with). ``warden-filter-helper`` is installed beside
``warden`` in the venv; ``python -m warden.engine.helper`` does not work as a Squid program
because Squid starts helpers with a made-up ``argv[0]``, and Python then cannot find its
venv.

Speed: :meth:`SquidHelper.serve` reads whatever input is available (up to 64 KiB), answers
every complete line in it, and writes and flushes those answers together before it reads
again. With Squid's one-request-at-a-time children that is one answer per flush; with
concurrency or a queue of requests it saves a system call per line, and no answer ever waits
for more input.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from enum import StrEnum
from typing import BinaryIO
from urllib.parse import unquote

from warden.engine._native import rewrite_passes
from warden.engine.policy import (
    TOO_LONG_REASON,
    UNREADABLE_REASON,
    Action,
    Decision,
    PolicyEngine,
)

logger = logging.getLogger(__name__)

DEFAULT_ACL_FORMAT: tuple[str, ...] = ("%>a", "%un", "%URI")
_READ_SIZE = 1 << 16
MAX_LINE = 1 << 17
"""Bytes in one request line beyond which it is blocked unread (a URL Squid sends is at most
8 KiB; the policy's own bounds are smaller than this)."""
# Fields that may be all digits, so cannot tell a channel ID from a value by themselves.
_DIGIT_ROLES = frozenset({"user", "host"})

HELPER_PROGRAM = "/srv/warden/.venv/bin/warden-filter-helper"
SNAPSHOT_FILE = "/srv/warden/var/filtering/SCHOOL/policy.wps"


def squid_config(
    mode: Mode | str,
    *,
    program: str = HELPER_PROGRAM,
    snapshot: str = SNAPSHOT_FILE,
    concurrency: int = 50,
) -> str:
    """The squid.conf lines for Warden's helper in ``mode``, as ``docs/squid.md`` gives them.

    ``concurrency`` 0 leaves Squid's ``concurrency=`` out (one request at a time per helper).
    """
    command = f"{program} --snapshot {snapshot}"
    many = f" concurrency={concurrency}" if concurrency else ""
    if Mode(mode) is Mode.URL_REWRITE:
        lines = [
            f"url_rewrite_program {command}",
            f"url_rewrite_children 20 startup=2 idle=2{many}",
            "# YouTube Restricted Mode for safe-search groups (the header Google documents):",
            "acl youtube_restrict note youtube-restrict strict",
            "request_header_add YouTube-Restrict Strict youtube_restrict",
        ]
    else:
        lines = [
            f"external_acl_type warden children-max=10 children-startup=2{many} queue-size=500 "
            "ttl=60 %>a %un %URI "
            f"{command} --mode external-acl",
            "acl warden external warden",
            "http_access allow warden",
            "http_access deny all",
        ]
    return "\n".join(lines) + "\n"


# Squid logformat codes (and their old external_acl_type spellings) a field can carry.
_ACL_ROLES = {
    "%>a": "ip",
    "%SRC": "ip",
    "%un": "user",
    "%ul": "user",
    "%ue": "user",
    "%us": "user",
    "%LOGIN": "user",
    "%EXT_USER": "user",
    "%IDENT": "user",
    "%URI": "url",
    "%>ru": "url",
    "%ru": "url",
    "%DST": "host",
    "%>rd": "host",
    "%>rm": "method",
    "%METHOD": "method",
}
_KEY_ROLES = {
    "ip": "ip",
    "src": "ip",
    "client": "ip",
    "client_ip": "ip",
    "clientip": "ip",
    "user": "user",
    "login": "user",
    "username": "user",
    "un": "user",
    "method": "method",
}


class Mode(StrEnum):
    URL_REWRITE = "url-rewrite"
    EXTERNAL_ACL = "external-acl"


def quote_value(value: str) -> str:
    """A kv-pair value as Squid reads it: double-quoted, backslash-escaped, on one line."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    if "\r" in escaped:
        escaped = escaped.replace("\r", " ")
    return f'"{escaped}"'


def _token(value: str) -> str:
    """A kv-pair value Squid can read unquoted (category slugs always can)."""
    return value if value and value.isascii() and " " not in value else quote_value(value)


def rewrite_answer(decision: Decision) -> str:
    """The url_rewrite answer for a decision, without channel ID."""
    action = decision.action
    if action is Action.ALLOW and decision.rewrite_url is None and not decision.notes:
        return "ERR"
    if action is Action.BLOCK:
        return f"OK status=302 url={quote_value(decision.redirect_url or '')}"
    parts = ["OK"]
    if decision.rewrite_url:
        parts.append(f"rewrite-url={quote_value(decision.rewrite_url)}")
    for key, value in decision.notes:
        parts.append(f"{key}={_token(value)}")
    if action is Action.ALERT:
        parts.append(f"warden-alert={_token(decision.category)}")
    return "ERR" if len(parts) == 1 else " ".join(parts)


def acl_answer(decision: Decision) -> str:
    """The external ACL answer for a decision, without channel ID (OK = allowed)."""
    if decision.action is Action.BLOCK:
        parts = ["ERR", f"message={quote_value(decision.reason)}"]
        if decision.category:
            parts.append(f"tag={_token(decision.category)}")
        if decision.redirect_url:
            parts.append(f"block-url={quote_value(decision.redirect_url)}")
        return " ".join(parts)
    parts = ["OK"]
    tag = decision.category or (decision.categories[0] if decision.categories else "")
    if tag:
        parts.append(f"tag={_token(tag)}")
    if decision.action is Action.ALERT:
        parts.append(f"message={quote_value(decision.reason)}")
    for key, value in decision.notes:
        parts.append(f"{key}={_token(value)}")
    return " ".join(parts)


def _decode(value: str) -> str:
    if value == "-":
        return ""
    return unquote(value, errors="surrogateescape") if "%" in value else value


def _fields(line: str) -> list[str]:
    """The space-separated fields of a line, as Squid writes them (no other whitespace
    separates fields: a tab or form feed inside a URL stays part of it)."""
    parts = line.split(" ")
    if "" in parts:
        parts = [part for part in parts if part]
    return parts


def _is_channel(field: str) -> bool:
    return field.isdigit() and field.isascii()


class SquidHelper:
    """Answers helper lines from a :class:`PolicyEngine` in one of Squid's protocols.

    ``concurrency`` is Squid's ``concurrency=`` setting when known: above 0 every line
    starts with a channel ID, 0 none does; ``None`` (the default) recognises channel IDs by
    themselves, which needs a protocol whose first field is never all digits.
    """

    def __init__(
        self,
        engine: PolicyEngine,
        mode: Mode | str = Mode.URL_REWRITE,
        *,
        acl_format: Sequence[str] = DEFAULT_ACL_FORMAT,
        concurrency: int | None = None,
    ) -> None:
        self.engine = engine
        self.mode = Mode(mode)
        roles = []
        for code in acl_format:
            role = _ACL_ROLES.get(code)
            if role is None:
                raise ValueError(f"unsupported external ACL field {code!r}")
            roles.append(role)
        if "url" not in roles and "host" not in roles:
            raise ValueError("the external ACL format needs %URI or %DST")
        if concurrency is not None and concurrency < 0:
            raise ValueError("concurrency must be 0 or more, as in Squid's concurrency=")
        if concurrency is None and self.mode is Mode.EXTERNAL_ACL and roles[0] in _DIGIT_ROLES:
            raise ValueError(
                f"the external ACL format starts with {acl_format[0]}, which may be all "
                "digits like a channel ID: give --concurrency with Squid's concurrency= value "
                "(0 without it), or start the format with %>a or %URI"
            )
        self.acl_roles = tuple(roles)
        self.concurrency = concurrency
        self._channels = concurrency != 0
        self._decide = engine.decide
        self.answer = self._rewrite if self.mode is Mode.URL_REWRITE else self._acl

    # Each returns the full answer line (channel ID included, newline excluded).

    def _channel(self, parts: list[str]) -> str:
        """Take the channel ID off ``parts``; ``"ID "`` or ``""``."""
        if not parts or not self._channels:
            return ""
        first = parts[0]
        if _is_channel(first):
            del parts[0]
            return first + " "
        return ""

    def refuse(self, channel: str, reason: str, url: str = "") -> str:
        """The block answer for a line that cannot be decided on."""
        decision = self.engine.refuse(reason, url=url)
        if self.mode is Mode.URL_REWRITE:
            return channel + rewrite_answer(decision)
        return channel + acl_answer(decision)

    def _rewrite(self, line: str) -> str:
        # _fields() and _channel() written out: this runs for every request.
        parts = line.split(" ")
        if "" in parts:
            parts = [part for part in parts if part]
        channel = ""
        if parts and self._channels:
            first = parts[0]
            if first.isdigit() and first.isascii():
                channel = first + " "
                del parts[0]
        if not parts:
            return self.refuse(channel, UNREADABLE_REASON)
        url = parts[0]
        client = user = ""
        count = len(parts)
        if count >= 3 and "=" not in parts[1] and "=" not in parts[2]:
            client = parts[1]
            user = parts[2]
        elif count > 1:
            client, user = self._rewrite_extras(parts[1:])
        if "/" in client:
            client = client.partition("/")[0]
        try:
            return channel + rewrite_answer(self._decide(url, user=user, client_ip=client))
        except Exception:  # one bad request must not stop filtering for everyone
            logger.exception("url_rewrite line blocked after an error: %r", line[:1024])
            return self.refuse(channel, UNREADABLE_REASON, url)

    @staticmethod
    def _rewrite_extras(extras: list[str]) -> tuple[str, str]:
        client = user = ""
        position = 0
        for token in extras:
            key, equals, value = token.partition("=")
            if equals:
                role = _KEY_ROLES.get(key.lower())
                if role == "ip":
                    client = value
                elif role == "user":
                    user = value
                continue
            if position == 0:
                client = token
            elif position == 1:
                user = token
            position += 1
        return client, user

    def _acl(self, line: str) -> str:
        parts = _fields(line)
        channel = self._channel(parts)
        roles = self.acl_roles
        if len(parts) < len(roles):
            return self.refuse(channel, UNREADABLE_REASON)
        # Fields after the format's are the ACL's arguments (Squid 5 sends "-" for none).
        values = {role: _decode(parts[i]) for i, role in enumerate(roles)}
        url = values.get("url") or ""
        if not url and values.get("host"):
            url = f"http://{values['host']}/"
        if not url:
            return self.refuse(channel, UNREADABLE_REASON)
        try:
            decision = self._decide(
                url, user=values.get("user", ""), client_ip=values.get("ip", "")
            )
            return channel + acl_answer(decision)
        except Exception:  # one bad request must not stop filtering for everyone
            logger.exception("external ACL line blocked after an error: %r", line[:1024])
            return self.refuse(channel, UNREADABLE_REASON, url)

    def reply(self, line: bytes) -> bytes:
        """The answer to one request line as Squid sends it (bytes, without its newline),
        as :meth:`serve` writes it (with its newline)."""
        if len(line) > MAX_LINE:
            return self._too_long(line[:64])
        answer = self.answer(line.decode("utf-8", "surrogateescape"))
        return answer.encode("utf-8", "surrogateescape") + b"\n"

    def _too_long(self, head: bytes) -> bytes:
        parts = _fields(head.decode("ascii", "replace"))
        channel = self._channel(parts)
        return self.refuse(channel, TOO_LONG_REASON).encode("utf-8") + b"\n"

    def _answers(self, lines: list[bytes]) -> list[str]:
        """The answers to some request lines (bytes, without their newlines).

        In url_rewrite mode, lines whose host the policy has already let through for their
        group whatever the path are answered "ERR" in C
        (:func:`warden.engine._native.rewrite_passes`); the rest, and every line in
        external ACL mode, are decided here one by one.
        """
        answer = self.answer
        policy = self.engine.policy() if self.mode is Mode.URL_REWRITE else None
        if policy is None:
            return [answer(line.decode("utf-8", "surrogateescape")) for line in lines]
        try:
            users, addresses, by_24, default, numbers, passing = policy.passes(time.time())
            found, misses = rewrite_passes(
                lines, self._channels, users, addresses, by_24, default, numbers, passing
            )
        except Exception:  # the fast path must never stop filtering: decide each line
            logger.exception("url_rewrite batch decided line by line after an error")
            return [answer(line.decode("utf-8", "surrogateescape")) for line in lines]
        for position in misses:
            found[position] = answer(lines[position].decode("utf-8", "surrogateescape"))
        return found

    def serve(self, stdin: BinaryIO, stdout: BinaryIO) -> int:
        """Answer lines until stdin closes; returns how many were answered.

        A line over :data:`MAX_LINE` bytes is answered with a block once its end arrives,
        keeping only its first bytes (for the channel ID) meanwhile.
        """
        read = getattr(stdin, "read1", stdin.read)
        pending = b""
        skipping: bytes | None = None  # the head of an over-long line being skipped
        answered = 0
        while True:
            chunk = read(_READ_SIZE)
            if not chunk:
                break
            out: list[bytes] = []
            if skipping is not None:
                end = chunk.find(b"\n")
                if end < 0:
                    continue
                out.append(self._too_long(skipping))
                answered += 1
                skipping = None
                chunk = chunk[end + 1 :]
            data = pending + chunk if pending else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
            else:
                pending = data[cut + 1 :]
                answers = self._answers(data[:cut].split(b"\n"))
                out.append("\n".join(answers).encode("utf-8", "surrogateescape") + b"\n")
                answered += len(answers)
            if len(pending) > MAX_LINE:
                skipping = pending[:64]
                pending = b""
            if out:
                stdout.write(b"".join(out))
                stdout.flush()
        if skipping is not None:
            stdout.write(self._too_long(skipping))
            stdout.flush()
            answered += 1
        elif pending:
            # A last line without its newline still gets an answer.
            stdout.write(self.reply(pending))
            stdout.flush()
            answered += 1
        return answered
