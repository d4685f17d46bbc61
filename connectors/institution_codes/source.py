"""Each CSV is the full list: a school it no longer lists, or lists as 撤销, is soft-deleted."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement

from connectors import fields as f
from connectors.geo import to_wgs84
from connectors.streams import DELETED, Context, FieldMap, Reject, Stream
from connectors.transports.file_drop import FileDropConnector
from schemas.identifiers import normalize_text
from schemas.schools import School

NAME = "institution_codes"
COLUMNS = (
    "学校标识码",
    "学校名称",
    "办学类型码",
    "举办者类型",
    "城乡分类码",
    "所在地行政区划",
    "地址",
    "经度",
    "纬度",
    "建校年月",
    "状态",
    "撤销日期",
)


def _status(value: Any, ctx: Context) -> bool:
    word = normalize_text(value)
    if word in ("正常", ""):
        return False
    if word in ("撤销", "已撤销"):
        return True
    raise Reject("code.school_status", f"状态应为“正常”或“撤销”，实为“{word}” (unknown status)")


def _coords(value: Any, ctx: Context) -> tuple[float | None, float | None, str | None]:
    lon, lat = f.coordinates()(value, ctx)
    return lon, lat, ("GCJ-02" if lon is not None else None)


def _scope(partition: str) -> ColumnElement[bool]:
    return School.__table__.c.source_system == NAME  # type: ignore[attr-defined]


SCHOOLS = Stream(
    name="schools",
    model=School,
    key=("code",),
    mode="snapshot_diff",
    key_sources=("学校标识码",),
    scope=_scope,
    fields=(
        FieldMap("code", "学校标识码", f.school(known=False)),
        FieldMap("name", "学校名称", f.text(required=True)),
        FieldMap("school_type", "办学类型码", f.code("school_type")),
        FieldMap("sponsor_type", "举办者类型", f.text()),
        FieldMap("urban_rural", "城乡分类码", f.code("urban_rural", required=False)),
        FieldMap("county_adcode", "所在地行政区划", f.adcode(in_province=True, required=True)),
        FieldMap("address", "地址", f.text()),
        FieldMap(("lon", "lat", "src_crs"), ("经度", "纬度"), _coords),
        FieldMap("founded", "建校年月", f.month()),
        FieldMap("closed_on", "撤销日期", f.date_value(required=False)),
        FieldMap(DELETED, "状态", _status),
    ),
    batch_checks=(
        to_wgs84("lon", "lat", source_field="经度,纬度", keep_source=("src_lon", "src_lat")),
    ),
)


class InstitutionCodes(FileDropConnector):
    name = NAME
    title = "学校（机构）代码管理"
    streams = (SCHOOLS,)
    file_name = re.compile(r"学校机构代码_(?P<period>\d{8})")
    columns = COLUMNS

    def partition_of(self, match: re.Match[str]) -> str:
        return "province"
