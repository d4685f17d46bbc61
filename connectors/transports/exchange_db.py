"""Exchange database (前置库): pull rows by watermark, ``update_time > bookmark``, ties by key.

The bookmark is the (update_time, id) of the last row of a committed batch, so a resumed run
neither skips a row that shares its update_time with the batch end nor reads one twice. Rows the
source flags ``is_deleted`` become tombstones: the hub soft-deletes its copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, ClassVar

import orjson
from sqlalchemy import DateTime, MetaData, Table, and_, create_engine, or_, select, type_coerce
from sqlalchemy.types import NullType

from connectors.config import SourceConfig
from connectors.prepare import Ahead
from connectors.streams import Batch, Connector, SourceRecord, Stream
from schemas.identifiers import normalize_text

BATCH_ROWS = 5000


def _to_state(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _from_state(value: Any, is_datetime: bool) -> Any:
    if is_datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


class ExchangeDbConnector(Connector):
    """Streams read from tables of a source-owned database; ``tables`` maps stream → table."""

    transport = "exchange_db"
    tables: ClassVar[dict[str, str]] = {}
    id_column = "id"
    watermark_column = "update_time"
    deleted_column = "is_deleted"
    batch_rows = BATCH_ROWS

    def read(
        self,
        stream: Stream,
        config: SourceConfig,
        state: dict[str, Any],
        *,
        full_refresh: bool,
        loaded: set[tuple[str, int, str]],
        ahead: Ahead | None = None,
    ) -> Iterator[Batch]:
        name = self.tables[stream.name]
        wanted = config.get("tables")
        if wanted is not None and name not in wanted:
            return
        engine = create_engine(config.database_url())
        try:
            table = Table(name, MetaData(), autoload_with=engine)
            mark, ident = table.c[self.watermark_column], table.c[self.id_column]
            is_dt = isinstance(mark.type, DateTime)
            # Values as the driver gives them: a NUMERIC column holding '一千元' is a record to
            # quarantine, not a crash in the type conversion.
            columns = [
                c if c is mark else type_coerce(c, NullType()).label(c.name) for c in table.c
            ]
            bookmark = None if full_refresh else state.get("bookmark")
            while True:
                query = select(*columns).order_by(mark, ident).limit(self.batch_rows)
                if bookmark is not None:
                    at = _from_state(bookmark[0], is_dt)
                    query = query.where(or_(mark > at, and_(mark == at, ident > bookmark[1])))
                with engine.connect() as conn:
                    rows = [
                        {str(k): v for k, v in r.items()} for r in conn.execute(query).mappings()
                    ]
                if not rows:
                    return
                records, tombstones = [], []
                for row in rows:
                    if normalize_text(row.get(self.deleted_column)) in ("1", "true", "True"):
                        tombstones.append((normalize_text(row[self.id_column]),))
                        continue
                    records.append(SourceRecord(row, {"table": name, "id": row[self.id_column]}))
                last = rows[-1]
                bookmark = [_to_state(last[self.watermark_column]), last[self.id_column]]
                yield Batch(
                    source=name,
                    records=records,
                    tombstones=tombstones,
                    state={"bookmark": bookmark},
                    nbytes=len(orjson.dumps(rows, default=str)),
                )
                if len(rows) < self.batch_rows:
                    return
        finally:
            engine.dispose()
