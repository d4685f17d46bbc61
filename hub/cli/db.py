"""``eduhub db``: schema migrations."""

from __future__ import annotations

import typer

from hub.cli.context import OneLineErrors, console, state
from hub.services import system

app = typer.Typer(cls=OneLineErrors, help="Schema migrations (Alembic).", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head")) -> None:
    """Upgrade the schema to REVISION (default: the latest)."""
    current = system.upgrade(engine=state(ctx).engine, revision=revision)
    console.print(f"schema at revision {current}")


@app.command()
def downgrade(
    ctx: typer.Context, revision: str = typer.Argument(..., help="e.g. -1 or base")
) -> None:
    """Downgrade the schema to REVISION."""
    current = system.downgrade(engine=state(ctx).engine, revision=revision)
    console.print(f"schema at revision {current or 'base (empty)'}")


@app.command()
def current(ctx: typer.Context) -> None:
    """Show the current and the latest schema revision."""
    now, head = system.revisions(engine=state(ctx).engine)
    flag = "up to date" if now == head else "upgrade needed: eduhub db upgrade"
    console.print(f"current {now or 'base (empty)'}, head {head} ({flag})")
