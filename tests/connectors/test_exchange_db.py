"""Watermark pulls from an exchange database: ties on update_time, resumption, tombstones."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from connectors.config import SourceConfig
from connectors.student_aid import StudentAid
from connectors.student_aid.source import HOUSEHOLDS


def exchange(tmp_path: Path, rows: list[tuple[str, str, int]]) -> SourceConfig:
    db = tmp_path / "exchange.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE jdlk_pkh (id TEXT PRIMARY KEY, sfzjh TEXT, hzxm TEXT, xzqh TEXT,"
            " pkhsx TEXT, update_time TEXT NOT NULL, is_deleted INTEGER NOT NULL DEFAULT 0)"
        )
        conn.executemany("INSERT INTO jdlk_pkh VALUES (?, '', '', '320115', '', ?, ?)", rows)
    return SourceConfig("student_aid", "exchange_db", tmp_path, {"url": "sqlite:///exchange.db"})


class SmallBatches(StudentAid):
    batch_rows = 2


def read_ids(config: SourceConfig, state: dict[str, Any]) -> tuple[list[list[str]], Any]:
    batches = list(SmallBatches().read(HOUSEHOLDS, config, state, full_refresh=False, loaded=set()))
    ids = [[r.raw["id"] for r in b.records] + [f"-{t[0]}" for t in b.tombstones] for b in batches]
    return ids, batches[-1].state if batches else state


T1, T2 = "2026-09-01 10:00:00", "2026-09-02 10:00:00"


def test_watermark_reads_rows_sharing_update_time_across_batches(tmp_path: Path) -> None:
    config = exchange(tmp_path, [("a", T1, 0), ("b", T1, 0), ("c", T1, 0), ("d", T2, 0)])
    ids, state = read_ids(config, {})
    assert ids == [["a", "b"], ["c", "d"]]
    assert state == {"bookmark": [T2, "d"]}


def test_watermark_resumes_after_the_bookmark_without_repeats(tmp_path: Path) -> None:
    config = exchange(tmp_path, [("a", T1, 0), ("b", T1, 0), ("c", T1, 0), ("d", T2, 0)])
    ids, _ = read_ids(config, {"bookmark": [T1, "b"]})
    assert ids == [["c", "d"]]


def test_deleted_rows_become_tombstones(tmp_path: Path) -> None:
    config = exchange(tmp_path, [("a", T1, 0), ("b", T2, 1)])
    ids, _ = read_ids(config, {})
    assert ids == [["a", "-b"]]
