"""Row digests of complete snapshots: skip mapping the rows a new snapshot repeats unchanged.

A monthly registry export repeats almost every pupil of the month before. Each source row gets a
64-bit digest of its raw values (and of the file's header and the values its name supplies); the
last loaded snapshot of every partition keeps, per loaded row, its digest, natural key, content
hash and the values that were checked against the hub's school register. When the next snapshot
of the partition holds a row with a known digest, that row needs no mapping, no validation and
no write: it is unchanged, provided that

- the mapping itself is unchanged: the fingerprint covers the converters' source code, the code
  tables, the connector module, the ID hashing key, the province and its regions;
- the schools it refers to are still registered (re-checked per row); and
- the hub still holds exactly what that row loaded (its content hash is compared in the batch's
  lookup; a row changed since, by an upload or a repair, is mapped again).

Everything else (new rows, changed rows, refused rows, rows of a file whose header moved) goes
through the full pipeline. The digests are a cache written in the transaction of the snapshot's
last chunk; ``--full-refresh`` drops them.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, delete, insert, select

from connectors.streams import Context, Stream
from schemas.base import utcnow
from schemas.state import SnapshotDigest

TABLE = SnapshotDigest.__table__  # type: ignore[attr-defined]
SIZE = 8  # bytes per digest: 64 bits, no collision to expect among millions of rows
_MAPPING_SOURCES = (
    "connectors/fields.py",
    "connectors/geo.py",
    "connectors/identity.py",
    "connectors/streams.py",
    "schemas/identifiers.py",
    "schemas/codes.py",
    "schemas/crs.py",
)


class Prior(NamedTuple):
    """A row of the last loaded snapshot: its key, content hash and referenced schools (a tuple:
    a snapshot of a county decodes tens of thousands of them)."""

    key: tuple[Any, ...]
    content_hash: str
    school: Any
    refs: tuple[str, ...]


def seed(header: Sequence[str], shared: Mapping[str, Any]) -> Any:
    """What every row digest of one file starts from: its column names and name-given values
    (a hash state that :func:`row_digest` copies, so the header is hashed once per file)."""
    return hashlib.blake2b(
        orjson.dumps([list(header), sorted(shared.items())], default=str), digest_size=SIZE
    )


def row_digest(base: Any, values: Sequence[Any]) -> bytes:
    """The digest of one source row's raw values (as the reader gave them, in file order):
    their JSON (orjson keeps 1 and 1.0 apart; dates, datetimes and times have ISO forms, other
    types their ``str``) hashed on from the file's :func:`seed`."""
    state = base.copy()
    try:
        state.update(orjson.dumps(values, default=str))
    except TypeError:  # an integer beyond 64 bits
        state.update(repr(list(values)).encode())
    return state.digest()


@cache
def _code_digest() -> bytes:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=16)
    for name in _MAPPING_SOURCES:
        digest.update((root / name).read_bytes())
    for path in sorted((root / "schemas" / "codes").glob("*.csv")):
        digest.update(path.read_bytes())
    return digest.digest()


def _module_bytes(obj: object) -> bytes:
    module = sys.modules.get(type(obj).__module__)
    try:
        return inspect.getsource(module).encode() if module is not None else b""
    except (OSError, TypeError):
        return b""


def fingerprint(connector: object, stream: Stream, ctx: Context) -> str:
    """Everything a row's mapping depends on besides its raw values and the school register."""
    digest = hashlib.blake2b(digest_size=32)
    digest.update(_code_digest())
    digest.update(_module_bytes(connector))
    digest.update(repr([(fm.target, fm.source) for fm in stream.fields]).encode())
    digest.update(hashlib.sha256(ctx.id_key).digest())
    digest.update(ctx.province.encode())
    digest.update(orjson.dumps(sorted(ctx.regions)))
    return digest.hexdigest()


def _encode(rows: Mapping[bytes, Prior]) -> bytes:
    digests = b"".join(rows)
    # Priors are tuples subclassed: orjson hands each to ``tuple`` and writes it as an array.
    body = orjson.dumps(list(rows.values()), default=tuple, option=orjson.OPT_PASSTHROUGH_SUBCLASS)
    return zlib.compress(len(digests).to_bytes(8, "big") + digests + body, 1)


def _decode(data: bytes) -> dict[bytes, Prior]:
    raw = zlib.decompress(data)
    size = int.from_bytes(raw[:8], "big")
    digests = raw[8 : 8 + size]
    body = orjson.loads(raw[8 + size :])
    return dict(
        zip(
            (digests[i : i + SIZE] for i in range(0, size, SIZE)),
            [Prior(tuple(k), h, s, tuple(r)) for k, h, s, r in body],
            strict=True,
        )
    )


def load(
    conn: Connection, connector: str, stream: str, partition: str, fingerprint_: str
) -> dict[bytes, Prior]:
    """The last snapshot's rows of a partition; empty when none or when the mapping changed."""
    row = conn.execute(
        select(TABLE.c.fingerprint, TABLE.c.data).where(
            TABLE.c.connector == connector,
            TABLE.c.stream == stream,
            TABLE.c.partition == partition,
        )
    ).one_or_none()
    if row is None or row[0] != fingerprint_:
        return {}
    return _decode(row[1])


def save(
    conn: Connection,
    connector: str,
    stream: str,
    partition: str,
    fingerprint_: str,
    rows: Mapping[bytes, Prior],
    run_id: int,
) -> None:
    """Replace the partition's digests (inside the transaction of the snapshot's last chunk)."""
    where = (
        (TABLE.c.connector == connector)
        & (TABLE.c.stream == stream)
        & (TABLE.c.partition == partition)
    )
    conn.execute(delete(TABLE).where(where))
    conn.execute(
        insert(TABLE).values(
            connector=connector,
            stream=stream,
            partition=partition,
            fingerprint=fingerprint_,
            rows=len(rows),
            data=_encode(rows),
            run_id=run_id,
            updated_at=utcnow(),
        )
    )


def clear(conn: Connection, connector: str) -> None:
    """Forget every digest of a connector (``--full-refresh``)."""
    conn.execute(delete(TABLE).where(TABLE.c.connector == connector))


def still_valid(prior: Prior, ctx: Context) -> bool:
    """The school-register checks the row passed then still pass now."""
    return ctx.schools.issuperset(prior.refs)


def refs_of(stream: Stream, mapped: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(v for name in stream.school_fields if (v := mapped.get(name)) is not None)


def skippable(stream: Stream) -> bool:
    """Only snapshot streams whose batch checks depend on the batch's own rows alone."""
    return stream.mode == "snapshot_diff" and all(
        getattr(check, "pure", False) for check in stream.batch_checks
    )


def keys_of(rows: Iterable[Prior]) -> set[tuple[Any, ...]]:
    return {p.key for p in rows}
