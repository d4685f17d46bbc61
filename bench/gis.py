"""Benchmark the GIS side: nearest-school assignment, a province map, and a full report.

1. **Assignment**: 1,000,000 homes to 20,000 schools (nearest school of the home's stage in the
   home's county, ``hub.gis.catchments.assign_nearest``: ``sjoin_nearest`` in EPSG:4528).
   Baseline: brute force (every distance to every candidate school, numpy) on a sample of homes,
   extrapolated to all homes; the sample's answers must equal the fast ones. Target < 10 s.
2. **Map**: a province map with every county (choropleth) and 20,000 school markers
   (``hub.gis.maps.choropleth`` + standalone HTML). Baseline: the naive Folium way, one
   ``folium.Marker`` per school in a ``MarkerCluster``, timed on a sample and extrapolated.
   Target < 5 s.
3. **Report**: ``eduhub report`` on a synthetic province (``eduhub synth --scale S`` loaded with
   ``eduhub pull --all``; default scale 0.1), in a fresh SQLite database. Baseline: the same
   report's indicator queries alone (no maps or charts), to show what the drawing costs.
   Target < 60 s at scale 0.1.

    .venv/bin/python bench/gis.py [--homes 1000000] [--schools 20000] [--scale 0.1]
        [--skip-report] [--province DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from hub.gis import catchments, maps
from hub.gis.boundaries import load_boundaries
from hub.gis.crs import PROVINCE_CRS, STORAGE_CRS

STAGES = np.array(catchments.STAGES)


def _random_points_in(polygon: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    out: list[np.ndarray] = []
    got = 0
    shapely.prepare(polygon)
    while got < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(2 * (n - got), 16), 2))
        inside = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        out.append(inside)
        got += len(inside)
    return np.concatenate(out)[:n]


def make_data(
    counties: gpd.GeoDataFrame, n_schools: int, n_homes: int, seed: int = 1
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Schools spread over counties by area; homes scattered around schools (sigma 1.5 km)."""
    rng = np.random.default_rng(seed)
    area = counties.to_crs(PROVINCE_CRS).area.to_numpy()
    per_county = rng.multinomial(n_schools - 3 * len(counties), area / area.sum()) + 3
    xy, county, stage = [], [], []
    for (adcode, geom), k in zip(
        zip(counties["adcode"], counties.geometry, strict=True), per_county, strict=True
    ):
        xy.append(_random_points_in(geom, int(k), rng))
        county += [adcode] * int(k)
        stage.append(np.resize(STAGES, int(k)))  # every county has every stage
    sxy = np.concatenate(xy)
    schools = gpd.GeoDataFrame(
        {"code": [f"S{i:06d}" for i in range(len(sxy))], "county": county,
         "stage": np.concatenate(stage), "name": [f"学校{i}" for i in range(len(sxy))]},
        geometry=gpd.points_from_xy(sxy[:, 0], sxy[:, 1]), crs=STORAGE_CRS,
    )  # fmt: skip
    pick = rng.integers(0, len(schools), n_homes)
    to_m = Transformer.from_crs(STORAGE_CRS, PROVINCE_CRS, always_xy=True)
    back = Transformer.from_crs(PROVINCE_CRS, STORAGE_CRS, always_xy=True)
    mx, my = to_m.transform(sxy[pick, 0], sxy[pick, 1])
    hx, hy = back.transform(mx + rng.normal(0, 1500, n_homes), my + rng.normal(0, 1500, n_homes))
    homes = gpd.GeoDataFrame(
        {"county": schools["county"].to_numpy()[pick],
         "stage": rng.choice(STAGES, n_homes)},
        geometry=gpd.points_from_xy(hx, hy), crs=STORAGE_CRS,
    )  # fmt: skip
    return schools, homes


def brute_force(homes: gpd.GeoDataFrame, schools: gpd.GeoDataFrame) -> pd.Series:
    """Nearest school by computing the distance to every candidate (the baseline)."""
    h = homes.to_crs(PROVINCE_CRS)
    s = schools.to_crs(PROVINCE_CRS)
    sx, sy = s.geometry.x.to_numpy(), s.geometry.y.to_numpy()
    codes = s["code"].to_numpy()
    s_county, s_stage = s["county"].to_numpy(), s["stage"].to_numpy()
    out = []
    for x, y, county, stage in zip(
        h.geometry.x, h.geometry.y, h["county"], h["stage"], strict=True
    ):
        cand = np.flatnonzero((s_county == county) & (s_stage == stage))
        d = np.hypot(sx[cand] - x, sy[cand] - y)
        out.append(codes[cand[np.argmin(d)]])
    return pd.Series(out, index=homes.index)


def bench_assignment(counties: gpd.GeoDataFrame, n_schools: int, n_homes: int) -> dict[str, float]:
    schools, homes = make_data(counties, n_schools, n_homes)
    started = time.perf_counter()
    assigned = catchments.assign_nearest(homes, schools)
    fast = time.perf_counter() - started
    sample = homes.sample(min(2000, n_homes), random_state=1)
    started = time.perf_counter()
    brute = brute_force(sample, schools)
    brute_s = time.perf_counter() - started
    agree = float((assigned.loc[sample.index, "school_code"] == brute).mean())
    extrapolated = brute_s / len(sample) * n_homes
    return {"seconds": fast, "baseline_s": extrapolated, "ratio": extrapolated / fast,
            "sample": len(sample), "agreement": agree}  # fmt: skip


