"""Alembic creates, removes and recreates everything on both backends, with no drift."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

import schemas
from hub.storage import migrate
from hub.storage.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]


def test_upgrade_downgrade_upgrade_roundtrip(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        migrate.upgrade(engine)
        assert set(schemas.metadata.tables) <= set(inspect(engine).get_table_names())
        migrate.downgrade(engine, "base")
        leftover = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert leftover == set()
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    finally:
        engine.dispose()


def test_autogenerate_finds_no_drift(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.drift(engine) == []
    finally:
        engine.dispose()


def test_alembic_command_line_roundtrip(empty_database_url: str) -> None:
    env = {**os.environ, "EDUHUB_DATABASE_URL": empty_database_url}
    alembic = [sys.executable, "-m", "alembic"]
    for args in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"], ["check"]):
        done = subprocess.run(
            [*alembic, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (args, done.stderr)
