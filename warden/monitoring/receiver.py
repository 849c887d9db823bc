"""The live log receiver: Squid's lines as they are written, onto the log stream.

``warden ingest-receive`` listens for one school's proxy log lines and publishes them to
NATS JetStream as the chunks :mod:`warden.engine.logbus` describes, for ``warden
ingest-worker`` to ingest. Two ways in:

* **UDP**, for Squid itself: ``access_log udp://HOST:PORT squid`` sends its lines as
  datagrams (Squid 5 packs them into datagrams of about 1,400 bytes and sends one when it
  is full, so a quiet proxy's last few lines wait in Squid until more come; set
  ``strip_query_terms off`` too, or Squid logs URLs without their query and searches are
  never seen); a syslog relay forwarding ``access_log syslog:...`` sends ``<PRI>`` and a
  syslog header (RFC 3164 or RFC 5424) in front of each line. Datagrams are taken only
  from the networks ``allow`` names (loopback by default): UDP has no sign-in, so
  anything else could write into a school's logs.
* **HTTP**, for log shippers: ``POST /lines`` with a body of lines and
  ``Authorization: Bearer TOKEN``. There is no way in without the token; the answer says
  how many lines were taken, or 503 with ``Retry-After`` when the buffer is full, so a
  shipper retries rather than loses lines.

Syslog headers are stripped, so the ingest format sees Squid's native line (for ``dns``
only ``<PRI>`` goes: its parser reads the syslog time itself). Lines are gathered into a
chunk until it holds ``chunk_bytes`` or its first line has waited ``flush_seconds``, and
each chunk is published with a JetStream acknowledgement, oldest first, retried with the
same ``Nats-Msg-Id`` until the server has it (a chunk published twice is kept once).

A run is one source: its identity is a hash of the school, the start time and random bytes,
and its chunks are numbered from 0 with the byte offset and line number of their first line
in everything this run has published. While NATS cannot be reached, chunks wait in memory
up to ``buffer_bytes``; lines arriving beyond that are dropped, counted and logged (at most
one warning each ``WARN_EVERY`` seconds), and a stop that cannot publish what is left
within ``drain_seconds`` counts those lines as dropped too.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import socket
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from warden.engine import logbus

logger = logging.getLogger(__name__)

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_UDP = "127.0.0.1:5514"
DEFAULT_HTTP = "127.0.0.1:8514"
HTTP_PATH = "/lines"
CHUNK_BYTES = 1024 * 1024
FLUSH_SECONDS = 1.0
BUFFER_BYTES = 64 * 1024 * 1024
DRAIN_SECONDS = 5.0
MAX_LINE_BYTES = 64 * 1024
UDP_RECEIVE_BUFFER = 8 * 1024 * 1024
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
MIN_TOKEN_LENGTH = 16
PUBLISH_TIMEOUT = 5.0
RETRY_SECONDS = 1.0
WARN_EVERY = 10.0
LOOPBACK = ("127.0.0.0/8", "::1/128")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ReceiverError(ValueError):
    """An argument the receiver cannot work with; the message says what to give instead."""


# --- lines ---------------------------------------------------------------------------------

_PRI = re.compile(rb"<\d{1,3}>")
# RFC 3164: "Dec  7 15:40:12 proxy squid[812]: " (the host name is left out by some relays).
_BSD_HEADER = re.compile(
    rb"[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d (?:\S+ )?[^\s:\[\]]+(?:\[\d+\])?: ?"
)


def _after_rfc5424_header(line: bytes) -> bytes:
    """The message of an RFC 5424 line after ``<PRI>``: ``1 TIME HOST APP PROCID MSGID SD``."""
    parts = line.split(b" ", 6)
    if len(parts) < 7:
        return b""
    rest = parts[6]
    if rest.startswith(b"-"):
        rest = rest[1:]
    else:
        # Structured data: one or more [id param="value"] elements. Inside a quoted value a
        # backslash escapes the next byte, and "]" does not end the element.
        while rest.startswith(b"["):
            at, quoted = 1, False
            while at < len(rest):
                byte = rest[at : at + 1]
                if quoted and byte == b"\\":
                    at += 1
                elif byte == b'"':
                    quoted = not quoted
                elif byte == b"]" and not quoted:
                    break
                at += 1
            rest = rest[at + 1 :]
    rest = rest.removeprefix(b" ")
    return rest.removeprefix(b"\xef\xbb\xbf")


def strip_syslog(line: bytes, *, keep_header: bool = False) -> bytes:
    """The log line inside a syslog message: ``<PRI>`` and the header removed (with
    ``keep_header`` only ``<PRI>``). A line with no syslog framing is returned as it is."""
    framed = _PRI.match(line)
    if framed:
        line = line[framed.end() :]
        if keep_header:
            return line
        if line.startswith(b"1 "):
            return _after_rfc5424_header(line)
    if keep_header:
        return line
    header = _BSD_HEADER.match(line)
    return line[header.end() :] if header else line


def split_lines(data: bytes) -> list[bytes]:
    """The non-blank lines of a datagram or body, without their line endings."""
    return [line for line in (raw.rstrip(b"\r") for raw in data.split(b"\n")) if line.strip()]


# --- chunks --------------------------------------------------------------------------------


def run_source(school: str, started: dt.datetime | None = None) -> str:
    """A source identity naming one run of a receiver: never the same twice."""
    when = (started or dt.datetime.now(dt.UTC)).isoformat()
    key = b"\0".join([b"warden-live-source", school.encode(), when.encode(), os.urandom(16)])
    return hashlib.sha256(key).hexdigest()


@dataclass(slots=True)
class ReceiverStats:
    received: int = 0
    published_lines: int = 0
    published_chunks: int = 0
    dropped: int = 0
    """Lines lost: the buffer was full, or a stop could not publish them in time."""
    refused: int = 0
    """Datagrams from outside the allowed networks, and HTTP requests without the token."""
    oversized: int = 0
    """Lines longer than :data:`MAX_LINE_BYTES`, dropped."""

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


# --- arguments -----------------------------------------------------------------------------


def parse_address(text: str, what: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as a host and a port, or a clear refusal."""
    host, sep, port_text = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ReceiverError(f"{what} must be HOST:PORT, e.g. 127.0.0.1:5514 (got “{text}”).")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise ReceiverError(
                f"{what} must name an IP address to listen on, e.g. 127.0.0.1 (got “{host}”)."
            ) from None
    return host, int(port_text)


