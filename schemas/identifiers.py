"""Checks of the identifiers that tie records together: ID number, 全国学籍号 and 学校标识码.

Pure functions with no I/O, so every connector and the API judge a value the same way. A failed
check names its rule id (``id_number.check_digit`` ...) and says why in words a clerk understands,
Chinese first and English in parentheses. Formats and constants: standards.md §4.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import numbers
import operator
import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import NamedTuple

# Province-level prefixes of GB/T 2260. Only the first two digits are checked: people keep the
# county code of their birth place after the county is abolished, so the full code may be gone.
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 82))
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    str(n) for low, high in _PROVINCE_RANGES for n in range(low, high + 1)
)

# GB 11643 / ISO 7064 MOD 11-2: weight i = 2^(18-i) mod 11 and the check character map.
ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ZERO_WEIGHTED = ord("0") * sum(ID_WEIGHTS)
EARLIEST_BIRTH = date(1900, 1, 1)

SCHOOL_CODE_CATEGORIES: dict[str, str] = {
    "11": "幼儿园",
    "21": "小学",
    "22": "成人小学",
    "31": "普通初中",
    "32": "职业初中",
    "33": "成人初中",
    "34": "普通高中",
    "35": "成人高中",
    "36": "中等职业学校",
    "37": "工读学校",
    "41": "普通高等学校",
    "42": "成人高等学校",
    "51": "特殊教育学校",
    "91": "培养研究生的科研机构",
    "92": "民办的其他高等教育机构",
    "93": "中等职业培训机构",
}

XJH_PREFIXES = "GJL"

_EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS_17 = re.compile(r"[0-9]{17}")
_DIGITS_18 = re.compile(r"[0-9]{18}")
_DIGITS_10 = re.compile(r"[0-9]{10}")


class Check(NamedTuple):
    """Outcome of one check; ``value`` is the normalised value (best effort when not ok).
    (A named tuple: a registry row builds three, and a frozen dataclass costs a microsecond
    each to construct.)"""

    ok: bool
    kind: str
    value: str | None
    rule: str | None = None
    message: str | None = None


def normalize_text(value: object) -> str:
    """The text a clerk meant: Excel numbers without '.0', full-width folded, edges trimmed.

    ``None`` and NaN (how spreadsheet readers give an empty cell) become ''. Zero-width spaces and
    a BOM at either end are trimmed too, as copy-paste from web systems leaves them there.
    """
    if value is None:
        return ""
    if type(value) is str and value.isascii():
        return value.strip()  # NFKC leaves ASCII alone; str.strip() trims what \s does
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return ""
        return str(int(number)) if number.is_integer() else str(number)
    return _EDGES.sub("", unicodedata.normalize("NFKC", str(value)))


def _fail(kind: str, rule: str, value: str, zh: str, en: str) -> Check:
    return Check(ok=False, kind=kind, value=value or None, rule=rule, message=f"{zh} ({en})")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits (also used by J 学籍号)."""
    if not _DIGITS_17.fullmatch(first17):
        raise ValueError(f"need exactly 17 digits, got {first17!r}")
    # ASCII codes times the weights, less '0' (48) times their sum: no int() per digit.
    total = sum(map(operator.mul, first17.encode("ascii"), ID_WEIGHTS)) - _ZERO_WEIGHTED
    return ID_CHECK_CHARS[total % 11]


# A G 学籍号 embeds its pupil's ID number, and a registry row carries both: the second check
# of the same 17 digits is a cache hit (mapped column by column, a chunk of PACK_ROWS records'
# 学籍号 are checked before their ID numbers, so the cache holds more than a chunk).
_check_char = lru_cache(maxsize=4096)(id_check_char)


