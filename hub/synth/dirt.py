"""Faults and quirks planted on purpose, each recorded with what the hub must do with it.

A fault breaks exactly one rule (its id is recorded, the connector must quarantine the record);
a quirk is a harmless oddity of real exports (the value the hub must store is recorded). Rows are
plain lists in column order; a planter picks rows with its own seeded RNG, changes them and
returns the records for the manifest once the final row positions are known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from schemas import rules
from schemas.identifiers import ID_CHECK_CHARS

EXCEL_EPOCH = date(1899, 12, 30)
FAULT_RATE = 0.01
QUIRK_RATE = 0.01

Row = list[Any]


@dataclass
class Dirty:
    """One planted record, as manifest.json lists it."""

    source: str
    kind: str  # fault | quirk
    field: str | None
    rule: str | None
    raw: Any
    normalised: Any
    key: str | None = None
    file: str | None = None
    locator: dict[str, Any] = dataclasses.field(default_factory=dict)
    row: Row | None = None  # the row object, to find its final position

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file": self.file,
            "locator": self.locator,
            "key": self.key,
            "field": self.field,
            "kind": self.kind,
            "rule": self.rule,
            "raw": self.raw,
            "normalised": self.normalised,
        }


@dataclass
class Change:
    """What a fault or quirk does to one row: the cell it sets and what to record."""

    field: str | None
    raw: Any
    rule: str | None = None
    normalised: Any = None
    extra_row: Row | None = None  # duplicates: a new row inserted after the original


class Columns:
    """Column positions by header name."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.pos = {n: i for i, n in enumerate(names)}

    def __getitem__(self, name: str) -> int:
        return self.pos[name]


Planting = Callable[[Row, Columns, np.random.Generator], Change | None]


# ---- faults -------------------------------------------------------------------------------
def wrong_check_digit(col: str) -> Planting:
    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        value = row[c[col]]
        if not isinstance(value, str) or len(value) != 18:
            return None
        wrong = [ch for ch in ID_CHECK_CHARS if ch != value[17]]
        raw = value[:17] + wrong[int(rng.integers(len(wrong)))]
        row[c[col]] = raw
        return Change(col, raw, "id_number.check_digit")

    return plant


def set_to(col: str, rule: str, make: Callable[[Row, np.random.Generator], Any]) -> Planting:
    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        if row[c[col]] in (None, ""):
            return None
        raw = make(row, rng)
        row[c[col]] = raw
        return Change(col, raw if raw is not None else "", rule)

    return plant


def emptied(col: str) -> Planting:
    return set_to(col, rules.REQUIRED_MISSING, lambda row, rng: None)


def coords(lon_col: str, lat_col: str, how: str) -> Planting:
    """0,0 / swapped / a point in another province; field names the pair as 'lon_col,lat_col'."""
    from hub.synth.places import OUTSIDE_POINTS

    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        lon, lat = row[c[lon_col]], row[c[lat_col]]
        if not isinstance(lon, float) or not isinstance(lat, float):
            return None
        if how == "zero":
            new, rule = (0.0, 0.0), rules.COORDS_ZERO
        elif how == "swapped":
            new, rule = (lat, lon), rules.COORDS_SWAPPED
        else:
            px, py = OUTSIDE_POINTS[int(rng.integers(len(OUTSIDE_POINTS)))]
            new = (round(px + rng.uniform(-0.05, 0.05), 6), round(py + rng.uniform(-0.05, 0.05), 6))
            rule = rules.COORDS_OUTSIDE
        row[c[lon_col]], row[c[lat_col]] = new
        return Change(f"{lon_col},{lat_col}", f"{new[0]},{new[1]}", rule)

    return plant


def exact_duplicate() -> Planting:
    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        return Change(None, None, rules.DUPLICATE_EXACT, extra_row=list(row))

    return plant


def in_two_schools(
    school_col: str, name_col: str, other: Callable[[Row], tuple[str, str] | None]
) -> Planting:
    """The same pupil again at another school (``other`` picks it, or None if there is none)."""

    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        found = other(row)
        if found is None:
            return None
        copy = list(row)
        copy[c[school_col]], copy[c[name_col]] = found
        return Change(school_col, found[0], rules.DUPLICATE_TWO_SCHOOLS, extra_row=copy)

    return plant


