"""City uploads: a file of rows for a dataset, validated exactly like connector input.

The rows go through the connector stream that feeds the dataset's table (same field
converters, rule ids, duplicate and batch checks), then through the connectors' loader, so an
upload and a connector run can never disagree on what is valid. A city may only write rows of
its own region; the answer lists accepted rows and rejected rows with rule and reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, select, tuple_

from hub.errors import Forbidden, Invalid
from hub.services.exchange import audit
from hub.services.exchange.access import region_closure
from hub.services.exchange.clients import Caller
from hub.services.exchange.datasets import get_dataset
from hub.settings import Settings
from schemas import rules, scoping
from schemas.people import Student
from schemas.schools import School

if TYPE_CHECKING:
    from connectors.streams import Stream

OUT_OF_SCOPE = "exchange.out_of_scope"
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class UploadReport:
    dataset: str
    received: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def stream_for(table_name: str) -> Stream:
    # The connectors (and the shapely, calamine... they import) load with the first upload,
    # not with the app: a server answering pulls never needs them.
    from connectors.registry import connectors

    for connector in connectors().values():
        for stream in connector.streams:
            if stream.model.__tablename__ == table_name:
                return stream
    raise Invalid(f"no connector validates {table_name}: uploads are not possible for it")


def parse_rows(content: bytes, content_type: str) -> list[dict[str, Any]]:
    """CSV (UTF-8, with or without BOM), JSON (a list, or ``{"records": [...]}``) or XLSX."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        text = content.decode("utf-8-sig")
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]
    if kind == "application/json":
        data = orjson.loads(content)
        data = data.get("records", data) if isinstance(data, dict) else data
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise Invalid('JSON uploads are a list of objects or {"records": [...]}')
        return data
    if kind.endswith("spreadsheetml.sheet"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h) if h is not None else "" for h in next(rows, ())]
        return [dict(zip(header, r, strict=False)) for r in rows if any(v is not None for v in r)]
    raise Invalid(f"unsupported upload type {kind!r}: send text/csv, application/json or XLSX")


def _counties(conn: Any, mapped: list[dict[str, Any]]) -> list[str | None]:
    """The county of each mapped row, from its county, school or pupil."""
    s, p = School.__table__, Student.__table__  # type: ignore[attr-defined]
    schools = {m.get("school_code") or m.get("university_code") for m in mapped} - {None}
    pupils = {m.get("xjh") for m in mapped if "school_code" not in m} - {None}
    county_of = dict(
        conn.execute(select(s.c.code, s.c.county_adcode).where(s.c.code.in_(schools))).all()
    )
    school_of = dict(
        conn.execute(select(p.c.xjh, p.c.school_code).where(p.c.xjh.in_(pupils))).all()
    )
    out: list[str | None] = []
    for m in mapped:
        if m.get("county_adcode"):
            out.append(m["county_adcode"])
        elif m.get("school_code") or m.get("university_code"):
            out.append(county_of.get(m.get("school_code") or m.get("university_code")))
        elif m.get("xjh"):
            out.append(county_of.get(school_of.get(m["xjh"])))
        else:
            out.append(None)
    return out


def _held_elsewhere(
    conn: Any, stream: Stream, rows: list[dict[str, Any]], allowed: set[str]
) -> set[tuple[Any, ...]]:
    """Keys of rows the hub already holds located outside ``allowed`` (``schemas.scoping``)."""
    table = stream.model.__table__  # type: ignore[attr-defined]
    loc = scoping.LOCATORS.get(table.name)
    if loc is None or loc.column in stream.key or not rows:
        return set()  # where such a row is follows from its key: checked as a new row
    cols = [table.c[k] for k in stream.key]
    keys = sorted({stream.key_of(m) for m in rows}, key=str)
    found: dict[tuple[Any, ...], Any] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        clause = cols[0].in_([k[0] for k in chunk]) if len(cols) == 1 else tuple_(*cols).in_(chunk)
        for row in conn.execute(select(*cols, table.c[loc.column]).where(clause)):
            found[tuple(row[:-1])] = row[-1]
    regions = scoping.resolve(conn, table.name, found.values())
    return {key for key, value in found.items() if regions[value] not in allowed}


