"""The precise-aid gap (精准资助): registered poor children in school with no aid this school year.

A child of a registered poor household is found among the pupils by ID hash
(``poor_households.child_id_hash`` = ``students.id_hash``); the child is in the gap when no live
aid payment carries the pupil's 学籍号 in the school year. Only the province and the pupil's own
city may see the names (exchange rules), so every call names who is asking.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import not_
from sqlmodel import Session

from hub.errors import Forbidden
from hub.gis.indicator_queries import aided_in, poor_children


@dataclass(frozen=True)
class GapPupil:
    county_adcode: str
    school_code: str
    school_name: str
    xjh: str
    name: str
    id_masked: str | None
    grade: str


def check_viewer(viewer: str, province: str) -> str | None:
    """The city prefix the viewer may see (None: the whole province); Forbidden otherwise."""
    if viewer == f"{province}0000":
        return None
    if len(viewer) == 6 and viewer.startswith(province) and viewer.endswith("00"):
        return viewer[:4]
    raise Forbidden(f"{viewer!r} may not see the aid gap: only the province or a city bureau")


def aid_gap(*, session: Session, school_year: str, viewer: str, province: str) -> list[GapPupil]:
    """Children without aid in ``school_year``, sorted by county, school and 学籍号."""
    city = check_viewer(viewer, province)
    query = poor_children().where(not_(aided_in(school_year)))
    rows = session.execute(query).mappings().all()
    out = [
        GapPupil(
            r["county_adcode"],
            r["school_code"],
            r["school_name"],
            r["xjh"],
            r["name"],
            r["id_masked"],
            r["grade"],
        )
        for r in rows
        if city is None or str(r["county_adcode"]).startswith(city)
    ]
    return sorted(out, key=lambda g: (g.county_adcode, g.school_code, g.xjh))


def gap_counts(gap: list[GapPupil]) -> dict[str, dict[str, int]]:
    """Counts by county and by school (the ledger the report shows)."""
    by_county: dict[str, int] = {}
    by_school: dict[str, int] = {}
    for g in gap:
        by_county[g.county_adcode] = by_county.get(g.county_adcode, 0) + 1
        by_school[g.school_code] = by_school.get(g.school_code, 0) + 1
    return {"county": by_county, "school": by_school}
