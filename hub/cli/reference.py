"""``eduhub regions``, ``eduhub codes`` and ``eduhub check-id``: reference data at the terminal."""

from __future__ import annotations

from enum import StrEnum

import typer
from rich.table import Table
from sqlmodel import Session

from hub.cli.context import console, print_json, state
from hub.services import reference
from hub.services.identifiers import check_identifier


class Level(StrEnum):
    province = "province"
    city = "city"
    county = "county"


class Kind(StrEnum):
    auto = "auto"
    id_number = "id_number"
    xjh = "xjh"
    school_code = "school_code"


def regions(
    ctx: typer.Context,
    level: Level | None = typer.Option(None, help="Only this level."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """List the province, its cities and counties (GB/T 2260)."""
    with Session(state(ctx).engine) as session:
        rows = reference.list_regions(session=session, level=level.value if level else None)
        data = [
            {"adcode": r.adcode, "name": r.name, "level": r.level, "parent": r.parent} for r in rows
        ]
    if as_json:
        print_json(data)
        return
    table = Table("adcode", "name", "level", "parent")
    for row in data:
        table.add_row(row["adcode"], row["name"], row["level"], row["parent"] or "")
    console.print(table)


def codes(
    ctx: typer.Context,
    table: str | None = typer.Argument(None, help="Code table; omit to list the tables."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Show a code table (办学类型, gender, ethnicity ...) or list the tables."""
    if table is None:
        names = reference.list_code_tables()
        print_json(names) if as_json else console.print("\n".join(names))
        return
    with Session(state(ctx).engine) as session:
        rows = reference.get_code_table(session=session, table=table)
        data: list[dict[str, object]] = [
            {
                "code": r.code,
                "name": r.name,
                "parent": r.parent,
                "aliases": [a for a in r.aliases.split("|") if a],
            }
            for r in rows
        ]
    if as_json:
        print_json(data)
        return
    out = Table("code", "name", "parent", "aliases", title=table)
    for r in rows:
        out.add_row(r.code, r.name, r.parent or "", r.aliases.replace("|", " | "))
    console.print(out)


def check_id(
    ctx: typer.Context,
    value: str = typer.Argument(..., help="ID number, 全国学籍号 or 学校标识码"),
    kind: Kind = typer.Option(Kind.auto, help="What VALUE is; auto guesses from its shape."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Say whether an identifier is valid and, if not, which rule it breaks. Exit 1 if invalid."""
    result = check_identifier(
        value=value, kind=kind.value, province=state(ctx).settings.province_code
    )
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "kind": result.kind,
                "value": result.value,
                "rule": result.rule,
                "message": result.message,
            }
        )
    elif result.ok:
        console.print(f"[green]valid[/green] {result.kind}: {result.value}")
    else:
        console.print(f"[red]invalid[/red] {result.kind} ({result.rule}): {result.message}")
    if not result.ok:
        raise typer.Exit(1)
