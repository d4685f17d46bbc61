"""Files read and mapped by worker processes (connectors.prepare) load exactly what the runner
loads on its own: the same database after a full pull and after the next month's pull (whose
repeated rows the workers leave unmapped), and the same quarantine."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from multiprocessing import active_children
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import Engine

from connectors.config import load_sources
from connectors.loader import row_hash
from connectors.prepare import Ahead, Job, LazyRaw, Pool, prepare
from connectors.registry import connectors, names
from connectors.streams import Context, FileRef, Reject, SourceRecord, Stream
from connectors.transports.file_drop import FileDropConnector, fingerprint
from hub.services import pull as pull_service
from hub.settings import Settings
from hub.storage.engine import make_engine
from hub.synth.periods import advance
from tests.conftest import BACKENDS, TEST_KEY, Templates, _fresh_database
from tests.connectors import factories as fx
from tests.connectors.conftest import copy_province
from tests.connectors.test_kill import dump
from tests.connectors.test_next_period import _pull

pytestmark = pytest.mark.slow


def _registry(province: Path) -> tuple[FileDropConnector, list[FileRef]]:
    connector = connectors()["student_registry"]
    assert isinstance(connector, FileDropConnector)
    config = load_sources(province / "sources.yaml").sources[connector.name]
    return connector, connector.files(config)


def _ctx(province: Path) -> Context:
    """A context whose school register is what the institution-code export lists."""
    codes = connectors()["institution_codes"]
    assert isinstance(codes, FileDropConnector)
    config = load_sources(province / "sources.yaml").sources[codes.name]
    schools: set[str] = set()
    for ref in codes.files(config):
        records, _ = codes.file_records(ref)
        schools.update(str(r.raw["学校标识码"]).strip() for r in records)
    return Context(province="32", id_key=TEST_KEY.encode(), schools=frozenset(schools))


def test_reject_survives_pickling() -> None:
    again = pickle.loads(pickle.dumps(Reject("id.check_digit", "校验位错误", "身份证件号")))
    assert (again.rule, again.message, again.field) == (
        "id.check_digit",
        "校验位错误",
        "身份证件号",
    )


def test_prepared_records_are_what_the_stream_maps(province_template: Path) -> None:
    connector, refs = _registry(province_template)
    stream, ref = connector.streams[0], refs[0]
    ctx = _ctx(province_template)
    prepared = pickle.loads(pickle.dumps(prepare(Job(connector.name, stream.name, ref, ctx))))
    records, _ = connector.file_records(ref)
    expected = list(records)
    got = list(prepared.records(stream))
    assert len(got) == len(expected) > 100
    assert sum(isinstance(r.mapped, dict) for r in got) > 100
    for rec, mine in zip(expected, got, strict=True):
        assert (mine.raw, mine.locator, mine.digest) == (rec.raw, rec.locator, rec.digest)
        mapped: Any
        try:
            mapped = stream.map(rec.raw, ctx)
        except Reject as exc:
            mapped = (exc.rule, exc.field)
        if isinstance(mine.mapped, Reject):
            assert (mine.mapped.rule, mine.mapped.field) == mapped
        else:  # coordinates are converted by the batch check (next test)
            assert isinstance(mine.mapped, dict)
            moved = ("home_lon", "home_lat")
            assert {k: v for k, v in mine.mapped.items() if k not in moved} == {
                k: v for k, v in mapped.items() if k not in moved
            }


def test_workers_check_and_hash_like_the_runner(province_template: Path) -> None:
    """The registry's only batch check (coordinates, pure) runs in the worker: each record comes
    with the content hash the loader would give it after that check, or the check's Reject."""
    connector, refs = _registry(province_template)
    stream = connector.streams[0]
    ctx = _ctx(province_template)
    job = Job(connector.name, stream.name, refs[0], ctx, precheck=True)
    got = list(prepare(job).records(stream))
    records, _ = connector.file_records(refs[0])
    mapped: list[tuple[int, dict[str, Any]]] = []
    for i, rec in enumerate(records):
        try:
            mapped.append((i, stream.map(rec.raw, ctx)))
        except Reject:
            assert got[i].precheck is None
    (check,) = stream.batch_checks
    failed = check(None, [m for _, m in mapped], ctx)  # type: ignore[arg-type]
    hashed = 0
    for k, (i, values) in enumerate(mapped):
        if k in failed:
            reason = got[i].precheck
            assert isinstance(reason, Reject)
            assert reason.rule == failed[k].rule
        else:
            assert got[i].precheck == row_hash(stream, dict(values))
            assert got[i].mapped == values  # converted to WGS-84 once, by the worker
            hashed += 1
    assert hashed > 100


