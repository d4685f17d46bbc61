"""What every command shares: the settings (with CLI overrides), an engine, one-line errors."""

from __future__ import annotations

from typing import Any, NoReturn

import orjson
import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from hub.errors import EduhubError
from hub.settings import Settings
from hub.storage.engine import make_engine

console = Console()
err_console = Console(stderr=True)


class OneLineErrors(TyperGroup):
    """Expected failures become ``Error: <one line>`` and a non-zero exit, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except EduhubError as exc:
            fail(exc.detail)
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            fail(f"database error: {str(orig).strip().splitlines()[0]}")
        except OSError as exc:
            fail(str(exc))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit non-zero."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


class CliState:
    """Lazily built settings and engine for one invocation."""

    def __init__(self, database_url: str | None) -> None:
        self._database_url = database_url
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            settings = Settings()
            if self._database_url:
                settings = settings.model_copy(update={"database_url": self._database_url})
            self._settings = settings
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState(None)
    return root.obj


def print_json(data: Any) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