def parse_networks(texts: Iterable[str]) -> list[Network]:
    networks = []
    for text in texts:
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ReceiverError(
                f"“{text}” is not a network: give an address or CIDR, e.g. 10.0.0.5/32."
            ) from None
    return networks


@dataclass
class ReceiverConfig:
    school: str
    fmt: str = "squid"
    udp: tuple[str, int] | None = None
    http: tuple[str, int] | None = None
    token: str | None = None
    nats_url: str = DEFAULT_NATS_URL
    allow: Sequence[Network] = field(default_factory=lambda: parse_networks(LOOPBACK))
    chunk_bytes: int = CHUNK_BYTES
    flush_seconds: float = FLUSH_SECONDS
    buffer_bytes: int = BUFFER_BYTES
    drain_seconds: float = DRAIN_SECONDS

    def check(self) -> None:
        if self.udp is None and self.http is None:
            raise ReceiverError(
                "Nothing to listen on: give --udp HOST:PORT, --http HOST:PORT or both."
            )
        if self.http is not None and (not self.token or len(self.token) < MIN_TOKEN_LENGTH):
            raise ReceiverError(
                f"The HTTP endpoint needs a token of at least {MIN_TOKEN_LENGTH} characters "
                "(--token, or WARDEN_INGEST_TOKEN / WARDEN_INGEST_TOKEN_FILE): shippers send "
                "it as “Authorization: Bearer TOKEN”."
            )
        if not MAX_LINE_BYTES <= self.chunk_bytes <= logbus.MAX_CHUNK_BYTES:
            raise ReceiverError(
                f"--chunk-bytes must be between {MAX_LINE_BYTES} and {logbus.MAX_CHUNK_BYTES}."
            )
        if self.buffer_bytes < self.chunk_bytes:
            raise ReceiverError("--buffer-bytes must be at least --chunk-bytes.")
        if not 0 < self.flush_seconds <= 60:
            raise ReceiverError("--flush-seconds must be more than 0 and at most 60.")
        if not self.nats_url.startswith(("nats://", "tls://")):
            raise ReceiverError(f"--nats must be a nats:// or tls:// URL (got “{self.nats_url}”).")


