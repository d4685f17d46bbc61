"""``sources.yaml``: which source systems the hub pulls and how to reach them.

Any string may be ``${ENV_VAR}``, replaced from the environment at load time, so secrets stay
out of the file. Paths and SQLite URLs are relative to the folder holding the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
TRANSPORTS = ("file_drop", "exchange_db", "http")


class ConfigProblem(ValueError):
    """sources.yaml is missing, malformed or names an unset variable."""


def _substitute(value: Any, where: str) -> Any:
    if isinstance(value, str):

        def env(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigProblem(f"{where}: environment variable {name} is not set")
            return os.environ[name]

        return _ENV.sub(env, value)
    if isinstance(value, dict):
        return {k: _substitute(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, where) for v in value]
    return value


@dataclass
class SourceConfig:
    """One entry of ``sources:``; ``options`` holds the transport's own keys."""

    name: str
    transport: str
    base_dir: Path
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def path(self, key: str = "path") -> Path:
        value = self.options.get(key)
        if not value:
            raise ConfigProblem(f"sources.{self.name}: '{key}' is required")
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path

    def database_url(self) -> str:
        url = str(self.options.get("url") or "")
        if not url:
            raise ConfigProblem(f"sources.{self.name}: 'url' is required")
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            return prefix + str(self.base_dir / url[len(prefix) :])
        return url


@dataclass
class SourcesFile:
    path: Path
    province: str
    period: str | None
    sources: dict[str, SourceConfig]


def load_sources(path: Path) -> SourcesFile:
    """Read and check ``sources.yaml`` (version 1)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigProblem(f"no sources file at {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigProblem(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ConfigProblem(f"{path}: expected a mapping with 'version: 1'")
    raw_sources = data.get("sources") or {}
    if not isinstance(raw_sources, dict):
        raise ConfigProblem(f"{path}: 'sources' must be a mapping")
    base = path.resolve().parent
    sources: dict[str, SourceConfig] = {}
    for name, entry in raw_sources.items():
        if not isinstance(entry, dict):
            raise ConfigProblem(f"{path}: sources.{name} must be a mapping")
        entry = _substitute(entry, f"sources.{name}")
        transport = entry.pop("transport", None)
        if transport not in TRANSPORTS:
            raise ConfigProblem(
                f"{path}: sources.{name}.transport must be one of {', '.join(TRANSPORTS)}"
            )
        sources[name] = SourceConfig(name, transport, base, entry)
    return SourcesFile(
        path=path,
        province=str(data.get("province", "32")),
        period=str(data["period"]) if data.get("period") else None,
        sources=sources,
    )
