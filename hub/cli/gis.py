"""GIS and decision-support commands: indicators, maps, layer exports, reports."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum

import typer
from rich.table import Table
from sqlmodel import Session

from hub.cli.context import console, print_json, state
from hub.services import aid_gap, enrolment, indicators


class Level(StrEnum):
    province = "province"
    city = "city"
    county = "county"


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
    if indicator is None:
        defs = [i.public() for i in indicators.list_indicators()]
        if as_json:
            print_json(defs)
            return
        table = Table("id", "名称", "numerator / denominator", "period", "target")
        for d in defs:
            target = "" if d["target"] is None else _pct(d["target"], d["unit"])
            direction = "≥" if d["higher_is_better"] else "≤"
            table.add_row(d["id"], d["name"], f"{d['numerator']} / {d['denominator']}",
                          d["period_kind"], f"{direction} {target}" if target else "")  # fmt: skip
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
        out.add_row(v.adcode, v.name, v.period, _pct(v.value, unit), _pct(v.target, unit),
                    {True: "✓", False: "✗", None: ""}[v.met], _pct(v.change, unit))  # fmt: skip
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
    out = Table("school", "name", "county", "stage", "capacity", "demand", "far", "over",
                title=f"near-school demand (far > {report.max_distance_m:.0f} m)")  # fmt: skip
    for r in rows:
        out.add_row(r["school_code"], r["name"], r["county"], r["stage"], str(r["capacity"] or "—"),
                    str(r["demand"]), str(r["far"]), "✗" if r["over_capacity"] else "")  # fmt: skip
    console.print(out)


def aid_gap_cmd(
    ctx: typer.Context,
    school_year: str = typer.Option(..., help="School year, e.g. 2026-2027."),
    viewer: str = typer.Option(..., "--as", help="Who is asking: 320000 or a city code 3201xx."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Children of registered poor households with no aid payment in the school year."""
    st = state(ctx)
    with Session(st.engine) as session:
        gap = aid_gap.aid_gap(
            session=session, school_year=school_year, viewer=viewer,
            province=st.settings.province_code,
        )  # fmt: skip
    if as_json:
        print_json([asdict(g) for g in gap])
        return
    out = Table("county", "school", "学籍号", "name", "grade", title=f"aid gap {school_year}")
    for g in gap:
        out.add_row(g.county_adcode, g.school_name, g.xjh, g.name, g.grade)
    console.print(out)
    console.print(f"{len(gap)} children without aid")
