"""The open-data rate limit: requests per client address per minute, counted in the database.

A fixed one-minute window per address, one row each (``rate_windows``), incremented with an
upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, SQLite 3.35+ and PostgreSQL), so
every worker process of ``eduhub serve --workers N``, and every host on the same database,
shares one budget. Windows older than the previous minute are deleted by the first request of
each new minute a process sees.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite

from hub.errors import EduhubError
from schemas.exchange import RateWindow

TABLE = RateWindow.__table__  # type: ignore[attr-defined]
_pruned = {"window": 0}
_lock = threading.Lock()


class RateLimited(EduhubError):
    status = 429
    type_slug = "rate-limited"
    title = "Too many requests"


def hit(*, engine: Engine, key: str, limit: int, now: float | None = None) -> int:
    """Count one request of ``key``; raise RateLimited beyond ``limit`` in this minute."""
    moment = time.time() if now is None else now
    window = int(moment // 60)
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(TABLE).values(key=key[:64], window=window, hits=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TABLE.c.key, TABLE.c.window], set_={"hits": TABLE.c.hits + 1}
    ).returning(TABLE.c.hits)
    with engine.begin() as conn:
        hits = int(conn.execute(stmt).scalar_one())
        with _lock:
            prune, _pruned["window"] = _pruned["window"] != window, window
        if prune:
            conn.execute(delete(TABLE).where(TABLE.c.window < window - 1))
    if hits > limit:
        raise RateLimited(
            f"open data is limited to {limit} requests a minute per address",
            retry_after=60 - int(moment) % 60,
        )
    return hits
