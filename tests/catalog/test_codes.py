"""Resource codes: one rule, unique, never reused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from catalog.codes import Registry, format_code, split_code
from catalog.loader import PACKAGE_DIR

DAY = date(2026, 11, 29)


def test_issue_code_starts_the_sequence_of_a_new_class(tmp_path: Path) -> None:
    assert Registry(tmp_path / "r.yaml").issue("30700109", "awards", DAY) == "30700109/001"


def test_issue_code_follows_the_highest_sequence(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "r.yaml")
    registry.issue("30700109", "a", DAY)
    registry.issue("30700109", "b", DAY)
    assert registry.issue("30700109", "c", DAY) == "30700109/003"


def test_issue_code_skips_withdrawn_sequence(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "r.yaml")
    registry.issue("30700109", "a", DAY)
    last = registry.issue("30700109", "b", DAY)
    registry.withdraw(last, DAY)
    assert registry.issue("30700109", "c", DAY) == "30700109/003"


def test_issue_code_refuses_a_second_code_for_one_resource(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "r.yaml")
    registry.issue("30700109", "a", DAY)
    with pytest.raises(ValueError, match="already holds"):
        registry.issue("30700101", "a", DAY)


def test_registry_survives_save_and_load(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "r.yaml")
    code = registry.issue("30700109", "a", DAY)
    registry.withdraw(code, DAY)
    registry.save()
    again = Registry.load(tmp_path / "r.yaml")
    assert again.issued[code].withdrawn == DAY
    assert again.issue("30700109", "b", DAY) == "30700109/002"


def test_shipped_registry_holds_unique_well_formed_codes() -> None:
    registry = Registry.load(PACKAGE_DIR / "registry.yaml")
    codes = list(registry.issued)
    assert codes
    assert all(format_code(*split_code(c)) == c for c in codes)
    assert len({i.resource for i in registry.issued.values()}) == len(codes)
