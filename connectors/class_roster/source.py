"""``GET /api/classes?year=&updated_since=&page=&size=``: classes changed since the last run."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors import fields as f
from connectors.streams import FieldMap, Stream
from connectors.transports.http import HttpConnector, PagePaginator
from schemas.schools import SchoolClass

NAME = "class_roster"
YEAR = "year"  # the request's school year, copied into each record

CLASSES = Stream(
    name="classes",
    model=SchoolClass,
    key=("school_code", "school_year", "grade", "class_no"),
    mode="watermark",
    key_sources=("class_id",),
    fields=(
        FieldMap("school_code", "school_code", f.school()),
        FieldMap("school_year", YEAR, f.number(required=True, integer=True)),
        FieldMap("grade", "grade", f.code("grade")),
        FieldMap("class_no", "class_no", f.text(required=True)),
        FieldMap("head_count", "head_count", f.number(required=True, integer=True)),
        FieldMap("head_teacher_no", "head_teacher_no", f.text(upper=True)),
    ),
)


class ClassRoster(HttpConnector):
    name = NAME
    title = "班级信息（省级教育统计系统）"
    streams = (CLASSES,)
    depends_on = ("institution_codes",)
    endpoints: ClassVar[dict[str, str]] = {"classes": "/api/classes"}
    paginator = PagePaginator(size=500)
    watermark = ("updated_since", "updated_at")

    def record_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        return {YEAR: params.get("year")}
