"""Entries against the unified schema: every column is catalogued, every item is a column.

A table-backed entry (``entity``) must list exactly the table's columns, minus the provenance
columns and the surrogate ``id`` (bookkeeping, not shared data). A view-backed entry
(``view`` + ``derived_from``) may select and compute: each stored item must exist in one of the
tables it names. Data types and lengths must agree with the column types.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Float, Integer, Numeric, String, Table

import schemas
from catalog.model import DataType, Entry
from catalog.rules import Problem

BOOKKEEPING = frozenset(schemas.PROVENANCE_FIELDS) | {"id"}

# Which national data types may describe which column types (checked in this order).
COMPATIBLE: tuple[tuple[type, frozenset[DataType]], ...] = (
    (Boolean, frozenset({DataType.L})),
    (DateTime, frozenset({DataType.T})),
    (Date, frozenset({DataType.D})),
    (Integer, frozenset({DataType.I, DataType.N})),
    (Float, frozenset({DataType.F, DataType.B, DataType.N})),
    (Numeric, frozenset({DataType.Y, DataType.N})),
    (String, frozenset({DataType.C, DataType.M})),
)


def shared_columns(table: Table) -> dict[str, Column]:
    return {c.name: c for c in table.columns if c.name not in BOOKKEEPING}


def check_against_schema(entry: Entry) -> list[Problem]:
    out: list[Problem] = []

    def bad(message: str) -> None:
        out.append(Problem("catalog.schema_consistency", entry.id, message))

    tables = schemas.metadata.tables
    if entry.entity is not None:
        if entry.entity not in tables:
            bad(f"entity {entry.entity!r} is not a table of the unified schema")
            return out
        columns = shared_columns(tables[entry.entity])
        fields = {item.field for item in entry.items}
        for missing in sorted(set(columns) - fields):
            bad(f"column {entry.entity}.{missing} has no 信息项")
        for extra in sorted(fields - set(columns)):
            bad(f"信息项 field {extra!r} is not a column of {entry.entity}")
    else:
        unknown = [t for t in entry.derived_from if t not in tables]
        for name in unknown:
            bad(f"derived_from {name!r} is not a table of the unified schema")
        if unknown:
            return out
        columns = {}
        for name in entry.derived_from:
            for col_name, col in shared_columns(tables[name]).items():
                columns.setdefault(col_name, col)
        for item in entry.items:
            if not item.computed and item.field not in columns:
                bad(f"信息项 field {item.field!r} is in none of {', '.join(entry.derived_from)}")
    for item in entry.items:
        column = columns.get(item.field)
        if column is None or item.computed:
            continue
        out.extend(_check_type(entry, item.field, item.data_type, item.length, column))
    return out


def _check_type(
    entry: Entry,
    field: str,
    data_type: DataType,
    length: int | None,
    column: Column,
) -> list[Problem]:
    for sa_type, allowed in COMPATIBLE:
        if isinstance(column.type, sa_type):
            if data_type not in allowed:
                names = "/".join(sorted(d.value for d in allowed))
                msg = f"{field}: data type {data_type.value} does not fit the column ({names})"
                return [Problem("catalog.schema_type", entry.id, msg)]
            column_length = getattr(column.type, "length", None)
            if isinstance(column.type, String) and column_length and length != column_length:
                msg = f"{field}: length {length} but the column holds {column_length}"
                return [Problem("catalog.schema_type", entry.id, msg)]
            return []
    return []
