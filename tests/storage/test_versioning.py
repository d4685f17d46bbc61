"""Change versions: one sequence for the database, no gaps, no reuse, no reader ever skips a row."""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from schemas import School, Teacher
from schemas.versioning import current_version

COUNTY = "320102"


def school(code: str, name: str = "测试学校") -> School:
    return School(
        code=code,
        name=name,
        school_type="211",
        county_adcode=COUNTY,
        source_system="test",
        source_key=code,
    )


def test_insert_stamps_consecutive_versions(session: Session) -> None:
    session.add_all([school(f"21320000{i:02d}") for i in range(5)])
    session.commit()
    versions = sorted(s.change_version for s in session.exec(select(School)).all())
    assert versions == [1, 2, 3, 4, 5]


def test_versions_are_shared_across_tables(session: Session) -> None:
    session.add(school("2132000001"))
    session.commit()
    session.add(
        Teacher(
            teacher_no="T1",
            name="王老师",
            gender="2",
            school_code="2132000001",
            post_category="1",
            source_system="test",
            source_key="T1",
        )
    )
    session.commit()
    teacher = session.exec(select(Teacher)).one()
    assert teacher.change_version == 2
    assert current_version(session.connection()) == 2


def test_update_gets_a_new_version(session: Session) -> None:
    row = school("2132000001")
    session.add(row)
    session.commit()
    row.name = "改名后的学校"
    session.commit()
    session.refresh(row)
    assert row.change_version == 2


def test_unchanged_object_keeps_its_version(session: Session) -> None:
    row = school("2132000001")
    session.add(row)
    session.commit()
    row.name = row.name  # same value: not a modification
    session.commit()
    session.refresh(row)
    assert row.change_version == 1


def test_rollback_returns_versions(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(school("2132000001"))
        session.flush()
        session.rollback()
    with Session(engine) as session:
        session.add(school("2132000002"))
        session.commit()
        assert session.exec(select(School)).one().change_version == 1


def _writer(engine: Engine, worker: int, batches: int, errors: list[BaseException]) -> None:
    rng = random.Random(worker)
    try:
        for batch in range(batches):
            with Session(engine) as session:
                for i in range(3):
                    session.add(school(f"21329{worker}{batch:02d}{i:02d}"))
                session.flush()  # versions are taken here ...
                time.sleep(rng.uniform(0, 0.01))  # ... and the commit comes later
                session.commit()
    except BaseException as exc:  # surfaced by the test
        errors.append(exc)


def test_concurrent_writers_never_make_a_reader_skip(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the concurrency property is about PostgreSQL's concurrent writers")
    writers, batches = 4, 25
    errors: list[BaseException] = []
    seen: dict[str, int] = {}
    done = threading.Event()

    def reader() -> None:
        bookmark = 0
        while True:
            finished = done.is_set()
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT code, change_version FROM schools WHERE change_version > :v "
                        "ORDER BY change_version"
                    ),
                    {"v": bookmark},
                ).all()
            for code, version in rows:
                seen[code] = version
                bookmark = version
            if finished:
                return

    threads = [
        threading.Thread(target=_writer, args=(engine, w, batches, errors)) for w in range(writers)
    ]
    read = threading.Thread(target=reader)
    read.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    read.join()
    assert errors == []
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT code, change_version FROM schools")).all())
    total = writers * batches * 3
    assert len(stored) == total
    assert sorted(stored.values()) == list(range(1, total + 1))  # unique, no gaps
    assert seen == stored  # the reader following its bookmark missed nothing
