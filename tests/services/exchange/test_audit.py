"""The hash chain: intact after appends, broken and named after an edit, deletion or insertion."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from hub.errors import StorageUnavailable
from hub.services.exchange import audit
from hub.services.exchange.clients import ANONYMOUS


def _append(engine: Engine, n: int) -> None:
    for i in range(n):
        audit.append(
            engine=engine,
            caller=ANONYMOUS,
            request_id=f"r{i}",
            action="records",
            dataset="30700101/001",
            detail={"i": i},
            row_count=i,
            size=10 * i,
        )


def _verify(engine: Engine) -> audit.Verdict:
    with Session(engine) as session:
        return audit.verify(session=session)


def test_verify_audit_chain_intact(engine: Engine) -> None:
    _append(engine, 5)
    verdict = _verify(engine)
    assert verdict.ok
    assert verdict.entries == 5


def test_verify_audit_chain_names_edited_entry(engine: Engine) -> None:
    _append(engine, 5)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET row_count = 999 WHERE seq = 3"))
    verdict = _verify(engine)
    assert not verdict.ok
    assert verdict.broken_at == 3


def test_verify_audit_chain_names_deleted_entry(engine: Engine) -> None:
    _append(engine, 5)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    verdict = _verify(engine)
    assert (verdict.ok, verdict.broken_at) == (False, 2)


def test_verify_audit_chain_names_deleted_tail(engine: Engine) -> None:
    _append(engine, 5)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    verdict = _verify(engine)
    assert (verdict.ok, verdict.broken_at) == (False, 5)


def test_verify_audit_chain_names_inserted_entry(engine: Engine) -> None:
    _append(engine, 4)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 3"))  # make room
        conn.execute(text("UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000"))
        conn.execute(
            text(
                "INSERT INTO audit_log (seq, at, request_id, action, detail, prev_hash, hash) "
                "VALUES (3, CURRENT_TIMESTAMP, 'forged', 'records', '{}', :p, :h)"
            ),
            {"p": "0" * 64, "h": "f" * 64},
        )
        conn.execute(text("UPDATE audit_head SET seq = seq + 1"))
    verdict = _verify(engine)
    assert (verdict.ok, verdict.broken_at) == (False, 3)


def test_append_audit_fails_closed_when_log_is_unwritable(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_log"))
    with pytest.raises(StorageUnavailable, match="fail closed"):
        _append(engine, 1)
