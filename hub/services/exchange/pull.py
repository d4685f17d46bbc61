"""Pulls: one page of records, the change feed, and streamed exports, each audited first.

The audit entry is committed before a byte of data is handed to the web layer; a failing
audit write raises and the request fails. Exports log ``export.start`` before streaming and
``export.done`` with the row and byte counts once the stream has ended.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine

from hub.errors import CursorExpired, Invalid
from hub.services.exchange import audit, exports, native
from hub.services.exchange.access import Plan
from hub.services.exchange.query import (
    encode_cursor,
    parse_query,
    select_changes,
    select_moved_out,
    select_rows,
    split_row,
)
from schemas.scoping import moves_horizon
from schemas.versioning import current_version

MAX_CHANGES = 10_000


@dataclass(frozen=True)
class Payload:
    body: bytes
    etag: str
    rows: int


def _default(value: Any) -> Any:
    return str(value)


def etag(engine: Engine, plan: Plan, kind: str, params: Sequence[tuple[str, str]]) -> str:
    """Changes whenever any tracked row, the caller's restriction or the query changes."""
    with engine.connect() as conn:
        version = current_version(conn)
    raw = orjson.dumps([kind, plan.dataset.code, plan.tag(), list(params), version])
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def records(
    *,
    engine: Engine,
    plan: Plan,
    params: Sequence[tuple[str, str]],
    request_id: str,
    tag: str,
) -> Payload:
    q = parse_query(plan.dataset, plan, params)
    with engine.connect() as conn:
        rows = conn.execute(select_rows(plan, q, paged=True)).mappings().all()
    more = len(rows) > q.limit
    data = []
    last_keys: list[Any] = []
    for row in rows[: q.limit]:
        record, last_keys = split_row(row, q.fields)
        data.append(record)
    body = orjson.dumps(
        {
            "dataset": plan.dataset.code,
            "fields": list(q.fields),
            "masked": sorted(plan.masked & set(q.fields)),
            "data": data,
            "count": len(data),
            "next_cursor": encode_cursor(last_keys) if more else None,
        },
        default=_default,
    )
    _log(engine, plan, request_id, "records", q.describe(), len(data), len(body))
    return Payload(body, tag, len(data))


def changes(*, engine: Engine, plan: Plan, since: int, limit: int, request_id: str) -> Payload:
    """Upserts and deletions after ``since`` in version order, and the version to ask next.

    Deletions are the row's own (soft delete) or, for a caller with a row scope, rows that moved
    out of its regions (``scope_moves``): those carry only their key (``"record": null``,
    ``"scope": "left"``). Only versions up to the committed counter read first are returned, so
    both reads see the same commits and ``next`` never passes over one.
    """
    ds = plan.dataset
    if not ds.versioned:
        raise Invalid(f"{ds.code} is not change-versioned: pull it with records or an export")
    if since < 0 or not 1 <= limit <= MAX_CHANGES:
        raise Invalid(f"since must be >= 0 and limit 1..{MAX_CHANGES}")
    if since > 0:
        _check_cursor(engine, plan, since)
    out: list[dict[str, Any]] = []
    with engine.connect() as conn:
        committed = current_version(conn)  # read first: every version <= it is committed
        for row in conn.execute(select_changes(plan, since, committed, limit)).mappings():
            record, keys = split_row(row, ds.fields)
            op = "delete" if row["__deleted"] else "upsert"
            out.append({"op": op, "version": row["__version"], "key": keys, "record": record})
        moved = select_moved_out(plan, since, committed, limit)
        if moved is not None:
            for row in conn.execute(moved).mappings():
                out.append(
                    {"op": "delete", "version": row["__version"], "key": [row["__k0"]],
                     "record": None, "scope": "left"}
                )  # fmt: skip
    out.sort(key=lambda change: int(change["version"]))
    full = len(out) >= limit
    out = out[:limit]
    following = int(out[-1]["version"]) if full else max(committed, since)
    body = orjson.dumps(
        {"dataset": ds.code, "changes": out, "next": following, "more": full},
        default=_default,
    )
    detail = {"since": since, "limit": limit, "next": following, "clear": sorted(plan.clear)}
    _log(engine, plan, request_id, "changes", detail, len(out), len(body))
    return Payload(body, "", len(out))


