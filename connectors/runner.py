"""Running a connector: read batches, validate, load, quarantine, commit state, count.

Each batch is one transaction holding its data, its quarantine entries and the stream state that
says it was read, so ``kill -9`` at any point leaves the hub exactly after some batch. Counts are
reconciled per batch before commit (read = inserted + updated + unchanged + quarantined): a batch
that would lose a record is rolled back and the run fails loudly.
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, select

from connectors import digests, loader, quarantine, retry, runs, state
from connectors.config import SourceConfig
from connectors.prepare import Ahead, Pool
from connectors.runs import Counts
from connectors.streams import (
    HASHED,
    Batch,
    BatchCheck,
    Connector,
    Context,
    Reject,
    SourceRecord,
    Stream,
)
from schemas import rules
from schemas.identifiers import normalize_text
from schemas.reference import Region
from schemas.schools import School

KILL_ENV = "EDUHUB_TEST_KILL_AT"  # fault tests: SIGKILL this process at the N-th checkpoint
_checkpoints = 0

PREMAP_MIN = 64  # fewer unmapped records than this are mapped one by one, as they come
Progress = Callable[[str, str, Counts], None]  # (stream, source of the batch, batch counts)


def checkpoint() -> None:
    """A point where a crash must be survivable; the fault tests kill the process here."""
    global _checkpoints
    wanted = os.environ.get(KILL_ENV)
    if not wanted:
        return
    _checkpoints += 1
    if _checkpoints == int(wanted):
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class RunReport:
    run_id: int
    connector: str
    status: str
    counts: Counts
    streams: dict[str, Counts] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None


def build_context(conn: Connection, province: str, id_key: bytes) -> Context:
    """What validators consult, read fresh per stream (an earlier stream may add schools)."""
    school_codes = School.__table__.c.code  # type: ignore[attr-defined]
    adcodes = Region.__table__.c.adcode  # type: ignore[attr-defined]
    return Context(
        province=province,
        id_key=id_key,
        schools=frozenset(conn.execute(select(school_codes)).scalars()),
        regions=frozenset(conn.execute(select(adcodes)).scalars()),
        today=date.today(),
    )


def _duplicate(first: Any, again: Any) -> Reject:
    """A later copy of a record: the same school (or none to compare) is an exact duplicate."""
    if first != again:
        return Reject(
            rules.DUPLICATE_TWO_SCHOOLS,
            f"{rules.message(rules.DUPLICATE_TWO_SCHOOLS)}: {first} / {again}",
        )
    return Reject(rules.DUPLICATE_EXACT, rules.message(rules.DUPLICATE_EXACT))


@dataclass
class Snapshot:
    """What the earlier chunks of one complete snapshot (one file) showed: its keys, the keys
    present but refused, and what duplicate detection must remember. Small per record, so a
    county file is never held in memory at once."""

    group: str
    keys: set[tuple[Any, ...]] = field(default_factory=set)
    protected: set[str] = field(default_factory=set)
    seen_raw: dict[str, Any] = field(default_factory=dict)
    seen: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    still_open: set[int] = field(default_factory=set)
    # Row digests (connectors.digests): the partition's last snapshot, and this one so far.
    fingerprint: str | None = None
    prior: dict[bytes, digests.Prior] = field(default_factory=dict)
    rows: dict[bytes, digests.Prior] = field(default_factory=dict)
    # What the hub held in the snapshot's scope when it started: confirms repeated rows without
    # a lookup per row (a repeated key is never written by the snapshot's own earlier chunks).
    # None when not read (no prior snapshot): the last chunk then reads the scope for deletions.
    held: dict[tuple[Any, ...], loader.Existing] | None = None


def _confirm_repeated(
    conn: Connection,
    stream: Stream,
    ctx: Context,
    repeated: list[tuple[SourceRecord, digests.Prior]],
    good: list[tuple[SourceRecord, dict[str, Any]]],
    refused: list[tuple[SourceRecord, Reject]],
    snap: Snapshot,
) -> dict[bytes, digests.Prior]:
    """Rows the last snapshot held with the same raw values: unchanged if the hub still holds
    what they loaded; any other is mapped like a new row (appended to ``good`` or ``refused``)."""
    if not repeated:
        return {}
    start = snap.held or {}
    elsewhere = {p.key for _, p in repeated if p.key not in start}  # moved out of scope
    held = loader.lookup(conn, stream, elsewhere) if elsewhere else {}
    same: dict[bytes, digests.Prior] = {}
    for rec, prior in repeated:
        old = start.get(prior.key) or held.get(prior.key)
        if old is not None and not old.deleted and old.hash[:16] == prior.content_hash:
            same[rec.digest or b""] = prior
            continue
        del snap.seen[prior.key]
        _map_one(stream, ctx, rec, snap, good, refused)
    return same


def _map_one(
    stream: Stream,
    ctx: Context,
    rec: SourceRecord,
    snap: Snapshot,
    good: list[tuple[SourceRecord, dict[str, Any]]],
    refused: list[tuple[SourceRecord, Reject]],
) -> None:
    """Map one record into ``good``, or into ``refused`` (a rule broken, a key seen before)."""
    mapped = rec.mapped  # mapped ahead by a worker process (connectors.prepare)
    if isinstance(mapped, Reject):
        refused.append((rec, mapped))
        return
    if mapped is None:
        try:
            mapped = stream.map(rec.raw, ctx)
        except Reject as exc:
            refused.append((rec, exc))
            return
    key = stream.key_of(mapped)
    school = mapped.get(stream.duplicate_field) if stream.duplicate_field else None
    if key in snap.seen:
        refused.append((rec, _duplicate(snap.seen[key], school)))
        return
    snap.seen[key] = school
    good.append((rec, mapped))


def _premap(
    stream: Stream,
    ctx: Context,
    records: list[SourceRecord],
    prior: dict[bytes, digests.Prior],
) -> list[SourceRecord]:
    """The batch's records, those no worker mapped mapped here column by column
    (``Stream.map_many``: the same values and refusals as one by one, in about two thirds of
    the time), except rows the partition's last snapshot may let it skip."""
    todo = [
        i
        for i, rec in enumerate(records)
        if rec.mapped is None and (rec.digest is None or rec.digest not in prior)
    ]
    if len(todo) < PREMAP_MIN:
        return records
    out = list(records)
    targets = stream.targets
    for i, mapped in zip(todo, stream.map_many([records[i].raw for i in todo], ctx), strict=True):
        values = mapped if isinstance(mapped, Reject) else dict(zip(targets, mapped, strict=True))
        out[i] = records[i]._replace(mapped=values)
    return out


