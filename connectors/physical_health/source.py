"""``GET /api/v2/tests?school_year=&cursor=&limit=`` with a bearer token from ``/oauth/token``.

A result belongs to a pupil of the registry (matched on 学籍号) and a known school.
"""

from __future__ import annotations

from typing import Any, ClassVar

from connectors import fields as f
from connectors.identity import require_known_student
from connectors.streams import FieldMap, Stream
from connectors.transports.http import CursorPaginator, HttpConnector
from schemas.outcomes import HealthTest

NAME = "physical_health"
SCHOOL_YEAR = "school_year"  # the request's school year, copied into each record

TESTS = Stream(
    name="health_tests",
    model=HealthTest,
    key=("xjh", "test_date"),
    mode="cursor",
    key_sources=("xjh", "test_date"),
    fields=(
        FieldMap("xjh", "xjh", f.xjh()),
        FieldMap("school_code", "school_code", f.school()),
        FieldMap("school_year", SCHOOL_YEAR, f.text(required=True)),
        FieldMap("test_date", "test_date", f.date_value()),
        FieldMap("height_cm", "height_cm", f.number()),
        FieldMap("weight_kg", "weight_kg", f.number()),
        FieldMap("vital_capacity_ml", "vital_capacity_ml", f.number(integer=True)),
        FieldMap("run_50m_s", "run_50m_s", f.number()),
        FieldMap("sit_and_reach_cm", "sit_and_reach_cm", f.number()),
        FieldMap("total_score", "total_score", f.number()),
        FieldMap("grade_level", "grade_level", f.code("health_grade")),
    ),
    batch_checks=(require_known_student("xjh", "xjh"),),
)


class PhysicalHealth(HttpConnector):
    name = NAME
    title = "体质健康管理"
    streams = (TESTS,)
    depends_on = ("student_registry",)
    endpoints: ClassVar[dict[str, str]] = {"health_tests": "/api/v2/tests"}
    paginator = CursorPaginator(limit=500)
    token_path = "/oauth/token"

    def record_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        return {SCHOOL_YEAR: params.get("school_year")}
