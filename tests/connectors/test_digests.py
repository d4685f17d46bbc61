"""Snapshot row digests (connectors.digests): a new snapshot's repeated rows are not mapped
again, yet every outcome is what mapping them would give, on both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from connectors import digests, runner
from connectors.config import load_sources
from connectors.prepare import Pool
from connectors.registry import connectors
from connectors.streams import Stream
from connectors.student_registry.source import STUDENTS
from schemas import Student
from schemas.state import SnapshotDigest
from tests.conftest import TEST_KEY
from tests.connectors import factories as fx
from tests.connectors.test_pipeline import open_entries, pull, pupils

TABLE = Student.__table__  # type: ignore[attr-defined]
A, B, C = fx.id_number(seq="101"), fx.id_number(seq="202"), fx.id_number(seq="303")
OTHER = "2132070002"


@pytest.fixture
def mapped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """学籍号 of every registry row the pipeline maps (instead of skipping), one by one or
    column by column."""
    calls: list[str] = []
    one, many = Stream.map, Stream.map_many

    def spy(self: Stream, raw: Any, ctx: Any) -> dict[str, Any]:
        if self is STUDENTS:
            calls.append(str(raw.get("全国学籍号")))
        return one(self, raw, ctx)

    def spy_many(self: Stream, raws: Any, ctx: Any) -> Any:
        if self is STUDENTS:
            calls.extend(str(raw.get("全国学籍号")) for raw in raws)
        return many(self, raws, ctx)

    monkeypatch.setattr(Stream, "map", spy)
    monkeypatch.setattr(Stream, "map_many", spy_many)
    return calls


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    fx.write_schools(tmp_path, [fx.school_row(), fx.school_row(OTHER)])
    fx.write_pupils(tmp_path, [fx.pupil(A), fx.pupil(B), fx.pupil(C)])
    return tmp_path


def test_repeated_rows_are_not_mapped_and_count_as_unchanged(
    engine: Engine, folder: Path, mapped: list[str]
) -> None:
    pull(engine, folder)
    assert sorted(mapped) == ["G" + A, "G" + B, "G" + C]
    before = pupils(engine)
    mapped.clear()
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B, 年级="四年级"), fx.pupil(C)], month="202610")
    counts = pull(engine, folder, "student_registry")["student_registry"]
    assert mapped == ["G" + B]  # only the changed row went through the converters
    assert (counts.read, counts.unchanged, counts.updated, counts.inserted) == (3, 2, 1, 0)
    after = pupils(engine)
    assert after["G" + A] == before["G" + A]
    assert after["G" + B]["grade"] != before["G" + B]["grade"]


def test_a_leaver_is_deleted_even_when_every_other_row_is_skipped(
    engine: Engine, folder: Path, mapped: list[str]
) -> None:
    pull(engine, folder)
    mapped.clear()
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(C)], month="202610")
    counts = pull(engine, folder, "student_registry")["student_registry"]
    assert mapped == []
    assert (counts.read, counts.unchanged, counts.deleted) == (2, 2, 1)
    assert pupils(engine)["G" + B]["is_deleted"]


def test_a_row_changed_in_the_hub_since_is_mapped_again_and_restored(
    engine: Engine, folder: Path, mapped: list[str]
) -> None:
    pull(engine, folder)
    with engine.begin() as conn:
        conn.execute(update(TABLE).where(TABLE.c.xjh == "G" + A).values(
            grade="九年级", content_hash="0" * 64))  # fmt: skip
    mapped.clear()
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B), fx.pupil(C)], month="202610")
    counts = pull(engine, folder, "student_registry")["student_registry"]
    assert mapped == ["G" + A]
    assert (counts.unchanged, counts.updated) == (2, 1)
    assert pupils(engine)["G" + A]["grade"] != "九年级"


def test_a_row_whose_school_is_no_longer_known_is_refused_again(
    engine: Engine, folder: Path, mapped: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B, 学校标识码=OTHER), fx.pupil(C)])
    pull(engine, folder)
    assert "G" + B in pupils(engine)
    # The register no longer knows OTHER; the pupil's row itself is byte for byte the same.
    real = runner.build_context

    def without_other(conn: Any, province: str, id_key: bytes) -> Any:
        ctx = real(conn, province, id_key)
        ctx.schools = ctx.schools - {OTHER}
        return ctx

    monkeypatch.setattr(runner, "build_context", without_other)
    fx.write_pupils(
        folder, [fx.pupil(A), fx.pupil(B, 学校标识码=OTHER), fx.pupil(C)], month="202610"
    )
    mapped.clear()
    counts = pull(engine, folder, "student_registry")["student_registry"]
    assert mapped == ["G" + B]
    assert (counts.unchanged, counts.quarantined) == (2, 1)
    assert [e["rule"] for e in open_entries(engine)] == ["school.unknown"]


def test_quarantined_and_duplicate_rows_stay_in_quarantine(
    engine: Engine, folder: Path, mapped: list[str]
) -> None:
    rows = [fx.pupil(A), fx.pupil(A), fx.pupil(B, 身份证件号=fx.wrong_check(B)), fx.pupil(C)]
    fx.write_pupils(folder, rows)
    pull(engine, folder)
    first = sorted(e["rule"] for e in open_entries(engine))
    assert len(first) == 2
    mapped.clear()
    fx.write_pupils(folder, rows, month="202610")
    counts = pull(engine, folder, "student_registry")["student_registry"]
    assert "G" + B in mapped
    assert "G" + C not in mapped
    assert (counts.read, counts.unchanged, counts.quarantined) == (4, 2, 2)
    assert sorted(e["rule"] for e in open_entries(engine)) == first


def test_full_refresh_drops_the_digests_and_maps_everything(
    engine: Engine, folder: Path, mapped: list[str]
) -> None:
    pull(engine, folder)
    mapped.clear()
    counts = pull(engine, folder, "student_registry", full=True)["student_registry"]
    assert sorted(mapped) == ["G" + A, "G" + B, "G" + C]
    assert counts.unchanged == 3


def test_a_new_mapping_fingerprint_ignores_old_digests(
    engine: Engine, folder: Path, mapped: list[str]
) -> None:
    pull(engine, folder)
    digest_table = SnapshotDigest.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(update(digest_table).values(fingerprint="stale"))
    mapped.clear()
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B), fx.pupil(C)], month="202610")
    counts = pull(engine, folder, "student_registry")["student_registry"]
    assert sorted(mapped) == ["G" + A, "G" + B, "G" + C]
    assert counts.unchanged == 3
    with engine.connect() as conn:
        query = select(digest_table.c.fingerprint).where(
            digest_table.c.connector == "student_registry"
        )
        prints = set(conn.execute(query).scalars())
    assert "stale" not in prints


def test_digests_round_trip() -> None:
    rows = {
        digests.row_digest(digests.seed(["s"], {}), ["x", 1.0, None]): digests.Prior(
            ("G1",), "ab" * 8, "S", ("S",)
        ),
        digests.row_digest(digests.seed(["s"], {}), ["y", 2.0, None]): digests.Prior(
            ("G2",), "cd" * 8, None, ()
        ),
    }
    assert digests._decode(digests._encode(rows)) == rows
    assert digests.row_digest(digests.seed(["s"], {}), ["x"]) != digests.row_digest(
        digests.seed(["t"], {}), ["x"]
    )


def test_row_digest_from_a_file_seed() -> None:
    base = digests.seed(["学号", "日期"], {"year": "2026"})
    day = date(2026, 9, 1)
    first = digests.row_digest(base, ["G1", day])
    assert digests.row_digest(base, ["G1", day]) == first  # the seed is copied, not consumed
    assert digests.row_digest(base, ["G1", 1]) != digests.row_digest(base, ["G1", 1.0])
    assert digests.row_digest(base, ["G1", None]) != digests.row_digest(base, ["G1", ""])
    other = digests.seed(["学号", "日期"], {"year": "2027"})
    assert digests.row_digest(other, ["G1", day]) != first
    assert digests.row_digest(base, [2**70]) != digests.row_digest(base, [2**70 + 1])


def _pull_with_worker(engine: Engine, folder: Path) -> Any:
    """The registry pulled with a worker process reading ahead, however small the files."""
    sources = load_sources(fx.write_sources(folder))
    pool = Pool(1, min_bytes=0)
    try:
        return runner.run_connector(
            engine,
            connectors()["student_registry"],
            sources.sources["student_registry"],
            id_key=TEST_KEY.encode(),
            pool=pool,
        ).counts
    finally:
        pool.close()


def test_a_light_row_changed_in_the_hub_is_read_again_and_restored(
    engine: Engine, folder: Path, mapped: list[str]
) -> None:
    """With a worker, repeated rows reach the runner without their raw values; one the runner
    must map after all (its hub copy changed) is read again from the file."""
    pull(engine, folder, "institution_codes")
    _pull_with_worker(engine, folder)
    with engine.begin() as conn:
        conn.execute(update(TABLE).where(TABLE.c.xjh == "G" + A).values(
            grade="九年级", content_hash="0" * 64))  # fmt: skip
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B), fx.pupil(C)], month="202610")
    mapped.clear()
    counts = _pull_with_worker(engine, folder)
    assert mapped == ["G" + A]  # in this process, from the file read again
    assert (counts.read, counts.unchanged, counts.updated) == (3, 2, 1)
    assert pupils(engine)["G" + A]["grade"] != "九年级"
