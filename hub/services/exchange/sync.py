"""Federation: a city's own hub mirrors the datasets it may read from the province hub.

Each dataset is read through the province's change feed; every page is applied and its
bookmark (the ``next`` version) stored in the same local transaction, so a sync killed at any
point resumes exactly where the last committed page ended and never applies a page twice.
Rows are mirrored as the province serves them to this city (scope and masks included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hub.errors import EduhubError, Invalid
from hub.services.exchange.datasets import Dataset, datasets
from hub.services.exchange.query import coerce
from hub.settings import Settings
from schemas import scoping
from schemas.base import utcnow
from schemas.exchange import SyncBookmark
from schemas.versioning import allocate_versions, current_version

# Parents first, so foreign keys (school_code → schools) hold while mirroring.
FIRST = ("schools",)


@dataclass
class SyncReport:
    applied: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    restarted: dict[str, str] = field(default_factory=dict)  # read again from the start: why
    swept: dict[str, int] = field(default_factory=dict)  # rows that replay deleted


class RemoteError(EduhubError):
    status = 502
    type_slug = "remote-error"
    title = "Remote hub error"


def _token(http: httpx.Client, client_id: str, secret: str) -> str:
    r = http.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    if r.status_code != 200:
        raise RemoteError(f"token request refused ({r.status_code}): {r.text[:200]}")
    return str(r.json()["access_token"])


def _bookmark(conn: Connection, source: str, code: str) -> tuple[int, int | None]:
    """(the version to ask for next, ``resync_from`` of a replay in progress)."""
    table = SyncBookmark.__table__  # type: ignore[attr-defined]
    got = conn.execute(
        select(table.c.since, table.c.resync_from).where(
            table.c.source == source, table.c.dataset == code
        )
    ).first()
    return (int(got[0] or 0), got[1]) if got is not None else (0, None)


def _save_bookmark(
    conn: Connection, source: str, code: str, since: int, resync_from: int | None = None
) -> None:
    table = SyncBookmark.__table__  # type: ignore[attr-defined]
    values = {"since": since, "resync_from": resync_from}
    done = conn.execute(
        update(table)
        .where(table.c.source == source, table.c.dataset == code)
        .values(**values, updated_at=utcnow())
    ).rowcount
    if not done:
        conn.execute(insert(table).values(source=source, dataset=code, **values))


def _sweep(conn: Connection, ds: Dataset, upto: int) -> int:
    """End of a replay: mirrored rows it did not write (change version still at or below
    ``upto``, the local version before it began) are gone from what the remote serves this
    hub: marked deleted, each with a new version so this hub's own feed passes it on."""
    table: Any = ds.source
    (pk_name,) = ds.key
    stale = list(
        conn.execute(
            select(table.c[pk_name]).where(
                table.c.source_system == "sync",
                table.c.change_version <= upto,
                table.c.is_deleted.is_(False),
            )
        ).scalars()
    )
    if stale:
        now = utcnow()
        versions = allocate_versions(conn, len(stale))
        conn.execute(
            update(table)
            .where(table.c[pk_name] == bindparam("_key"))
            .values(is_deleted=True, change_version=bindparam("_version"), last_seen=now),
            [{"_key": k, "_version": v} for k, v in zip(stale, versions, strict=True)],
        )
    return len(stale)


def _apply(conn: Connection, ds: Dataset, source: str, changes: list[dict[str, Any]]) -> None:
    """Write one page: upserts and deletions as served; a row that left this city's scope
    (``record`` null) is marked deleted if the mirror holds it, and never inserted."""
    table: Any = ds.source
    (pk_name,) = ds.key  # every versioned dataset has a one-column primary key
    pk = table.c[pk_name]
    keys = [coerce(pk, change["key"][0]) for change in changes]
    held: set[Any] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        held.update(conn.execute(select(pk).where(pk.in_(chunk))).scalars())
    versions = allocate_versions(conn, len(changes))
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for change, key, version in zip(changes, keys, versions, strict=True):
        record = change.get("record")
        if record is None:  # left the scope: only the key came
            if key in held:
                updates.append(
                    {"_pk": key, "is_deleted": True, "change_version": version, "last_seen": now}
                )
            continue
        values = {name: coerce(table.c[name], v) for name, v in record.items()}
        values.update(
            {
                pk_name: key,
                "source_system": "sync",
                "source_key": ":".join(str(k) for k in change["key"]),
                "is_deleted": change["op"] == "delete",
                "change_version": version,
                "last_seen": now,
            }
        )
        if key in held:
            updates.append({"_pk": key, **values})
        else:
            inserts.append(values)
    # the mirror is a hub too: rows moving between its own regions are recorded likewise
    scoping.note_updates(conn, table, updates)
    scoping.note_inserts(conn, table, inserts)
    for values in updates:  # one statement per row: the rows of a page set different columns
        row = {k: v for k, v in values.items() if k != "_pk"}
        conn.execute(update(table).where(pk == values["_pk"]).values(**row))
    if inserts:
        conn.execute(insert(table), inserts)


