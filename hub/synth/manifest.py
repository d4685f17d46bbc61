"""manifest.json (what was generated and every planted record) and sources.yaml (how to read it).

Both follow /work/team/CONTRACTS.md. JSON is written with sorted keys and a fixed layout so two
runs with the same seed give the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from hub.synth.dirt import Dirty

DEFAULT_API_PORT = 8765
HEALTH_CLIENT_ID = "health-client"
HEALTH_CLIENT_SECRET = "demo-health-secret"  # a demo value: real deployments use ${ENV_VAR}
FILE_SOURCES = {
    "student_registry": ("files/student_registry", "学籍_*_*.xlsx"),
    "teachers": ("files/teachers", "教师_*_*.xlsx"),
    "institution_codes": ("files/institution_codes", "学校机构代码_*.csv"),
    "statistics": ("files/statistics", "教育事业统计_*_*.xlsx"),
    "graduate_employment": ("files/graduate_employment", "就业_*_*.xlsx"),
}


def sources_yaml(period: str, port: int) -> dict[str, Any]:
    base_url = f"http://127.0.0.1:{port}"
    sources: dict[str, Any] = {
        name: {"transport": "file_drop", "path": path, "pattern": pattern}
        for name, (path, pattern) in FILE_SOURCES.items()
    }
    sources["student_aid"] = {
        "transport": "exchange_db",
        "url": "sqlite:///exchange.db",
        "tables": ["xszz_ffmx", "jdlk_pkh"],
    }
    year = int(period[:4])
    school_year = f"{year}-{year + 1}" if int(period[4:]) >= 9 else f"{year - 1}-{year}"
    quarter = f"{year}Q{(int(period[4:]) - 1) // 3 + 1}"
    sources["class_roster"] = {
        "transport": "http",
        "base_url": base_url,
        "params": {"year": int(school_year[:4])},
    }
    sources["physical_health"] = {
        "transport": "http",
        "base_url": base_url,
        "client_id": HEALTH_CLIENT_ID,
        "client_secret": HEALTH_CLIENT_SECRET,
        "params": {"school_year": school_year},
    }
    sources["ict_survey"] = {
        "transport": "http",
        "base_url": base_url,
        "params": {"quarter": quarter},
    }
    return {"version": 1, "province": "32", "period": period, "sources": sources}


def write_sources(out: Path, period: str, port: int) -> None:
    text = yaml.safe_dump(sources_yaml(period, port), allow_unicode=True, sort_keys=False)
    (out / "sources.yaml").write_text(text, encoding="utf-8", newline="\n")


def dirty_sort_key(record: dict[str, Any]) -> tuple[Any, ...]:
    loc = record["locator"]
    return (
        record["source"],
        record["file"] or "",
        loc.get("sheet", loc.get("table", loc.get("endpoint", ""))),
        loc.get("row", loc.get("line", 0)),
        str(loc.get("id", loc.get("key", ""))),
        record["field"] or "",
    )


def build_manifest(
    *,
    seed: int,
    scale: float,
    period: str,
    previous_period: str | None,
    counts: dict[str, dict[str, int]],
    dirty: list[Dirty] | list[dict[str, Any]],
    files: dict[str, dict[str, Any]],
    changes: dict[str, dict[str, list[str]]] | None = None,
) -> dict[str, Any]:
    records = [d.as_json() if isinstance(d, Dirty) else d for d in dirty]
    manifest: dict[str, Any] = {
        "seed": seed,
        "scale": scale,
        "period": period,
        "previous_period": previous_period,
        "counts": {k: counts[k] for k in sorted(counts)},
        "dirty": sorted(records, key=dirty_sort_key),
        "files": {k: files[k] for k in sorted(files)},
    }
    if changes is not None:
        manifest["changes"] = {
            src: {kind: sorted(keys) for kind, keys in sorted(kinds.items())}
            for src, kinds in sorted(changes.items())
        }
    return manifest


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False)
    (out / "manifest.json").write_text(text + "\n", encoding="utf-8", newline="\n")


def read_manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return data
