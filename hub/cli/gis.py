"""GIS and decision-support commands: indicators, maps, layer exports, reports."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum

import typer
from rich.table import Table
from sqlmodel import Session

from hub.cli.context import console, print_json, state
from hub.services import indicators


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
