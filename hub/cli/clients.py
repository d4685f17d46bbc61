"""``eduhub clients``: API clients of organisations (secrets are printed once, never stored)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from sqlmodel import Session

from hub.cli.context import console, print_json, state

if TYPE_CHECKING:
    from hub.services.exchange import clients

app = typer.Typer(help="OAuth2 clients of the province department and city bureaus.")


def _issued(issued: clients.IssuedClient, as_json: bool) -> None:
    data = {
        "client_id": issued.id,
        "client_secret": issued.secret,
        "org": issued.org_code,
        "name": issued.name,
        "scopes": issued.scopes,
    }
    if as_json:
        print_json(data)
        return
    console.print(f"client_id:     {issued.id}")
    console.print(f"client_secret: {issued.secret}")
    console.print(f"organisation {issued.org_code}, scopes {' '.join(issued.scopes)}")
    console.print("[yellow]The secret is shown only now; it is stored as a hash.[/yellow]")


@app.command("create")
def create(
    ctx: typer.Context,
    org: str = typer.Option(..., "--org", help="Organisation adcode, e.g. 320100."),
    name: str = typer.Option(..., "--name", help="What the client is for."),
    scope: list[str] = typer.Option(None, "--scope", help="Scope (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a client and print its id and secret once."""
    from hub.services.exchange import clients

    with Session(state(ctx).engine) as session:
        issued = clients.create_client(session=session, org_code=org, name=name, scopes=scope)
    _issued(issued, as_json)


@app.command("rotate")
def rotate(
    ctx: typer.Context,
    client_id: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Replace a client's secret (the old one stops working at once)."""
    from hub.services.exchange import clients

    with Session(state(ctx).engine) as session:
        issued = clients.rotate_secret(session=session, client_id=client_id)
    _issued(issued, as_json)


@app.command("revoke")
def revoke(ctx: typer.Context, client_id: str = typer.Argument(...)) -> None:
    """Revoke a client: its tokens are refused from the next request on."""
    from hub.services.exchange import clients

    with Session(state(ctx).engine) as session:
        clients.revoke_client(session=session, client_id=client_id)
    console.print(f"revoked {client_id}")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List clients (never their secrets)."""
    from hub.services.exchange import clients

    with Session(state(ctx).engine) as session:
        rows = [
            {
                "id": c.id,
                "org": c.org_code,
                "name": c.name,
                "scopes": c.scopes,
                "revoked": c.revoked,
            }
            for c in clients.list_clients(session=session)
        ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        flag = " (revoked)" if r["revoked"] else ""
        console.print(f"{r['id']}  {r['org']}  {r['name']}  [{r['scopes']}]{flag}")


@app.command("orgs")
def orgs(ctx: typer.Context) -> None:
    """List organisations (created from the regions on first use)."""
    from hub.services.exchange import clients

    with Session(state(ctx).engine) as session:
        for org in clients.list_organisations(session=session):
            console.print(f"{org.code}  {org.level:8}  {org.name}")
