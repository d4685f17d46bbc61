"""GIS commands: indicators listing and values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from hub.cli.main import app
from hub.gis.maps import OSM
from hub.services.indicators import INDICATORS
from tests.gis.conftest import tile_urls
from tests.gis.factories import make_province

runner = CliRunner()


def test_indicators_json_lists_every_definition_with_target() -> None:
    result = runner.invoke(app, ["indicators", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert set(rows) == set(INDICATORS)
    assert rows["k12_gigabit"]["target"] == 0.40
    assert rows["classes_56_plus"]["higher_is_better"] is False


def test_indicators_values_json_gives_thirteen_cities(database_url: str, session: Session) -> None:
    make_province(session)
    result = runner.invoke(
        app, ["--database-url", database_url, "indicators", "k12_gigabit", "--period", "2026Q3",
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 13
    assert {r["period"] for r in rows} == {"2026Q3"}


def test_indicators_unknown_id_is_one_line_error(database_url: str) -> None:
    result = runner.invoke(app, ["--database-url", database_url, "indicators", "nope"])
    assert result.exit_code == 1
    assert "unknown indicator" in result.output


def test_aid_gap_json_for_province(database_url: str, session: Session) -> None:
    p = make_province(session)
    result = runner.invoke(
        app, ["--database-url", database_url, "aid-gap", "--school-year", "2026-2027",
              "--as", "320000", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    hashes = {h["child_id_hash"] for h in p.poor if not h.get("is_deleted")}
    paid = {a["xjh"] for a in p.aid if not a["is_deleted"] and a["school_year"] == "2026-2027"}
    live = [s for s in p.students if not s["is_deleted"]]
    expected = {s["xjh"] for s in live if s["id_hash"] in hashes and s["xjh"] not in paid}
    assert {r["xjh"] for r in json.loads(result.output)} == expected


def test_aid_gap_county_viewer_is_refused(database_url: str) -> None:
    result = runner.invoke(
        app, ["--database-url", database_url, "aid-gap", "--school-year", "2026-2027",
              "--as", "320102"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "may not see" in result.output


def test_near_school_json_lists_schools(
    database_url: str, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUHUB_DATA_DIR", str(tmp_path))
    make_province(session, counties=("320102",))
    result = runner.invoke(app, ["--database-url", database_url, "near-school", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["max_distance_m"] == 3000
    assert {r["stage"] for r in body["schools"]} == {"primary", "junior", "senior"}


def test_map_writes_offline_html(
    database_url: str, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUHUB_DATA_DIR", str(tmp_path))
    make_province(session)
    out = tmp_path / "m.html"
    result = runner.invoke(
        app, ["--database-url", database_url, "map", "classes_56_plus", "--level", "city",
              "--period", "2026", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "eduhub-legend" in html
    assert 'src="https://' not in html


def _map(database_url: str, out: Path, *options: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["--database-url", database_url, "map", "classes_56_plus", "--level", "city",
              "--period", "2026", "--no-schools", "--out", str(out), *options],
    )  # fmt: skip
    return result.exit_code, result.output


def test_map_base_layer_follows_setting_and_option(
    database_url: str, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUHUB_DATA_DIR", str(tmp_path))
    make_province(session)
    out = tmp_path / "m.html"
    assert _map(database_url, out)[0] == 0
    assert tile_urls(out.read_text(encoding="utf-8")) == []  # none by default: offline

    monkeypatch.setenv("EDUHUB_MAP_TILES", "osm")
    assert _map(database_url, out)[0] == 0
    assert tile_urls(out.read_text(encoding="utf-8")) == [OSM]
    assert _map(database_url, out, "--tiles", "none")[0] == 0  # the option wins
    assert tile_urls(out.read_text(encoding="utf-8")) == []

    monkeypatch.setenv("EDUHUB_TIANDITU_KEY", "k3y")
    assert _map(database_url, out, "--tiles", "tianditu")[0] == 0
    urls = tile_urls(out.read_text(encoding="utf-8"))
    assert [u.split("?")[0] for u in urls] == [
        "https://t{s}.tianditu.gov.cn/vec_w/wmts",
        "https://t{s}.tianditu.gov.cn/cva_w/wmts",
    ]
    assert all(u.endswith("&tk=k3y") for u in urls)


def test_map_tianditu_without_key_is_one_line_error(
    database_url: str, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUHUB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("EDUHUB_TIANDITU_KEY", raising=False)
    make_province(session)
    code, output = _map(database_url, tmp_path / "m.html", "--tiles", "tianditu")
    assert code == 1
    assert "EDUHUB_TIANDITU_KEY" in output
    assert "Traceback" not in output
    assert not (tmp_path / "m.html").exists()


def test_export_layer_writes_geopackage(
    database_url: str, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUHUB_DATA_DIR", str(tmp_path))
    out = tmp_path / "cities.gpkg"
    result = runner.invoke(
        app, ["--database-url", database_url, "export-layer", "cities", "--format", "gpkg",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "wrote 13 features" in result.output
    assert out.exists()


def test_report_writes_to_reports_folder(
    database_url: str, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUHUB_DATA_DIR", str(tmp_path))
    make_province(session, counties=("320102",))
    result = runner.invoke(app, ["--database-url", database_url, "report", "--period", "2026Q3"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "report-2026Q3.html").exists()