# ---- quirks -------------------------------------------------------------------------------
def lower_x(col: str) -> Planting:
    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        value = row[c[col]]
        if not isinstance(value, str) or not value.endswith("X"):
            return None
        row[c[col]] = value[:-1] + "x"
        return Change(col, row[c[col]], normalised=value)

    return plant


def padded(col: str, full_width: bool = False) -> Planting:
    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        value = row[c[col]]
        if not isinstance(value, str) or not value:
            return None
        row[c[col]] = f"\u3000{value}\u3000" if full_width else f" {value}  "
        return Change(col, row[c[col]], normalised=value)

    return plant


def excel_serial(col: str) -> Planting:
    """A YYYYMMDD text date written as the bare Excel serial number."""

    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        value = row[c[col]]
        if not isinstance(value, str) or len(value) != 8:
            return None
        day = date(int(value[:4]), int(value[4:6]), int(value[6:]))
        row[c[col]] = (day - EXCEL_EPOCH).days
        return Change(col, row[c[col]], normalised=day.isoformat())

    return plant


def number_as_text(col: str) -> Planting:
    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        value = row[c[col]]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        row[c[col]] = str(value)
        return Change(col, row[c[col]], normalised=value)

    return plant


def text_as_number(col: str) -> Planting:
    def plant(row: Row, c: Columns, rng: np.random.Generator) -> Change | None:
        value = row[c[col]]
        if not isinstance(value, str) or not value.isdigit():
            return None
        row[c[col]] = int(value)
        return Change(col, row[c[col]], normalised=value)

    return plant


# ---- planting -----------------------------------------------------------------------------
@dataclass
class Spec:
    """What a source can suffer: (planting, weight) for faults and quirks."""

    faults: list[tuple[Planting, float]]
    quirks: list[tuple[Planting, float]]
    fault_rate: float = FAULT_RATE
    quirk_rate: float = QUIRK_RATE


def plant(
    rows: list[Row],
    columns: Columns,
    spec: Spec,
    rng: np.random.Generator,
    source: str,
    key_col: str | None,
) -> tuple[list[Row], list[Dirty]]:
    """Plant faults and quirks on about 1% of ``rows`` each; return the final rows and records.

    Records still lack file and locator: the writer sets them from ``position``.
    """
    n = len(rows)
    n_faults = int(rng.binomial(n, spec.fault_rate)) if spec.faults else 0
    n_quirks = int(rng.binomial(n, spec.quirk_rate)) if spec.quirks else 0
    order = rng.permutation(n)
    records: list[Dirty] = []
    inserted: dict[int, list[Row]] = {}
    cursor = 0
    for wanted, kinds, kind in ((n_faults, spec.faults, "fault"), (n_quirks, spec.quirks, "quirk")):
        weights = np.array([w for _, w in kinds], dtype=float)
        done = 0
        while done < wanted and cursor < n:
            i = int(order[cursor])
            cursor += 1
            row = rows[i]
            choice = int(rng.choice(len(kinds), p=weights / weights.sum()))
            change = kinds[choice][0](row, columns, rng)
            if change is None:
                continue
            target = row
            if change.extra_row is not None:
                target = change.extra_row
                inserted.setdefault(i, []).append(target)
            key = target[columns[key_col]] if key_col else None
            records.append(
                Dirty(
                    source,
                    kind,
                    change.field,
                    change.rule,
                    change.raw,
                    change.normalised,
                    key=str(key).strip() if key is not None else None,
                    row=target,
                )
            )
            done += 1
    final: list[Row] = []
    for i, row in enumerate(rows):
        final.append(row)
        final.extend(inserted.get(i, ()))
    return final, records


def position(rows: list[Row]) -> dict[int, int]:
    """0-based position of each row object in ``rows`` (by identity)."""
    return {id(row): k for k, row in enumerate(rows)}


def locate(
    records: list[Dirty], rows: list[Row], file: str, make: Callable[[int], dict[str, Any]]
) -> None:
    where = position(rows)
    for record in records:
        assert record.row is not None
        record.file = file
        record.locator = make(where[id(record.row)])
        record.row = None


def excel_day(value: date) -> int:
    return (value - EXCEL_EPOCH).days


def iso_of_serial(serial: int) -> str:
    return (EXCEL_EPOCH + timedelta(days=serial)).isoformat()
