"""The ``eduhub`` command."""

from __future__ import annotations

import typer

from hub.cli import audit as audit_cli
from hub.cli import catalog as catalog_cli
from hub.cli import clients as clients_cli
from hub.cli import db, gis, pull, reference, synth
from hub.cli import sync as sync_cli
from hub.cli.context import CliState, OneLineErrors, console, state
from hub.services import system

app = typer.Typer(
    cls=OneLineErrors,
    help="eduhub: Jiangsu education data exchange and open-data API hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(catalog_cli.app, name="catalog")
app.add_typer(synth.app, name="synth")
app.add_typer(clients_cli.app, name="clients")
app.add_typer(audit_cli.app, name="audit")
app.command("sync")(sync_cli.sync)
app.command("regions")(reference.regions)
app.command("codes")(reference.codes)
app.command("check-id")(reference.check_id)
app.command("pull")(pull.pull_cmd)
app.command("runs")(pull.runs_cmd)
app.add_typer(pull.quarantine_app, name="quarantine")
app.command("indicators")(gis.indicators_cmd)
app.command("near-school")(gis.near_school_cmd)
app.command("aid-gap")(gis.aid_gap_cmd)
app.command("map")(gis.map_cmd)
app.command("export-layer")(gis.export_layer_cmd)
app.command("report")(gis.report_cmd)


@app.callback()
def main(
    ctx: typer.Context,
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="EDUHUB_DATABASE_URL",
        help="sqlite:///file.db or postgresql://user@host/db",
    ),
) -> None:
    ctx.obj = CliState(database_url)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create or upgrade the database and load regions and code tables (safe to repeat)."""
    st = state(ctx)
    report = system.init_database(engine=st.engine, settings=st.settings)
    console.print(
        f"database ready at revision {report.revision}: {report.regions} regions, "
        f"{report.codes} code values"
    )


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import os

    import uvicorn

    st = state(ctx)
    st.settings  # noqa: B018 - validate settings before forking workers
    os.environ["EDUHUB_DATABASE_URL"] = st.settings.database_url
    uvicorn.run("hub.api.app:create_app", factory=True, host=host, port=port, workers=workers)


def run() -> None:
    app()