def sync(
    *,
    engine: Engine,
    settings: Settings,
    base_url: str,
    client_id: str,
    secret: str,
    only: list[str] | None = None,
    page_size: int = 1000,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> SyncReport:
    """Mirror every versioned dataset this client may read (or ``only`` those)."""
    try:
        return _sync(engine, settings, base_url.rstrip("/"), client_id, secret, only, page_size,
                     transport, progress)  # fmt: skip
    except httpx.HTTPError as exc:
        raise RemoteError(f"cannot talk to {base_url}: {exc}") from exc


def _sync(
    engine: Engine,
    settings: Settings,
    source: str,
    client_id: str,
    secret: str,
    only: list[str] | None,
    page_size: int,
    transport: httpx.BaseTransport | None,
    progress: Callable[[str, int], None] | None,
) -> SyncReport:
    report = SyncReport()
    with httpx.Client(base_url=source, timeout=60, transport=transport) as http:
        headers = {"Authorization": f"Bearer {_token(http, client_id, secret)}"}
        listing = http.get("/api/v1/datasets", headers=headers).json()
        local = {ds.code: ds for ds in datasets(settings)}
        wanted = [
            local[item["code"]]
            for item in listing
            if item["access"] != "none" and item["code"] in local
            and (not only or item["code"] in only or item["id"] in only)
        ]  # fmt: skip
        wanted.sort(key=lambda d: (d.id not in FIRST, d.code))
        for ds in [d for d in wanted if not d.versioned]:
            report.skipped[ds.code] = "not change-versioned"
        todo = [d for d in wanted if d.versioned]
        for _ in range(2):
            retry: list[Dataset] = []
            for ds in todo:
                try:
                    got = _pull(engine, http, headers, source, ds, page_size, progress, report)
                except IntegrityError as exc:
                    # a row whose parent (school) arrived at the province after this sync read
                    # the parents' feed: read the parents again, then this dataset once more
                    retry.append(ds)
                    report.failed[ds.code] = _failure(exc)
                except SQLAlchemyError as exc:
                    # e.g. a masked NOT NULL column: this dataset cannot be mirrored, the rest can
                    report.failed[ds.code] = _failure(exc)
                else:
                    report.applied[ds.code] = report.applied.get(ds.code, 0) + got
                    report.failed.pop(ds.code, None)
            if not retry:
                break
            todo = [d for d in wanted if d.versioned and d.id in FIRST and d not in retry] + retry
    return report


def _failure(exc: SQLAlchemyError) -> str:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return f"cannot store what the hub serves: {reason}"


def _pull(
    engine: Engine,
    http: httpx.Client,
    headers: dict[str, str],
    source: str,
    ds: Dataset,
    page_size: int,
    progress: Callable[[str, int], None] | None,
    report: SyncReport,
) -> int:
    """Apply pages until the feed has no more. A remote that refuses the cursor (410: its
    records of rows leaving this city's regions were pruned, or this city's grant changed)
    is read again from the start; the rows that replay does not bring are then deleted."""
    applied = 0
    while True:
        with engine.connect() as conn:
            since, resync_from = _bookmark(conn, source, ds.code)
        r = http.get(
            f"/api/v1/datasets/{ds.code}/changes",
            params={"since": since, "limit": page_size},
            headers=headers,
        )
        if r.status_code == 410 and since > 0:
            with engine.begin() as conn:
                _save_bookmark(conn, source, ds.code, 0, resync_from=current_version(conn))
            report.restarted[ds.code] = _problem(r)
            continue
        if r.status_code != 200:
            raise RemoteError(f"{ds.code}: changes refused ({r.status_code}): {r.text[:200]}")
        page = r.json()
        if page["next"] < since:
            raise Invalid(f"{ds.code}: remote went backwards ({page['next']} < {since})")
        with engine.begin() as conn:
            if page["changes"]:
                _apply(conn, ds, source, page["changes"])
            if resync_from is not None and not page["more"]:
                report.swept[ds.code] = _sweep(conn, ds, resync_from)
                resync_from = None
            _save_bookmark(conn, source, ds.code, int(page["next"]), resync_from)
        applied += len(page["changes"])
        if progress:
            progress(ds.code, applied)
        if not page["more"]:
            return applied


def _problem(r: httpx.Response) -> str:
    try:
        return str(r.json().get("detail") or r.text[:200])
    except ValueError:
        return r.text[:200]
