"""Reading CKAN ``fq`` (Solr syntax) into catalog search conditions, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.services.ckan_fq import (
    ALWAYS,
    NEVER,
    And,
    Context,
    FilterQueryError,
    Not,
    Or,
    Span,
    Term,
    _instant,
    parse,
    read_fq,
)
from hub.storage.catalog_index import (
    AllOf,
    AnyOf,
    Contains,
    Equals,
    HasKeyword,
    Negated,
    NotesContains,
    PublishedBetween,
    StartsWith,
    TitleContains,
)

CTX = Context(
    version="1.0",
    organizations={"0f8c…-uuid": "320000-MZT"},
    packages={"5d2e…-uuid": "30700102/001"},
)


def test_clauses_side_by_side_all_hold() -> None:
    assert parse('organization:a +tags:"x y"') == And(
        (Term("organization", "a"), Term("tags", "x y"))
    )


def test_or_binds_tighter_than_side_by_side_clauses() -> None:
    """ckanext-harvest joins its clauses with spaces: (a OR b) AND (g OR h) AND modified."""
    tree = parse(
        "organization:a OR organization:b groups:g OR groups:h "
        "metadata_modified:[2026-05-01T10:00:00.5Z TO *]"
    )
    assert tree == And(
        (
            Or((Term("organization", "a"), Term("organization", "b"))),
            Or((Term("groups", "g"), Term("groups", "h"))),
            Span("metadata_modified", "2026-05-01T10:00:00.5Z", None, True, True),
        )
    )


def test_and_binds_tighter_than_or() -> None:
    assert parse("name:a OR name:b AND open:true") == Or(
        (Term("name", "a"), And((Term("name", "b"), Term("open", "true"))))
    )


@pytest.mark.parametrize("fq", ["-name:a", "NOT name:a", "!name:a"])
def test_negations(fq: str) -> None:
    assert parse(fq) == Not(Term("name", "a"))


def test_field_group_gives_its_field_to_every_value() -> None:
    assert parse("organization:(a OR -b)") == Or(
        (Term("organization", "a"), Not(Term("organization", "b")))
    )


def test_escapes_prefix_and_bare_text() -> None:
    assert parse(r"organization:320000\-jyt") == Term("organization", "320000-jyt")
    assert parse("name:open_*") == Term("name", "open_", prefix=True)
    assert parse('"大 班额"') == Term(None, "大 班额")


@pytest.mark.parametrize(
    "fq", ['tags:"unclosed', "organization:(a OR", "a AND", "name:[a TO]", "x:y:z", ")"]
)
def test_unparsable_fq_is_a_filter_query_error(fq: str) -> None:
    with pytest.raises(FilterQueryError, match="cannot parse fq"):
        parse(fq)


def test_unknown_field_is_refused_with_the_known_ones() -> None:
    with pytest.raises(FilterQueryError, match=r"undefined field 'colour'.*organization"):
        read_fq("colour:red", CTX)


def test_fields_map_to_catalog_columns() -> None:
    assert read_fq("organization:320000-jyt", CTX) == Equals("provider_code", "320000-JYT")
    assert read_fq('owner_org:"0f8c…-uuid"', CTX) == Equals("provider_code", "320000-MZT")
    assert read_fq("owner_org:unknown", CTX) == NEVER
    assert read_fq("res_format:XLSX", CTX) == Equals("format_type", "XLSX")
    assert read_fq("tags:学籍", CTX) == HasKeyword("学籍")
    assert read_fq("name:open_*", CTX) == StartsWith("resource_id", "open_")
    assert read_fq("license_id:other-at", CTX) == AnyOf((Equals("is_open", True),))
    assert read_fq("extras_catalog_open:否", CTX) == Equals("is_open", False)
    assert read_fq("catalog_version:1.0", CTX) == ALWAYS
    assert read_fq("groups:anything", CTX) == NEVER
    assert read_fq("*:*", CTX) == ALWAYS
    assert read_fq("教育 信息化", CTX) == AllOf((Contains("教育"), Contains("信息化")))
    assert read_fq("-state:active", CTX) == Negated(ALWAYS)
    assert read_fq("id:5D2E…-UUID", CTX) == Equals("code", "30700102/001")
    assert read_fq("id:unknown", CTX) == NEVER
    assert read_fq('title:"大班额 统计"', CTX) == TitleContains("大班额 统计")
    assert read_fq("title:*", CTX) == ALWAYS
    assert read_fq('notes:"学籍 变动"', CTX) == NotesContains("学籍 变动")
    assert read_fq("notes:*", CTX) == ALWAYS


NOW = datetime(2026, 11, 29, 15, 30, 12, 345678)


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("NOW", NOW),
        ("NOW/DAY", datetime(2026, 11, 29)),
        ("NOW-7DAYS/DAY", datetime(2026, 11, 22)),
        ("NOW/DAY-7DAYS", datetime(2026, 11, 22)),
        ("NOW-1MONTH/MONTH", datetime(2026, 10, 1)),
        ("NOW/YEAR+1YEAR", datetime(2027, 1, 1)),
        ("NOW+2HOURS/HOUR", datetime(2026, 11, 29, 17)),
        ("NOW-90MINUTES/MINUTE", datetime(2026, 11, 29, 14, 0)),
        ("NOW/SECOND", datetime(2026, 11, 29, 15, 30, 12)),
        ("NOW-500MILLIS/MILLI", datetime(2026, 11, 29, 15, 30, 11, 845000)),
        ("2026-01-31T00:00:00Z+1MONTH", datetime(2026, 2, 28)),
        ("2026-12-01T08:30:00Z/DAY+4DAYS", datetime(2026, 12, 5)),
        ("2026-12-01T08:30:00+08:00", datetime(2026, 12, 1, 0, 30)),
    ],
)
def test_solr_date_math(value: str, instant: datetime) -> None:
    assert _instant(value, now=NOW) == instant


def test_date_math_in_a_range_is_relative_to_now() -> None:
    today = datetime.now(UTC).date()
    got = read_fq("metadata_modified:[NOW/DAY-7DAYS TO NOW/DAY]", CTX)
    if datetime.now(UTC).date() == today:  # not across midnight while reading
        assert got == PublishedBetween(today - timedelta(days=7), today)


@pytest.mark.parametrize(
    ("fq", "first", "last"),
    [
        ("[2026-11-29T00:00:00Z TO *]", date(2026, 11, 29), None),
        ("[2026-11-28T00:00:01Z TO *]", date(2026, 11, 29), None),
        ("{2026-11-29T00:00:00Z TO *]", date(2026, 11, 30), None),
        ("{2026-11-28T23:59:59Z TO *]", date(2026, 11, 29), None),
        ("[* TO 2026-11-29T00:00:00Z]", None, date(2026, 11, 29)),
        ("[* TO 2026-11-29T00:00:00Z}", None, date(2026, 11, 28)),
        ("[* TO 2026-11-29T12:00:00Z}", None, date(2026, 11, 29)),
        ('["2026-01-01" TO "2026-12-31"]', date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_metadata_modified_ranges_become_publish_date_ranges(
    fq: str, first: date | None, last: date | None
) -> None:
    """metadata_modified is the publish date at midnight: the range holds exactly the days
    whose midnight lies inside it."""
    assert read_fq(f"metadata_modified:{fq}", CTX) == PublishedBetween(first, last)


def test_metadata_modified_single_instant() -> None:
    assert read_fq('metadata_modified:"2026-11-29T00:00:00Z"', CTX) == PublishedBetween(
        date(2026, 11, 29), date(2026, 11, 29)
    )
    assert read_fq('metadata_modified:"2026-11-29T08:00:00Z"', CTX) == NEVER


@pytest.mark.parametrize(
    "fq",
    [
        "metadata_modified:[NOW-1FORTNIGHT TO *]",
        "metadata_modified:[NOW-DAY TO *]",
        "metadata_modified:[yesterday TO *]",
        "organization:[a TO b]",
        "tags:学*",
        "id:abc*",
    ],
)
def test_unsupported_forms_are_refused(fq: str) -> None:
    with pytest.raises(FilterQueryError):
        read_fq(fq, CTX)


def test_operators_are_upper_case_as_in_lucene() -> None:
    assert parse("name:a and name:b") == And(
        (Term("name", "a"), Term(None, "and"), Term("name", "b"))
    )
