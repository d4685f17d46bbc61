"""Region codes from the boundary index, and the adcode rule."""

from __future__ import annotations

import pytest

from schemas.regions_data import check_adcode, in_province, province_regions


def test_province_regions_are_province_cities_counties() -> None:
    levels = [r.level for r in province_regions("32")]
    assert (levels.count("province"), levels.count("city"), levels.count("county")) == (1, 13, 95)


@pytest.mark.parametrize("code", ["320000", "320100", "320102", " 321302 ", 320583])
def test_check_adcode_accepts_real_codes(code: object) -> None:
    result = check_adcode(code, province="32")
    assert result.ok, result.message


@pytest.mark.parametrize("code", ["", "999999", "3201", "320199", "abc123"])
def test_check_adcode_rejects_unknown(code: str) -> None:
    result = check_adcode(code)
    assert (result.ok, result.rule) == (False, "adcode.unknown")


def test_check_adcode_rejects_other_province_when_asked() -> None:
    assert check_adcode("110101").ok
    assert check_adcode("110101", province="32").rule == "adcode.unknown"


def test_in_province_needs_a_real_code_of_the_province() -> None:
    assert in_province("320102")
    assert not in_province("329999")
    assert not in_province("110101")
