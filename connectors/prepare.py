"""Reading and mapping a file drop's files in worker processes, ahead of the runner.

Parsing a county's workbook and mapping its rows are pure work on one file: they need the file,
the stream and the :class:`~connectors.streams.Context`, not the database. A pull of many large
files hands them to a process pool (python-calamine parses, the stream maps each row, rows the
partition's last snapshot repeats are not mapped), while the runner's own process validates
against the hub, writes and commits, file after file in the same order as without workers. What
the runner decides is unchanged: it re-checks every digest skip and maps any record the worker
left unmapped, so the database ends the same with or without workers (a test pulls both ways).

Records cross the process boundary as plain tuples (column names once per layout), which
pickles at a few microseconds per row, against about 35 µs to map one.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from connectors.streams import Context, FileRef, Reject, SourceRecord, Stream

if TYPE_CHECKING:
    from connectors.transports.file_drop import FileDropConnector, SheetRows

PACK_ROWS = 2000  # rows per pickled chunk of a prepared file
MIN_BYTES = 16 << 20  # below this a pull's pending files are read in process: spawning costs ~1 s
Layout = tuple[tuple[str, ...], tuple[str, ...]]  # raw record keys, locator keys
# (layout, raw values or None for a light row, locator values, digest, mapped, precheck)
Row = tuple[int, tuple[Any, ...] | None, tuple[Any, ...], bytes | None, Any, str | Reject | None]


@dataclass(frozen=True)
class Job:
    """One file for a worker: which connector and stream, the file, and what not to map."""

    connector: str
    stream: str
    ref: FileRef
    ctx: Context
    skip: frozenset[bytes] = frozenset()  # row digests of the partition's last snapshot
    # Run the stream's pure batch checks and the content hash here too: worth it with two or
    # more workers; a single one is already busier than the runner with parsing and mapping.
    precheck: bool = False


class FileRows:
    """A file's raw records by locator, read again in the runner's process the first time a
    light row's raw record is needed (rare: the hub's copy of the row changed since the last
    snapshot, its school left the register, or the partition's digests moved on)."""

    def __init__(self, reread: Callable[[], Iterable[SourceRecord]] | None) -> None:
        self._reread = reread
        self._rows: dict[tuple[Any, ...], dict[str, Any]] | None = None

    def raw(self, locator: Mapping[str, Any]) -> dict[str, Any]:
        if self._rows is None:
            if self._reread is None:
                raise LookupError("a light row's raw record is needed but the file is not at hand")
            self._rows = {tuple(r.locator.values()): r.raw for r in self._reread()}
        return self._rows[tuple(locator.values())]


class LazyRaw(Mapping[str, Any]):
    """The raw record of a light row: the key and duplicate columns the worker sent, the rest
    read from the file on first use (:class:`FileRows`)."""

    __slots__ = ("_file", "_full", "_known", "_locator")

    def __init__(self, known: dict[str, Any], locator: Mapping[str, Any], file: FileRows) -> None:
        self._known, self._locator, self._file = known, locator, file
        self._full: dict[str, Any] | None = None

    def _all(self) -> dict[str, Any]:
        if self._full is None:
            self._full = self._file.raw(self._locator)
        return self._full

    def get(self, key: str, default: Any = None) -> Any:
        if self._full is None and key in self._known:
            return self._known[key]
        return self._all().get(key, default)

    def __getitem__(self, key: str) -> Any:
        if self._full is None and key in self._known:
            return self._known[key]
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


@dataclass
class Prepared:
    """A file's records, mapped: rows are (layout, raw values, locator values, digest, mapped,
    precheck), mapped being the model values in ``Stream.targets`` order, a Reject, or None (not
    mapped), precheck as in :class:`SourceRecord`.

    A row the partition's last snapshot holds with the same digest (and whose key the file has
    not shown before) travels light: no raw values, and in place of ``mapped`` the values of the
    stream's ``light_columns``, all the runner needs of it unless it must map the row after all
    (then :class:`LazyRaw` reads the file again).
    Rows travel and wait pickled, ``PACK_ROWS`` to a chunk: as objects a row takes about 4 KB
    (a 60,000-pupil county would hold 250 MB in the worker and again in the runner), pickled
    about 400 bytes, and the runner unpacks one chunk at a time."""

    layouts: list[Layout]
    chunks: list[bytes]
    rejects: list[tuple[SourceRecord, Reject]]

    def records(
        self, stream: Stream, reread: Callable[[], Iterable[SourceRecord]] | None = None
    ) -> Iterator[SourceRecord]:
        """The records; ``reread`` gives the file's records again, for light rows' raw ones."""
        targets, light = stream.targets, light_columns(stream)
        file = FileRows(reread)
        while self.chunks:
            rows: list[Row] = pickle.loads(self.chunks.pop(0))
            for layout, raw, locator, digest, mapped, precheck in rows:
                names, where = self.layouts[layout]
                place = dict(zip(where, locator, strict=True))
                if raw is None:
                    known = dict(zip(light, mapped, strict=True))
                    yield SourceRecord(LazyRaw(known, place, file), place, digest)  # type: ignore[arg-type]
                    continue
                if type(mapped) is tuple:
                    mapped = dict(zip(targets, mapped, strict=True))
                yield SourceRecord(
                    dict(zip(names, raw, strict=True)), place, digest, mapped, precheck
                )