def upload(
    *,
    engine: Engine,
    settings: Settings,
    session: Any,
    caller: Caller,
    key: str,
    content: bytes,
    content_type: str,
    request_id: str,
) -> UploadReport:
    from connectors import loader, runs
    from connectors.runner import build_context
    from connectors.streams import Reject

    if caller.org is None or "datasets:write" not in caller.scopes:
        raise Forbidden("uploads need a token with the datasets:write scope")
    if len(content) > MAX_BYTES:
        raise Invalid(f"uploads are limited to {MAX_BYTES // 1024 // 1024} MB")
    ds = get_dataset(settings, key)
    if not ds.versioned:
        raise Invalid(f"{ds.code} is a view: upload to the datasets it is built from")
    stream = stream_for(ds.source.name)  # type: ignore[attr-defined]
    raws = parse_rows(content, content_type)
    report = UploadReport(ds.code, received=len(raws))
    province = caller.org.level == "province" or caller.org.code == ds.provider
    allowed = None if province else set(region_closure(session=session, adcodes=[caller.org.code]))
    org = caller.org.code
    with engine.connect() as conn:
        ctx = build_context(conn, settings.province_code, settings.id_hash_key_bytes)
        good: list[tuple[int, dict[str, Any]]] = []
        seen: set[tuple[Any, ...]] = set()
        for i, raw in enumerate(raws, start=1):
            try:
                mapped = stream.map(raw, ctx)
            except Reject as exc:
                report.rejected.append(_reject(i, exc.rule, exc.message, exc.field))
                continue
            row_key = stream.key_of(mapped)
            if row_key in seen:
                rule = rules.DUPLICATE_EXACT
                report.rejected.append(_reject(i, rule, rules.message(rule), None))
                continue
            seen.add(row_key)
            good.append((i, mapped))
        for check in stream.batch_checks:
            failed = check(conn, [m for _, m in good], ctx)
            for j, reason in sorted(failed.items()):
                report.rejected.append(_reject(good[j][0], reason.rule, reason.message, None))
            good = [g for j, g in enumerate(good) if j not in failed]
        if allowed is not None:
            counties = _counties(conn, [m for _, m in good])
            kept = []
            for (i, mapped), county in zip(good, counties, strict=True):
                if county in allowed:
                    kept.append((i, mapped))
                else:
                    msg = f"row is outside {org}'s region (county {county})"
                    report.rejected.append(_reject(i, OUT_OF_SCOPE, msg, None))
            # an update may not take a row away from another region (a pupil of another city)
            elsewhere = _held_elsewhere(conn, stream, [m for _, m in kept], set(allowed))
            good = []
            for i, mapped in kept:
                if stream.key_of(mapped) in elsewhere:
                    msg = f"the hub holds this row for a region outside {org}'s: it cannot move it"
                    report.rejected.append(_reject(i, OUT_OF_SCOPE, msg, None))
                else:
                    good.append((i, mapped))
    report.rejected.sort(key=lambda r: r["row"])
    report.accepted = len(good)
    audit.append(
        engine=engine,
        caller=caller,
        request_id=request_id,
        action="upload",
        dataset=ds.code,
        detail={"received": report.received, "rejected": len(report.rejected)},
        row_count=report.accepted,
        size=len(content),
    )
    if good:
        with engine.begin() as conn:
            run_id = runs.start_run(conn, f"upload:{org}", {})
            result = loader.load_batch(
                conn, stream, [m for _, m in good], run_id=run_id, source_system=f"upload:{org}"
            )
            counts = {"inserted": result.inserted, "updated": result.updated}
            runs.finish_run(
                conn, run_id, status="ok", counts=counts, bytes_read=len(content), state_after={}
            )
        report.inserted, report.updated = result.inserted, result.updated
        report.unchanged = result.unchanged
    return report


def _reject(row: int, rule: str, message: str, column: str | None) -> dict[str, Any]:
    return {"row": row, "rule": rule, "field": column, "message": message}
