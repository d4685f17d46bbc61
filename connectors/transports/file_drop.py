"""File drop (an SFTP inbox in production): pick up new exports, read them as real exports are.

A file is known by name + size + SHA-256 and never loaded twice. Spreadsheets are read with
python-calamine (about ten times faster than openpyxl; .xls as well as .xlsx): the header row is
found below title rows, a merged two-line header is joined, blank rows are skipped. CSV encoding
is sniffed (UTF-8 with or without BOM, else GB18030) and a truncated line is reported, not loaded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from python_calamine import CalamineSheet, CalamineWorkbook

from connectors import digests
from connectors.config import SourceConfig
from connectors.prepare import Ahead, Prepared
from connectors.streams import Batch, Connector, FileRef, Reject, SourceRecord, Stream
from schemas import rules
from schemas.identifiers import normalize_text

HEADER_SCAN_ROWS = 12
CHUNK_ROWS = 10000  # records per transaction: a county file is loaded in chunks, never at once
# Files handed to the workers ahead of the one the runner loads: one per worker, plus up to
# EXTRA_AHEAD more while these total at most EXTRA_AHEAD_BYTES (prepared rows take about four
# times their workbook's size). With one file in hand the two sides stalled each other: the
# worker idled 22% of a full pull and the runner 30%.
EXTRA_AHEAD = 2
EXTRA_AHEAD_BYTES = 12 << 20


def fingerprint(path: Path) -> FileRef:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return FileRef(path=path, name=path.name, size=path.stat().st_size, sha256=digest.hexdigest())


def _blank(row: Sequence[Any]) -> bool:
    if isinstance(row, list):  # what the readers give: counted in C
        return row.count(None) + row.count("") == len(row)
    return all(v is None or v == "" for v in row)


def find_header(rows: Sequence[Sequence[Any]], expected: Sequence[str]) -> tuple[list[str], int]:
    """Column names and the index of the first data row.

    The header is the first row naming at least half the expected columns (a title row above
    names at most one). If the next row names expected columns the header row lacks, the two
    rows are one merged header: a column takes the lower cell, or the upper when that is empty.
    """
    wanted = set(expected)
    need = min(len(wanted), max(2, (len(wanted) + 1) // 2))
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = [normalize_text(v) for v in row]
        if not wanted.intersection(names):
            continue  # a title row or a blank one
        lower = [normalize_text(v) for v in rows[i + 1]] if i + 1 < len(rows) else []
        if (wanted & set(lower)) - set(names):
            joined = [lo or up for up, lo in zip(names, lower, strict=False)]
            if len(wanted.intersection(joined)) >= need:
                return joined, i + 2
        if len(wanted.intersection(names)) >= need:
            return names, i + 1
    raise ValueError(f"no header row with the expected columns {', '.join(expected)}")


Sheets = list[tuple[str, CalamineSheet]]


def load_sheets(path: Path, wanted: Callable[[str], bool]) -> Sheets:
    """Parse a workbook's matching sheets. python-calamine releases the GIL while it parses, so
    this runs in a thread, reading the next file while the current one is mapped and loaded."""
    workbook = CalamineWorkbook.from_path(str(path))
    return [
        (name, workbook.get_sheet_by_name(name)) for name in workbook.sheet_names if wanted(name)
    ]


# A sheet's data rows: (spreadsheet row number, values as the reader gave them, row digest).
SheetRows = Iterator[tuple[int, list[Any], bytes | None]]


def workbook_sheets(
    path: Path,
    expected: Sequence[str],
    sheets: Callable[[str], bool],
    shared: Mapping[str, Any] | None = None,
    parsed: Sheets | None = None,
) -> Iterator[tuple[str, list[str], SheetRows]]:
    """Every matching sheet with its column names and its non-blank data rows, each with its
    row digest (``connectors.digests``) when ``shared`` (the values the file's name gives
    every record) is given. ``parsed``: the sheets :func:`load_sheets` gave."""
    found = False
    for name, sheet in parsed if parsed is not None else load_sheets(path, sheets):
        rows = iter(sheet.iter_rows())  # converted row by row, never a second copy of the sheet
        head = list(itertools.islice(rows, HEADER_SCAN_ROWS + 1))
        try:
            names, first = find_header(head, expected)
        except ValueError:
            continue  # a notes or summary sheet
        found = True
        offset = sheet.start[0] if sheet.start else 0
        base = digests.seed([name, *names], shared) if shared is not None else None
        yield name, names, _data_rows(itertools.chain(head[first:], rows), first + offset, base)
    if not found:
        raise ValueError(f"{path.name}: no sheet has the columns {', '.join(expected)}")


def _data_rows(rows: Iterator[list[Any]], start: int, base: Any) -> SheetRows:
    for i, row in enumerate(rows, start=start + 1):
        if not _blank(row):
            yield i, row, digests.row_digest(base, row) if base is not None else None


def sheet_records(name: str, names: list[str], rows: SheetRows) -> Iterator[SourceRecord]:
    """A sheet's rows as records; locator = {sheet, row} with 1-based spreadsheet rows."""
    named = all(names)  # no unnamed column to leave out: dict(zip()) builds it in C
    for number, row, digest in rows:
        pairs = zip(names, row, strict=False)
        raw = dict(pairs) if named else {n: v for n, v in pairs if n}
        yield SourceRecord(raw, {"sheet": name, "row": number}, digest)


