"""``eduhub audit``: check the hash chain of the exchange's audit log."""

from __future__ import annotations

import typer
from sqlmodel import Session

from hub.cli.context import console, fail, state

app = typer.Typer(help="The append-only, hash-chained audit log of data responses.")


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Walk the chain; exit 1 and name the first broken link if any entry was tampered with."""
    from hub.services.exchange import audit

    with Session(state(ctx).engine) as session:
        verdict = audit.verify(session=session)
    if not verdict.ok:
        fail(f"audit chain broken at entry {verdict.broken_at}: {verdict.reason}")
    console.print(f"audit chain intact: {verdict.entries} entries")


@app.command("usage")
def usage(ctx: typer.Context, org: str | None = typer.Option(None, "--org")) -> None:
    """Requests, rows and bytes per dataset and organisation."""
    from hub.services.exchange import audit

    with Session(state(ctx).engine) as session:
        for u in audit.usage(session=session, org_code=org):
            console.print(
                f"{u.dataset}  {u.org_code}  {u.requests} req  {u.rows} rows  {u.bytes} B"
            )
