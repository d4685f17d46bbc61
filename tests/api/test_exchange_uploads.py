"""City uploads: validated like connector input, limited to the city's region."""

from __future__ import annotations

import io

import openpyxl
import orjson
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from hub.services.exchange import clients
from hub.settings import Settings
from schemas.people import Teacher
from schemas.schools import IctSurvey
from tests.services.exchange.factories import seed_province

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = "school_code,quarter,bandwidth_mbps,wireless_coverage,classrooms_total,"
HEADER += "classrooms_multimedia,teacher_spaces_opened,student_spaces_opened\n"
CSV = (
    HEADER
    + "2132050001,2026Q4,500,1,10,8,20,300\n"  # valid
    + "2132010001,2026Q4,500,1,10,8,20,300\n"  # another city's school
    + "2132050001,2026Q2,500,9,10,8,20,300\n"  # unknown wireless code
    + "2132059999,2026Q4,500,1,10,8,20,300\n"  # unknown school
    + "2132050001,2026Q4,500,1,10,8,20,300\n"  # duplicate of row 1
)


def _token(engine: Engine, settings: Settings, scopes: list[str]) -> str:
    with Session(engine) as session:
        issued = clients.create_client(session=session, org_code="320500", name="u", scopes=scopes)
        return clients.issue_token(
            session=session, settings=settings, client_id=issued.id, client_secret=issued.secret
        ).access_token


def test_upload_csv_lists_accepted_and_rejected_rows(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    token = _token(engine, settings, ["datasets:read", "datasets:write"])
    r = client.post(
        "/api/v1/datasets/ict_surveys/uploads",
        content=CSV.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["received"], body["accepted"], body["inserted"]) == (5, 1, 1)
    assert [(x["row"], x["rule"]) for x in body["rejected"]] == [
        (2, "exchange.out_of_scope"),
        (3, "code.wireless_coverage"),
        (4, "school.unknown"),
        (5, "duplicate.exact"),
    ]
    with Session(engine) as session:
        stmt = select(func.count()).select_from(IctSurvey).where(col(IctSurvey.quarter) == "2026Q4")
        assert session.scalar(stmt) == 1


def test_upload_json_updates_existing_row(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    token = _token(engine, settings, ["datasets:read", "datasets:write"])
    row = {"school_code": "2132050001", "quarter": "2026Q3", "bandwidth_mbps": 2000,
           "wireless_coverage": "1", "classrooms_total": 10, "classrooms_multimedia": 10,
           "teacher_spaces_opened": 20, "student_spaces_opened": 200}  # fmt: skip
    r = client.post(
        "/api/v1/datasets/30700107/001/uploads",
        content=orjson.dumps([row]),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert r.json()["updated"] == 1


def test_upload_refused_without_write_scope(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    token = _token(engine, settings, ["datasets:read"])
    r = client.post(
        "/api/v1/datasets/ict_surveys/uploads",
        content=CSV.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    assert r.status_code == 403


def test_upload_xlsx_is_read_like_csv(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    token = _token(engine, settings, ["datasets:read", "datasets:write"])
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in CSV.strip().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    r = client.post(
        "/api/v1/datasets/ict_surveys/uploads",
        content=buffer.getvalue(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": XLSX},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], len(r.json()["rejected"])) == (1, 4)


def test_upload_cannot_take_a_row_from_another_city(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    """Nanjing may update its own teacher, not re-register Suzhou's at a Nanjing school (that
    would move the row out of Suzhou's scope)."""
    seed_province(engine)
    with Session(engine) as session:
        issued = clients.create_client(
            session=session, org_code="320100", name="u", scopes=["datasets:read", "datasets:write"]
        )
        token = clients.issue_token(
            session=session, settings=settings, client_id=issued.id, client_secret=issued.secret
        ).access_token
    common = {"性别": "2", "身份证件号": "11010519491231002X", "学校标识码": "2132010001",
              "岗位类别": "1"}  # fmt: skip
    own = {"教职工号": "T1", "姓名": "李一改", **common}
    suzhou_s = {"教职工号": "T5", "姓名": "李五", **common}
    rows = [own, suzhou_s]
    r = client.post(
        "/api/v1/datasets/teachers/uploads",
        content=orjson.dumps(rows),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["updated"]) == (1, 1), body["rejected"]
    assert [(x["row"], x["rule"]) for x in body["rejected"]] == [(2, "exchange.out_of_scope")]
    assert "320500" not in r.text  # where the row is held is not told
    with Session(engine) as session:
        moved = session.scalars(select(Teacher).where(col(Teacher.teacher_no) == "T5")).one()
        assert moved.school_code == "2132050001"
