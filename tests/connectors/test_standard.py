"""The standard suite every connector gets (singer-sdk style): one call, the same tests for each
registered connector, run against the synthetic province on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.registry import connectors, names
from schemas.quarantine import QuarantineRecord
from schemas.runs import ConnectorRun
from tests.connectors.conftest import Pulled

RUNS = ConnectorRun.__table__  # type: ignore[attr-defined]
QUARANTINE = QuarantineRecord.__table__  # type: ignore[attr-defined]


def standard_suite(name: str) -> type:
    """A test class checking what every connector must do, for connector ``name``."""

    class StandardSuite:
        connector = name

        def test_pull_loads_records(self, pulled: Pulled) -> None:
            report = pulled.first[self.connector]
            assert report.status == "ok"
            assert report.counts.inserted > 0

        def test_pull_reconciles_counts(self, pulled: Pulled) -> None:
            for report in (pulled.first[self.connector], pulled.second[self.connector]):
                c = report.counts
                assert c.read == c.inserted + c.updated + c.unchanged + c.quarantined

        def test_recorded_run_reconciles_per_stream(self, pulled: Pulled) -> None:
            with pulled.engine.connect() as conn:
                rows = conn.execute(
                    select(RUNS.c.counts).where(RUNS.c.connector == self.connector)
                ).scalars()
                for counts in rows:
                    for stream in counts["streams"].values():
                        loaded = stream["inserted"] + stream["updated"]
                        assert (
                            stream["read"] == loaded + stream["unchanged"] + stream["quarantined"]
                        )

        def test_second_pull_writes_nothing(self, pulled: Pulled) -> None:
            c = pulled.second[self.connector].counts
            assert (c.inserted, c.updated, c.deleted) == (0, 0, 0)

        def test_second_pull_adds_no_quarantine_entries(self, pulled: Pulled) -> None:
            run_id = pulled.second[self.connector].run_id
            with pulled.engine.connect() as conn:
                added = conn.execute(
                    select(func.count()).where(QUARANTINE.c.run_id == run_id)
                ).scalar_one()
            assert added == 0

        def test_run_records_state_after(self, pulled: Pulled) -> None:
            with pulled.engine.connect() as conn:
                row: Any = conn.execute(
                    select(RUNS).where(RUNS.c.id == pulled.first[self.connector].run_id)
                ).one()
            assert row.status == "ok"
            assert row.state_after
            assert row.finished_at is not None

        def test_streams_declare_key_and_mode(self) -> None:
            connector = connectors()[self.connector]
            for stream in connector.streams:
                assert stream.key
                assert set(stream.key) <= set(stream.columns)
                assert stream.mode in ("snapshot_diff", "watermark", "cursor")

    StandardSuite.__name__ = f"TestStandard_{name}"
    return StandardSuite


for _name in names():
    globals()[f"TestStandard_{_name}"] = standard_suite(_name)


def test_registry_lists_every_source_of_sources_md() -> None:
    assert set(names()) == {
        "student_registry",
        "teachers",
        "institution_codes",
        "student_aid",
        "statistics",
        "class_roster",
        "physical_health",
        "ict_survey",
        "graduate_employment",
    }


@pytest.mark.parametrize("name", names())
def test_connector_is_configured_by_synth_sources_yaml(name: str, pulled: Pulled) -> None:
    assert name in pulled.province.sources.sources