def _check_cursor(engine: Engine, plan: Plan, since: int) -> None:
    """Refuse (410) to continue a feed from ``since`` when what the caller holds from it can no
    longer be corrected by changes alone:

    - its grant changed since its last page (a new grant replaced the old one): regions it
      lost would never be deleted from its copy, rows of regions it gained were written before
      ``since`` and would never come, fields masked or unmasked now would stay as they were;
    - the hub pruned the records of rows that left the caller's regions after ``since``
      (``scoping.prune_moves``): those deletions cannot be sent any more.

    The caller starts again from ``since=0`` into an empty copy (or drops what it held)."""
    ds = plan.dataset
    last = audit.last_detail(
        engine=engine, client_id=plan.caller.client_id, dataset=ds.code, action="changes"
    )
    if last is not None and "clear" in last:  # entries before the check have no "clear"
        parts = []
        before, now = last.get("regions"), plan.regions
        if before != (list(now) if now is not None else None):
            was = set(before) if before is not None else {"*"}
            is_ = set(now) if now is not None else {"*"}
            lost, gained = sorted(was - is_), sorted(is_ - was)
            parts.append(
                "regions " + "; ".join(
                    f"{label} {_some(codes)}"
                    for label, codes in (("lost", lost), ("gained", gained)) if codes
                )
            )  # fmt: skip
        clear_before, clear_now = set(last["clear"]), plan.clear
        if clear_before != clear_now:
            changed = sorted(clear_before ^ clear_now)
            parts.append(f"fields masked or unmasked: {_some(changed)}")
        if parts:
            raise CursorExpired(
                f"your access to {ds.code} changed since your last page ({'; '.join(parts)}): "
                "delete what you hold of it and pull again from since=0",
                changes=parts,
            )
    if plan.regions is not None and ds.scope is not None:
        with engine.connect() as conn:
            horizon, pruned_at = moves_horizon(conn)
        if since < horizon:
            started = audit.feed_started(
                engine=engine, client_id=plan.caller.client_id, dataset=ds.code
            )
            if pruned_at is not None and (started is None or started < pruned_at):
                raise CursorExpired(
                    f"since={since} is older than the hub keeps the rows that left your regions "
                    f"(records up to version {horizon} were removed): delete what you hold of "
                    f"{ds.code} and pull again from since=0",
                    horizon=horizon,
                )


def _some(codes: list[str], shown: int = 8) -> str:
    more = len(codes) - shown
    return ", ".join(codes[:shown]) + (f" and {more} more" if more > 0 else "")


def _log(
    engine: Engine,
    plan: Plan,
    request_id: str,
    action: str,
    detail: dict[str, Any],
    rows: int | None,
    size: int | None,
) -> None:
    detail = {**detail, "basis": plan.basis, "grant": plan.grant_id, "regions": plan.regions}
    audit.append(
        engine=engine,
        caller=plan.caller,
        request_id=request_id,
        action=action,
        dataset=plan.dataset.code,
        detail=detail,
        row_count=rows,
        size=size,
    )


def export(
    *,
    engine: Engine,
    plan: Plan,
    fmt: str,
    params: Sequence[tuple[str, str]],
    request_id: str,
) -> Iterator[bytes]:
    """Audit the start, then return a generator that streams the file and audits its end."""
    if fmt not in exports.FORMATS:
        raise Invalid(f"unknown export format {fmt!r}; use one of {', '.join(exports.FORMATS)}")
    q = parse_query(plan.dataset, plan, params, paged=False)
    stmt = select_rows(plan, q, paged=False, text_booleans=fmt == "csv")
    detail = {**q.describe(), "format": fmt}
    _log(engine, plan, request_id, "export.start", detail, None, None)
    return _stream(engine, plan, q.fields, stmt, fmt, request_id, detail)


def _stream(
    engine: Engine,
    plan: Plan,
    fields: tuple[str, ...],
    stmt: Any,
    fmt: str,
    request_id: str,
    detail: dict[str, Any],
) -> Iterator[bytes]:
    counted = {"rows": 0, "bytes": 0}
    width = len(fields)

    def batches() -> Iterator[list[Any]]:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=exports.BATCH).execute(
                stmt
            )
            for part in result.partitions(exports.BATCH):
                batch = [row[:width] for row in part]
                counted["rows"] += len(batch)
                yield batch

    def add(n: int) -> None:
        counted["rows"] += n

    fast = native.native_stream(engine, stmt, fmt, add)
    if fast is not None:
        chunks = fast
    elif fmt == "parquet":
        types = [plan.dataset.column(name).type for name in fields]
        chunks = exports.write_parquet(fields, types, batches())
    else:
        writer = {
            "csv": exports.write_csv,
            "ndjson": exports.write_ndjson,
            "geojson": exports.write_geojson,
            "xlsx": exports.write_xlsx,
        }[fmt]
        chunks = writer(fields, batches())
    for chunk in chunks:
        counted["bytes"] += len(chunk)
        yield chunk
    if fast is not None and fmt == "csv" and engine.dialect.name == "postgresql":
        counted["rows"] = max(counted["rows"] - 1, 0)  # COPY's line count includes the header
    _log(engine, plan, request_id, "export.done", detail, counted["rows"], counted["bytes"])
