"""Log ingestion through NATS JetStream: the server, the stream, publishers and workers.

* :func:`server_config` and :class:`NatsProcess` run a real ``nats-server`` with JetStream
  on loopback (``warden nats-dev``, and the tests);
* :func:`ensure_stream` creates or updates the stream :data:`~warden.engine.logbus.STREAM`
  and :func:`publish_file` publishes a log file's chunks to it (``warden ingest-publish``);
* :class:`IngestWorker` pulls chunks through the durable consumer
  :data:`~warden.engine.logbus.CONSUMER`, ingests each with the school's
  :class:`~warden.engine.ingest.Ingestor` and acknowledges it only after its violations,
  archive and per-chunk checkpoint are committed (``warden ingest-worker``).

The message contract is :mod:`warden.engine.logbus`; docs/log-streaming.md says how to run
it all and what "exactly once" means here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

NATS_SERVER = "/usr/sbin/nats-server"
SERVER_MAX_PAYLOAD = 8 * 1024 * 1024
"""The ``max_payload`` of the servers Warden starts: room for a 4 MiB chunk and its headers."""


# -- the server ----------------------------------------------------------------------------


def server_config(*, port: int, monitor_port: int, store_dir: Path, host: str = "127.0.0.1") -> str:
    """A ``nats-server`` configuration: clients and the monitoring endpoint on ``host``
    only, JetStream stored in ``store_dir``, 8 MiB payloads."""
    return "\n".join(
        [
            f'listen: "{host}:{port}"',
            f'http: "{host}:{monitor_port}"',
            f"max_payload: {SERVER_MAX_PAYLOAD}",
            "jetstream {",
            f"  store_dir: {json.dumps(str(store_dir))}",
            "}",
            "",
        ]
    )


def nats_server_binary() -> str | None:
    """The ``nats-server`` program: the Debian package's, or one on ``PATH``."""
    if Path(NATS_SERVER).exists():
        return NATS_SERVER
    return shutil.which("nats-server")


@dataclass
class NatsProcess:
    """A ``nats-server`` started with :func:`server_config` in ``workdir`` (its config, log
    and ``store`` folder). :meth:`start` waits until JetStream answers its health check."""

    workdir: Path
    port: int
    monitor_port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def store_dir(self) -> Path:
        return self.workdir / "store"

    @property
    def log_file(self) -> Path:
        return self.workdir / "nats-server.log"

    def command(self) -> list[str]:
        binary = nats_server_binary()
        if binary is None:
            raise FileNotFoundError(
                "nats-server is not installed (Debian: apt install nats-server)"
            )
        config = self.workdir / "nats-server.conf"
        return [binary, "-c", str(config), "-l", str(self.log_file)]

    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.store_dir.mkdir(exist_ok=True)
        (self.workdir / "nats-server.conf").write_text(
            server_config(
                port=self.port,
                monitor_port=self.monitor_port,
                store_dir=self.store_dir,
                host=self.host,
            ),
            encoding="utf-8",
        )

    def start(self, timeout: float = 15.0) -> None:
        self.write_config()
        self.process = subprocess.Popen(  # noqa: S603 - the server, with our own config
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.wait_ready(timeout)

    def healthy(self) -> bool:
        url = f"http://{self.host}:{self.monitor_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return bool(json.load(answer).get("status") == "ok")
        except (OSError, ValueError):
            return False

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"nats-server did not become ready: {self.log_tail()}")
            time.sleep(0.05)

    def log_tail(self) -> str:
        text = ""
        if self.process is not None and self.process.stderr is not None and self.process.poll():
            text = self.process.stderr.read().decode(errors="replace")
        if self.log_file.exists():
            text += self.log_file.read_text(errors="replace")
        return text[-2000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