@lru_cache(maxsize=65536)  # birth dates repeat across a county's pupils
def _parse_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def _body_problem(
    body: str, *, subject: str, has_check_char: bool, today: date
) -> tuple[str, str, str] | None:
    """Region, birth date and check character of an ID-shaped body: (rule suffix, zh, en)."""
    prefix = body[:2]
    if prefix not in PROVINCE_PREFIXES:
        return (
            "region",
            f"{subject}前两位 {prefix} 不是有效的省级行政区划代码",
            f"first two digits {prefix} are not a province-level region code",
        )
    digits = body[6:14]
    born = _parse_date(digits)
    if born is None:
        return (
            "birth_date",
            f"{subject}中的出生日期 {digits} 不存在",
            f"birth date {digits} is not a real date",
        )
    if born > today:
        return (
            "birth_date",
            f"{subject}中的出生日期 {digits} 晚于今天",
            f"birth date {digits} is in the future",
        )
    if born < EARLIEST_BIRTH:
        return (
            "birth_date",
            f"{subject}中的出生日期 {digits} 早于 1900 年",
            f"birth date {digits} is before 1900",
        )
    if has_check_char:
        expected = _check_char(body[:17])
        if body[17] != expected:
            return (
                "check_digit",
                f"{subject}校验码错误：应为 {expected}，实为 {body[17]}",
                f"check digit should be {expected}, got {body[17]}",
            )
    return None


def check_id_number(value: object, *, today: date | None = None) -> Check:
    """Validate an 18-character resident ID number (GB 11643); a lower-case x is accepted."""
    kind = "id_number"
    text = normalize_text(value).upper()
    if not text:
        return _fail(kind, "id_number.empty", text, "身份证号为空", "ID number is empty")
    if len(text) != 18:
        return _fail(
            kind,
            "id_number.length",
            text,
            f"身份证号应为 18 位，实为 {len(text)} 位",
            f"ID number must have 18 characters, got {len(text)}",
        )
    if not _ID_SHAPE.fullmatch(text):
        return _fail(
            kind,
            "id_number.format",
            text,
            "身份证号应为 17 位数字加 1 位数字或 X",
            "ID number must be 17 digits followed by a digit or X",
        )
    problem = _body_problem(
        text, subject="身份证号", has_check_char=True, today=today or date.today()
    )
    if problem is not None:
        suffix, zh, en = problem
        return _fail(kind, f"id_number.{suffix}", text, zh, en)
    return Check(ok=True, kind=kind, value=text)


_XJH_SHAPES: dict[str, tuple[re.Pattern[str], str, str]] = {
    "G": (_ID_SHAPE, "G 字头学籍号应为 G 加 18 位身份证号", "G + an 18-character ID number"),
    "J": (
        _ID_SHAPE,
        "J 字头学籍号应为 J 加 17 位数字和 1 位校验码（数字或 X）",
        "J + 17 digits + a check digit or X",
    ),
    "L": (_DIGITS_18, "L 字头学籍号应为 L 加 18 位数字", "L + 18 digits"),
}


def check_xjh(value: object, *, today: date | None = None) -> Check:
    """Validate a 全国学籍号: G + ID number, J + region/birth/sequence/check, L + temporary."""
    kind = "xjh"
    text = normalize_text(value).upper()
    if not text:
        return _fail(kind, "xjh.empty", text, "学籍号为空", "student number is empty")
    if len(text) != 19:
        return _fail(
            kind,
            "xjh.length",
            text,
            f"学籍号应为 19 位，实为 {len(text)} 位",
            f"student number must have 19 characters, got {len(text)}",
        )
    prefix, body = text[0], text[1:]
    if prefix not in XJH_PREFIXES:
        return _fail(
            kind,
            "xjh.prefix",
            text,
            f"学籍号首字母应为 G、J 或 L，实为 {prefix}",
            f"student number must start with G, J or L, got {prefix}",
        )
    shape, zh, en = _XJH_SHAPES[prefix]
    if not shape.fullmatch(body):
        return _fail(kind, "xjh.format", text, zh, f"student number must be {en}")
    subject = "学籍号中的身份证号" if prefix == "G" else "学籍号"
    problem = _body_problem(
        body, subject=subject, has_check_char=prefix != "L", today=today or date.today()
    )
    if problem is not None:
        suffix, zh, en = problem
        return _fail(kind, f"xjh.{suffix}", text, zh, en)
    return Check(ok=True, kind=kind, value=text)


