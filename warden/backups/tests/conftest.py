"""A PostgreSQL server the tests use: the one the machine runs, on 127.0.0.1:5432."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

POSTGRES = "postgres://postgres@127.0.0.1:5432"


@pytest.fixture
def postgresql_databases() -> Iterator[tuple[str, str]]:
    """Two new PostgreSQL databases, dropped afterwards."""
    names = [f"warden_backup_{uuid.uuid4().hex[:12]}_{side}" for side in ("source", "target")]
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{names[0]}", f"{POSTGRES}/{names[1]}"
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
