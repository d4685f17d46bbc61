"""What a connector declares: its streams, their fields, and the batches its transport yields.

A stream (as in singer-sdk) names the unified model it feeds, its primary key and replication
mode, and maps source columns to model columns through converters that either return the value
the hub stores or raise :class:`Reject` with a quarantine rule id. The framework owns the rest:
reading, diffing, state, quarantine and counting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from sqlalchemy import ColumnElement, Connection
from sqlmodel import SQLModel

from schemas.identifiers import normalize_text
from schemas.versioning import business_fields

if TYPE_CHECKING:
    from connectors.config import SourceConfig
    from connectors.prepare import Ahead

Mode = Literal["snapshot_diff", "watermark", "cursor"]
DELETED = "__deleted__"  # a mapped record carrying this key is loaded as soft-deleted
HASHED = "__content_hash__"  # a mapped record's content hash, when a worker computed it


class Reject(Exception):
    """A value breaks a rule: the record goes to quarantine with this rule and message."""

    def __init__(self, rule: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from worker processes (connectors.prepare)
        return (Reject, (self.rule, self.message, self.field))


class SourceRecord(NamedTuple):
    """One record as the source holds it, and where it was (sheet + row, line, table + id...)."""

    raw: dict[str, Any]
    locator: dict[str, Any]
    digest: bytes | None = None  # of the raw values, for snapshot skipping (connectors.digests)
    # What a worker process already made of it (connectors.prepare): the stream's model values,
    # the Reject it raised, or None when the runner maps it itself.
    mapped: dict[str, Any] | Reject | None = None
    # The stream's batch checks, when all are pure, run by that worker too: the record's content
    # hash if it passed them, the Reject if it failed one (applied where the runner's checks
    # would be), or None when the runner checks it itself.
    precheck: str | Reject | None = None


@dataclass
class Context:
    """What converters may consult: the hub's province, known schools and regions, the ID key."""

    province: str
    id_key: bytes
    schools: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    today: date = field(default_factory=date.today)


Convert = Callable[[Any, Context], Any]


@dataclass(frozen=True)
class FieldMap:
    """Source column(s) → model column(s). A tuple source hands the converter a tuple of values;
    a tuple target expects a tuple back (an ID number gives its hash and its mask)."""

    target: str | tuple[str, ...]
    source: str | tuple[str, ...]
    convert: Convert


BatchCheck = Callable[[Connection, list[dict[str, Any]], Context], dict[int, Reject]]


