"""Converters a stream's field mapping is built from: each normalises one source value or
raises :class:`Reject` with the shared rule id (``schemas.rules``, identifier and code rules).

Quirks of real exports (surrounding or full-width spaces, numbers stored as text and text as
numbers, Excel date serials, a lower-case x) are normalised here; faults are rejected.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from connectors.identity import person_hash
from connectors.streams import Context, Convert, Reject, convert_all
from schemas import rules
from schemas.codes import check_code
from schemas.crs import looks_swapped
from schemas.identifiers import (
    Check,
    check_school_code,
    check_xjh,
    id_hash,
    mask_id,
    normalize_text,
)
from schemas.regions_data import all_regions

EXCEL_EPOCH = date(1899, 12, 30)
_DATE_TEXT = re.compile(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?")
_MONTH_TEXT = re.compile(r"(\d{4})[-/.年]?(\d{1,2})月?")
TRUE_WORDS = frozenset({"是", "1", "已完成", "已开通", "有", "true", "y", "yes"})
FALSE_WORDS = frozenset({"否", "0", "未完成", "未开通", "无", "false", "n", "no"})


# Cell types no two of which hold equal values, numbers aside (1 == 1.0 == True).
_PLAIN = frozenset({str, type(None), int, float, bool, date, datetime, time})
_NUMBERS = frozenset({int, float, bool})
_UNEXPECTED = object()  # a converter raised something other than Reject
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def clean(value: Any) -> str:
    """``normalize_text`` with a fast path for the common cell: plain text needs only NFKC (a
    no-op for ASCII) and a strip; the full rules still apply to numbers and zero-width edges."""
    if type(value) is str:
        if value.isascii():
            return value.strip()
        result = unicodedata.normalize("NFKC", value).strip()
        if result and (result[0] in _ZERO_WIDTH or result[-1] in _ZERO_WIDTH):
            return normalize_text(result)
        return result
    return normalize_text(value)


def _missing(value: Any) -> bool:
    return clean(value) == ""


def _required_missing() -> Reject:
    return Reject(rules.REQUIRED_MISSING, rules.message(rules.REQUIRED_MISSING))


def memo(
    convert: Convert, limit: int = 100_000, reads: Callable[[Context], Any] | None = None
) -> Convert:
    """Remember a converter's answer per distinct source value (code cells, dates and months
    repeat thousands of times in an export; translating each once keeps loading near parse
    speed). Only for converters whose answer depends on the value alone, or on the value and
    what ``reads`` takes from the context (part of the key: a new register is checked anew)."""
    cache: dict[tuple[type, Any, Any], tuple[bool, Any]] = {}

    def wrapped(value: Any, ctx: Context) -> Any:
        try:
            key = (type(value), value, reads(ctx) if reads is not None else None)
            hit = cache.get(key)
        except TypeError:  # unhashable: convert every time
            return convert(value, ctx)
        if hit is None:
            try:
                hit = (True, convert(value, ctx))
            except Reject as exc:
                hit = (False, (exc.rule, exc.message, exc.field))
            if len(cache) < limit:
                cache[key] = hit
        ok, result = hit
        if ok:
            return result
        raise Reject(*result)

    return by_distinct(wrapped)


def by_distinct(convert: Convert) -> Convert:
    """Give a converter whose answer depends on the value alone (within one context) a
    ``many`` for ``Stream.map_many``: a column's distinct values are converted once each, then
    every value takes its answer."""

    def many(
        values: Sequence[Any], ctx: Context, blank: Any, failed: Mapping[int, Reject]
    ) -> tuple[list[Any], dict[int, Reject]]:
        kinds = set(map(type, values))
        keys: Sequence[Any]
        try:
            if kinds <= _PLAIN and len(kinds & _NUMBERS) <= 1:
                keys = values  # no two values of different types are equal: keyed as they are
            else:
                keys = list(zip(map(type, values), values, strict=True))  # 1, 1.0, True differ
            distinct = dict(zip(keys, values, strict=True))
        except TypeError:  # an unhashable value: one by one
            return convert_all(convert, values, ctx, blank, failed)
        answers: dict[Any, Any] = {}
        for k, value in distinct.items():
            try:
                answers[k] = convert(value, ctx)
            except Reject as exc:
                answers[k] = exc
            except Exception:  # raised below, unless an earlier field refused its records
                answers[k] = _UNEXPECTED
        if all(type(a) is not Reject and a is not _UNEXPECTED for a in answers.values()):
            return list(map(answers.__getitem__, keys)), {}
        out: list[Any] = []
        errors: dict[int, Reject] = {}
        for i, k in enumerate(keys):
            answer = answers[k]
            if type(answer) is Reject:
                errors[i] = Reject(answer.rule, answer.message, answer.field)
                answer = blank
            elif answer is _UNEXPECTED:
                if i not in failed:
                    convert(values[i], ctx)  # raises it again
                answer = blank
            out.append(answer)
        return out, errors

    convert.many = many  # type: ignore[attr-defined]
    return convert


def text(*, required: bool = False, upper: bool = False) -> Convert:
    def convert(value: Any, ctx: Context) -> str | None:
        result = clean(value)
        if not result:
            if required:
                raise _required_missing()
            return None
        return result.upper() if upper else result

    return convert


def code(table: str, *, required: bool = True) -> Convert:
    """A value of a code table (code, name or alias) → the code the hub stores."""

    def convert(value: Any, ctx: Context) -> str | None:
        if _missing(value):
            if required:
                raise _required_missing()
            return None
        check = check_code(table, value)
        if not check.ok:
            raise Reject(check.rule or f"code.{table}", check.message or "")
        return check.value

    return memo(convert)


def parse_date(value: Any) -> date:
    """A date from a datetime, an Excel serial or text (YYYYMMDD, YYYY-MM-DD, 2012年5月1日)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if 1 <= number < 100000 and number.is_integer():
            return EXCEL_EPOCH + timedelta(days=int(number))
        value = normalize_text(value)
    text_value = normalize_text(value)
    if text_value.isdigit() and len(text_value) <= 5:
        return EXCEL_EPOCH + timedelta(days=int(text_value))
    match = _DATE_TEXT.fullmatch(text_value.split(" ")[0].split("T")[0])
    if not match:
        raise ValueError(text_value)
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def date_value(*, required: bool = True) -> Convert:
    def convert(value: Any, ctx: Context) -> date | None:
        if _missing(value):
            if required:
                raise _required_missing()
            return None
        try:
            return parse_date(value)
        except ValueError:
            raise Reject(
                rules.DATE_INVALID,
                f"{rules.message(rules.DATE_INVALID)}: {normalize_text(value)}",
            ) from None

    return memo(convert)


