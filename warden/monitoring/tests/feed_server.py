"""A list publisher for the tests: a threading HTTP server on 127.0.0.1 serving tarballs
built at test time from the repository's starter lists, with their checksum files."""

from __future__ import annotations

import hashlib
import io
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from warden.engine.datafiles import STARTER_UT1

FIXTURE_CATEGORIES = ("gambling", "drogue")


def ut1_tarball(categories: dict[str, list[str]] | None = None) -> bytes:
    """A UT1-layout tarball (``blacklists/<folder>/domains``), by default of the starter
    lists' gambling and drugs folders; ``categories`` gives other domains per folder."""
    if categories is None:
        categories = {
            name: (STARTER_UT1 / name / "domains").read_text(encoding="utf-8").splitlines()
            for name in FIXTURE_CATEGORIES
        }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for folder, domains in categories.items():
            data = ("\n".join(domains) + "\n").encode()
            info = tarfile.TarInfo(f"blacklists/{folder}/domains")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        usage = tarfile.TarInfo("blacklists/README")
        usage.size = 5
        tar.addfile(usage, io.BytesIO(b"UT1\n\n"))
    return buffer.getvalue()


@dataclass
class Publisher:
    """What the server serves: ``files[path] = bytes``; a path in ``cut_short`` announces
    its full length and sends only half, then closes."""

    base: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    cut_short: set[str] = field(default_factory=set)
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def publish(self, name: str, data: bytes, *, md5_of: bytes | None = None) -> None:
        """Serve ``data`` as ``name`` and list its MD5 (or that of ``md5_of``) in
        MD5SUM.LST, as UT1 does."""
        self.files[name] = data
        # MD5 because that is what UT1 publishes; it checks for damage, not for forgery.
        digest = hashlib.md5(data if md5_of is None else md5_of).hexdigest()  # noqa: S324
        self.files["MD5SUM.LST"] = f"{'0' * 32}  other.tar.gz\n{digest}  {name}\n".encode()


def _handler(publisher: Publisher) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            publisher.hits.append(path)
            data = publisher.files.get(path)
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if path in publisher.cut_short:
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
                return
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    published = Publisher()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(published))
    published.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield published
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
