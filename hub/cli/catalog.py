"""``eduhub catalog``: validate, publish, list, show, diff and export the resource catalog 目录."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table
from sqlmodel import Session

from hub.cli.context import OneLineErrors, console, fail, print_json, state
from hub.errors import Invalid
from hub.storage.catalog_index import Filters

app = typer.Typer(
    cls=OneLineErrors,
    help="The education government information resource catalog 目录.",
    no_args_is_help=True,
)


class Format(StrEnum):
    xlsx = "xlsx"
    csv = "csv"
    json = "json"
    ttl = "ttl"
    jsonld = "jsonld"


@app.command()
def validate(ctx: typer.Context) -> None:
    """Check every entry against the cataloguing rules and the unified schema."""
    from hub.services import catalog

    loaded = catalog.validate(settings=state(ctx).settings)
    for problem in loaded.problems:
        typer.echo(str(problem), err=True)
    if not loaded.ok:
        fail(f"{len(loaded.problems)} problem(s) in {loaded.root}")
    console.print(f"{len(loaded.entries)} entries valid ({loaded.root})")


@app.command()
def publish(
    ctx: typer.Context,
    version: str = typer.Option(..., "--version", help="New version, e.g. 1.0 or 1.1"),
    note: str = typer.Option("", help="What changed, for the version list."),
) -> None:
    """Freeze the current entries as a new published version."""
    from hub.services import catalog

    st = state(ctx)
    with Session(st.engine) as session:
        try:
            info = catalog.publish(
                session=session, settings=st.settings, version=version, note=note
            )
        except Invalid as exc:
            for line in exc.extra.get("problems", []):
                typer.echo(line, err=True)
            raise
    console.print(f"published catalog {info.version}: {info.entry_count} resources")


@app.command()
def diff(
    ctx: typer.Context,
    old: str = typer.Argument(..., help="Older version, e.g. 1.0"),
    new: str = typer.Argument(..., help="Newer version, e.g. 1.1"),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
) -> None:
    """Resources and info items added, removed or changed between two versions."""
    from hub.services import catalog

    with Session(state(ctx).engine) as session:
        result = catalog.diff_versions(session=session, old=old, new=new)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    for ref in result.added:
        typer.echo(f"+ {ref.code} {ref.name}")
    for ref in result.removed:
        typer.echo(f"- {ref.code} {ref.name}")
    for change in result.changed:
        typer.echo(f"~ {change.code} {change.name}")
        for f in change.fields:
            typer.echo(f"    {f.field}: {f.old!r} -> {f.new!r}")
        for name in change.items.added:
            typer.echo(f"    + item {name}")
        for name in change.items.removed:
            typer.echo(f"    - item {name}")
        for name, fields in change.items.changed.items():
            for f in fields:
                typer.echo(f"    ~ item {name}.{f.field}: {f.old!r} -> {f.new!r}")
    if not (result.added or result.removed or result.changed):
        typer.echo(f"no changes between {result.old_version} and {result.new_version}")


@app.command("list")
def list_(
    ctx: typer.Context,
    q: str | None = typer.Option(None, "--q", "-q", help="Full-text search (Chinese works)."),
    provider: str | None = typer.Option(None, help="提供方代码 or name."),
    classification: str | None = typer.Option(None, help="分类码 or prefix."),
    sharing_type: str | None = typer.Option(None, help="无条件共享 / 有条件共享 / 不予共享"),
    open_: bool | None = typer.Option(None, "--open/--not-open", help="Open to the public."),
    update_cycle: str | None = typer.Option(None, help="更新周期, e.g. 每日"),
    format_: str | None = typer.Option(None, "--format", help="格式分类 or 类型"),
    version: str | None = typer.Option(None, help="Published version (default latest)."),
    limit: int = typer.Option(100, help="At most this many."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """List or search the resources of a published version."""
    from hub.services import catalog

    filters = Filters(
        provider=provider,
        classification=classification,
        sharing_type=sharing_type,
        is_open=open_,
        update_cycle=update_cycle,
        format=format_,
    )
    with Session(state(ctx).engine) as session:
        page = catalog.list_resources(
            session=session, q=q, filters=filters, version=version, limit=limit
        )
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    table = Table(title=f"catalog {page.version}: {page.count} resource(s)")
    for column in ("代码", "名称", "提供方", "共享类型", "开放", "更新周期"):
        table.add_column(column)
    for r in page.data:
        table.add_row(
            r.code, r.name, r.provider, r.sharing_type, "是" if r.open else "否", r.update_cycle
        )
    console.print(table)


@app.command()
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Resource code (30700102/001) or id (students)."),
    version: str | None = typer.Option(None, help="Published version (default latest)."),
) -> None:
    """One resource with every element, as JSON."""
    from hub.services import catalog

    with Session(state(ctx).engine) as session:
        entry = catalog.show_resource(session=session, key=key, version=version)
    print_json({**entry.model_dump(mode="json"), "personal_fields": entry.personal_fields})


@app.command()
def export(
    ctx: typer.Context,
    format_: Format = typer.Option(..., "--format", help="xlsx, csv, json, ttl or jsonld"),
    out: Path = typer.Option(..., "--out", help="File to write."),
    version: str | None = typer.Option(None, help="Published version (default latest)."),
) -> None:
    """Write a published version as Excel, CSV, JSON or DCAT-AP (Turtle / JSON-LD)."""
    from hub.services import catalog

    st = state(ctx)
    with Session(st.engine) as session:
        result = catalog.export(
            session=session, settings=st.settings, fmt=format_.value, version=version
        )
    out.write_bytes(result.content)
    console.print(f"wrote {out} ({len(result.content)} bytes, {result.filename})")


@app.command("new-code")
def new_code(
    ctx: typer.Context,
    classification: str = typer.Argument(..., help="8-digit 分类码, e.g. 30700102"),
    resource: str = typer.Argument(..., help="id of the new entry, e.g. student_awards"),
) -> None:
    """Issue the next resource code of a class and record it in registry.yaml."""
    from hub.services import catalog

    code = catalog.issue_code(
        settings=state(ctx).settings,
        classification=classification,
        resource=resource,
        on=date.today(),
    )
    console.print(code)
