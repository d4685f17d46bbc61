"""``eduhub sync``: mirror the granted datasets of a province hub through its change feed."""

from __future__ import annotations

import typer

from hub.cli.context import console, err_console, state


def sync(
    ctx: typer.Context,
    source: str = typer.Option(..., "--from", help="Base URL of the province hub."),
    client_id: str = typer.Option(..., "--client-id"),
    secret: str = typer.Option(..., "--secret", envvar="EDUHUB_SYNC_SECRET"),
    dataset: list[str] = typer.Option(None, "--dataset", help="Resource code or id (repeat)."),
    page_size: int = typer.Option(1000, "--page-size", min=1, max=10_000),
) -> None:
    """Pull every change since the last run (resumable: bookmarks commit with each page)."""
    from hub.services.exchange import sync as sync_service

    st = state(ctx)
    report = sync_service.sync(
        engine=st.engine,
        settings=st.settings,
        base_url=source,
        client_id=client_id,
        secret=secret,
        only=dataset or None,
        page_size=page_size,
    )
    for code, why in report.restarted.items():
        console.print(f"{code}: mirrored again from the start ({why})")
    for code, n in report.swept.items():
        console.print(f"{code}: {n} rows the province no longer serves this hub deleted")
    for code, n in report.applied.items():
        console.print(f"{code}: {n} changes applied")
    for code, why in report.skipped.items():
        console.print(f"{code}: skipped ({why})")
    for code, why in report.failed.items():
        err_console.print(f"{code}: FAILED ({why})")
    if report.failed:
        raise typer.Exit(1)
