"""A real ``nats-server`` with JetStream on a free loopback port, for the tests of log
streaming. Each server has its own folder (config, log, store) and is stopped afterwards;
a NATS server the machine may already run is never used.

Use the fixtures by importing them into a test module or a conftest::

    from warden.testing.nats import nats_server  # noqa: F401 (fixture)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from warden.monitoring.jetstream import NatsProcess, nats_server_binary
from warden.testing.ports import free_port


def start_nats(workdir: Path | None = None) -> NatsProcess:
    """Start a server in ``workdir`` (a new temporary folder if None); the caller stops it."""
    if nats_server_binary() is None:
        pytest.fail("nats-server is not installed: run scripts/ensure-test-deps")
    folder = workdir or Path(tempfile.mkdtemp(prefix="warden-nats-"))
    server = NatsProcess(folder, port=free_port(), monitor_port=free_port())
    server.start()
    return server


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsProcess]:
    """One server for a test module; ``.url`` is its ``nats://127.0.0.1:<port>``."""
    server = start_nats(tmp_path_factory.mktemp("nats"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_nats_server(tmp_path: Path) -> Iterator[NatsProcess]:
    """A server for one test, with an empty store."""
    server = start_nats(tmp_path / "nats")
    try:
        yield server
    finally:
        server.stop()