def month(*, required: bool = False) -> Convert:
    """A month as YYYYMM (from 201209, '2012-09', a date or an Excel serial)."""

    def convert(value: Any, ctx: Context) -> str | None:
        if _missing(value):
            if required:
                raise _required_missing()
            return None
        if isinstance(value, date):
            return f"{value.year:04d}{value.month:02d}"
        text_value = normalize_text(value)
        match = _MONTH_TEXT.fullmatch(text_value)
        if match and 1 <= int(match.group(2)) <= 12:
            return f"{int(match.group(1)):04d}{int(match.group(2)):02d}"
        try:
            day = parse_date(value)
        except ValueError:
            raise Reject(
                rules.DATE_INVALID, f"{rules.message(rules.DATE_INVALID)}: {text_value}"
            ) from None
        return f"{day.year:04d}{day.month:02d}"

    return memo(convert)


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        number = float(normalize_text(value).replace(",", ""))
    if math.isnan(number) or math.isinf(number):
        raise ValueError(value)
    return number


def number(*, required: bool = False, integer: bool = False) -> Convert:
    def convert(value: Any, ctx: Context) -> float | int | None:
        kind = type(value)
        if (kind is float or kind is int) and math.isfinite(value):
            result = float(value)  # what a JSON API or a numeric cell gives: nothing to clean
        elif _missing(value):
            if required:
                raise _required_missing()
            return None
        else:
            try:
                result = _number(value)
            except ValueError:
                raise Reject(
                    rules.NUMBER_INVALID,
                    f"{rules.message(rules.NUMBER_INVALID)}: {normalize_text(value)}",
                ) from None
        if integer:
            if not result.is_integer():
                raise Reject(rules.NUMBER_INVALID, f"应为整数 (not a whole number): {result}")
            return int(result)
        return result

    return convert


def money() -> Convert:
    def convert(value: Any, ctx: Context) -> Decimal:
        if _missing(value):
            raise _required_missing()
        try:
            return Decimal(normalize_text(value).replace(",", "")).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise Reject(rules.NUMBER_INVALID, rules.message(rules.NUMBER_INVALID)) from None

    return convert


def flag() -> Convert:
    """是/否 style yes-no values; empty is no."""

    def convert(value: Any, ctx: Context) -> bool:
        word = normalize_text(value).casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS or not word:
            return False
        raise Reject("code.yes_no", f"应为“是”或“否”，实为“{word}” (expected yes or no)")

    return memo(convert)


def xjh() -> Convert:
    def convert(value: Any, ctx: Context) -> str:
        if _missing(value):
            raise _required_missing()
        check = check_xjh(value, today=ctx.today)
        if not check.ok:
            raise Reject(check.rule or "xjh.format", check.message or "")
        return check.value or ""

    return convert


@lru_cache(maxsize=65536)
def _school_shape(value: str, province: str) -> Check:
    return check_school_code(value, province=province)


