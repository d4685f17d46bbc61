"""Pages for policy staff: /maps, /reports, vendored assets, and /maps in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from hub.api.app import create_app
from hub.services import reports
from hub.settings import Settings
from tests.api.live import live_server
from tests.conftest import make_settings
from tests.gis.conftest import boundary_cache
from tests.gis.factories import Province, make_province

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture
def page_settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Settings:
    settings = make_settings(database_url, tmp_path / "data")
    cache = boundary_cache(tmp_path_factory) / "gis"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "gis").symlink_to(cache)  # share the converted boundaries
    return settings


@pytest.fixture
def province(session: Session) -> Province:
    return make_province(session, counties=("320102", "320583"))


@pytest.fixture
def page_client(page_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(page_settings)) as c:
        yield c


def test_maps_page_offers_indicators_levels_and_periods(
    page_client: TestClient, province: Province
) -> None:
    html = page_client.get("/maps", params={"indicator": "k12_wireless"}).text
    assert "中小学无线网络全覆盖比例" in html
    assert '<option value="2026Q3"' in html
    assert 'src="/maps/frame?indicator=k12_wireless' in html


def test_map_frame_links_vendored_leaflet(page_client: TestClient, province: Province) -> None:
    html = page_client.get("/maps/frame", params={"indicator": "k12_gigabit"}).text
    assert "/static/vendor/leaflet.js" in html
    assert "eduhub-legend" in html
    assert page_client.get("/static/vendor/leaflet.js").status_code == 200


def test_static_vendor_unknown_file_is_404(page_client: TestClient) -> None:
    assert page_client.get("/static/vendor/evil.js").status_code == 404


def test_reports_page_lists_and_serves_built_report(
    page_client: TestClient, session: Session, page_settings: Settings, province: Province
) -> None:
    path = reports.build_report(session=session, settings=page_settings, period="2026Q3")
    listing = page_client.get("/reports").text
    assert "report-2026Q3.html" in listing
    body = page_client.get("/reports/report-2026Q3.html").text
    assert body == path.read_text(encoding="utf-8")
    assert page_client.get("/reports/..%2Fsecret.html").status_code == 404


@pytest.mark.slow
def test_maps_page_in_headless_chromium_switches_indicator(
    page_settings: Settings, province: Province, tmp_path: Path
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    assert CHROMIUM.exists(), "install chromium (scripts/setup-system.sh)"
    assert CHROMEDRIVER.exists(), "install chromium-driver (scripts/setup-system.sh)"
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--window-size=1200,900"):  # fmt: skip
        options.add_argument(flag)
    with live_server(page_settings) as url:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            wait = WebDriverWait(driver, 60)
            driver.get(f"{url}/maps?indicator=k12_gigabit&level=county")
            Select(driver.find_element(By.ID, "indicator")).select_by_value("classes_56_plus")
            wait.until(ec.url_contains("indicator=classes_56_plus"))
            wait.until(ec.frame_to_be_available_and_switch_to_it((By.ID, "map")))
            legend = wait.until(ec.presence_of_element_located((By.CLASS_NAME, "eduhub-legend")))
            assert "56人及以上班级占比" in legend.text
            wait.until(
                lambda d: len(d.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")) >= 95
            )
            polygons = driver.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")
            assert len(polygons) >= 95  # every county drawn
            clusters = driver.find_elements(
                By.CSS_SELECTOR, ".marker-cluster, path[stroke='#08519c']"
            )
            assert clusters
            driver.switch_to.default_content()
            shot = tmp_path / "maps.png"
            assert driver.save_screenshot(str(shot))
            assert shot.stat().st_size > 10_000
        finally:
            driver.quit()