def check_school_code(value: object, province: str = "32") -> Check:
    """Validate a 10-digit 学校标识码 AA BB CCCCCC whose BB must be this hub's province."""
    kind = "school_code"
    text = normalize_text(value)
    if not text:
        return _fail(kind, "school_code.empty", text, "学校标识码为空", "school code is empty")
    if len(text) != 10:
        return _fail(
            kind,
            "school_code.length",
            text,
            f"学校标识码应为 10 位，实为 {len(text)} 位",
            f"school code must have 10 digits, got {len(text)}",
        )
    if not _DIGITS_10.fullmatch(text):
        return _fail(
            kind,
            "school_code.format",
            text,
            "学校标识码只能由数字组成",
            "school code must be digits only",
        )
    category, region = text[:2], text[2:4]
    if category not in SCHOOL_CODE_CATEGORIES:
        return _fail(
            kind,
            "school_code.category",
            text,
            f"学校标识码前两位 {category} 不是有效的学校类别",
            f"first two digits {category} are not a school category",
        )
    if region != province:
        return _fail(
            kind,
            "school_code.province",
            text,
            f"学校标识码第 3–4 位应为本省代码 {province}，实为 {region}",
            f"digits 3-4 should be province {province}, got {region}",
        )
    return Check(ok=True, kind=kind, value=text)


def identify(value: object, *, province: str = "32", today: date | None = None) -> Check:
    """Guess the kind from the shape and check it: 19 characters starting with a letter → 学籍号
    (so a wrong letter is reported as ``xjh.prefix``), 10 → school code, anything else → ID number.
    """
    text = normalize_text(value)
    if len(text) == 19 and text[0].isascii() and text[0].isalpha():
        return check_xjh(text, today=today)
    if len(text) == 10:
        return check_school_code(text, province=province)
    return check_id_number(text, today=today)


def _id_text(id_number: str) -> str:
    text = normalize_text(id_number).upper()
    if not _ID_SHAPE.fullmatch(text):
        raise ValueError(f"not an 18-character ID number: {text!r}")
    return text


def birth_date_of(id_number: str) -> date:
    """Birth date of an ID number already checked (the check digit is not re-verified)."""
    text = _id_text(id_number)
    born = _parse_date(text[6:14])
    if born is None:
        raise ValueError(f"ID number {text!r} holds no real birth date")
    return born


def gender_of(id_number: str) -> str:
    """GB/T 2261.1 gender code from the sequence digit: '1' (odd, male) or '2' (even, female)."""
    return "1" if int(_id_text(id_number)[16]) % 2 else "2"


def id_hash(normalised_id: str, key: bytes) -> str:
    """Keyed HMAC-SHA256 so sources can be matched on a person without storing the number.

    The input is normalised again (idempotent) so '…x' and '…X' give the same hash.
    """
    if not key:
        raise ValueError("id_hash needs a non-empty key; an unkeyed hash can be reversed")
    text = normalize_text(normalised_id).upper()
    keyed = _keyed(key).copy()  # the key's padded states, computed once per key
    keyed.update(text.encode("utf-8"))
    return keyed.hexdigest()


@lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)


def mask_id(normalised_id: str) -> str:
    """Display form keeping the first 4 and last 2 characters; short values are fully masked."""
    text = normalize_text(normalised_id).upper()
    if len(text) <= 6:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 6) + text[-2:]


def mask_name(name: str) -> str:
    """Display form of a personal name: the first character, then one '*' per other character."""
    text = normalize_text(name)
    return text[:1] + "*" * max(len(text) - 1, 0)
