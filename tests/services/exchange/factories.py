"""A tiny province for exchange tests: a school per city, its pupils, staff and records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.services.exchange import clients
from hub.settings import Settings
from schemas.aid import AidPayment, PoorHousehold
from schemas.outcomes import GraduateDestination, HealthTest
from schemas.people import Student, Teacher
from schemas.reference import Region
from schemas.schools import ClassSizeStat, IctSurvey, School, SchoolClass

CITIES = [f"32{n:02d}00" for n in range(1, 14)]
ORGS = ["320000", *CITIES]


@dataclass
class Province:
    county_of_city: dict[str, str] = field(default_factory=dict)
    school_of_city: dict[str, str] = field(default_factory=dict)


def _src(key: str) -> dict[str, Any]:
    return {"source_system": "test", "source_key": key}


def seed_province(engine: Engine, pupils_per_school: int = 2) -> Province:
    """One open and one closed school per city, ``pupils_per_school`` pupils each, plus staff."""
    out = Province()
    with Session(engine) as session:
        for city in CITIES:
            county = session.exec(
                select(Region.adcode).where(Region.parent == city).order_by(Region.adcode)
            ).first()
            assert county is not None
            out.county_of_city[city] = county
            code = f"2132{city[2:4]}0001"
            out.school_of_city[city] = code
            n = int(city[2:4])
            session.add(
                School(
                    code=code,
                    name=f"{city}第一小学",
                    school_type="211",
                    county_adcode=county,
                    lon=118.0 + n / 10,
                    lat=32.0 + n / 10,
                    **_src(code),
                )
            )
            session.add(
                School(
                    code=f"2132{city[2:4]}0002",
                    name=f"{city}撤并小学",
                    school_type="211",
                    county_adcode=county,
                    closed_on=date(2020, 7, 1),
                    **_src(code + "x"),
                )
            )
            session.flush()
            for i in range(pupils_per_school):
                xjh = f"G3201{n:02d}20150101{i:03d}1"[:19]
                session.add(
                    Student(
                        xjh=xjh,
                        name=f"张{n}{i}",
                        gender="1",
                        birth_date=date(2015, 1, 1),
                        id_hash=f"{n:02d}{i:02d}" + "a" * 60,
                        id_masked="3201************1X",
                        school_code=code,
                        grade="13",
                        address=f"{city}市某路{i}号",
                        home_lon=118.5,
                        home_lat=32.5,
                        **_src(xjh),
                    )
                )
                session.add(
                    AidPayment(
                        payment_id=f"P{n:02d}{i:03d}",
                        xjh=xjh,
                        programme="1",
                        amount=Decimal("500.00"),
                        school_year="2025-2026",
                        term="1",
                        **_src(f"P{n:02d}{i:03d}"),
                    )
                )
                session.add(
                    HealthTest(
                        xjh=xjh,
                        school_code=code,
                        school_year="2025-2026",
                        test_date=date(2026, 5, 1),
                        height_cm=120.0,
                        grade_level="1",
                        **_src(f"H{n:02d}{i:03d}"),
                    )
                )
            session.add(
                Teacher(
                    teacher_no=f"T{n}",
                    name=f"李{n}",
                    gender="2",
                    school_code=code,
                    post_category="1",
                    **_src(f"T{n}"),
                )
            )
            session.add(
                SchoolClass(
                    school_code=code,
                    school_year=2026,
                    grade="13",
                    class_no="1",
                    head_count=30,
                    head_teacher_no=f"T{n}",
                    **_src(f"C{n}"),
                )
            )
            session.add(
                ClassSizeStat(
                    school_code=code,
                    year=2026,
                    grade="13",
                    classes=6,
                    students=240,
                    b36_40=6,
                    **_src(f"S{n}"),
                )
            )
            session.add(
                IctSurvey(
                    school_code=code,
                    quarter="2026Q3",
                    bandwidth_mbps=1000,
                    wireless_coverage="1",
                    classrooms_total=10,
                    classrooms_multimedia=9,
                    teacher_spaces_opened=20,
                    student_spaces_opened=200,
                    **_src(f"I{n}"),
                )
            )
            session.add(
                PoorHousehold(
                    household_id=f"H{n}",
                    child_id_hash="b" * 64,
                    child_id_masked="3201************22",
                    head_name=f"王{n}",
                    county_adcode=county,
                    **_src(f"PH{n}"),
                )
            )
            session.add(
                GraduateDestination(
                    university_code=code,
                    student_no=f"S{n}",
                    name=f"赵{n}",
                    gender="1",
                    degree_level="1",
                    graduation_year=2026,
                    destination="1",
                    employer_adcode=county,
                    **_src(f"G{n}"),
                )
            )
        session.commit()
    return out


def make_client(engine: Engine, org: str, scopes: list[str] | None = None) -> tuple[str, str]:
    with Session(engine) as session:
        issued = clients.create_client(session=session, org_code=org, name="t", scopes=scopes)
    return issued.id, issued.secret


def token_for(engine: Engine, settings: Settings, org: str) -> str:
    client_id, secret = make_client(engine, org)
    with Session(engine) as session:
        return clients.issue_token(
            session=session, settings=settings, client_id=client_id, client_secret=secret
        ).access_token


def grant_dataset(
    engine: Engine,
    settings: Settings,
    org: str,
    dataset: str,
    *,
    clear: bool = True,
    row_scope: list[str] | None = None,
) -> tuple[str, str]:
    """A client of ``org`` holding a grant on ``dataset`` (every personal field in clear, or
    none), approved by a province client; returns the city client's id and secret."""
    from hub.services.exchange import shares
    from hub.services.exchange.datasets import get_dataset

    client_id, secret = make_client(engine, org)
    province_id, province_secret = make_client(engine, "320000")
    with Session(engine) as session:

        def caller(cid: str, sec: str) -> clients.Caller:
            tok = clients.issue_token(
                session=session, settings=settings, client_id=cid, client_secret=sec
            )
            return clients.authenticate(session=session, settings=settings, token=tok.access_token)

        ds = get_dataset(settings, dataset)
        req = shares.submit(
            session=session, settings=settings, caller=caller(client_id, secret),
            dataset=dataset, purpose="镜像", legal_basis="法",
            fields=sorted(ds.personal) if clear else [],
            period_start=date(2026, 1, 1), period_end=date(2099, 1, 1),
        )  # fmt: skip
        assert req.id is not None
        shares.approve(
            session=session,
            caller=caller(province_id, province_secret),
            request_id=req.id,
            row_scope=row_scope,
        )
    return client_id, secret