def light_columns(stream: Stream) -> tuple[str, ...]:
    """The raw columns a light row carries: its key and its duplicate column."""
    extra = (stream.duplicate_source,) if stream.duplicate_source else ()
    return tuple(dict.fromkeys((*stream.key_sources, *extra)))


def prepare(job: Job) -> Prepared:
    """Read one file and map its records (in a worker process).

    A workbook's sheet goes from the reader's rows to the packed chunks without a record per
    row (``_Packer.sheet``); a CSV file, or a sheet with unnamed or repeated column names, goes
    record by record (``_Packer.records``), with the same outcome.

    (A single worker once parsed the next workbook in a thread while mapping this one. It held a
    second workbook, about 45 MB at scale 0.1, where the pull's peak was then 599-606 MB against
    a 600 MB budget, for about 3.5% of a full pull's time: see docs/connectors.md.)"""
    from connectors.registry import connectors
    from connectors.transports.file_drop import sheet_records, with_shared

    connector: FileDropConnector = connectors()[job.connector]  # type: ignore[assignment]
    stream = next(s for s in connector.streams if s.name == job.stream)
    packer = _Packer(stream, job)
    sheets = connector.file_sheets(job.ref)
    if sheets is None:
        records, rejects = connector.file_records(job.ref)
        packer.records(records)
        return packer.done(rejects)
    shared, found = sheets
    for name, names, rows in found:
        if all(names) and len(set(names)) == len(names) and not shared.keys() & set(names):
            packer.sheet(name, names, rows, shared)
        else:
            packer.records(with_shared(sheet_records(name, names, rows), shared))
    return packer.done([])


Column = Callable[[list[Any], str], list[Any]]  # a column of the records or rows to map


class _Packer:
    """A file's rows, packed ``PACK_ROWS`` to a chunk as they come (mapped column by column at
    each chunk's end, :func:`_pack`); every chunk holds rows of one kind (records, or the rows of
    one sheet), mapped through one ``Column``."""

    def __init__(self, stream: Stream, job: Job) -> None:
        self.stream, self.job = stream, job
        self.layouts: dict[Layout, int] = {}
        self.chunks: list[bytes] = []
        self.pending: list[list[Any]] = []  # [layout, raw values, locator values, digest, mapped]
        self.todo: list[int] = []  # rows of ``pending`` to map, with their records or rows
        self.to_map: list[Any] = []
        self.column: Column = _record_column
        self.light = light_columns(stream)
        self.keys: set[str] = set()  # raw keys seen in this file: a repeat is a duplicate

    def _kind(self, digest: bytes | None, raw_key: str | None) -> int:
        """0: travels light (the last snapshot holds it), 1: mapped, 2: whole but unmapped
        (a skippable digest repeated under a key seen before: a duplicate)."""
        first = raw_key is None or raw_key not in self.keys
        if raw_key is not None:
            self.keys.add(raw_key)
        if digest is None or digest not in self.job.skip:
            return 1
        return 0 if first else 2

    def _add(self, row: list[Any], item: Any) -> None:
        if item is not None:
            self.todo.append(len(self.pending))
            self.to_map.append(item)
        self.pending.append(row)
        if len(self.pending) == PACK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.chunks.append(
                _pack(self.stream, self.job, self.pending, self.todo, self.to_map, self.column)
            )
        self.pending, self.todo, self.to_map = [], [], []

    def records(self, records: Iterable[SourceRecord]) -> None:
        self._flush()
        self.column = _record_column
        light, stream, layouts = self.light, self.stream, self.layouts
        for rec in records:
            layout = (tuple(rec.raw), tuple(rec.locator))
            index = layouts.setdefault(layout, len(layouts))
            kind = self._kind(rec.digest, stream.raw_key(rec.raw))
            place = tuple(rec.locator.values())
            if kind == 0:
                values = tuple(rec.raw.get(c) for c in light)
                self._add([index, None, place, rec.digest, values], None)
            else:
                raw = tuple(rec.raw.values())
                self._add([index, raw, place, rec.digest, None], rec.raw if kind == 1 else None)

    def sheet(
        self, name: str, names: list[str], rows: SheetRows, shared: Mapping[str, Any]
    ) -> None:
        """A sheet whose columns are all named, once each, none also given by the file's name:
        each row's record would be ``dict(zip(names, row))`` plus ``shared``."""
        self._flush()
        width, svals = len(names), tuple(shared.values())
        at = {n: i for i, n in enumerate(names)}
        self.column = partial(_row_column, at, shared)
        heads = (tuple(names), tuple(shared))
        layouts, stream = self.layouts, self.stream
        full = layouts.setdefault((heads[0] + heads[1], LOCATOR), len(layouts))
        keys = [(at.get(c), c) for c in stream.key_sources]
        light = [(at.get(c), c) for c in self.light]

        def value(row: list[Any], p: int | None, c: str) -> Any:
            if p is None:
                return shared.get(c)
            return row[p] if p < len(row) else None

        for number, row, digest in rows:
            n = len(row)
            raw_key = stream.key_text([value(row, p, c) for p, c in keys]) if keys else None
            kind = self._kind(digest, raw_key)
            if n >= width:
                index = full
            else:  # a short row's record lacks its last columns
                index = layouts.setdefault((heads[0][:n] + heads[1], LOCATOR), len(layouts))
            if kind == 0:
                values = tuple(value(row, p, c) for p, c in light)
                self._add([index, None, (name, number), digest, values], None)
                continue
            raw = (*row, *svals) if n == width else (*row[:width], *svals)
            item = (row if n >= width else row + [None] * (width - n)) if kind == 1 else None
            self._add([index, raw, (name, number), digest, None], item)

    def done(self, rejects: list[tuple[SourceRecord, Reject]]) -> Prepared:
        self._flush()
        return Prepared(list(self.layouts), self.chunks, rejects)