def school(*, known: bool = True) -> Convert:
    """A 学校标识码 of this province that (if ``known``) the hub's school register holds."""

    def check(value: Any, ctx: Context) -> str:
        if _missing(value):
            raise _required_missing()
        check = _school_shape(normalize_text(value), ctx.province)
        if not check.ok:
            raise Reject(check.rule or "school_code.format", check.message or "")
        result = check.value or ""
        if known and result not in ctx.schools:
            raise Reject(rules.SCHOOL_UNKNOWN, f"{rules.message(rules.SCHOOL_UNKNOWN)}: {result}")
        return result

    # A county's pupils share a few hundred schools: each (value, register) is checked once. The
    # register is part of the key (a frozenset caches its hash), so a new one is checked anew.
    answers: dict[tuple[type, Any, frozenset[str], str], tuple[bool, Any]] = {}

    def convert(value: Any, ctx: Context) -> str:
        try:
            key = (type(value), value, ctx.schools, ctx.province)
            hit = answers.get(key)
        except TypeError:  # unhashable
            return check(value, ctx)
        if hit is None:
            found: tuple[bool, Any]
            try:
                found = (True, check(value, ctx))
            except Reject as exc:
                found = (False, (exc.rule, exc.message, exc.field))
            if len(answers) >= 100_000:
                answers.clear()
            answers[key] = hit = found
        ok, result = hit
        if ok:
            return str(result)
        raise Reject(*result)

    convert.checks_schools = known  # type: ignore[attr-defined]
    return by_distinct(convert)


def id_number(*, required: bool = True) -> Convert:
    """An ID number → (keyed hash, mask); the clear number is never returned."""

    def convert(value: Any, ctx: Context) -> tuple[str | None, str | None]:
        if _missing(value):
            if required:
                raise _required_missing()
            return None, None
        return person_hash(value, ctx.id_key, today=ctx.today)

    return convert


def _all_adcodes() -> frozenset[str]:
    return frozenset(r.adcode for r in all_regions())


_ADCODES: frozenset[str] | None = None


def adcode(*, in_province: bool = False, required: bool = False) -> Convert:
    """A GB/T 2260 code: of this hub's province (schools) or of anywhere (household, employer)."""

    def convert(value: Any, ctx: Context) -> str | None:
        global _ADCODES
        result = normalize_text(value)
        if not result:
            if required:
                raise _required_missing()
            return None
        if in_province:
            ok = result in ctx.regions
        else:
            if _ADCODES is None:
                _ADCODES = _all_adcodes()
            ok = result in _ADCODES
        if not ok:
            raise Reject(rules.ADCODE_UNKNOWN, f"{rules.message(rules.ADCODE_UNKNOWN)}: {result}")
        return result

    return memo(convert, reads=_regions if in_province else None)


def _regions(ctx: Context) -> frozenset[str]:
    return ctx.regions


def coordinates(*, required: bool = False) -> Convert:
    """A GCJ-02 (lon, lat) pair as a web map geocoded it; (None, None) when both are empty.

    Zero and swapped pairs are rejected here; the conversion to WGS-84 and the province check
    run per batch (:func:`connectors.geo.to_wgs84`), vectorised.
    """

    def convert(value: Any, ctx: Context) -> tuple[float | None, float | None]:
        lon_raw, lat_raw = value
        if type(lon_raw) is float and type(lat_raw) is float and math.isfinite(lon_raw + lat_raw):
            lon, lat = lon_raw, lat_raw  # numeric cells: nothing to clean (and no text made)
        else:
            if _missing(lon_raw) and _missing(lat_raw):
                if required:
                    raise _required_missing()
                return None, None
            try:
                lon, lat = _number(lon_raw), _number(lat_raw)
            except ValueError:
                raise Reject(rules.NUMBER_INVALID, rules.message(rules.NUMBER_INVALID)) from None
        if lon == 0 and lat == 0:
            raise Reject(rules.COORDS_ZERO, rules.message(rules.COORDS_ZERO))
        if looks_swapped(lon, lat):
            raise Reject(rules.COORDS_SWAPPED, rules.message(rules.COORDS_SWAPPED))
        return lon, lat

    return convert


def constant(value: Any) -> Convert:
    def convert(_value: Any, ctx: Context) -> Any:
        return value

    return convert


def id_document() -> Convert:
    """(身份证件类型, 身份证件号) → (type code, hash, mask). Only a resident ID (type 1) has a
    check digit; other documents are hashed as written so they still match across sources."""
    check_type = code("id_type", required=False)

    def convert(value: Any, ctx: Context) -> tuple[str, str | None, str | None]:
        kind_raw, number_raw = value
        kind = check_type(kind_raw, ctx) or "1"
        if _missing(number_raw):
            if kind == "1":  # a resident ID is mandatory; pupils without one have type Z
                raise Reject(
                    rules.REQUIRED_MISSING, rules.message(rules.REQUIRED_MISSING), "身份证件号"
                )
            return kind, None, None
        if kind == "1":
            try:
                digest, masked = person_hash(number_raw, ctx.id_key, today=ctx.today)
            except Reject as exc:
                exc.field = "身份证件号"
                raise
            return kind, digest, masked
        clean = normalize_text(number_raw).upper()
        return kind, id_hash(clean, ctx.id_key), mask_id(clean)[:18]

    return convert
