"""``GET /api/ict/schools?quarter=&page=`` → ``{"rows": [...], "has_more": bool}``."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors import fields as f
from connectors.streams import FieldMap, Stream
from connectors.transports.http import HasMorePaginator, HttpConnector
from schemas.schools import IctSurvey

NAME = "ict_survey"
QUARTER = "quarter"  # the request's quarter, copied into each record

SURVEYS = Stream(
    name="ict_surveys",
    model=IctSurvey,
    key=("school_code", "quarter"),
    mode="cursor",
    key_sources=("school_code", QUARTER),
    fields=(
        FieldMap("school_code", "school_code", f.school()),
        FieldMap("quarter", QUARTER, f.text(required=True, upper=True)),
        FieldMap("bandwidth_mbps", "bandwidth_mbps", f.number(required=True, integer=True)),
        FieldMap("wireless_coverage", "wireless_coverage", f.code("wireless_coverage")),
        FieldMap("classrooms_total", "classrooms_total", f.number(required=True, integer=True)),
        FieldMap(
            "classrooms_multimedia", "classrooms_multimedia", f.number(required=True, integer=True)
        ),
        FieldMap(
            "teacher_spaces_opened", "teacher_spaces_opened", f.number(required=True, integer=True)
        ),
        FieldMap(
            "student_spaces_opened", "student_spaces_opened", f.number(required=True, integer=True)
        ),
        FieldMap("reported_at", "reported_at", f.date_value(required=False)),
    ),
)


class IctSurveyConnector(HttpConnector):
    name = NAME
    title = "教育信息化管理（宽带 / 无线 / 多媒体教室）"
    streams = (SURVEYS,)
    depends_on = ("institution_codes",)
    endpoints: ClassVar[dict[str, str]] = {"ict_surveys": "/api/ict/schools"}
    paginator = HasMorePaginator()

    def record_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        return {QUARTER: params.get("quarter")}
