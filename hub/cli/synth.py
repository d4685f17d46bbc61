"""``eduhub synth``: write the synthetic province, advance it a period, serve its APIs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from hub.cli.context import console, fail

app = typer.Typer(
    help="Synthetic Jiangsu: every source's exports, exchange database and HTTP simulators.",
    no_args_is_help=False,
    invoke_without_command=True,
)


class FaultLevel(StrEnum):
    off = "off"
    low = "low"
    high = "high"


@app.callback()
def synth(
    ctx: typer.Context,
    scale: float = typer.Option(0.01, min=0.0001, max=1.0, help="1.0 = about 12 million pupils."),
    seed: int = typer.Option(1, help="Same seed, same bytes."),
    out: Path | None = typer.Option(None, "--out", help="Output folder."),
    api_port: int = typer.Option(8765, help="Port the simulator will listen on (in sources.yaml)."),
    next_period: Path | None = typer.Option(
        None, "--next-period", help="Advance the province in this folder by one month."
    ),
    workers: int = typer.Option(2, min=1, help="Worker processes for writing files."),
) -> None:
    """Write a synthetic province (--out DIR) or advance one (--next-period DIR)."""
    if ctx.invoked_subcommand is not None:
        return
    from hub.synth.build import generate
    from hub.synth.periods import advance

    if next_period is not None:
        if not (next_period / "manifest.json").is_file():
            fail(f"{next_period} holds no manifest.json: run eduhub synth --out first")
        manifest = advance(next_period, workers=workers, progress=console.print)
        console.print(f"advanced to {manifest['period']} in {next_period}")
        return
    if out is None:
        fail("give --out DIR (or --next-period DIR, or the serve command)")
    manifest = generate(
        seed, scale, out, api_port=api_port, workers=workers, progress=console.print
    )
    pupils = manifest["counts"]["student_registry"]["records"]
    console.print(f"wrote {out}: {pupils} registry rows, {len(manifest['dirty'])} planted records")


@app.command()
def serve(
    folder: Path = typer.Argument(..., help="Folder written by eduhub synth --out."),
    faults: FaultLevel = typer.Option(FaultLevel.off, help="Rate of 429/5xx/dropped connections."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int | None = typer.Option(None, help="Port (default: the one in sources.yaml)."),
    token_ttl: float | None = typer.Option(None, help="Access-token lifetime in seconds (600)."),
) -> None:
    """Serve the class-roster, physical-health and ICT-survey APIs of a synthetic province."""
    import json

    from hub.synth.simulator import FAULT_LEVELS, SimulatorConfig
    from hub.synth.simulator import serve as run

    settings_file = folder / "api" / "simulator.json"
    if not settings_file.is_file():
        fail(f"{folder} holds no api/simulator.json: run eduhub synth --out first")
    config = SimulatorConfig.from_folder(
        folder, faults=FAULT_LEVELS[faults.value], token_ttl_s=token_ttl
    )
    listen = port or int(json.loads(settings_file.read_text(encoding="utf-8"))["port"])
    console.print(f"simulator on http://{host}:{listen} (faults {faults.value})")
    run(config, host, listen)
