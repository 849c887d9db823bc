"""Log ingestion through a real nats-server with JetStream on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import nats as nats_client
import pytest

from warden.monitoring.jetstream import NatsProcess
from warden.testing.nats import start_nats


@pytest.fixture(scope="module")
def nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsProcess]:
    server = start_nats(tmp_path_factory.mktemp("nats"))
    try:
        yield server
    finally:
        server.stop()


def test_the_server_runs_jetstream_with_8_mib_payloads(nats: NatsProcess) -> None:
    async def check() -> tuple[int, bool]:
        client = await nats_client.connect(nats.url)
        try:
            info = await client.jetstream().account_info()
            return client.max_payload, info is not None
        finally:
            await client.close()

    max_payload, jetstream = asyncio.run(check())
    assert max_payload == 8 * 1024 * 1024
    assert jetstream
