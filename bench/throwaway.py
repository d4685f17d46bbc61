"""A PostgreSQL database of its own for one benchmark run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

PG_ADMIN = os.environ.get("EDUHUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def postgresql_database(prefix: str) -> Iterator[str]:
    """Create ``{prefix}_{pid}`` next to ``EDUHUB_TEST_PG_URL``'s database, yield its URL and
    drop it afterwards, whatever happened."""
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