def _check(
    conn: Connection,
    check: BatchCheck,
    good: list[tuple[SourceRecord, dict[str, Any]]],
    ctx: Context,
) -> dict[int, Reject]:
    """A batch check's failures by index in ``good``: a pure check's verdict on a record a
    worker already checked is the worker's (connectors.prepare)."""
    if not getattr(check, "pure", False):
        return check(conn, [m for _, m in good], ctx)
    todo = [i for i, (rec, _) in enumerate(good) if rec.precheck is None]
    failed = {
        i: rec.precheck for i, (rec, _) in enumerate(good) if isinstance(rec.precheck, Reject)
    }
    if todo:
        found = check(conn, [good[i][1] for i in todo], ctx)
        failed.update((todo[k], reason) for k, reason in found.items())
    return failed


def _remember_rows(
    stream: Stream,
    snap: Snapshot,
    good: list[tuple[SourceRecord, dict[str, Any]]],
    same: dict[bytes, digests.Prior],
    hashes: dict[tuple[Any, ...], str],
) -> None:
    """Digests of this snapshot's loaded rows, for the partition's next snapshot."""
    snap.rows.update(same)
    for rec, mapped in good:
        key = stream.key_of(mapped)
        digest = hashes.get(key)
        if rec.digest is None or digest is None:
            continue
        school = mapped.get(stream.duplicate_field) if stream.duplicate_field else None
        snap.rows[rec.digest] = digests.Prior(
            key, digest[:16], school, digests.refs_of(stream, mapped)
        )


