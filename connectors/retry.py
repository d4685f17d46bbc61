"""Records refused only because their pupil was not on the registry yet, tried again.

A payment or a health test names its pupil by 学籍号 (``identity.require_known_student``). When
that pupil's registry row was itself refused (a fault in the county file), the record is
quarantined as ``student.unknown``. Watermark and cursor sources never send an unchanged record
again, so once the registry is fixed nothing would bring it back: the child would stay on the
aid-gap list though paid, the test would stay out of the pass rate. Before reading its source,
each run of a stream therefore reloads, from the raw record the entry kept, the open
``student.unknown`` entries whose pupil the registry now holds (``batches``); loading them
settles the entries as any clean load of the same key does.

An entry keeps the raw record it was opened with: if the source changed the record while the
pupil was still unknown, the newer version is reloaded only when the source sends it again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from connectors.identity import known_students
from connectors.streams import Batch, Connector, Context, Reject, SourceRecord, Stream
from schemas import rules
from schemas.quarantine import QuarantineRecord

TABLE = QuarantineRecord.__table__  # type: ignore[attr-defined]
PUPIL = "xjh"  # the mapped column ``require_known_student`` checks


def batches(
    conn: Connection, connector: Connector, stream: Stream, ctx: Context
) -> Iterator[Batch]:
    """One batch per source of the open ``student.unknown`` entries whose pupil is now known."""
    if PUPIL not in stream.columns:
        return
    entries = conn.execute(
        select(TABLE.c.source, TABLE.c.locator, TABLE.c.raw)
        .where(
            TABLE.c.connector == connector.name,
            TABLE.c.stream == stream.name,
            TABLE.c.rule == rules.STUDENT_UNKNOWN,
            TABLE.c.resolved_run_id.is_(None),
        )
        .order_by(TABLE.c.id)
    ).all()
    pupils: list[tuple[str, str, SourceRecord]] = []
    for source, locator, raw in entries:
        try:
            mapped: dict[str, Any] = stream.map(raw, ctx)
        except Reject:
            continue  # refused for another reason now: the source has to fix it
        pupils.append((str(mapped[PUPIL]), source, SourceRecord(dict(raw), dict(locator or {}))))
    known = known_students(conn, (xjh for xjh, _, _ in pupils))
    by_source: dict[str, list[SourceRecord]] = defaultdict(list)
    for xjh, source, record in pupils:
        if xjh in known:
            by_source[source].append(record)
    for source, records in by_source.items():
        yield Batch(source=source, records=records, state=None)
