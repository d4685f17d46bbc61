"""Read a catalog directory: ``entries/*.yaml`` (one resource each) and ``registry.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from catalog.codes import Registry
from catalog.consistency import check_against_schema
from catalog.model import Entry
from catalog.rules import Problem, check_catalog

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass
class LoadedCatalog:
    root: Path
    entries: list[Entry]
    registry: Registry
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def entries_dir(root: Path) -> Path:
    return root / "entries"


def load_catalog(root: Path | None = None) -> LoadedCatalog:
    """Parse every entry and run every rule; problems are collected, never raised."""
    root = root or PACKAGE_DIR
    directory = entries_dir(root)
    if not directory.is_dir():
        problem = Problem("catalog.directory", str(directory), "no entries/ directory here")
        return LoadedCatalog(root, [], Registry(root / "registry.yaml"), [problem])
    entries: list[Entry] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            entry = Entry.model_validate(raw)
        except yaml.YAMLError as exc:
            problems.append(Problem("catalog.yaml", path.stem, str(exc).splitlines()[0]))
            continue
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(Problem("catalog.model", path.stem, f"{loc}: {err['msg']}"))
            continue
        if entry.id != path.stem:
            msg = f"id {entry.id!r} differs from the file name {path.name}"
            problems.append(Problem("catalog.file_name", path.stem, msg))
        entries.append(entry)
    registry = Registry.load(root / "registry.yaml")
    problems.extend(check_catalog(entries, registry))
    for entry in entries:
        problems.extend(check_against_schema(entry))
    entries.sort(key=lambda e: e.code)
    return LoadedCatalog(root, entries, registry, problems)