def process_batch(
    conn: Connection,
    connector: Connector,
    stream: Stream,
    batch: Batch,
    ctx: Context,
    run_id: int,
    snapshot: Snapshot | None = None,
) -> Counts:
    """Validate, load and account for one batch inside the caller's transaction."""
    snap = snapshot or Snapshot(batch.source)
    refused: list[tuple[SourceRecord, Reject]] = list(batch.rejects)
    good: list[tuple[SourceRecord, dict[str, Any]]] = []
    repeated: list[tuple[SourceRecord, digests.Prior]] = []  # rows the last snapshot held
    for rec in _premap(stream, ctx, batch.records, snap.prior):
        # A repeated row is a duplicate first, whatever else is wrong with it.
        raw_key = stream.raw_key(rec.raw)
        if raw_key is not None:
            school = (
                normalize_text(rec.raw.get(stream.duplicate_source))
                if stream.duplicate_source
                else None
            )
            if raw_key in snap.seen_raw:
                refused.append((rec, _duplicate(snap.seen_raw[raw_key], school)))
                continue
            snap.seen_raw[raw_key] = school
        prior = snap.prior.get(rec.digest) if rec.digest is not None and snap.prior else None
        if prior is not None and prior.key not in snap.seen and digests.still_valid(prior, ctx):
            snap.seen[prior.key] = prior.school
            repeated.append((rec, prior))
            continue
        _map_one(stream, ctx, rec, snap, good, refused)
    same = _confirm_repeated(conn, stream, ctx, repeated, good, refused, snap)
    for check in stream.batch_checks:
        failed = _check(conn, check, good, ctx)
        if failed:
            refused.extend((good[i][0], reason) for i, reason in sorted(failed.items()))
            good = [g for i, g in enumerate(good) if i not in failed]
    for rec, mapped in good:
        if type(rec.precheck) is str:
            mapped[HASHED] = rec.precheck

    snap.protected.update(k for rec, _ in refused if (k := stream.raw_key(rec.raw)))
    if batch.complete and stream.scope and batch.partition is None:
        raise ValueError(f"{stream.name}: a complete snapshot needs a partition")
    scope = None
    if batch.complete and batch.last and stream.scope and batch.partition is not None:
        scope = stream.scope(batch.partition)
    raw_keys = [k for rec, _ in good if (k := stream.raw_key(rec.raw))]
    records = [m for _, m in good]
    if batch.complete:
        snap.keys.update(p.key for p in same.values())
    result = loader.load_batch(
        conn,
        stream,
        records,
        run_id=run_id,
        source_system=connector.name,
        scope=scope,
        present=snap.keys,
        protected=frozenset(snap.protected),
        tombstones=batch.tombstones,
        held=snap.held,
    )
    if batch.complete and not batch.last:
        snap.keys.update(result.keys)
    if snap.fingerprint is not None:
        _remember_rows(stream, snap, good, same, result.hashes)
    del good
    quarantined, still_open = quarantine.write(
        conn,
        run_id=run_id,
        connector=connector.name,
        stream=stream.name,
        source=batch.source,
        partition=batch.partition,
        entries=[(rec, reason, stream.raw_key(rec.raw)) for rec, reason in refused],
    )
    snap.still_open.update(still_open)
    if batch.complete and batch.last and batch.partition is not None:
        quarantine.resolve_partition(
            conn,
            run_id=run_id,
            connector=connector.name,
            stream=stream.name,
            partition=batch.partition,
            keep=snap.still_open,
        )
    else:
        quarantine.resolve_keys(
            conn,
            run_id=run_id,
            connector=connector.name,
            stream=stream.name,
            keys=raw_keys,
        )
    counts = Counts(
        read=len(batch.records) + len(batch.rejects),
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged + len(same),
        deleted=result.deleted,
        quarantined=quarantined,
        bytes=batch.nbytes,
        batches=1,
    )
    counts.reconcile(f"{connector.name}.{stream.name} {batch.source}")
    if batch.file is not None:
        state.remember_file(conn, connector.name, stream.name, batch.file, batch.file.rows, run_id)
    if batch.last and snap.fingerprint is not None and batch.partition is not None:
        digests.save(
            conn, connector.name, stream.name, batch.partition, snap.fingerprint, snap.rows, run_id
        )
    if batch.state is not None:
        state.save_state(conn, connector.name, stream.name, batch.state, run_id)
    return counts


class Priors:
    """The row digests of each partition's last snapshot (``connectors.digests``), decoded once
    per file: the worker's skip set is taken from them ahead of the file, and the runner's
    snapshot takes the same ones when it reaches that file."""

    def __init__(
        self, engine: Engine, connector: Connector, stream: Stream, ctx: Context, full: bool
    ) -> None:
        self.engine, self.connector, self.stream = engine, connector.name, stream.name
        self.usable = digests.skippable(stream)
        self.fingerprint = digests.fingerprint(connector, stream, ctx) if self.usable else None
        self.full_refresh = full
        self._ahead: dict[str, dict[bytes, digests.Prior]] = {}

    def _load(self, partition: str) -> dict[bytes, digests.Prior]:
        if self.full_refresh or self.fingerprint is None:
            return {}
        with self.engine.connect() as conn:
            return digests.load(conn, self.connector, self.stream, partition, self.fingerprint)

    def skip(self, partition: str | None) -> frozenset[bytes]:
        """The digests a worker need not map (kept for :meth:`take`)."""
        if partition is None or self.fingerprint is None:
            return frozenset()
        self._ahead[partition] = rows = self._load(partition)
        return frozenset(rows)

    def take(self, partition: str) -> dict[bytes, digests.Prior]:
        """The partition's digests for its snapshot: those given ahead, else read now (a second
        file of the partition in the same pull reads the ones the first file saved)."""
        rows = self._ahead.pop(partition, None)
        return rows if rows is not None else self._load(partition)


