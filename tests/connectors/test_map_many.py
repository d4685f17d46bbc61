"""Mapping column by column (``Stream.map_many``, what worker processes use) gives exactly what
mapping record by record (``Stream.map``) gives: the same values, and for a refused record the
same rule, message and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors import fields as f
from connectors import runner
from connectors.config import load_sources
from connectors.registry import connectors
from connectors.streams import Context, FieldMap, Reject, SourceRecord, Stream
from connectors.transports.file_drop import FileDropConnector
from schemas import rules
from schemas.people import Student
from tests.connectors.test_prepare import _ctx

CTX = Context(province="32", id_key=b"k", schools=frozenset({"2132010001"}))


def _by_record(stream: Stream, raws: list[dict[str, Any]], ctx: Context) -> list[Any]:
    out: list[Any] = []
    for raw in raws:
        try:
            out.append(tuple(stream.map(raw, ctx).values()))
        except Reject as exc:
            out.append((exc.rule, exc.message, exc.field))
    return out


def _by_column(stream: Stream, raws: list[dict[str, Any]], ctx: Context) -> list[Any]:
    return [
        (r.rule, r.message, r.field) if isinstance(r, Reject) else r
        for r in stream.map_many(raws, ctx)
    ]


@pytest.mark.slow
def test_every_file_drop_stream_maps_the_same_both_ways(province_template: Path) -> None:
    """Every record of the synthetic province's file drops, planted faults and quirks
    included."""
    ctx = _ctx(province_template)
    sources = load_sources(province_template / "sources.yaml").sources
    refused = mapped = 0
    for connector in connectors().values():
        if not isinstance(connector, FileDropConnector):
            continue
        for stream in connector.streams:
            for ref in connector.files(sources[connector.name]):
                records, _ = connector.file_records(ref)
                raws = [r.raw for r in records]
                got = stream.map_many(raws, ctx)
                assert _by_column(stream, raws, ctx) == _by_record(stream, raws, ctx), ref.name
                refused += sum(isinstance(r, Reject) for r in got)
                mapped += len(got)
    assert mapped > 10_000
    assert refused > 50


def _stream(*fields: FieldMap) -> Stream:
    return Stream(name="t", model=Student, key=("xjh",), mode="snapshot_diff", fields=fields)


def _picky(value: Any, ctx: Context) -> str:
    if value == "bad":
        raise Reject("test.bad", "坏值 (bad value)")
    return str(value)


def _fragile(value: Any, ctx: Context) -> str:
    if value is None:
        raise ValueError("a bug reached on a refused record only")
    return str(value)


def test_the_first_field_to_refuse_a_record_names_it() -> None:
    stream = _stream(
        FieldMap("xjh", "a", _picky),
        FieldMap("name", "b", f.code("gender")),
        FieldMap("grade", "c", _fragile),
    )
    raws: list[dict[str, Any]] = [
        {"a": "bad", "b": "X", "c": None},  # refused by a; b and c would fail too
        {"a": "ok", "b": "X", "c": "3"},  # refused by b (a memoised converter)
        {"a": "ok", "b": "男", "c": "3"},
        {"a": "ok", "b": "X", "c": "4"},  # the same refusal again: its own Reject
    ]
    got = stream.map_many(raws, CTX)
    assert [type(r) for r in got] == [Reject, Reject, tuple, Reject]
    assert _by_column(stream, raws, CTX) == _by_record(stream, raws, CTX)
    assert (got[0].rule, got[0].field) == ("test.bad", "a")  # type: ignore[union-attr]
    assert (got[1].rule, got[1].field) == (got[3].rule, "b")  # type: ignore[union-attr]
    assert got[1] is not got[3]
    assert got[2] == ("ok", "1", "3")


def test_an_unexpected_error_on_a_record_no_field_refused_is_raised() -> None:
    stream = _stream(FieldMap("xjh", "a", _picky), FieldMap("grade", "c", _fragile))
    with pytest.raises(ValueError, match="a bug"):
        stream.map_many([{"a": "ok", "c": "1"}, {"a": "ok", "c": None}], CTX)


def test_unhashable_values_and_tuple_targets_map_the_same() -> None:
    stream = _stream(
        FieldMap("xjh", "a", f.memo(lambda v, ctx: repr(v))),
        FieldMap(("home_lon", "home_lat"), ("x", "y"), f.coordinates()),
    )
    raws: list[dict[str, Any]] = [
        {"a": [1, 2], "x": "118.8", "y": "32.1"},
        {"a": 1, "x": 0, "y": 0},
        {"a": 1.0, "x": None, "y": None},
        {"a": True, "x": "", "y": ""},
    ]
    got = _by_column(stream, raws, CTX)
    assert got == _by_record(stream, raws, CTX)
    assert got[0] == ("[1, 2]", 118.8, 32.1)
    assert got[1][0] == rules.COORDS_ZERO
    assert [g[0] for g in got[2:]] == ["1.0", "True"]  # 1, 1.0 and True are told apart
    assert stream.map_many([], CTX) == []


def test_the_runner_maps_a_batch_column_by_column_but_not_what_it_may_skip() -> None:
    """``runner._premap``: records no worker mapped, except those whose digest the
    partition's last snapshot holds (they may be confirmed without mapping)."""
    stream = _stream(FieldMap("xjh", "a", _picky), FieldMap("grade", "c", f.text()))
    done = {"xjh": "w", "grade": "1"}
    records = [SourceRecord({"a": f"r{i}", "c": "3"}, {"row": i}) for i in range(100)]
    records[0] = records[0]._replace(raw={"a": "bad", "c": "3"})
    records[1] = records[1]._replace(mapped=done)  # mapped by a worker
    records[2] = records[2]._replace(digest=b"old")  # repeated from the last snapshot
    got = runner._premap(stream, CTX, records, {b"old": None})  # type: ignore[dict-item]
    assert isinstance(got[0].mapped, Reject)
    assert (got[0].mapped.rule, got[0].mapped.field) == ("test.bad", "a")
    assert got[1].mapped is done
    assert got[2].mapped is None
    assert got[3].mapped == {"xjh": "r3", "grade": "3"} == stream.map(records[3].raw, CTX)
    assert [r.raw for r in got] == [r.raw for r in records]
    few = records[3 : 3 + runner.PREMAP_MIN - 1]
    assert runner._premap(stream, CTX, few, {}) is few  # mapped one by one as they come
