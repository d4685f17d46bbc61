"""The framework's promises on hand-made sources, on both backends: diffing snapshots, soft
deletes, zero writes when nothing changed, quarantine that clears when the source is fixed,
duplicates reported once, counts that must reconcile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from connectors import runner
from connectors.config import load_sources
from connectors.registry import connectors
from connectors.runs import Counts, ReconciliationError
from schemas import QuarantineRecord, Student
from schemas.versioning import current_version
from tests.conftest import TEST_KEY
from tests.connectors import factories as fx

STUDENTS = Student.__table__  # type: ignore[attr-defined]
QUARANTINE = QuarantineRecord.__table__  # type: ignore[attr-defined]


def pull(engine: Engine, folder: Path, *names: str, full: bool = False) -> dict[str, Counts]:
    sources = load_sources(fx.write_sources(folder))
    every = connectors()
    out = {}
    for name in names or ("institution_codes", "student_registry"):
        report = runner.run_connector(
            engine, every[name], sources.sources[name], id_key=TEST_KEY.encode(), full_refresh=full
        )
        out[name] = report.counts
    return out


def pupils(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r["xjh"]: dict(r) for r in conn.execute(select(STUDENTS)).mappings()}


def open_entries(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(QUARANTINE).where(QUARANTINE.c.resolved_run_id.is_(None))
        return [dict(r) for r in conn.execute(query).mappings()]


A, B, C = fx.id_number(seq="101"), fx.id_number(seq="202"), fx.id_number(seq="303")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    fx.write_schools(tmp_path, [fx.school_row()])
    fx.write_pupils(tmp_path, [fx.pupil(A), fx.pupil(B), fx.pupil(C)])
    return tmp_path


def test_pull_loads_snapshot_and_counts_reconcile(engine: Engine, folder: Path) -> None:
    counts = pull(engine, folder)["student_registry"]
    assert (counts.read, counts.inserted, counts.quarantined) == (3, 3, 0)
    assert set(pupils(engine)) == {"G" + A, "G" + B, "G" + C}


def test_pull_again_with_no_new_file_writes_nothing(engine: Engine, folder: Path) -> None:
    pull(engine, folder)
    with engine.connect() as conn:
        before = current_version(conn)
    counts = pull(engine, folder)["student_registry"]
    with engine.connect() as conn:
        assert current_version(conn) == before
    assert counts.read == 0


def test_full_refresh_rereads_but_rewrites_nothing(engine: Engine, folder: Path) -> None:
    pull(engine, folder)
    counts = pull(engine, folder, "student_registry", full=True)["student_registry"]
    assert (counts.read, counts.unchanged, counts.inserted, counts.updated) == (3, 3, 0, 0)


def test_next_snapshot_updates_changed_and_soft_deletes_leavers(
    engine: Engine, folder: Path
) -> None:
    pull(engine, folder)
    before = pupils(engine)
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B, 年级="四年级")], month="202610")
    counts = pull(engine, folder)["student_registry"]
    after = pupils(engine)
    assert (counts.unchanged, counts.updated, counts.deleted) == (1, 1, 1)
    assert after["G" + C]["is_deleted"]
    assert after["G" + B]["change_version"] > before["G" + B]["change_version"]
    assert after["G" + A]["change_version"] == before["G" + A]["change_version"]


def test_snapshot_read_in_chunks_diffs_like_a_whole_file(
    engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connectors.student_registry import StudentRegistry

    monkeypatch.setattr(StudentRegistry, "chunk_rows", 1)
    pull(engine, folder)
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(A), fx.pupil(B)], month="202610")
    counts = pull(engine, folder)["student_registry"]
    assert (counts.batches, counts.unchanged, counts.deleted, counts.quarantined) == (4, 2, 1, 1)
    assert pupils(engine)["G" + C]["is_deleted"]
    assert [e["rule"] for e in open_entries(engine)] == ["duplicate.exact"]


def test_older_file_arriving_late_is_not_loaded(engine: Engine, folder: Path) -> None:
    late = fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B), fx.pupil(C)])
    late.rename(folder / "late.xlsx")
    fx.write_pupils(folder, [fx.pupil(A)], month="202610")
    pull(engine, folder)
    (folder / "late.xlsx").rename(late)
    counts = pull(engine, folder)["student_registry"]
    assert counts.read == 0
    assert set(pupils(engine)) == {"G" + A}


def test_fault_is_quarantined_with_locator_and_not_loaded(engine: Engine, folder: Path) -> None:
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B, 身份证件号=fx.wrong_check(B))])
    counts = pull(engine, folder)["student_registry"]
    (entry,) = open_entries(engine)
    assert counts.quarantined == 1
    assert entry["rule"] == "id_number.check_digit"
    assert entry["locator"] == {"sheet": "学生基本信息", "row": 4}
    assert entry["field"] == "身份证件号"
    assert entry["raw"]["全国学籍号"] == "G" + B
    assert "G" + B not in pupils(engine)


def test_fixed_source_clears_the_quarantine_entry(engine: Engine, folder: Path) -> None:
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B, 身份证件号=fx.wrong_check(B))])
    pull(engine, folder)
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B)], month="202610")
    pull(engine, folder)
    assert open_entries(engine) == []
    assert "G" + B in pupils(engine)


def test_quarantined_pupil_is_not_deleted_as_a_leaver(engine: Engine, folder: Path) -> None:
    pull(engine, folder)
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(B), fx.pupil(C, 民族="99")], month="202610")
    counts = pull(engine, folder)["student_registry"]
    assert (counts.deleted, counts.quarantined) == (0, 1)
    assert not pupils(engine)["G" + C]["is_deleted"]


def test_duplicates_are_reported_not_loaded_twice(engine: Engine, folder: Path) -> None:
    other = "2132070002"
    fx.write_schools(folder, [fx.school_row(), fx.school_row(other, 学校名称="乙小学")])
    fx.write_pupils(folder, [fx.pupil(A), fx.pupil(A), fx.pupil(B), fx.pupil(B, 学校标识码=other)])
    counts = pull(engine, folder)["student_registry"]
    rules = sorted(e["rule"] for e in open_entries(engine))
    assert (counts.inserted, counts.quarantined) == (2, 2)
    assert rules == ["duplicate.exact", "duplicate.two_schools"]


def test_unknown_school_is_quarantined(engine: Engine, folder: Path) -> None:
    fx.write_pupils(folder, [fx.pupil(A, 学校标识码="2132079999")])
    pull(engine, folder)
    assert [e["rule"] for e in open_entries(engine)] == ["school.unknown"]


def test_id_numbers_are_stored_only_as_keyed_hash(engine: Engine, folder: Path) -> None:
    pull(engine, folder)
    row = pupils(engine)["G" + A]
    assert A not in {str(v) for k, v in row.items() if k != "xjh"}
    assert row["id_masked"] == A[:4] + "*" * 12 + A[-2:]


def test_batch_that_loses_a_record_fails_the_run(
    engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner.loader.load_batch

    def losing(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        result.inserted -= 1
        return result

    pull(engine, folder, "institution_codes")
    monkeypatch.setattr(runner.loader, "load_batch", losing)
    with pytest.raises(ReconciliationError, match="read 3"):
        pull(engine, folder, "student_registry")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(STUDENTS)).scalar_one() == 0