def _start_snapshot(engine: Engine, stream: Stream, batch: Batch, priors: Priors) -> Snapshot:
    """A new complete snapshot; with the partition's last one's row digests when they apply,
    and then with what the hub holds in its scope (to confirm the rows it repeats)."""
    snap = Snapshot(batch.group or "")
    if batch.partition is None or priors.fingerprint is None:
        return snap
    snap.fingerprint = priors.fingerprint
    snap.prior = priors.take(batch.partition)
    if snap.prior and stream.scope is not None:
        with engine.connect() as conn:
            snap.held = loader.in_scope(conn, stream, stream.scope(batch.partition))
    return snap


def _ahead(ctx: Context, pool: Pool | None, priors: Priors) -> Ahead | None:
    """The worker pool lent to this stream, with the digests its workers need not map."""
    if pool is None:
        return None
    return Ahead(pool, ctx, priors.skip)


@contextmanager
def _bulk_gc() -> Iterator[None]:
    """Cyclic garbage collection during a pull: by batch, not by allocation count.

    A batch allocates hundreds of thousands of containers (records, rows, driver objects) that
    stay alive until it commits, and the collector's automatic passes, triggered every few
    hundred allocations, traverse them again and again: about a third of the runner's CPU with
    workers feeding it. So automatic collection is off while a connector runs; after each batch
    :func:`_collect` frees that batch's cycles (young generations, linear in what the batch
    made) and every ``FULL_EVERY`` batches the whole heap, so cyclic garbage of the database
    drivers never piles up. What was alive before the run (imports, reference data) is frozen
    out of every pass."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


FULL_EVERY = 16
_batches_done = 0


def _collect() -> None:
    global _batches_done
    _batches_done += 1
    gc.collect(2 if _batches_done % FULL_EVERY == 0 else 1)


def run_connector(
    engine: Engine,
    connector: Connector,
    config: SourceConfig,
    *,
    id_key: bytes,
    province: str = "32",
    full_refresh: bool = False,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> RunReport:
    """Pull every stream of ``connector``; the run record says what happened, even on error.
    ``pool``: worker processes that may read and map large file drops ahead (connectors.prepare).
    """
    with _bulk_gc():
        return _run_connector(
            engine,
            connector,
            config,
            id_key=id_key,
            province=province,
            full_refresh=full_refresh,
            progress=progress,
            pool=pool,
        )


def _run_connector(
    engine: Engine,
    connector: Connector,
    config: SourceConfig,
    *,
    id_key: bytes,
    province: str,
    full_refresh: bool,
    progress: Progress | None,
    pool: Pool | None,
) -> RunReport:
    started = time.perf_counter()
    with engine.begin() as conn:
        before = state.load_state(conn, connector.name)
        run_id = runs.start_run(conn, connector.name, before)
    report = RunReport(run_id, connector.name, "running", Counts())
    try:
        if full_refresh:
            with engine.begin() as conn:
                state.clear_state(conn, connector.name)
                digests.clear(conn, connector.name)
        for stream in connector.streams:
            with engine.connect() as conn:
                ctx = build_context(conn, province, id_key)
                loaded = state.loaded_files(conn, connector.name, stream.name)
                current = state.load_state(conn, connector.name).get(stream.name, {})
                again = list(retry.batches(conn, connector, stream, ctx))
            totals = report.streams.setdefault(stream.name, Counts())
            for batch in again:  # refused for a pupil the registry now holds
                with engine.begin() as conn:
                    counts = process_batch(conn, connector, stream, batch, ctx, run_id)
                totals.add(counts)
                report.counts.add(counts)
                _collect()
            snap: Snapshot | None = None
            priors = Priors(engine, connector, stream, ctx, full_refresh)
            ahead = _ahead(ctx, pool, priors)
            for batch in connector.read(
                stream, config, current, full_refresh=full_refresh, loaded=loaded, ahead=ahead
            ):
                checkpoint()
                if batch.group is not None and (snap is None or snap.group != batch.group):
                    snap = _start_snapshot(engine, stream, batch, priors)
                with engine.begin() as conn:
                    loader.bulk_session(conn)
                    counts = process_batch(conn, connector, stream, batch, ctx, run_id, snap)
                    checkpoint()
                if batch.last:
                    snap = None
                checkpoint()
                totals.add(counts)
                report.counts.add(counts)
                if progress is not None:
                    progress(stream.name, batch.source, counts)
                del batch  # its records are garbage now: collected with the batch's cycles
                _collect()
        report.status = "ok"
    except Exception as exc:
        report.status = "failed"
        report.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        report.seconds = time.perf_counter() - started
        with engine.begin() as conn:
            after = state.load_state(conn, connector.name)
            runs.finish_run(
                conn,
                run_id,
                status=report.status,
                counts={
                    **report.counts.as_dict(),
                    "seconds": round(report.seconds, 3),
                    "streams": {k: v.as_dict() for k, v in report.streams.items()},
                },
                bytes_read=report.counts.bytes,
                state_after=after,
                error=report.error,
            )
    return report
