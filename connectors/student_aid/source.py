"""Two tables of the exchange database, pulled by watermark: xszz_ffmx and jdlk_pkh.

A payment names its pupil by 学籍号 and must match a pupil of the registry; a poor household
names its child by ID number, kept only as the keyed hash the registry's pupils are matched on.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from connectors import fields as f
from connectors.identity import require_known_student
from connectors.streams import Context, FieldMap, Reject, Stream
from connectors.transports.exchange_db import ExchangeDbConnector
from schemas import rules
from schemas.aid import AidPayment, PoorHousehold
from schemas.identifiers import normalize_text

NAME = "student_aid"
_SCHOOL_YEAR = re.compile(r"(\d{4})-(\d{4})")


def _school_year(value: Any, ctx: Context) -> str:
    text = normalize_text(value)
    if not text:
        raise Reject(rules.REQUIRED_MISSING, rules.message(rules.REQUIRED_MISSING))
    match = _SCHOOL_YEAR.fullmatch(text)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise Reject("date.invalid", f"学年应为 YYYY-YYYY，实为“{text}” (bad school year)")
    return text


def _term(value: Any, ctx: Context) -> str:
    text = f.text(required=True)(value, ctx)
    if text not in ("1", "2"):
        raise Reject("code.term", f"学期应为 1 或 2，实为“{text}” (term must be 1 or 2)")
    return str(text)


PAYMENTS = Stream(
    name="aid_payments",
    model=AidPayment,
    key=("payment_id",),
    mode="watermark",
    key_sources=("id",),
    fields=(
        FieldMap("payment_id", "id", f.text(required=True, upper=True)),
        FieldMap("xjh", "xjh", f.xjh()),
        FieldMap("programme", "zzxm", f.code("aid_programme")),
        FieldMap("amount", "je", f.money()),
        FieldMap("school_year", "xn", _school_year),
        FieldMap("term", "xq", _term),
        FieldMap("paid_on", "ffrq", f.date_value(required=False)),
    ),
    batch_checks=(require_known_student("xjh", "xjh"),),
)

HOUSEHOLDS = Stream(
    name="poor_households",
    model=PoorHousehold,
    key=("household_id",),
    mode="watermark",
    key_sources=("id",),
    fields=(
        FieldMap("household_id", "id", f.text(required=True, upper=True)),
        FieldMap(("child_id_hash", "child_id_masked"), "sfzjh", f.id_number()),
        FieldMap("head_name", "hzxm", f.text()),
        FieldMap("county_adcode", "xzqh", f.adcode(in_province=True, required=True)),
        FieldMap("attribute", "pkhsx", f.text()),
    ),
)


class StudentAid(ExchangeDbConnector):
    name = NAME
    title = "全国学生资助管理信息系统"
    streams = (PAYMENTS, HOUSEHOLDS)
    depends_on = ("student_registry",)
    tables: ClassVar[dict[str, str]] = {"aid_payments": "xszz_ffmx", "poor_households": "jdlk_pkh"}