@dataclass
class Stream:
    """One unified entity fed by one source table, sheet family or endpoint."""

    name: str
    model: type[SQLModel]
    key: tuple[str, ...]
    mode: Mode
    fields: tuple[FieldMap, ...]
    key_sources: tuple[str, ...] = ()  # raw columns holding the key, for quarantine entries
    # Rows a complete snapshot of one partition covers (snapshot_diff only).
    scope: Callable[[str], ColumnElement[bool]] | None = None
    # Checks needing the database or the whole batch (known pupils, CRS conversion).
    batch_checks: tuple[BatchCheck, ...] = ()
    # Duplicates that differ in this model column / raw column are "same pupil in two schools".
    duplicate_field: str | None = None
    duplicate_source: str | None = None

    def __post_init__(self) -> None:
        self.columns = business_fields(self.model)
        # Model columns whose converter checks the hub's school register (see digests).
        self.school_fields = tuple(
            name
            for fm in self.fields
            if getattr(fm.convert, "checks_schools", False)
            for name in (fm.target if isinstance(fm.target, tuple) else (fm.target,))
        )
        self._plan = [
            (
                fm.source if isinstance(fm.source, tuple) else None,
                fm.source if isinstance(fm.source, str) else ",".join(fm.source),
                fm.target if isinstance(fm.target, tuple) else None,
                fm.target if isinstance(fm.target, str) else "",
                fm.convert,
            )
            for fm in self.fields
        ]
        # The keys of a mapped record, in the order ``map`` writes them.
        self.targets = tuple(
            name
            for fm in self.fields
            for name in (fm.target if isinstance(fm.target, tuple) else (fm.target,))
        )
        self.key_of: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            (lambda record, k=self.key[0]: (record[k],))  # type: ignore[misc]
            if len(self.key) == 1
            else itemgetter(*self.key)
        )

    def map(self, raw: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        """Model values for one raw record; raises Reject naming the source field."""
        out: dict[str, Any] = {}
        get = raw.get
        for sources, name, targets, target, convert in self._plan:
            value = tuple(get(s) for s in sources) if sources is not None else get(name)
            try:
                result = convert(value, ctx)
            except Reject as exc:
                if exc.field is None:
                    exc.field = name
                raise
            if targets is not None:
                out.update(zip(targets, result, strict=True))
            else:
                out[target] = result
        return out

    def map_many(
        self, raws: Sequence[Mapping[str, Any]], ctx: Context
    ) -> list[tuple[Any, ...] | Reject]:
        """:meth:`map` for many records at once, column by column: each record's model values
        in ``targets`` order, or the Reject :meth:`map` raises for it (that of its first field
        in mapping order). A converter with a ``many`` attribute converts a whole column in
        one call (:func:`connectors.fields.memo` translates each distinct value once)."""
        return self.map_columns(len(raws), lambda name: [r.get(name) for r in raws], ctx)

    def map_columns(
        self, count: int, column: Callable[[str], list[Any]], ctx: Context
    ) -> list[tuple[Any, ...] | Reject]:
        """:meth:`map_many` for ``count`` records given as columns: ``column(name)`` is the
        values of the raw column ``name`` (None where a record lacks it)."""
        failed: dict[int, Reject] = {}
        columns: list[Sequence[Any]] = []
        for sources, name, targets, _target, convert in self._plan:
            if sources is not None:
                values: list[Any] = list(zip(*(column(s) for s in sources), strict=True))
            else:
                values = column(name)
            blank = (None,) * len(targets) if targets is not None else None
            many = getattr(convert, "many", None)
            results, errors = (many or partial(convert_all, convert))(values, ctx, blank, failed)
            for i, exc in errors.items():
                if i not in failed:
                    if exc.field is None:
                        exc.field = name
                    failed[i] = exc
            if targets is not None:
                columns.extend(zip(*results, strict=True) if results else [()] * len(targets))
            else:
                columns.append(results)
        rows: list[tuple[Any, ...] | Reject] = list(zip(*columns, strict=True)) if count else []
        for i, exc in failed.items():
            rows[i] = exc
        return rows

    def raw_key(self, raw: Mapping[str, Any]) -> str | None:
        """The record's key as the source wrote it (normalised), to find it in quarantine."""
        if not self.key_sources:
            return None
        return self.key_text([raw.get(s) for s in self.key_sources])

    @staticmethod
    def key_text(values: Iterable[Any]) -> str | None:
        """:meth:`raw_key` from the values of the key columns."""
        parts = [normalize_text(v).upper() for v in values]
        return "|".join(parts) if any(parts) else None


def convert_all(
    convert: Convert,
    values: Sequence[Any],
    ctx: Context,
    blank: Any,
    failed: Mapping[int, Reject],
) -> tuple[list[Any], dict[int, Reject]]:
    """A column through a converter value by value: the results (``blank`` where it refused)
    and the Reject of each refused index. An unexpected error on a record an earlier field
    already refused is left out, as :meth:`Stream.map` never reaches that field."""
    out: list[Any] = []
    append = out.append
    errors: dict[int, Reject] = {}
    for i, value in enumerate(values):
        try:
            append(convert(value, ctx))
        except Reject as exc:
            append(blank)
            errors[i] = exc
        except Exception:
            if i not in failed:
                raise
            append(blank)
    return out, errors


def source_key(key: tuple[Any, ...]) -> str:
    """The provenance ``source_key`` of a record: its natural key joined with '|'."""
    return "|".join(str(v) for v in key)


@dataclass
class FileRef:
    """A file of a file drop with its fingerprint (name + size + SHA-256)."""

    path: Any
    name: str
    size: int
    sha256: str
    partition: str | None = None
    period: str | None = None
    rows: int = 0  # records and refused lines, once read


@dataclass
class Batch:
    """Records read in one go, with the stream state to commit together with them."""

    source: str
    records: list[SourceRecord]
    state: dict[str, Any] | None  # None: the stream state does not change with this batch
    partition: str | None = None
    complete: bool = False  # (part of) a full snapshot of ``partition``
    # A snapshot read in chunks: ``group`` names it, only its ``last`` chunk deletes the rows
    # the snapshot no longer lists and carries the state that marks it loaded.
    group: str | None = None
    last: bool = True
    rejects: list[tuple[SourceRecord, Reject]] = field(default_factory=list)
    tombstones: list[tuple[Any, ...]] = field(default_factory=list)
    nbytes: int = 0
    file: FileRef | None = None


class Connector:
    """A source system: streams plus how to read batches of each from the configured transport."""

    name: str = ""
    title: str = ""
    transport: str = ""
    streams: tuple[Stream, ...] = ()
    depends_on: tuple[str, ...] = ()  # connectors whose data this one checks against
    uses_workers = False  # hands files to the worker processes (``read``'s ``ahead``)

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
        """Batches of ``stream`` to load. ``ahead``: worker processes a file drop may hand its
        files to (connectors.prepare); other transports ignore it."""
        raise NotImplementedError

    def estimate(self, stream: Stream, config: SourceConfig) -> int | None:
        """Number of batches to expect (for progress bars), if cheap to know."""
        return None