def test_skipped_digests_are_left_unmapped(province_template: Path) -> None:
    connector, refs = _registry(province_template)
    stream, ref = connector.streams[0], refs[0]
    records, _ = connector.file_records(ref)
    digests = [r.digest for r in records if r.digest is not None]
    skip = frozenset(digests[::2])
    ctx = Context(province="32", id_key=TEST_KEY.encode())
    prepared = prepare(Job(connector.name, stream.name, ref, ctx, skip))
    unmapped = {r.digest for r in prepared.records(stream) if r.mapped is None}
    assert unmapped == skip


@pytest.fixture(params=BACKENDS)
def two_hubs(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path
) -> Iterator[tuple[Engine, Engine]]:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    made = [_fresh_database(request.param, tmp_path / name, templates) for name in ("a", "b")]
    engines = [make_engine(next(databases)) for databases in made]
    try:
        yield engines[0], engines[1]
    finally:
        for engine in engines:
            engine.dispose()
        for databases in made:
            for _ in databases:
                pass


def test_pull_with_workers_matches_pull_without(
    two_hubs: tuple[Engine, Engine],
    province_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone, helped = two_hubs
    submitted: list[str] = []
    submit = Ahead.submit

    def spy(self: Ahead, connector: str, stream: str, ref: Any) -> Any:
        submitted.append(ref.name)
        return submit(self, connector, stream, ref)

    monkeypatch.setattr(Ahead, "submit", spy)
    folder = copy_province(province_template, tmp_path / "province")

    def settings(engine: Engine, workers: int) -> Settings:
        return Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            id_hash_key=TEST_KEY,
            data_dir=tmp_path / "data",
            pull_workers=workers,
            pull_workers_min_mb=0,
        )

    # Two workers check and hash too; a single one parses its next file ahead instead.
    for step, workers in (("base month", 2), ("next month", 1)):
        if step == "next month":
            advance(folder, workers=1)
        _pull(alone, settings(alone, 0), folder)
        assert not submitted
        _pull(helped, settings(helped, workers), folder)
        assert submitted, "the workers were not used"
        submitted.clear()
        expected, got = dump(alone), dump(helped)
        diff = {
            name: (sorted(set(rows) ^ set(expected[name]))[:2], len(rows), len(expected[name]))
            for name, rows in got.items()
            if rows != expected[name]
        }
        assert not diff, (step, diff)


