"""Converters (connectors.fields) on the values readers and APIs really give."""

from __future__ import annotations

import math
from typing import Any

import pytest

from connectors import fields as f
from connectors.streams import Context, Reject
from schemas import rules

CTX = Context(province="32", id_key=b"k", schools=frozenset({"2132010001"}))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (152.5, 152.5),
        (3, 3.0),
        ("  1,024.5 ", 1024.5),
        ("１２", 12.0),  # full-width digits from a web form
        (None, None),
        ("", None),
        (math.nan, None),  # how a spreadsheet reader gives an empty cell
    ],
)
def test_number_reads_numbers_and_number_text(value: Any, expected: float | None) -> None:
    assert f.number()(value, CTX) == expected


@pytest.mark.parametrize("value", [math.inf, "abc", "12..5"])
def test_number_refuses_what_is_no_number(value: Any) -> None:
    with pytest.raises(Reject) as caught:
        f.number()(value, CTX)
    assert caught.value.rule == rules.NUMBER_INVALID


def test_province_adcode_answers_are_remembered_per_region_table() -> None:
    """A region table that lacks the county (a hub before ``eduhub init``, another test's
    context) refuses it without the next context's answer being that refusal."""
    convert = f.adcode(in_province=True)
    empty = Context(province="32", id_key=b"k")
    with pytest.raises(Reject) as caught:
        convert("320102", empty)
    assert caught.value.rule == rules.ADCODE_UNKNOWN
    loaded = Context(province="32", id_key=b"k", regions=frozenset({"320102"}))
    assert convert("320102", loaded) == "320102"
    assert convert.many(["320102", "320102"], loaded, None, {}) == (  # type: ignore[attr-defined]
        ["320102", "320102"],
        {},
    )
    with pytest.raises(Reject):
        convert("320102", empty)


def test_integer_number_refuses_fractions_and_gives_ints() -> None:
    convert = f.number(integer=True)
    assert convert(2400.0, CTX) == 2400
    assert type(convert(2400.0, CTX)) is int
    with pytest.raises(Reject):
        convert(2400.5, CTX)


def test_school_answers_are_remembered_per_register() -> None:
    convert = f.school()
    assert convert(2132010001.0, CTX) == "2132010001"  # a code read as a number
    assert convert(" 2132010001", CTX) == "2132010001"
    with pytest.raises(Reject) as caught:
        convert("2132010002", CTX)
    assert caught.value.rule == rules.SCHOOL_UNKNOWN
    # The same refusal again is a fresh exception (Stream.map names its field on it).
    with pytest.raises(Reject) as again:
        convert("2132010002", CTX)
    assert again.value is not caught.value
    assert again.value.field is None
    # A register that no longer holds the school refuses the value it accepted before.
    closed = Context(province="32", id_key=b"k", schools=frozenset())
    with pytest.raises(Reject) as gone:
        convert("2132010001", closed)
    assert gone.value.rule == rules.SCHOOL_UNKNOWN
    assert convert("2132010001", CTX) == "2132010001"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ((118.7969, 32.0603), (118.7969, 32.0603)),  # numeric cells: the fast path
        (("118.7969 ", "３２.0603"), (118.7969, 32.0603)),  # text, full-width digits
        ((118.7969, "32.0603"), (118.7969, 32.0603)),
        ((None, None), (None, None)),
        ((math.nan, math.nan), (None, None)),  # how a reader gives two empty cells
        (("", None), (None, None)),
    ],
)
def test_coordinates_read_numbers_and_number_text(value: Any, expected: Any) -> None:
    assert f.coordinates()(value, CTX) == expected


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ((0.0, 0.0), rules.COORDS_ZERO),
        ((32.0603, 118.7969), rules.COORDS_SWAPPED),
        ((math.inf, 32.0), rules.NUMBER_INVALID),
        ((118.7969, math.nan), rules.NUMBER_INVALID),  # one empty cell of two
        (("东经118度", "32.06"), rules.NUMBER_INVALID),
    ],
)
def test_coordinates_refuse_zero_swapped_and_unreadable_pairs(value: Any, rule: str) -> None:
    with pytest.raises(Reject) as caught:
        f.coordinates()(value, CTX)
    assert caught.value.rule == rule
    with pytest.raises(Reject):
        f.coordinates(required=True)(value, CTX)