def bench_map(counties: gpd.GeoDataFrame, n_schools: int) -> dict[str, float]:
    import folium
    from folium.plugins import MarkerCluster

    schools, _ = make_data(counties, n_schools, 1)
    rng = np.random.default_rng(2)
    regions = counties.assign(value=rng.random(len(counties)), target=0.4)
    regions["gap"] = (0.4 - regions["value"]).clip(lower=0)
    started = time.perf_counter()  # a long-running hub imports these once: time them apart
    maps.render_html(maps.choropleth(regions.iloc[:3], title="warm-up"), standalone=True)
    imports = time.perf_counter() - started
    started = time.perf_counter()
    html = maps.render_html(
        maps.choropleth(regions, title="中小学千兆接入比例", schools=schools), standalone=True
    )
    fast = time.perf_counter() - started
    sample = schools.iloc[:1000]
    started = time.perf_counter()
    naive = folium.Map(location=[32.9, 119.2], zoom_start=7, tiles=None)
    cluster = MarkerCluster().add_to(naive)
    for geom, name in zip(sample.geometry, sample["name"], strict=True):
        folium.Marker([geom.y, geom.x], popup=name).add_to(cluster)
    naive.get_root().render()
    naive_s = (time.perf_counter() - started) / len(sample) * n_schools
    return {"seconds": fast, "baseline_s": naive_s, "ratio": naive_s / fast,
            "html_mb": len(html.encode()) / 1e6, "imports_s": imports}  # fmt: skip


def _eduhub(*args: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def bench_report(scale: float, province: Path | None) -> dict[str, float]:
    from sqlmodel import Session

    from hub.services import indicators
    from hub.settings import Settings
    from hub.storage.engine import make_engine

    work = Path(tempfile.mkdtemp(prefix="eduhub-gis-bench-"))
    env = {**os.environ, "EDUHUB_DATABASE_URL": f"sqlite:///{work}/eduhub.db",
           "EDUHUB_DATA_DIR": str(work / "data")}  # fmt: skip
    folder = province or work / "province"
    port = "18799"
    if not (folder / "sources.yaml").exists():
        _eduhub("synth", "--scale", str(scale), "--seed", "1", "--out", str(folder),
                "--api-port", port, env=env)  # fmt: skip
    _eduhub("init", env=env)
    sim = subprocess.Popen([sys.executable, "-m", "hub.cli", "synth", "serve", str(folder),
                            "--port", port], env=env, stdout=subprocess.DEVNULL)  # fmt: skip
    # A reused folder's sources.yaml names the port it was generated for: point a copy beside
    # it (its paths are relative to its folder) at ours.
    sources = folder / "sources.gisbench.yaml"
    text = (folder / "sources.yaml").read_text(encoding="utf-8")
    sources.write_text(re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{port}", text), encoding="utf-8")
    try:
        time.sleep(3)
        pull_s = _eduhub("pull", "--all", "--quiet", "--config", str(sources), env=env)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    report_s = _eduhub("report", "--period", "2026Q3", env=env)
    settings = Settings(database_url=env["EDUHUB_DATABASE_URL"], data_dir=work / "data")
    engine = make_engine(settings.database_url)
    started = time.perf_counter()
    with Session(engine) as session:
        for ind in indicators.list_indicators():
            for level in ("province", "city", "county"):
                indicators.compute(session=session, indicator_id=ind.id, level=level,
                                   period="2026Q3")  # fmt: skip
    queries_s = time.perf_counter() - started
    return {"seconds": report_s, "baseline_s": queries_s, "ratio": report_s / queries_s,
            "pull_s": pull_s}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=20_000)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--province", type=Path, default=None, help="reuse a synth folder")
    parser.add_argument("--skip-report", action="store_true")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="eduhub-gis-cache-"))
    counties = load_boundaries(data_dir, level="county")
    print(f"{len(counties)} counties; {args.schools:,} schools; {args.homes:,} homes")

    a = bench_assignment(counties, args.schools, args.homes)
    verdict = "met" if a["seconds"] < 10 else "MISSED"
    print(f"assignment: {a['seconds']:.2f} s (target < 10 s: {verdict}); "
          f"brute force on {a['sample']} homes extrapolated {a['baseline_s']:.1f} s; "
          f"ratio {a['ratio']:.0f}x; sample agreement {a['agreement']:.4f}")  # fmt: skip

    m = bench_map(load_boundaries(data_dir, level="county", zoom=8), args.schools)
    print(f"map: {m['seconds']:.2f} s, {m['html_mb']:.1f} MB (target < 5 s: "
          f"{'met' if m['seconds'] < 5 else 'MISSED'}); naive Marker-per-school extrapolated "
          f"{m['baseline_s']:.1f} s; ratio {m['ratio']:.1f}x; first-call imports "
          f"{m['imports_s']:.1f} s, not counted")  # fmt: skip

    if args.skip_report:
        return
    r = bench_report(args.scale, args.province)
    print(
        f"report (scale {args.scale}): {r['seconds']:.1f} s (target < 60 s: "
        f"{'met' if r['seconds'] < 60 else 'MISSED'}); indicator queries alone "
        f"{r['baseline_s']:.1f} s; ratio {r['ratio']:.1f}x; pull {r['pull_s']:.0f} s"
    )


if __name__ == "__main__":
    main()