# --- the receiver --------------------------------------------------------------------------


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.receiver.take_datagram(data, addr[0])


class Receiver:
    """One school's live receiver. :meth:`run` serves until :meth:`stop` (or a signal
    through the command); everything runs on one asyncio loop."""

    def __init__(self, config: ReceiverConfig) -> None:
        config.check()
        self.config = config
        self.started = dt.datetime.now(dt.UTC)
        self.source = run_source(config.school, self.started)
        self.subject = logbus.subject(config.school)
        self.stats = ReceiverStats()
        self.udp_address: tuple[str, int] | None = None
        self.http_address: tuple[str, int] | None = None
        self._batch: list[bytes] = []
        self._batch_bytes = 0
        self._batch_since = 0.0
        self._next_chunk = 0
        self._next_offset = 0
        self._next_line = 1
        self._pending: deque[logbus.Chunk] = deque()
        self._pending_bytes = 0
        self._wake: asyncio.Event | None = None
        self._stopping: asyncio.Event | None = None
        self._ready: asyncio.Event | None = None
        self._stop_requested = False
        self._warned: dict[str, float] = {}
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None

    # -- intake -----------------------------------------------------------------------------

    def room(self) -> int:
        return self.config.buffer_bytes - self._pending_bytes - self._batch_bytes

    def take(self, lines: Iterable[bytes]) -> int:
        """Add lines (no line endings) to the current chunk; the number taken."""
        keep_header = self.config.fmt == "dns"
        taken = 0
        for raw in lines:
            line = strip_syslog(raw, keep_header=keep_header)
            if not line.strip():
                continue
            self.stats.received += 1
            if len(line) >= MAX_LINE_BYTES:
                self.stats.oversized += 1
                self._warn("oversized", f"a line over {MAX_LINE_BYTES} bytes was dropped")
                continue
            size = len(line) + 1
            if size > self.room():
                self.stats.dropped += 1
                self._warn(
                    "dropped",
                    f"the buffer ({self.config.buffer_bytes} bytes) is full because NATS is "
                    f"not taking chunks: {self.stats.dropped} lines dropped so far",
                )
                continue
            if self._batch_bytes + size > self.config.chunk_bytes:
                self.flush()
            if not self._batch:
                self._batch_since = time.monotonic()
            self._batch.append(line)
            self._batch_bytes += size
            taken += 1
        return taken

    def take_datagram(self, data: bytes, host: str) -> None:
        try:
            address = ipaddress.ip_address(host.partition("%")[0])
        except ValueError:
            address = None
        if address is None or not any(address in network for network in self.config.allow):
            self.stats.refused += 1
            self._warn("refused", f"a datagram from {host} was refused (not in --allow)")
            return
        self.take(split_lines(data))

    def flush(self) -> None:
        """Close the current chunk and queue it for publishing."""
        if not self._batch:
            return
        data = b"\n".join(self._batch) + b"\n"
        chunk = logbus.Chunk(
            self.config.fmt, self.source, self._next_chunk, self._next_offset, self._next_line, data
        )
        self._next_chunk += 1
        self._next_offset += len(data)
        self._next_line += len(self._batch)
        self._batch = []
        self._batch_bytes = 0
        self._pending.append(chunk)
        self._pending_bytes += len(data)
        if self._wake is not None:
            self._wake.set()

    def _warn(self, kind: str, message: str) -> None:
        now = time.monotonic()
        if now - self._warned.get(kind, -WARN_EVERY) >= WARN_EVERY:
            self._warned[kind] = now
            logger.warning("ingest receiver for %s: %s", self.config.school, message)

    # -- serving ----------------------------------------------------------------------------

    async def run(self) -> ReceiverStats:
        """Listen, batch and publish until :meth:`stop`; then publish what is left (for at
        most ``drain_seconds``) and return the counts."""
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        if self._stop_requested:
            self._stopping.set()
        self._ready = self._ready or asyncio.Event()
        transport: asyncio.DatagramTransport | None = None
        server: asyncio.base_events.Server | None = None
        try:
            if self.config.udp is not None:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Datagrams(self), local_addr=self.config.udp
                )
                self.udp_address = transport.get_extra_info("sockname")[:2]
                _widen_receive_buffer(transport.get_extra_info("socket"))
            if self.config.http is not None:
                host, port = self.config.http
                server = await asyncio.start_server(
                    self._serve_http, host, port, limit=MAX_HEADER_BYTES
                )
                self.http_address = server.sockets[0].getsockname()[:2]
        except OSError as exc:
            if transport is not None:
                transport.close()
            raise ReceiverError(f"Cannot listen: {exc.strerror or exc}.") from None
        self._ready.set()
        publisher = asyncio.create_task(self._publish_loop())
        flusher = asyncio.create_task(self._flush_loop())
        try:
            await self._stopping.wait()
        finally:
            if transport is not None:
                transport.close()
            if server is not None:
                server.close()
            flusher.cancel()
            self.flush()
            self._wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(publisher, self.config.drain_seconds)
            left = sum(chunk.data.count(b"\n") for chunk in self._pending)
            if left:
                self.stats.dropped += left
                logger.warning(
                    "ingest receiver for %s stopped with %s lines not published (NATS at %s "
                    "did not take them)",
                    self.config.school,
                    left,
                    self.config.nats_url,
                )
            if self._nc is not None and not self._nc.is_closed:
                with contextlib.suppress(Exception):
                    await self._nc.close()
        return self.stats

    def stop(self) -> None:
        self._stop_requested = True
        if self._stopping is not None:
            self._stopping.set()

    async def wait_ready(self) -> None:
        self._ready = self._ready or asyncio.Event()
        await self._ready.wait()

    async def _flush_loop(self) -> None:
        assert self._stopping is not None
        tick = min(self.config.flush_seconds / 4, 0.25)
        while True:
            await asyncio.sleep(tick)
            if self._batch and time.monotonic() - self._batch_since >= self.config.flush_seconds:
                self.flush()

    async def _publish_loop(self) -> None:
        assert self._wake is not None and self._stopping is not None
        while True:
            if not self._pending:
                if self._stopping.is_set():
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            chunk = self._pending[0]
            try:
                js = await self._jetstream()
                await js.publish(
                    self.subject,
                    chunk.data,
                    timeout=PUBLISH_TIMEOUT,
                    headers=chunk.headers(self.subject),
                )
            except (nats.errors.Error, OSError, TimeoutError) as exc:
                self._warn(
                    "publish",
                    f"cannot publish to {self.config.nats_url} ({describe_error(exc)}); "
                    f"holding {len(self._pending)} chunks, retrying",
                )
                await self._pause()
                continue
            self._pending.popleft()
            self._pending_bytes -= len(chunk.data)
            self.stats.published_chunks += 1
            self.stats.published_lines += chunk.data.count(b"\n")

    async def _pause(self) -> None:
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), RETRY_SECONDS)

    async def _jetstream(self) -> JetStreamContext:
        if self._js is not None and self._nc is not None and not self._nc.is_closed:
            return self._js

        async def quiet(exc: Exception) -> None:
            logger.debug("NATS connection: %s", exc)

        self._nc = await nats.connect(
            self.config.nats_url,
            connect_timeout=2,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=RETRY_SECONDS,
            error_cb=quiet,
            name=f"warden-ingest-receive {self.config.school}",
        )
        self._js = self._nc.jetstream(timeout=PUBLISH_TIMEOUT)
        return self._js

    # -- HTTP -------------------------------------------------------------------------------

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._http_request(reader, writer):
                pass
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _http_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; whether the connection stays open for another."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                await _answer(writer, 400, {"error": "incomplete request"}, close=True)
            return False
        except asyncio.LimitOverrunError:
            await _answer(writer, 431, {"error": "request headers too large"}, close=True)
            return False
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            await _answer(writer, 400, {"error": "not an HTTP/1 request"}, close=True)
            return False
        method, target, version = parts
        headers: dict[str, str] = {}
        for header in header_lines:
            name, sep, value = header.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        if "transfer-encoding" in headers:
            await _answer(writer, 411, {"error": "send Content-Length, not chunked"}, close=True)
            return False
        length_text = headers.get("content-length", "0")
        if not length_text.isdigit():
            await _answer(writer, 400, {"error": "bad Content-Length"}, close=True)
            return False
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            await _answer(
                writer, 413, {"error": f"at most {MAX_BODY_BYTES} bytes a request"}, close=True
            )
            return False
        body = await reader.readexactly(length)
        if not self._authorised(headers.get("authorization", "")):
            self.stats.refused += 1
            self._warn("refused", "an HTTP request without the right token was refused")
            await _answer(
                writer,
                401,
                {"error": "send Authorization: Bearer TOKEN"},
                close=close,
                extra={"WWW-Authenticate": 'Bearer realm="warden-ingest"'},
            )
            return not close
        if target.partition("?")[0] != HTTP_PATH:
            await _answer(writer, 404, {"error": f"POST lines to {HTTP_PATH}"}, close=close)
            return not close
        if method != "POST":
            await _answer(writer, 405, {"error": "use POST"}, close=close, extra={"Allow": "POST"})
            return not close
        lines = split_lines(body)
        if sum(len(line) + 1 for line in lines) > self.room():
            self._warn("busy", "an HTTP request was turned away: the buffer is full")
            await _answer(
                writer,
                503,
                {"error": "buffer full: NATS is not taking chunks, retry later"},
                close=close,
                extra={"Retry-After": "5"},
            )
            return not close
        before = self.stats.oversized
        taken = self.take(lines)
        await _answer(
            writer,
            202,
            {"accepted": taken, "oversized": self.stats.oversized - before},
            close=close,
        )
        return not close

    def _authorised(self, authorization: str) -> bool:
        scheme, _, given = authorization.partition(" ")
        token = self.config.token
        return (
            token is not None
            and scheme.lower() == "bearer"
            and hmac.compare_digest(given.strip().encode(), token.encode())
        )


def _widen_receive_buffer(sock: Any) -> None:
    """Ask for a receive buffer of :data:`UDP_RECEIVE_BUFFER`: a busy proxy's datagrams come
    in bursts, and what overflows the kernel's (often 208 KiB) buffer is lost unseen. Linux
    caps the request at ``net.core.rmem_max``; docs/scaling.md says to raise it."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)


_REASONS = {
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


async def _answer(
    writer: asyncio.StreamWriter,
    status: int,
    payload: dict[str, Any],
    *,
    close: bool,
    extra: dict[str, str] | None = None,
) -> None:
    body = json.dumps(payload).encode() + b"\n"
    head = [
        f"HTTP/1.1 {status} {_REASONS[status]}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in (extra or {}).items()),
    ]
    if close:
        head.append("Connection: close")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, nats.js.errors.NoStreamResponseError):
        return f"no stream takes {logbus.SUBJECT_PREFIX}.*: is {logbus.STREAM} created?"
    return str(exc) or type(exc).__name__