def test_workers_end_with_the_last_file_drop(
    two_hubs: tuple[Engine, Engine],
    province_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker processes (each holding a parsed workbook's memory) stop once no later
    connector of the pull parses files; the HTTP and exchange-database sources run without."""
    engine, _ = two_hubs
    available = connectors()
    alive: list[tuple[str, bool, int]] = []
    run = pull_service.run_connector
    before = set(active_children())  # whatever an earlier test of this process left

    def spy(engine: Engine, connector: Any, *args: Any, **kwargs: Any) -> Any:
        workers = set(active_children()) - before
        alive.append((connector.name, connector.uses_workers, len(workers)))
        return run(engine, connector, *args, **kwargs)

    monkeypatch.setattr(pull_service, "run_connector", spy)
    folder = copy_province(province_template, tmp_path / "province")
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        id_hash_key=TEST_KEY,
        data_dir=tmp_path / "data",
        pull_workers=1,
        pull_workers_min_mb=0,
    )
    _pull(engine, settings, folder)
    assert [name for name, _, _ in alive] == [n for n in names() if n in available]
    files = [i for i, (_, uses, _) in enumerate(alive) if uses]
    assert files == list(range(len(files))), "the file drops run first"
    assert any(count for _, _, count in alive[1 : len(files)]), "the workers never ran"
    assert [count for _, _, count in alive[len(files) :]] == [0] * (len(alive) - len(files))
    assert not set(active_children()) - before


def test_pool_is_used_only_for_enough_bytes(province_template: Path) -> None:
    _, refs = _registry(province_template)
    size = sum(r.size for r in refs)
    ctx = Context(province="32", id_key=b"k")
    assert Ahead(Pool(2, min_bytes=size), ctx).wanted(refs)
    assert not Ahead(Pool(2, min_bytes=size + 1), ctx).wanted(refs)
    assert not Ahead(Pool(0, min_bytes=0), ctx).wanted(refs)


def test_skipped_rows_travel_light_and_are_read_again_on_demand(province_template: Path) -> None:
    connector, refs = _registry(province_template)
    stream, ref = connector.streams[0], refs[0]
    records, _ = connector.file_records(ref)
    expected = list(records)
    skip = frozenset(r.digest for r in expected[::2] if r.digest is not None)
    ctx = Context(province="32", id_key=TEST_KEY.encode())
    job = Job(connector.name, stream.name, ref, ctx, skip)
    reads: list[int] = []

    def reread() -> Iterator[SourceRecord]:
        reads.append(1)
        return connector.file_records(ref)[0]

    got = list(pickle.loads(pickle.dumps(prepare(job))).records(stream, reread))
    seen: set[str | None] = set()
    light, repeats = [], 0
    for mine, rec in zip(got, expected, strict=True):
        key = stream.raw_key(rec.raw)
        if mine.digest in skip and key not in seen:
            light.append((mine, rec))
        elif mine.digest in skip:  # a duplicate row: sent whole, its raw record is quarantined
            assert isinstance(mine.raw, dict)
            assert mine.mapped is None
            repeats += 1
        seen.add(key)
    assert len(light) > 100
    assert repeats > 0  # the synthetic county plants duplicate rows
    # The key and duplicate columns came along; nothing was read again for them.
    for mine, rec in light:
        assert isinstance(mine.raw, LazyRaw)
        assert stream.raw_key(mine.raw) == stream.raw_key(rec.raw)
        assert mine.raw.get("学校标识码") == rec.raw.get("学校标识码")
    assert reads == []
    # Any other column reads the file once, and gives what the reader gave.
    assert dict(light[0][0].raw) == light[0][1].raw
    assert all(dict(mine.raw) == rec.raw for mine, rec in light)
    assert reads == [1]
    # Without the file at hand a light row says so instead of guessing.
    bare = list(prepare(job).records(stream))
    lazy = next(r.raw for r in bare if isinstance(r.raw, LazyRaw))
    with pytest.raises(LookupError):
        lazy.get("姓名")


def _assert_mapped_as_stream_maps(
    stream: Stream,
    ctx: Context,
    expected: list[SourceRecord],
    got: list[SourceRecord],
    skip: tuple[str, ...] = (),
) -> None:
    """Each prepared record carries what ``Stream.map`` makes of its raw record (the same
    refusal, or the same values but those of ``skip``)."""
    for rec, mine in zip(expected, got, strict=True):
        mapped: Any
        try:
            mapped = stream.map(rec.raw, ctx)
        except Reject as exc:
            mapped = exc
        if isinstance(mapped, Reject):
            assert isinstance(mine.mapped, Reject)
            assert (mine.mapped.rule, mine.mapped.field) == (mapped.rule, mapped.field)
            continue
        assert isinstance(mine.mapped, dict)
        assert {k: v for k, v in mine.mapped.items() if k not in skip} == {
            k: v for k, v in mapped.items() if k not in skip
        }


def test_every_file_drop_file_is_prepared_as_its_records_read(province_template: Path) -> None:
    """Whatever path a file takes in the worker (a workbook's rows straight to chunks, a CSV
    file or an odd sheet record by record), the runner gets the records ``file_records``
    gives, mapped as ``Stream.map`` maps them (coordinates aside: the batch check converts
    them), and the file's refused lines."""
    ctx = _ctx(province_template)
    sources = load_sources(province_template / "sources.yaml").sources
    files = 0
    for connector in connectors().values():
        if not isinstance(connector, FileDropConnector):
            continue
        for stream in connector.streams:
            for ref in connector.files(sources[connector.name]):
                prepared = prepare(Job(connector.name, stream.name, ref, ctx))
                got = list(prepared.records(stream))
                records, rejects = connector.file_records(ref)
                expected = list(records)
                assert [(r.raw, r.locator, r.digest) for r in got] == [
                    (r.raw, r.locator, r.digest) for r in expected
                ], ref.name
                assert [(r.locator, x.rule) for r, x in prepared.rejects] == [
                    (r.locator, x.rule) for r, x in rejects
                ]
                _assert_mapped_as_stream_maps(
                    stream, ctx, expected, got, skip=("home_lon", "home_lat")
                )
                files += 1
    assert files > 10


def test_odd_sheets_are_prepared_as_their_records_read(tmp_path: Path) -> None:
    """A cell right of the header, an unnamed column, a repeated column name (such sheets go
    record by record), a row with trailing empty cells: the same records through a worker as
    read directly. (python-calamine pads every row to the sheet's width; rows of uneven length
    are tested below.)"""
    pupil = fx.pupil(fx.id_number(seq="101"))
    columns, values = list(pupil), [str(v) for v in pupil.values()]
    sheets = {
        "plain": (columns, [values, values[:5]]),
        "wider": (columns, [values, [*values, "extra"]]),
        "unnamed": ([*columns[:3], "", *columns[4:]], [values, values[:5]]),
        "repeated": ([*columns, columns[0]], [values, [*values, "G" + "1" * 18]]),
    }
    connector = connectors()["student_registry"]
    assert isinstance(connector, FileDropConnector)
    stream = connector.streams[0]
    ctx = Context(province="32", id_key=TEST_KEY.encode())
    for label, (header, rows) in sheets.items():
        path = tmp_path / label / "学籍_320102_202609.xlsx"
        path.parent.mkdir()
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("学生基本信息")
        for r, row in enumerate([header, *rows]):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
        book.close()
        ref = fingerprint(path)
        ref.partition, ref.period = "320102", "202609"
        got = list(prepare(Job(connector.name, stream.name, ref, ctx)).records(stream))
        records, _ = connector.file_records(ref)
        expected = [(r.raw, r.locator, r.digest) for r in records]
        assert [(r.raw, r.locator, r.digest) for r in got] == expected, label
        assert len(got) == 2


def test_rows_of_uneven_length_pack_as_their_records() -> None:
    """``_Packer.sheet`` against ``sheet_records`` on rows shorter and longer than the header,
    with values the file's name gives every record (what another reader than
    python-calamine may give)."""
    from connectors.prepare import _Packer
    from connectors.transports.file_drop import sheet_records, with_shared

    connector = connectors()["student_registry"]
    stream = connector.streams[0]
    pupil = fx.pupil(fx.id_number(seq="101"))
    names, values = list(pupil), list(pupil.values())
    rows = [(2, values, b"a"), (3, values[:4], b"b"), (4, [*values, "extra"], b"c")]
    shared = {"年度": "2026"}
    ctx = Context(province="32", id_key=TEST_KEY.encode())
    job = Job(connector.name, stream.name, FileRef(None, "x.xlsx", 0, ""), ctx)
    packer = _Packer(stream, job)
    packer.sheet("s", names, iter(rows), shared)
    got = list(packer.done([]).records(stream))
    expected = list(with_shared(sheet_records("s", names, iter(rows)), shared))
    assert [(r.raw, r.locator, r.digest) for r in got] == [
        (r.raw, r.locator, r.digest) for r in expected
    ]
    assert len(got[1].raw) == 4 + 1  # the short row's record lacks its last columns
    _assert_mapped_as_stream_maps(stream, ctx, expected, got)
