"""Named layers: exports of database-backed layers read back with the same rows, CRS and names."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from hub.errors import Invalid
from hub.gis import io
from hub.services import layers
from hub.settings import Settings
from tests.gis.factories import Province, make_province


@pytest.fixture
def province(session: Session) -> Province:
    return make_province(session, counties=("320102", "320583"))


@pytest.mark.parametrize("fmt", sorted(io.FORMATS))
def test_export_schools_reads_back_same_rows(
    session: Session, settings: Settings, province: Province, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"schools{io.FORMATS[fmt][1]}"
    path, count = layers.export_layer(
        session=session, settings=settings, layer="schools", fmt=fmt, out=out
    )
    back = io.read_layer(path)
    assert count == len(province.schools) == len(back)
    assert back.crs.to_epsg() == 4326
    assert sorted(back["name"]) == sorted(s["name"] for s in province.schools)
    got = {r.code: (round(r.geometry.x, 6), round(r.geometry.y, 6)) for r in back.itertuples()}
    assert got == {s["code"]: (round(s["lon"], 6), round(s["lat"], 6)) for s in province.schools}


def test_indicator_layer_joins_values_to_every_city(
    session: Session, settings: Settings, province: Province
) -> None:
    frame = layers.get_layer(
        session=session, settings=settings, layer="k12_wireless", level="city", period="2026Q3"
    )
    assert len(frame) == 13
    nanjing = frame[frame["adcode"] == "320100"].iloc[0]
    k12 = {s["code"] for s in province.schools if s["school_type"][:2] in ("21", "31", "34")}
    rows = [r for r in province.ict if r["quarter"] == "2026Q3" and r["school_code"] in k12
            and province.county_of(r["school_code"]).startswith("3201")]  # fmt: skip
    assert nanjing["value"] == pytest.approx(
        sum(r["wireless_coverage"] == "1" for r in rows) / len(rows)
    )


def test_get_layer_unknown_is_invalid(session: Session, settings: Settings) -> None:
    with pytest.raises(Invalid, match="unknown layer"):
        layers.get_layer(session=session, settings=settings, layer="rivers")
