"""Every rule a record can break, with the message a clerk reads in quarantine.

Identifier and code rules come from ``schemas.identifiers`` and ``schemas.codes`` (their rule ids
are ``id_number.*``, ``xjh.*``, ``school_code.*`` and ``code.<table>``); the rules below are the
ones a loader checks against the rest of the hub or the source file itself. The synthetic province
plants faults by these ids and the connectors quarantine by them, so both sides share this list.
"""

from __future__ import annotations

from typing import Final

REQUIRED_MISSING: Final = "required.missing"
SCHOOL_UNKNOWN: Final = "school.unknown"
ADCODE_UNKNOWN: Final = "adcode.unknown"
COORDS_ZERO: Final = "coords.zero"
COORDS_SWAPPED: Final = "coords.swapped"
COORDS_OUTSIDE: Final = "coords.outside_province"
DUPLICATE_EXACT: Final = "duplicate.exact"
DUPLICATE_TWO_SCHOOLS: Final = "duplicate.two_schools"
CSV_TRUNCATED: Final = "csv.truncated"
DATE_INVALID: Final = "date.invalid"
NUMBER_INVALID: Final = "number.invalid"
STUDENT_UNKNOWN: Final = "student.unknown"

MESSAGES: Final[dict[str, str]] = {
    REQUIRED_MISSING: "必填项为空 (mandatory field is empty)",
    SCHOOL_UNKNOWN: "学校标识码在学校库中不存在 (school code not known to the hub)",
    ADCODE_UNKNOWN: "行政区划代码不存在 (no such GB/T 2260 region code)",
    COORDS_ZERO: "经纬度为 0,0 (coordinates are 0,0)",
    COORDS_SWAPPED: "经纬度疑似填反 (longitude and latitude look swapped)",
    COORDS_OUTSIDE: "坐标不在江苏省范围内 (coordinates outside the province)",
    DUPLICATE_EXACT: "与前面某行完全重复 (exact duplicate of an earlier row)",
    DUPLICATE_TWO_SCHOOLS: "同一学生同时在两所学校 (same pupil enrolled in two schools)",
    CSV_TRUNCATED: "CSV 行不完整 (truncated CSV line)",
    DATE_INVALID: "日期无法识别或不存在 (unreadable or impossible date)",
    NUMBER_INVALID: "数值无法识别 (not a number)",
    STUDENT_UNKNOWN: "学籍号在学籍库中不存在 (pupil not known to the hub)",
}


def message(rule: str) -> str:
    """The clerk's message for a rule id (identifier and code rules carry their own)."""
    return MESSAGES.get(rule, rule)