LOCATOR = ("sheet", "row")


def _record_column(records: list[Mapping[str, Any]], name: str) -> list[Any]:
    return [r.get(name) for r in records]


def _row_column(
    at: Mapping[str, int], shared: Mapping[str, Any], rows: list[list[Any]], name: str
) -> list[Any]:
    """A column of a sheet's rows (padded to the header's width), or of the file's name."""
    p = at.get(name)
    if p is None:
        return [shared.get(name)] * len(rows)
    return [row[p] for row in rows]


def _pack(
    stream: Stream,
    job: Job,
    pending: list[list[Any]],
    todo: list[int],
    to_map: list[Any],
    column: Column,
) -> bytes:
    """Rows mapped (those at ``todo``, column by column) and pickled; with ``job.precheck``,
    first checked (when every batch check of the stream is pure) and hashed."""
    from connectors.loader import row_hash

    ctx = job.ctx
    mapped_all = stream.map_columns(len(to_map), partial(column, to_map), ctx)
    for i, mapped_ in zip(todo, mapped_all, strict=True):
        pending[i][4] = mapped_
    prechecks: dict[int, str | Reject] = {}
    if job.precheck and all(getattr(check, "pure", False) for check in stream.batch_checks):
        targets = stream.targets
        at = [i for i, row in enumerate(pending) if type(row[4]) is tuple and row[1] is not None]
        mapped = [dict(zip(targets, pending[i][4], strict=True)) for i in at]
        for check in stream.batch_checks:
            failed = check(None, mapped, ctx)  # type: ignore[arg-type]  # pure: no connection
            prechecks.update((at[k], reason) for k, reason in failed.items())
            keep = [k for k in range(len(at)) if k not in failed]
            at, mapped = [at[k] for k in keep], [mapped[k] for k in keep]
        for i, values in zip(at, mapped, strict=True):
            prechecks[i] = row_hash(stream, dict(values))
            # what the checks made of it (converted coordinates); a check that added columns
            # sends the whole record
            pending[i][4] = tuple(values.values()) if len(values) == len(targets) else values
    rows: list[Row] = [
        (layout, raw, locator, digest, mapped_, prechecks.get(i))
        for i, (layout, raw, locator, digest, mapped_) in enumerate(pending)
    ]
    return pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)


def _exit_with_parent(parent: int) -> None:
    """A worker whose runner died (``kill -9``) exits instead of waiting for work forever."""
    while True:
        threading.Event().wait(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _init_worker(parent: int) -> None:
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


class Pool:
    """Worker processes for a whole pull, started on first use (``spawn``: the runner holds
    threads and database connections that a fork would copy)."""

    def __init__(self, workers: int, min_bytes: int = MIN_BYTES) -> None:
        self.workers = workers
        self.min_bytes = min_bytes
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, job: Job) -> Future[Prepared]:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(),),
            )
        return self._executor.submit(prepare, job)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


@dataclass
class Ahead:
    """What the runner lends a file-drop stream's reader: the pool, the stream's context, and
    ``skip(partition)``, the row digests of the partition's last loaded snapshot."""

    pool: Pool
    ctx: Context
    skip: Callable[[str | None], frozenset[bytes]] = field(default=lambda _p: frozenset())

    def wanted(self, refs: list[FileRef]) -> bool:
        """Whether these pending files are worth the worker processes."""
        return self.pool.workers > 0 and sum(r.size for r in refs) >= self.pool.min_bytes

    def submit(self, connector: str, stream: str, ref: FileRef) -> Future[Prepared]:
        single = self.pool.workers == 1
        return self.pool.submit(
            Job(
                connector,
                stream,
                ref,
                self.ctx,
                self.skip(ref.partition),
                precheck=not single,
            )
        )