def read_workbook(
    path: Path,
    expected: Sequence[str],
    sheets: Callable[[str], bool],
    shared: Mapping[str, Any] | None = None,
    parsed: Sheets | None = None,
) -> Iterator[SourceRecord]:
    """Records of every matching sheet (:func:`workbook_sheets`, :func:`sheet_records`)."""
    for name, names, rows in workbook_sheets(path, expected, sheets, shared, parsed):
        yield from sheet_records(name, names, rows)


def sniff_encoding(data: bytes) -> str:
    """UTF-8 with BOM, plain UTF-8 if it decodes, else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def read_csv(
    path: Path, expected: Sequence[str], shared: Mapping[str, Any] | None = None
) -> tuple[list[SourceRecord], list[tuple[SourceRecord, Reject]]]:
    """Records and refused lines of a CSV export; locator = {line} (1-based, header = 1).
    With ``shared``, records carry their row digest as in :func:`read_workbook`.

    A line with fewer fields than the header is truncated (csv.truncated); so is a last line
    that ends without a line break and whose last field is shorter than any complete line's.
    """
    data = path.read_bytes()
    text = data.decode(sniff_encoding(data))
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    base: bytes | None = None
    records: list[SourceRecord] = []
    rejects: list[tuple[SourceRecord, Reject]] = []
    start = 1
    for row in reader:
        end = reader.line_num
        if header is None:
            if _blank(row):
                start = end + 1
                continue
            header = [normalize_text(v) for v in row]
            missing = [c for c in expected if c not in header]
            if missing:
                raise ValueError(f"{path.name}: CSV header lacks {', '.join(missing)}")
            base = digests.seed(header, shared) if shared is not None else None
            start = end + 1
            continue
        line, start = start, end + 1
        if _blank(row):
            continue
        raw = {n: v for n, v in zip(header, row, strict=False) if n}
        record = SourceRecord(
            raw, {"line": line}, digests.row_digest(base, row) if base is not None else None
        )
        if len(row) < len(header):
            rejects.append(
                (
                    record,
                    Reject(
                        rules.CSV_TRUNCATED,
                        f"{rules.message(rules.CSV_TRUNCATED)}: {len(row)}/{len(header)} 列",
                    ),
                )
            )
            continue
        records.append(record)
    last_line_loaded = bool(records) and (
        not rejects or records[-1].locator["line"] > rejects[-1][0].locator["line"]
    )
    if last_line_loaded and not text.endswith(("\n", "\r")):
        last = records[-1]
        if _cut_short(last, records[:-1], header or []):
            records.pop()
            rejects.append((last, Reject(rules.CSV_TRUNCATED, rules.message(rules.CSV_TRUNCATED))))
    return records, rejects


def _cut_short(last: SourceRecord, others: list[SourceRecord], header: list[str]) -> bool:
    """The unterminated last line's final field is shorter than it is on every other line
    (a cut-off date or code); an empty field proves nothing, many columns are optional."""
    column = header[-1]
    value = str(last.raw.get(column, ""))
    lengths = {len(str(r.raw.get(column, ""))) for r in others[-200:]}
    return bool(value) and bool(lengths) and len(value) < min(lengths)


def is_csv(ref: FileRef) -> bool:
    return ref.name.lower().endswith(".csv")


def _window(refs: Sequence[FileRef], index: int, workers: int) -> range:
    """The files to have handed to the workers while the runner loads ``refs[index]``."""
    end = min(len(refs), index + workers + 1)
    extra = 0
    while end < len(refs) and end - index - workers - 1 < EXTRA_AHEAD:
        extra += refs[end].size
        if extra > EXTRA_AHEAD_BYTES:
            break
        end += 1
    return range(index, end)


class FileDropConnector(Connector):
    """A source that drops one export per partition and period (a county's month, a year...).

    Subclasses declare the file-name pattern (named groups ``partition`` and ``period``), the
    expected columns and which sheets to read; each file is a complete snapshot of its partition,
    loaded in chunks whose last one deletes what the file no longer lists and marks it loaded.
    """

    transport = "file_drop"
    uses_workers = True
    file_name: re.Pattern[str] = re.compile(r"(?P<partition>.+)_(?P<period>\d+)")
    columns: tuple[str, ...] = ()
    sheet_names: tuple[str, ...] = ()  # exact names; empty = every sheet
    sheet_prefix: str | None = None
    chunk_rows = CHUNK_ROWS

    def wants_sheet(self, name: str) -> bool:
        if self.sheet_prefix is not None:
            return name.startswith(self.sheet_prefix)
        return not self.sheet_names or name in self.sheet_names

    def partition_of(self, match: re.Match[str]) -> str:
        return match.group("partition")

    def file_fields(self, ref: FileRef) -> dict[str, Any]:
        """Values every record of the file shares, taken from its name (a year, a university)."""
        return {}

    def files(self, config: SourceConfig) -> list[FileRef]:
        folder = config.path()
        pattern = str(config.get("pattern") or "*")
        found: list[FileRef] = []
        for path in sorted(folder.glob(pattern)) if folder.is_dir() else []:
            match = self.file_name.fullmatch(path.stem)
            if not match or not path.is_file():
                continue
            ref = fingerprint(path)
            ref.partition, ref.period = self.partition_of(match), match.group("period")
            found.append(ref)
        return sorted(found, key=lambda r: (r.period or "", r.partition or "", r.name))

    def pending(
        self,
        config: SourceConfig,
        state: dict[str, Any],
        loaded: set[tuple[str, int, str]],
        full_refresh: bool,
    ) -> list[FileRef]:
        """Files to load, oldest period first: per partition the unloaded files not older than
        what was loaded last; with ``full_refresh`` only each partition's newest file."""
        refs = self.files(config)
        if full_refresh:
            newest: dict[str | None, FileRef] = {}
            for ref in refs:
                newest[ref.partition] = ref
            return sorted(newest.values(), key=lambda r: (r.period or "", r.partition or ""))
        done = state.get("partitions", {})
        out = []
        for ref in refs:
            if (ref.name, ref.size, ref.sha256) in loaded:
                continue
            last = done.get(ref.partition or "", {}).get("period")
            if last is not None and (ref.period or "") < last:
                continue
            out.append(ref)
        return out

    def estimate(self, stream: Stream, config: SourceConfig) -> int | None:
        return None

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
        partitions = dict(state.get("partitions", {}))
        refs = self.pending(config, state, loaded, full_refresh)
        if ahead is not None and ahead.wanted(refs):
            yield from self._read_ahead(stream, refs, partitions, ahead)
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
            parsing: dict[int, Future[Sheets]] = {}
            for index, ref in enumerate(refs):
                for i in (index, index + 1):  # this file (if not yet) and the next one
                    if i < len(refs) and i not in parsing and not is_csv(refs[i]):
                        parsing[i] = pool.submit(load_sheets, refs[i].path, self.wants_sheet)
                parsed = parsing.pop(index).result() if index in parsing else None
                records, rejects = self.file_records(ref, parsed)
                yield from self._batches(ref, partitions, records, rejects)

    def _read_ahead(
        self, stream: Stream, refs: list[FileRef], partitions: dict[str, Any], ahead: Ahead
    ) -> Iterator[Batch]:
        """Files parsed and mapped by worker processes, a few ahead, consumed in order."""
        futures: dict[int, Future[Prepared]] = {}
        try:
            for index, ref in enumerate(refs):
                for i in _window(refs, index, ahead.pool.workers):
                    if i not in futures:
                        futures[i] = ahead.submit(self.name, stream.name, refs[i])
                prepared = futures.pop(index).result()
                records = prepared.records(stream, reread=partial(self._reread, ref))
                yield from self._batches(ref, partitions, records, prepared.rejects)
        finally:
            for future in futures.values():
                future.cancel()

    def _reread(self, ref: FileRef) -> Iterator[SourceRecord]:
        return self.file_records(ref)[0]

    def file_records(
        self, ref: FileRef, parsed: Sheets | None = None
    ) -> tuple[Iterator[SourceRecord], list[tuple[SourceRecord, Reject]]]:
        """A file's records (with the values its name gives each) and its refused lines."""
        shared = self.file_fields(ref)
        rejects: list[tuple[SourceRecord, Reject]] = []
        records: Iterator[SourceRecord]
        if is_csv(ref):
            rows, rejects = read_csv(ref.path, self.columns, shared)
            records = iter(rows)
        else:
            records = read_workbook(ref.path, self.columns, self.wants_sheet, shared, parsed)
        return with_shared(records, shared), rejects

    def file_sheets(
        self, ref: FileRef
    ) -> tuple[dict[str, Any], Iterator[tuple[str, list[str], SheetRows]]] | None:
        """A workbook's sheets as :func:`workbook_sheets` gives them, with the values its name
        gives every record (which :meth:`file_records` adds to each); None for a CSV file."""
        if is_csv(ref):
            return None
        shared = self.file_fields(ref)
        return shared, workbook_sheets(ref.path, self.columns, self.wants_sheet, shared)

    def _batches(
        self,
        ref: FileRef,
        partitions: dict[str, Any],
        records: Iterator[SourceRecord],
        rejects: list[tuple[SourceRecord, Reject]],
    ) -> Iterator[Batch]:
        """One file's batches: chunks of a complete snapshot, the last one carrying its state."""
        count = len(rejects)
        chunk: list[SourceRecord] = []
        for rec in records:
            chunk.append(rec)
            if len(chunk) == self.chunk_rows:
                count += len(chunk)
                yield Batch(
                    source=ref.name,
                    records=chunk,
                    state=None,
                    partition=ref.partition,
                    complete=True,
                    group=ref.sha256,
                    last=False,
                )
                chunk = []
        ref.rows = count + len(chunk)
        partitions[ref.partition or ""] = {
            "period": ref.period,
            "file": ref.name,
            "sha256": ref.sha256,
            "rows": ref.rows,
        }
        yield Batch(
            source=ref.name,
            records=chunk,
            rejects=rejects,
            state={"partitions": dict(partitions)},
            partition=ref.partition,
            complete=True,
            group=ref.sha256,
            last=True,
            nbytes=ref.size,
            file=ref,
        )


def with_shared(records: Iterator[SourceRecord], shared: dict[str, Any]) -> Iterator[SourceRecord]:
    """The records with the values the file's name gives every one of them."""
    if not shared:
        return records
    return _with_shared(records, shared)


def _with_shared(records: Iterator[SourceRecord], shared: dict[str, Any]) -> Iterator[SourceRecord]:
    for rec in records:
        rec.raw.update(shared)
        yield rec
