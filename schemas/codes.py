"""Code tables (JY/T 1001, GB/T 2261.1, GB/T 3304 and local ones) shipped as CSV data files.

Each ``schemas/codes/<table>.csv`` has the header ``code,name,parent,aliases``; aliases are the
'|'-separated spellings source exports use instead of the code. ``translate`` maps whatever a
source wrote (code, name, alias, an Excel number, full-width text) to the code the hub stores.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from schemas.identifiers import Check, normalize_text

HEADER = ["code", "name", "parent", "aliases"]

# Chinese titles for messages; a table missing here is shown by its file name.
TABLE_TITLES: dict[str, str] = {
    "aid_programme": "资助项目",
    "boarding": "就读方式",
    "degree_level": "学历层次",
    "destination": "毕业去向",
    "enrolment_status": "学籍状态",
    "ethnicity": "民族",
    "gender": "性别",
    "grade": "年级",
    "health_grade": "体质健康等级",
    "id_type": "身份证件类型",
    "left_behind": "留守儿童",
    "post_category": "岗位类别",
    "school_running": "学校办别",
    "school_type": "办学类型",
    "teaching_stage": "任课学段",
    "urban_rural": "所在地城乡类型",
    "wireless_coverage": "无线网络覆盖",
}

# "1.0" in a text export is the number 1 that went through a spreadsheet.
_INTEGRAL_TEXT = re.compile(r"([0-9]+)(?:\.0*)?")


@dataclass(frozen=True)
class CodeEntry:
    """One row of a code table."""

    code: str
    name: str
    parent: str | None
    aliases: tuple[str, ...] = ()


class UnknownCodeTable(LookupError):
    """Asked for a table that has no CSV file: a typo in code, not bad source data."""

    def __init__(self, table: str, known: Iterable[str]) -> None:
        self.table = table
        super().__init__(
            f"未知代码表 {table!r} (unknown code table {table!r}; known tables: {', '.join(known)})"
        )


def _codes_dir() -> Traversable:
    return files("schemas") / "codes"


@lru_cache(maxsize=1)
def _table_names() -> tuple[str, ...]:
    names = (p.name.removesuffix(".csv") for p in _codes_dir().iterdir() if p.name.endswith(".csv"))
    return tuple(sorted(names))


def code_tables() -> list[str]:
    """Names of all shipped code tables, sorted."""
    return list(_table_names())


def _parse(table: str, text: str) -> dict[str, CodeEntry]:
    """Rows of one CSV; a malformed file fails loudly as it is our own data."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != HEADER:
        raise ValueError(f"{table}.csv: header must be {','.join(HEADER)}, got {reader.fieldnames}")
    entries: dict[str, CodeEntry] = {}
    for row in reader:
        code, name = row["code"].strip(), row["name"].strip()
        if not code or not name:
            raise ValueError(f"{table}.csv line {reader.line_num}: code and name are required")
        if code in entries:
            raise ValueError(f"{table}.csv: duplicate code {code!r}")
        aliases = tuple(a.strip() for a in (row["aliases"] or "").split("|") if a.strip())
        entries[code] = CodeEntry(code, name, row["parent"].strip() or None, aliases)
    for entry in entries.values():
        if entry.parent is not None and entry.parent not in entries:
            raise ValueError(f"{table}.csv: parent {entry.parent!r} of {entry.code!r} not in table")
    return entries


@lru_cache(maxsize=64)
def load_codes(table: str) -> dict[str, CodeEntry]:
    """All entries of ``table`` by code. Cached and shared: callers must not mutate the dict."""
    known = _table_names()
    if table not in known:
        raise UnknownCodeTable(table, known)
    text = (_codes_dir() / f"{table}.csv").read_text(encoding="utf-8-sig")
    return _parse(table, text)


def _key(text: str) -> str:
    return normalize_text(text).casefold()


@lru_cache(maxsize=64)
def _index(table: str) -> tuple[dict[str, str], dict[int, str]]:
    """Lookup by spelling, and by integer value for codes an export may have lost zeros of.

    A spelling shared by several entries goes to the best match: a code beats a name beats an
    alias, and an entry beats its group (办学类型 21 and 211 are both named 小学; records carry
    211). A tie left after that is a data error.
    """
    entries = load_codes(table)
    groups = {e.parent for e in entries.values() if e.parent}
    candidates: dict[str, list[tuple[tuple[int, bool], str]]] = {}
    for entry in entries.values():
        spellings = [(0, entry.code), (1, entry.name), *((2, alias) for alias in entry.aliases)]
        for rank, spelling in spellings:
            rank_key = (rank, entry.code in groups)
            candidates.setdefault(_key(spelling), []).append((rank_key, entry.code))
    by_spelling: dict[str, str] = {}
    for key, found in candidates.items():
        best = min(rank for rank, _ in found)
        codes = {code for rank, code in found if rank == best}
        if len(codes) > 1:
            raise ValueError(f"{table}: {key!r} is ambiguous between {sorted(codes)}")
        by_spelling[key] = codes.pop()
    by_number: dict[int, str] = {}
    for code in entries:
        if code.isascii() and code.isdigit():
            if int(code) in by_number:
                raise ValueError(f"{table}: codes {by_number[int(code)]!r} and {code!r} collide")
            by_number[int(code)] = code
    return by_spelling, by_number


def translate(table: str, value: object) -> str | None:
    """The code ``value`` stands for in ``table`` (code, name or alias), or None if unknown.

    Input is normalised first; numbers match by value so 1, 1.0, '1.0' and '01' all find code '1'
    and '1' finds ethnicity '01' (spreadsheets drop leading zeros).
    """
    text = normalize_text(value)
    if not text:
        return None
    by_spelling, by_number = _index(table)
    code = by_spelling.get(text.casefold())
    if code is None and (number := _INTEGRAL_TEXT.fullmatch(text)):
        code = by_number.get(int(number.group(1)))
    return code


def check_code(table: str, value: object) -> Check:
    """Check ``value`` against ``table``; rule id ``code.<table>``, kind = table name."""
    code = translate(table, value)
    if code is not None:
        return Check(ok=True, kind=table, value=code)
    text = normalize_text(value)
    title = TABLE_TITLES.get(table, table)
    if not text:
        zh, en = f"{title}为空", f"no {table} code given"
    else:
        zh, en = f"{title}代码表中没有“{text}”", f"{text!r} is no code, name or alias in {table}"
    return Check(
        ok=False, kind=table, value=text or None, rule=f"code.{table}", message=f"{zh} ({en})"
    )
