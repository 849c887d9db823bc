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
* ``ERR`` - no change;
* ``BH message="..."`` - the line could not be understood.

**external_acl** (``external_acl_type``), fields as configured, by default
``%>a %un %URI``. ``OK`` means "allowed" and ``ERR`` "blocked", so a helper that dies or
answers ``BH`` leaves the ACL unmatched and ``http_access allow warden`` denies: the failure
closes. Blocks carry ``message="reason"``, ``tag=category`` and ``block-url="..."``; allowed
requests in a category carry ``tag=category``. Field values arrive percent-encoded and are
decoded once; ``-`` means "none".

Squid configuration (``warden-filter-helper`` is installed beside ``warden`` in the venv;
``python -m warden.engine.helper`` does not work as a Squid program because Squid starts
helpers with a made-up ``argv[0]``, and Python then cannot find its venv)::

    url_rewrite_program /srv/warden/.venv/bin/warden-filter-helper \\
        --snapshot /var/lib/warden/policy.wps
    url_rewrite_children 20 startup=5 idle=2 concurrency=50

    external_acl_type warden children-max=10 concurrency=50 ttl=60 %>a %un %URI \\
        /srv/warden/.venv/bin/warden-filter-helper --mode external-acl \\
        --snapshot /var/lib/warden/policy.wps
    acl warden external warden
    http_access allow warden
    http_access deny all

    # YouTube Restricted Mode for safe-search groups (the header Google documents):
    acl youtube_restrict note youtube-restrict strict
    request_header_add YouTube-Restrict Strict youtube_restrict

Speed: :meth:`SquidHelper.serve` reads whatever input is available (up to 64 KiB), answers
every complete line in it, and writes and flushes those answers together before it reads
again. With Squid's one-request-at-a-time children that is one answer per flush; with
concurrency or a queue of requests it saves a system call per line, and no answer ever waits
for more input.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import BinaryIO
from urllib.parse import unquote

from warden.engine.policy import Action, Decision, PolicyEngine

logger = logging.getLogger(__name__)

DEFAULT_ACL_FORMAT: tuple[str, ...] = ("%>a", "%un", "%URI")
_READ_SIZE = 1 << 16

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
    """A kv-pair value as Squid reads it: double-quoted, backslash-escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
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
    return unquote(value) if "%" in value else value


class SquidHelper:
    """Answers helper lines from a :class:`PolicyEngine` in one of Squid's protocols."""

    def __init__(
        self,
        engine: PolicyEngine,
        mode: Mode | str = Mode.URL_REWRITE,
        *,
        acl_format: Sequence[str] = DEFAULT_ACL_FORMAT,
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
        self.acl_roles = tuple(roles)
        self._decide = engine.decide
        self.answer = self._rewrite if self.mode is Mode.URL_REWRITE else self._acl

    # Each returns the full answer line (channel ID included, newline excluded).

    def _rewrite(self, line: str) -> str:
        parts = line.split()
        if not parts:
            return 'BH message="empty request"'
        channel = ""
        if len(parts) > 1 and parts[0].isdigit():
            channel = parts[0] + " "
            del parts[0]
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
        except Exception as exc:  # one bad request must not stop filtering for everyone
            logger.exception("url_rewrite line not answered: %r", line)
            return f"{channel}BH message={quote_value(f'warden error: {exc!r}')}"

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
        parts = line.split()
        if not parts:
            return 'BH message="empty request"'
        channel = ""
        if len(parts) == len(self.acl_roles) + 1 and parts[0].isdigit():
            channel = parts[0] + " "
            del parts[0]
        if len(parts) < len(self.acl_roles):
            return f"{channel}BH message={quote_value('expected ' + str(len(self.acl_roles)))}"
        values = {role: _decode(parts[i]) for i, role in enumerate(self.acl_roles)}
        url = values.get("url") or ""
        if not url and values.get("host"):
            url = f"http://{values['host']}/"
        if not url:
            return f'{channel}BH message="no URL in request"'
        try:
            decision = self.engine.decide(
                url, user=values.get("user", ""), client_ip=values.get("ip", "")
            )
            return channel + acl_answer(decision)
        except Exception as exc:  # one bad request must not stop filtering for everyone
            logger.exception("external ACL line not answered: %r", line)
            return f"{channel}BH message={quote_value(f'warden error: {exc!r}')}"

    def serve(self, stdin: BinaryIO, stdout: BinaryIO) -> int:
        """Answer lines until stdin closes; returns how many were answered."""
        read = getattr(stdin, "read1", stdin.read)
        answer = self.answer
        pending = b""
        answered = 0
        while True:
            chunk = read(_READ_SIZE)
            if not chunk:
                break
            data = pending + chunk if pending else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            pending = data[cut + 1 :]
            lines = data[:cut].decode("utf-8", "surrogateescape").split("\n")
            out = "\n".join([answer(line) for line in lines])
            stdout.write(out.encode("utf-8", "surrogateescape") + b"\n")
            stdout.flush()
            answered += len(lines)
        if pending:
            # A last line without its newline still gets an answer.
            line = pending.decode("utf-8", "surrogateescape")
            stdout.write(answer(line).encode("utf-8", "surrogateescape") + b"\n")
            stdout.flush()
            answered += 1
        return answered
