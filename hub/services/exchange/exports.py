"""Streamed export writers: rows go from a server-side cursor to the client in bounded chunks.

CSV, NDJSON and GeoJSON are produced as the cursor advances. XLSX (XlsxWriter in
``constant_memory`` mode) and Parquet (pyarrow, one row group per batch) need a finished file,
so they are spooled to a temporary file batch by batch and then streamed; memory stays bounded
by the batch size in every format.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
)

BATCH = 5000
CHUNK = 1 << 16
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}

Batches = Iterable[Sequence[Sequence[Any]]]


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value))


def write_csv(fields: Sequence[str], batches: Batches) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for batch in batches:
        writer.writerows([[_text(v) for v in row] for row in batch])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def write_ndjson(fields: Sequence[str], batches: Batches) -> Iterator[bytes]:
    dumps = orjson.dumps
    for batch in batches:
        yield b"".join(
            dumps(dict(zip(fields, row, strict=True)), default=_json_default) + b"\n"
            for row in batch
        )


def write_geojson(fields: Sequence[str], batches: Batches) -> Iterator[bytes]:
    """Points from lon/lat when the dataset has them; otherwise features without geometry."""
    has_point = "lon" in fields and "lat" in fields
    lon_i = fields.index("lon") if has_point else -1
    lat_i = fields.index("lat") if has_point else -1
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in batches:
        parts = []
        for row in batch:
            props = dict(zip(fields, row, strict=True))
            geometry = None
            if has_point and row[lon_i] is not None and row[lat_i] is not None:
                geometry = {"type": "Point", "coordinates": [row[lon_i], row[lat_i]]}
            feature = {"type": "Feature", "geometry": geometry, "properties": props}
            parts.append(orjson.dumps(feature, default=_json_default))
        if parts:
            yield (b"" if first else b",") + b",".join(parts)
            first = False
    yield b"]}"


def _spooled(write: Callable[[str], None]) -> Iterator[bytes]:
    fd, path = tempfile.mkstemp(prefix="eduhub-export-")
    os.close(fd)
    try:
        write(path)
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def write_xlsx(fields: Sequence[str], batches: Batches) -> Iterator[bytes]:
    import xlsxwriter

    def write(path: str) -> None:
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
        sheet = book.add_worksheet("data")
        sheet.write_row(0, 0, list(fields))
        r = 1
        for batch in batches:
            for row in batch:
                sheet.write_row(r, 0, [_xlsx_value(v) for v in row])
                r += 1
        book.close()

    return _spooled(write)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _arrow_type(sql_type: Any) -> Any:
    import pyarrow as pa

    if isinstance(sql_type, Boolean):
        return pa.bool_()
    if isinstance(sql_type, BigInteger | Integer):
        return pa.int64()
    if isinstance(sql_type, Float):
        return pa.float64()
    if isinstance(sql_type, Numeric):
        return pa.string()
    if isinstance(sql_type, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(sql_type, Date):
        return pa.date32()
    return pa.string()


def write_parquet(fields: Sequence[str], types: Sequence[Any], batches: Batches) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, _arrow_type(t)) for name, t in zip(fields, types, strict=True)])
    as_text = [pa.types.is_string(f.type) for f in schema]

    def write(path: str) -> None:
        with pq.ParquetWriter(path, schema) as writer:
            for batch in batches:
                columns = []
                for i, spec in enumerate(schema):
                    values = [row[i] for row in batch]
                    if as_text[i]:
                        values = [None if v is None else str(v) for v in values]
                    columns.append(pa.array(values, type=spec.type))
                writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))

    return _spooled(write)
