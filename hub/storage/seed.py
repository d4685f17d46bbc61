"""Reference data every deployment needs: regions from the boundary data and the code tables."""

from __future__ import annotations

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, select

from schemas.codes import code_tables, load_codes
from schemas.reference import CodeValue, Region
from schemas.regions_data import province_regions
from schemas.versioning import ChangeCounter


def seed_reference(engine: Engine, province: str) -> dict[str, int]:
    """Insert or refresh regions and code values; running it twice changes nothing."""
    with Session(engine) as session:
        if session.get(ChangeCounter, 1) is None:
            session.add(ChangeCounter(id=1, value=0))
        existing = {r.adcode: r for r in session.exec(select(Region)).all()}
        for row in province_regions(province):  # parents sort before children
            region = existing.get(row.adcode)
            values: dict[str, str | None] = {
                "name": row.name,
                "level": row.level,
                "parent": row.parent,
                "boundary_path": row.boundary_path,
            }
            if region is None:
                session.add(Region.model_validate({"adcode": row.adcode, **values}))
                session.flush()
            else:
                for key, value in values.items():
                    if getattr(region, key) != value:
                        setattr(region, key, value)
        for table in code_tables():
            wanted = load_codes(table)
            session.execute(
                delete(CodeValue).where(
                    CodeValue.table_name == table,  # type: ignore[arg-type]
                    CodeValue.code.notin_(list(wanted)),  # type: ignore[attr-defined]
                )
            )
            for entry in wanted.values():
                session.merge(
                    CodeValue(
                        table_name=table,
                        code=entry.code,
                        name=entry.name,
                        parent=entry.parent,
                        aliases="|".join(entry.aliases),
                    )
                )
        session.commit()
        regions = session.scalar(select(func.count()).select_from(Region)) or 0
        codes = session.scalar(select(func.count()).select_from(CodeValue)) or 0
    return {"regions": regions, "codes": codes}
