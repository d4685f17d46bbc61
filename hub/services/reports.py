"""Periodic visual reports (定期发布教育数据动态可视化分析报告): one self-contained HTML per period.

A report holds, for one reporting quarter: every indicator for the province with target and
change on the previous period; targets met or missed per city; county maps (PNG, embedded) and
city bar charts of the targeted indicators; the oversized-class ledger; aid-gap counts by county
(counts only, no names: reports are read widely); the near-school capacity summary. Images are
embedded as data URIs, so the file opens anywhere without the hub or the internet.
"""

from __future__ import annotations

import base64
import io as stdio
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session

from hub.errors import Invalid, NotFound
from hub.gis import indicator_queries, maps
from hub.services import aid_gap, enrolment, indicators, layers
from hub.settings import Settings

REPORT_NAME = re.compile(r"^report-(\d{4}Q[1-4])\.html$")
MAPPED = ("k12_gigabit", "k12_wireless", "multimedia_classrooms", "student_spaces",
          "classes_56_plus", "classes_66_plus", "aid_coverage", "health_pass_rate")  # fmt: skip


def templates() -> Environment:
    return Environment(
        loader=PackageLoader("hub", "templates"), autoescape=select_autoescape(["html"])
    )


def reports_dir(settings: Settings) -> Path:
    return settings.data_dir / "reports"


def _png_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def _bar_chart(values: list[indicators.Value], indicator: indicators.Indicator) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["font.sans-serif"] = [*maps.CJK_FONTS, "DejaVu Sans"]
    scale = 1 if indicator.unit == "ratio" else 100
    shown = [v for v in values if v.value is not None]
    fig, ax = plt.subplots(figsize=(7, 3), dpi=90)
    ax.bar([v.name for v in shown], [v.value * scale for v in shown if v.value is not None],
           color="#3182bd")  # fmt: skip
    if indicator.target is not None:
        ax.axhline(indicator.target * scale, color="#d62728", linestyle="--", label="目标")
        ax.legend(fontsize=8)
    ax.set_title(indicator.name, fontsize=10)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.set_ylabel("%" if indicator.unit == "share" else "")
    buffer = stdio.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _figure(
    session: Session, settings: Settings, ind: indicators.Indicator, period: str, work: Path
) -> dict[str, Any]:
    """County map (PNG) and city bar chart of one indicator, as data URIs."""
    layer = layers.indicator_layer(
        session=session,
        settings=settings,
        indicator_id=ind.id,
        level="county",
        period=period,
        zoom=8,
    )
    shown = indicators.native_period(ind, period)
    png = maps.static_png(
        layer,
        work / f"{ind.id}.png",
        title=f"{ind.name}（{shown}）",
        unit=ind.unit,
        higher_is_better=ind.higher_is_better,
    )
    cities = indicators.compute(session=session, indicator_id=ind.id, level="city", period=period)
    return {"def": ind, "map": _png_uri(png), "chart": _bar_chart(cities, ind)}


def report_context(
    *, session: Session, settings: Settings, period: str, draw: bool = True
) -> dict[str, Any]:
    """Everything the report template shows, for the reporting quarter ``period``.

    ``draw=False`` leaves out the maps and charts (the slow part) when only figures are wanted.
    """
    if not re.match(r"^\d{4}Q[1-4]$", period):
        raise Invalid(f"report period {period!r} must be a quarter like 2026Q3")
    summary, by_city, figures = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for ind in indicators.list_indicators():
            [province] = indicators.compute(
                session=session, indicator_id=ind.id, level="province", period=period
            )
            summary.append({"def": ind, "v": province})
            if ind.target is not None:
                values = indicators.compute(
                    session=session, indicator_id=ind.id, level="city", period=period
                )
                by_city.append({"def": ind, "values": values})
            if draw and ind.id in MAPPED and province.denominator:
                figures.append(_figure(session, settings, ind, period, Path(tmp)))
    year = int(indicators.native_period(indicators.INDICATORS["classes_56_plus"], period))
    school_year = indicators.native_period(indicators.INDICATORS["aid_coverage"], period)
    province_code = settings.province_code
    gap = aid_gap.aid_gap(
        session=session,
        school_year=school_year,
        viewer=f"{province_code}0000",
        province=province_code,
    )
    names = _region_names(session)
    gap_by_county = sorted(aid_gap.gap_counts(gap)["county"].items())
    near = enrolment.near_school_report(
        session=session,
        data_dir=settings.data_dir,
        province=province_code,
        max_distance_m=settings.gis_far_distance_m,
    )
    return {
        "period": period,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary,
        "by_city": by_city,
        "figures": figures,
        "ledger": indicator_queries.oversized_ledger(session, year),
        "ledger_year": year,
        "gap_total": len(gap),
        "gap_by_county": [(c, names.get(c, c), n) for c, n in gap_by_county],
        "school_year": school_year,
        "near": {
            "schools": len(near.schools),
            "over": int(near.schools["over_capacity"].sum()) if len(near.schools) else 0,
            "pupils": int(near.pupils["school_code"].notna().sum()),
            "far": int(near.schools["far"].sum()) if len(near.schools) else 0,
            "max_distance_m": near.max_distance_m,
        },
        "names": names,
        "fmt": maps.format_value,
    }


def _region_names(session: Session) -> dict[str, str]:
    from hub.services.reference import list_regions

    return {r.adcode: r.name for r in list_regions(session=session)}


def build_report(
    *, session: Session, settings: Settings, period: str, out: Path | None = None
) -> Path:
    """Render the report to ``<data_dir>/reports/report-<period>.html`` (or ``out``)."""
    context = report_context(session=session, settings=settings, period=period)
    html = templates().get_template("report.html").render(**context)
    path = out or reports_dir(settings) / f"report-{period}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def list_reports(settings: Settings) -> list[dict[str, Any]]:
    folder = reports_dir(settings)
    found = []
    for path in sorted(folder.glob("report-*.html"), reverse=True) if folder.exists() else []:
        m = REPORT_NAME.match(path.name)
        if m:
            stat = path.stat()
            found.append({"name": path.name, "period": m.group(1), "size": stat.st_size,
                          "written": datetime.fromtimestamp(stat.st_mtime, UTC)})  # fmt: skip
    return found


def report_path(settings: Settings, name: str) -> Path:
    """The file of a listed report; anything else (or ../) is NotFound."""
    if not REPORT_NAME.match(name) or not (reports_dir(settings) / name).is_file():
        raise NotFound(f"no report {name!r}")
    return reports_dir(settings) / name
