"""The guideline's rules: each violation is reported under its own rule id."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from catalog.codes import Registry
from catalog.model import Entry
from catalog.rules import check_catalog, check_entry
from tests.catalog.factories import shipped_entries, shipped_entry, variant

PIPL = "《中华人民共和国个人信息保护法》第三十四条"


def _sharing(resource_id: str, **changes: Any) -> dict[str, Any]:
    return {**shipped_entry(resource_id).sharing.model_dump(mode="json"), **changes}


def _openness(open_: bool, condition: str = "") -> dict[str, Any]:
    return {"open": open_, "condition": condition}


CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "not_shared_without_basis",
        "catalog.sharing_basis",
        {"sharing": _sharing("students", type="不予共享", condition="", basis="")},
    ),
    (
        "conditional_without_condition",
        "catalog.sharing_condition",
        {"sharing": _sharing("students", condition="")},
    ),
    (
        "conditional_saying_unconditional",
        "catalog.sharing_condition",
        {"sharing": _sharing("students", condition="无条件")},
    ),
    (
        "unconditional_with_condition",
        "catalog.sharing_condition",
        {"sharing": _sharing("schools", condition="仅限教育部门")},
    ),
    (
        "open_with_personal_fields",
        "catalog.open_personal",
        {
            "openness": _openness(True, "注明来源"),
            "sharing": _sharing("students", type="无条件共享", condition="无条件", basis=""),
        },
    ),
    (
        "open_but_conditional",
        "catalog.open_sharing",
        {"openness": _openness(True, "注明来源"), "sharing": _sharing("students")},
    ),
    (
        "closed_with_open_condition",
        "catalog.open_condition",
        {"openness": _openness(False, "注明来源")},
    ),
    (
        "platform_without_method_type",
        "catalog.sharing_method",
        {"sharing": _sharing("schools", method_type=None)},
    ),
    (
        "format_type_outside_category",
        "catalog.format",
        {"format": {"category": "电子表格", "type": "PDF"}},
    ),
    ("code_outside_its_class", "catalog.code_prefix", {"code": "30700109/001"}),
    ("self_relation", "catalog.related", {"related": ["30700102/001"]}),
    ("both_entity_and_view", "catalog.backing", {"view": "students_view"}),
]


@pytest.mark.parametrize(("case", "rule", "changes"), CASES, ids=[c[0] for c in CASES])
def test_check_entry_reports_rule(case: str, rule: str, changes: dict[str, Any]) -> None:
    base = "schools" if case.startswith(("unconditional", "platform", "format")) else "students"
    problems = check_entry(variant(base, **changes))
    assert rule in {p.rule for p in problems}, problems


def test_not_shared_with_basis_is_accepted() -> None:
    sharing = _sharing(
        "students", type="不予共享", condition="", basis=PIPL, method=None, method_type=None
    )
    assert check_entry(variant("students", sharing=sharing)) == []


@pytest.mark.parametrize("data_type", ["X", "字符型", "VARCHAR", ""])
def test_model_rejects_data_type_outside_national_list(data_type: str) -> None:
    raw = shipped_entry("schools").model_dump(mode="json")
    raw["items"][0]["data_type"] = data_type
    with pytest.raises(ValidationError, match="data_type"):
        Entry.model_validate(raw)


@pytest.mark.parametrize("field", ["sharing", "update_cycle"])
def test_model_rejects_value_outside_enumeration(field: str) -> None:
    raw = shipped_entry("schools").model_dump(mode="json")
    raw[field] = {"type": "部分共享"} if field == "sharing" else "每两年"
    with pytest.raises(ValidationError, match=field):
        Entry.model_validate(raw)


def test_check_catalog_reports_duplicate_code() -> None:
    entries = shipped_entries()
    twin = variant("classes", code=shipped_entry("schools").code)
    others = [e for e in entries if e.id != "classes"]
    problems = check_catalog([*others, twin])
    assert {p.resource for p in problems if p.rule == "catalog.code_unique"} == {
        "schools",
        "classes",
    }


def test_check_catalog_reports_related_code_that_does_not_exist() -> None:
    entries = [e for e in shipped_entries() if e.id != "classes"]
    problems = check_catalog(entries)
    assert {(p.rule, p.resource) for p in problems} >= {("catalog.related", "schools")}


def test_check_catalog_reports_code_issued_to_another_resource(tmp_path: Any) -> None:
    registry = Registry(tmp_path / "registry.yaml")
    registry.issue("30700101", "schools", date(2026, 1, 1))
    entry = variant("classes", code="30700101/001", related=[])
    problems = check_catalog([entry], registry)
    assert [p.rule for p in problems] == ["catalog.code_reused"]


def test_check_catalog_reports_code_never_issued(tmp_path: Any) -> None:
    problems = check_catalog([variant("schools", related=[])], Registry(tmp_path / "r.yaml"))
    assert [p.rule for p in problems] == ["catalog.code_issued"]
