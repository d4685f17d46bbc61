"""GIS and decision-support commands: indicators, maps, layer exports, reports."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table
from sqlmodel import Session

from hub.cli.context import console, print_json, state


class Level(StrEnum):
    province = "province"
    city = "city"
    county = "county"


class BaseLayer(StrEnum):
    none = "none"
    osm = "osm"
    tianditu = "tianditu"


def _pct(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if unit == "ratio" else f"{value * 100:.1f}%"


def indicators_cmd(
    ctx: typer.Context,
    indicator: str | None = typer.Argument(None, help="Show this indicator's values."),
    level: Level = typer.Option(Level.city, help="Region level of the values."),
    period: str | None = typer.Option(None, help="2026Q3, or the native period; default latest."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """List the indicators (ids, definitions, targets), or one indicator's values by region."""
    from hub.services import indicators

    if indicator is None:
        defs = [i.public() for i in indicators.list_indicators()]
        if as_json:
            print_json(defs)
            return
        table = Table("id", "名称", "numerator / denominator", "period", "target")
        for d in defs:
            target = "" if d["target"] is None else _pct(d["target"], d["unit"])
            direction = "≥" if d["higher_is_better"] else "≤"
            table.add_row(
                d["id"],
                d["name"],
                f"{d['numerator']} / {d['denominator']}",
                d["period_kind"],
                f"{direction} {target}" if target else "",
            )
        console.print(table)
        return
    with Session(state(ctx).engine) as session:
        values = indicators.compute(
            session=session, indicator_id=indicator, level=level.value, period=period
        )
    if as_json:
        print_json([asdict(v) for v in values])
        return
    unit = indicators.get_indicator(indicator).unit
    out = Table("adcode", "name", "period", "value", "target", "met", "change", title=indicator)
    for v in values:
        out.add_row(
            v.adcode,
            v.name,
            v.period,
            _pct(v.value, unit),
            _pct(v.target, unit),
            {True: "✓", False: "✗", None: ""}[v.met],
            _pct(v.change, unit),
        )
    console.print(out)


def near_school_cmd(
    ctx: typer.Context,
    max_distance: float | None = typer.Option(
        None, help="Far-pupil distance in metres (default EDUHUB_GIS_FAR_DISTANCE_M)."
    ),
    only_over: bool = typer.Option(False, "--over-capacity", help="Only schools over capacity."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Near-school enrolment: per school demand (nearest homes) vs capacity, and far pupils."""
    from hub.services import enrolment

    st = state(ctx)
    with Session(st.engine) as session:
        report = enrolment.near_school_report(
            session=session,
            data_dir=st.settings.data_dir,
            province=st.settings.province_code,
            max_distance_m=max_distance or st.settings.gis_far_distance_m,
        )
    table = report.schools
    if only_over:
        table = table[table["over_capacity"]]
    rows = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    if as_json:
        print_json({"max_distance_m": report.max_distance_m, "year": report.year, "schools": rows})
        return
    out = Table(
        "school",
        "name",
        "county",
        "stage",
        "capacity",
        "demand",
        "far",
        "over",
        title=f"near-school demand (far > {report.max_distance_m:.0f} m)",
    )
    for r in rows:
        out.add_row(
            r["school_code"],
            r["name"],
            r["county"],
            r["stage"],
            str(r["capacity"] or "—"),
            str(r["demand"]),
            str(r["far"]),
            "✗" if r["over_capacity"] else "",
        )
    console.print(out)


def aid_gap_cmd(
    ctx: typer.Context,
    school_year: str = typer.Option(..., help="School year, e.g. 2026-2027."),
    viewer: str = typer.Option(..., "--as", help="Who is asking: 320000 or a city code 3201xx."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Children of registered poor households with no aid payment in the school year."""
    from hub.services import aid_gap

    st = state(ctx)
    with Session(st.engine) as session:
        gap = aid_gap.aid_gap(
            session=session,
            school_year=school_year,
            viewer=viewer,
            province=st.settings.province_code,
        )
    if as_json:
        print_json([asdict(g) for g in gap])
        return
    out = Table("county", "school", "学籍号", "name", "grade", title=f"aid gap {school_year}")
    for g in gap:
        out.add_row(g.county_adcode, g.school_name, g.xjh, g.name, g.grade)
    console.print(out)
    console.print(f"{len(gap)} children without aid")


class Format(StrEnum):
    geojson = "geojson"
    gpkg = "gpkg"
    shp = "shp"
    fgb = "fgb"


def map_cmd(
    ctx: typer.Context,
    indicator: str = typer.Argument(..., help="Indicator id (see `eduhub indicators`)."),
    level: Level = typer.Option(Level.county, help="city or county polygons."),
    period: str | None = typer.Option(None, help="2026Q3 or the native period; default latest."),
    out: Path = typer.Option(..., "--out", help="HTML file to write."),
    schools: bool = typer.Option(True, help="Add school points as marker clusters."),
    tiles: BaseLayer | None = typer.Option(
        None,
        help="Base layer: none (offline), osm, or tianditu (needs EDUHUB_TIANDITU_KEY); "
        "default EDUHUB_MAP_TILES.",
    ),
) -> None:
    """Write a standalone Folium map of one indicator (works offline without a base layer)."""
    from hub.services import layers

    st = state(ctx)
    with Session(st.engine) as session:
        html = layers.indicator_map_html(
            session=session,
            settings=st.settings,
            indicator_id=indicator,
            level=level.value,
            period=period,
            with_schools=schools,
            tiles=tiles.value if tiles else None,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    console.print(f"wrote {out} ({len(html) // 1024} KiB)")


def export_layer_cmd(
    ctx: typer.Context,
    layer: str = typer.Argument(
        ..., help="counties, cities, province, schools, catchments or an indicator id"
    ),
    fmt: Format = typer.Option(Format.geojson, "--format", help="File format."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    level: Level = typer.Option(Level.county, help="Region level of indicator layers."),
    period: str | None = typer.Option(None, help="Period of indicator layers."),
) -> None:
    """Export a GIS layer (WGS-84, UTF-8) for QGIS/ArcGIS through pyogrio."""
    from hub.services import layers

    st = state(ctx)
    with Session(st.engine) as session:
        path, count = layers.export_layer(
            session=session,
            settings=st.settings,
            layer=layer,
            fmt=fmt.value,
            out=out,
            level=level.value,
            period=period,
        )
    console.print(f"wrote {count} features to {path}")


def report_cmd(
    ctx: typer.Context,
    period: str = typer.Option(..., help="Reporting quarter, e.g. 2026Q3."),
    out: Path | None = typer.Option(None, help="File to write (default: the reports folder)."),
) -> None:
    """Write the self-contained HTML analysis report of a quarter (shown on /reports)."""
    from hub.services import reports

    st = state(ctx)
    with Session(st.engine) as session:
        path = reports.build_report(session=session, settings=st.settings, period=period, out=out)
    console.print(f"wrote {path}")
