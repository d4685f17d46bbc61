"""``eduhub pull``, ``runs`` and ``quarantine``: run connectors and look at what they did."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from connectors.runner import Progress as RunProgress
from connectors.runs import Counts
from hub.cli.context import console, err_console, print_json, state
from hub.services import pull as service

quarantine_app = typer.Typer(help="Records the connectors refused, with the reason.")


@contextmanager
def _bars() -> Iterator[Callable[[str], RunProgress | None]]:
    """One progress line per stream: batches done and what they held."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bars:
        tasks: dict[str, TaskID] = {}
        totals: dict[str, Counts] = {}

        def for_connector(name: str) -> RunProgress:
            def advance(stream: str, source: str, counts: Counts) -> None:
                label = f"{name}.{stream}"
                if label not in tasks:
                    tasks[label] = bars.add_task(label, total=None, detail="")
                    totals[label] = Counts()
                total = totals[label]
                total.add(counts)
                bars.update(
                    tasks[label],
                    advance=1,
                    detail=f"{source}: read {total.read} +{total.inserted} ~{total.updated} "
                    f"-{total.deleted} ={total.unchanged} !{total.quarantined}",
                )

            return advance

        yield for_connector


def pull_cmd(
    ctx: typer.Context,
    names: list[str] = typer.Argument(None, help="Sources to pull (see sources.yaml)."),
    every: bool = typer.Option(False, "--all", help="Pull every configured source."),
    config: Path = typer.Option(Path("sources.yaml"), "--config", help="The sources file."),
    full_refresh: bool = typer.Option(
        False, "--full-refresh", help="Forget bookmarks and re-read everything (still diffed)."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
) -> None:
    """Pull source systems into the hub; each run is recorded (see `eduhub runs`)."""
    st = state(ctx)
    sources = service.read_sources(config)
    chosen = service.choose(sources, names or [], every)
    if quiet:
        reports = service.pull(
            engine=st.engine,
            settings=st.settings,
            sources=sources,
            names_to_run=chosen,
            full_refresh=full_refresh,
        )
    else:
        with _bars() as progress:
            reports = service.pull(
                engine=st.engine,
                settings=st.settings,
                sources=sources,
                names_to_run=chosen,
                full_refresh=full_refresh,
                progress=progress,
            )
    table = Table("run", "source", "status", "read", "ins", "upd", "same", "del", "quar", "s")
    for r in reports:
        c = r.counts
        table.add_row(
            str(r.run_id),
            r.connector,
            r.status,
            *(str(v) for v in (c.read, c.inserted, c.updated, c.unchanged, c.deleted)),
            str(c.quarantined),
            f"{r.seconds:.1f}",
        )
    console.print(table)


def runs_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    limit: int = typer.Option(50, help="Newest runs to show."),
) -> None:
    """List connector runs, newest first."""
    rows = service.runs(engine=state(ctx).engine, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table("run", "source", "status", "started", "read", "ins", "upd", "same", "del", "quar")
    for r in rows:
        c = r["counts"] or {}
        table.add_row(
            str(r["id"]),
            r["connector"],
            r["status"],
            str(r["started_at"])[:19],
            *(str(c.get(k, "")) for k in ("read", "inserted", "updated", "unchanged", "deleted")),
            str(c.get("quarantined", "")),
        )
    console.print(table)


@quarantine_app.command("list")
def quarantine_list(
    ctx: typer.Context,
    run: int | None = typer.Option(None, "--run", help="Only entries of this run."),
    as_json: bool = typer.Option(False, "--json", help="Every entry as JSON."),
    resolved: bool = typer.Option(False, "--resolved", help="Include entries already fixed."),
) -> None:
    """Open quarantine entries: counts per source and rule, or every entry with --json."""
    engine = state(ctx).engine
    if as_json:
        print_json(service.quarantine_list(engine=engine, run_id=run, include_resolved=resolved))
        return
    table = Table("source", "rule", "records")
    for row in service.quarantine_counts(engine=engine, run_id=run):
        table.add_row(row["connector"], row["rule"], str(row["records"]))
    console.print(table)


@quarantine_app.command("show")
def quarantine_show(
    ctx: typer.Context,
    entry: int = typer.Argument(..., help="Quarantine entry id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One entry: where the record is, what it held, which rule it broke and why."""
    row = service.quarantine_show(engine=state(ctx).engine, entry_id=entry)
    if as_json:
        print_json(row)
        return
    for key in ("id", "run_id", "connector", "stream", "source", "locator", "record_key"):
        console.print(f"[bold]{key}[/bold]: {row[key]}")
    console.print(f"[bold]field[/bold]: {row['field']}  [bold]rule[/bold]: {row['rule']}")
    console.print(f"[bold]message[/bold]: {row['message']}")
    console.print(f"[bold]raw[/bold]: {row['raw']}")


@quarantine_app.command("export")
def quarantine_export(
    ctx: typer.Context,
    run: int | None = typer.Option(None, "--run", help="Only entries of this run."),
    as_json: bool = typer.Option(False, "--json", help="NDJSON instead of CSV."),
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
) -> None:
    """Export open entries for the source's clerks: CSV (opens in Excel) or NDJSON."""
    entries = service.quarantine_list(engine=state(ctx).engine, run_id=run, limit=10**9)
    text = service.quarantine_export(entries, "json" if as_json else "csv")
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {len(entries)} entries to {out}")
