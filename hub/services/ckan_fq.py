"""CKAN ``fq`` filter queries (Solr standard query syntax) read into catalog search conditions.

What CKAN clients and harvesters send is a subset of Lucene syntax:

- clauses ``field:value``, ``field:"quoted value"``, ``field:prefix*``, ``field:[low TO high]``
  (``{}`` for exclusive bounds, ``*`` for open ones), ``field:(a OR b)``, ``*:*``;
- ``+clause`` (must), ``-clause`` / ``NOT clause`` / ``!clause`` (must not);
- ``AND`` / ``&&``, ``OR`` / ``||``, parentheses; clauses side by side must all hold (CKAN sends
  ``q.op=AND``). ``OR`` binds tighter than side-by-side clauses, so ckanext-harvest's
  ``organization:a OR organization:b metadata_modified:[… TO *]`` reads as
  ``(a OR b) AND modified since``;
- a bare word or phrase searches the text, as Solr's default field ``text`` does.

The parse is a pyparsing grammar; :func:`to_condition` maps each field to the catalog's
columns (:data:`FIELDS`). An unknown field or a query that does not parse raises
:class:`FilterQueryError`, which the CKAN API answers as CKAN does when Solr refuses an ``fq``:
HTTP 409, ``{"__type": "Search Error"}``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pyparsing as pp
from dateutil.relativedelta import relativedelta

from hub.errors import Invalid
from hub.storage.catalog_index import (
    AllOf,
    AnyOf,
    Condition,
    Contains,
    Equals,
    HasKeyword,
    Negated,
    NotesContains,
    PublishedBetween,
    StartsWith,
    TitleContains,
)

ALWAYS: Condition = AllOf(())
NEVER: Condition = AnyOf(())


class FilterQueryError(Invalid):
    """An ``fq`` that cannot be read or names a field the catalog does not have."""


# -- the parsed query ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """``field:value`` (field None: free text); ``prefix`` for a trailing ``*``."""

    field: str | None
    value: str
    prefix: bool = False


@dataclass(frozen=True)
class Span:
    field: str
    low: str | None
    high: str | None
    include_low: bool
    include_high: bool


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Term | Span | And | Or | Not


@dataclass(frozen=True)
class _Value:
    """A value token: ``kind`` is word, phrase or open (``*`` as a range bound)."""

    kind: str
    text: str = ""


@dataclass(frozen=True)
class _Range:
    low: _Value
    high: _Value
    include_low: bool
    include_high: bool


def _unescape(text_: str) -> str:
    return re.sub(r"\\(.)", r"\1", text_)


def _grammar() -> pp.ParserElement:
    and_ = pp.Keyword("AND") | pp.Literal("&&")
    or_ = pp.Keyword("OR") | pp.Literal("||")
    not_ = pp.Keyword("NOT") | pp.Literal("!")
    reserved = and_ | or_ | not_ | pp.Keyword("TO")
    lpar, rpar, colon = pp.Suppress("("), pp.Suppress(")"), pp.Suppress(":")

    # a bare word: no whitespace or syntax characters unless escaped; +, - and ! only inside
    word = ~reserved + pp.Regex(r'(?:\\.|[^\s()"\[\]{}:\\+\-!^~])(?:\\.|[^\s()"\[\]{}:\\^~])*')
    word.set_parse_action(lambda t: _Value("word", _unescape(t[0])))
    phrase = pp.QuotedString('"', esc_char="\\")
    phrase.set_parse_action(lambda t: _Value("phrase", t[0]))
    star = pp.Literal("*").set_parse_action(lambda: _Value("word", "*"))
    # inside a range anything but whitespace and brackets goes (dates carry colons)
    bound = (
        pp.Literal("*").set_parse_action(lambda: _Value("open"))
        | phrase.copy()
        | (~pp.Keyword("TO") + pp.Regex(r'[^\s\[\]{}"]+')).set_parse_action(
            lambda t: _Value("word", _unescape(t[0]))
        )
    )
    span = pp.one_of("[ {") + bound + pp.Suppress(pp.Keyword("TO")) + bound + pp.one_of("] }")
    span.set_parse_action(lambda t: _Range(t[1], t[2], t[0] == "[", t[3] == "]"))
    value = span | phrase | word | star
    field = pp.Regex(r"[A-Za-z_][A-Za-z0-9_.]*|\*")

    def boolean(operand: pp.ParserElement) -> pp.ParserElement:
        """operand with prefix +/-/NOT, then AND, then OR, then side by side (also AND)."""
        expr = pp.Forward()
        atom = (lpar + expr + rpar) | operand
        prefixed = pp.Group(pp.ZeroOrMore(not_ | pp.one_of("+ -")) + atom)
        prefixed.set_parse_action(lambda t: _prefixed(list(t[0])))
        anded = pp.Group(prefixed + pp.ZeroOrMore(pp.Suppress(and_) + prefixed))
        anded.set_parse_action(lambda t: _joined(And, t[0]))
        ored = pp.Group(anded + pp.ZeroOrMore(pp.Suppress(or_) + anded))
        ored.set_parse_action(lambda t: _joined(Or, t[0]))
        expr <<= pp.Group(pp.OneOrMore(ored)).set_parse_action(lambda t: _joined(And, t[0]))
        return expr

    values = boolean(value.copy())
    grouped = (lpar + values + rpar).set_parse_action(lambda t: _Group(t[0]))
    fielded = (field + colon + (grouped | value)).set_parse_action(lambda t: _fielded(t[0], t[1]))
    free = (phrase.copy() | word.copy()).add_parse_action(lambda t: Term(None, t[0].text))
    return boolean(fielded | free) + pp.StringEnd()


@dataclass(frozen=True)
class _Group:
    node: Any


def _prefixed(tokens: list[Any]) -> Any:
    *signs, node = tokens
    for sign in reversed(signs):
        if sign != "+":
            node = Not(node)
    return node


def _joined(kind: type[And] | type[Or], parts: Iterable[Any]) -> Any:
    items = tuple(parts)
    return items[0] if len(items) == 1 else kind(items)


def _leaf(field: str, value: _Value | _Range) -> Node:
    if isinstance(value, _Range):
        return Span(
            field,
            None if value.low.kind == "open" else value.low.text,
            None if value.high.kind == "open" else value.high.text,
            value.include_low,
            value.include_high,
        )
    if value.kind == "word" and value.text.endswith("*"):
        return Term(field, value.text[:-1], prefix=True)
    return Term(field, value.text)


def _with_field(field: str, node: Any) -> Node:
    """Give the field to every value of ``field:(a OR b)``."""
    if isinstance(node, _Value | _Range):
        return _leaf(field, node)
    if isinstance(node, Not):
        return Not(_with_field(field, node.part))
    if isinstance(node, And | Or):
        return type(node)(tuple(_with_field(field, p) for p in node.parts))
    raise TypeError(f"unexpected fq token {node!r}")


def _fielded(field: str, value: Any) -> Node:
    if isinstance(value, _Group):
        return _with_field(field, value.node)
    return _leaf(field, value)


GRAMMAR = _grammar()


def parse(fq: str) -> Node | None:
    """The parse tree of ``fq`` (None when empty)."""
    if not fq.strip():
        return None
    try:
        return GRAMMAR.parse_string(fq, parse_all=True)[0]
    except pp.ParseBaseException as exc:
        raise FilterQueryError(f"cannot parse fq {fq!r} at character {exc.loc + 1}") from exc


# -- fields ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the field mapping needs to know about the served version."""

    version: str
    organizations: dict[str, str]  # CKAN organization id (UUID) -> provider code
    # CKAN package id (UUID) -> resource code
    packages: dict[str, str] = dataclasses.field(default_factory=dict)


def _column(column: str, normalise: Callable[[str], str] = str) -> Callable[[Term, Context], Any]:
    def read(term: Term, _ctx: Context) -> Condition:
        if term.prefix:
            return StartsWith(column, normalise(term.value)) if term.value else ALWAYS
        return Equals(column, normalise(term.value))

    return read


def _constant(expected: str) -> Callable[[Term, Context], Condition]:
    def read(term: Term, _ctx: Context) -> Condition:
        matched = expected.startswith(term.value) if term.prefix else term.value == expected
        return ALWAYS if matched else NEVER

    return read


YES = {"true", "1", "是", "yes"}
NO = {"false", "0", "否", "no"}


def _open(term: Term, _ctx: Context) -> Condition:
    value = term.value.lower()
    if term.prefix and not value:
        return ALWAYS
    if value in YES:
        return Equals("is_open", True)
    if value in NO:
        return Equals("is_open", False)
    return NEVER


def _license(term: Term, _ctx: Context) -> Condition:
    """license_id is ``other-at`` for open resources, ``notspecified`` for the others."""
    licences = {"other-at": True, "notspecified": False}
    matching = [
        v
        for k, v in licences.items()
        if (k.startswith(term.value) if term.prefix else k == term.value)
    ]
    return AnyOf(tuple(Equals("is_open", v) for v in matching))


def _owner_org(term: Term, ctx: Context) -> Condition:
    code = ctx.organizations.get(term.value.lower())
    return NEVER if code is None else Equals("provider_code", code)


def _version(term: Term, ctx: Context) -> Condition:
    return _constant(ctx.version)(term, ctx)


def _tags(term: Term, _ctx: Context) -> Condition:
    if term.prefix:
        raise FilterQueryError("tags does not take a prefix (*) query")
    return HasKeyword(term.value)


def _text(term: Term, _ctx: Context) -> Condition:
    return Contains(term.value) if term.value else ALWAYS


def _package_id(term: Term, ctx: Context) -> Condition:
    if term.prefix:
        raise FilterQueryError("id does not take a prefix (*) query")
    code = ctx.packages.get(term.value.lower())
    return NEVER if code is None else Equals("code", code)


def _title(term: Term, _ctx: Context) -> Condition:
    """title is a text field in CKAN's Solr schema: every word must occur in the title."""
    if term.prefix and not term.value:
        return ALWAYS
    return TitleContains(term.value)


def _notes(term: Term, _ctx: Context) -> Condition:
    """notes (the abstract) is a text field too: every word must occur in it."""
    if term.prefix and not term.value:
        return ALWAYS
    return NotesContains(term.value)


def _no_groups(term: Term, _ctx: Context) -> Condition:
    return NEVER  # the catalog has no CKAN groups: a group filter matches no dataset


TermReader = Callable[[Term, Context], Condition]
FIELDS: dict[str, TermReader] = {
    "organization": _column("provider_code", str.upper),
    "owner_org": _owner_org,
    "res_format": _column("format_type"),
    "tags": _tags,
    "groups": _no_groups,
    "license_id": _license,
    "name": _column("resource_id"),
    "id": _package_id,
    "title": _title,
    "notes": _notes,
    "text": _text,
    "state": _constant("active"),
    "capacity": _constant("public"),
    "dataset_type": _constant("dataset"),
    "type": _constant("dataset"),
    "catalog_code": _column("code"),
    "catalog_version": _version,
    "catalog_classification_code": _column("classification_code"),
    "catalog_provider_code": _column("provider_code", str.upper),
    "catalog_format_category": _column("format_category"),
    "catalog_sharing_type": _column("sharing_type"),
    "catalog_open": _open,
    "catalog_update_cycle": _column("update_cycle"),
    # short names documented since catalog 1.0
    "sharing_type": _column("sharing_type"),
    "open": _open,
    "update_cycle": _column("update_cycle"),
}
DATE_FIELDS = ("metadata_modified", "metadata_created")
# CKAN indexes every extra twice: as extras_<key> and, unless the name is taken, as <key>.
EXTRAS_PREFIX = "extras_"


# Solr date math after NOW or an ISO instant ending in Z: +N / -N units, /unit rounds down.
_MATH = re.compile(r"([+-]\d+|/)(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND|MILLI(?:SECOND)?)S?")
_UNITS = ("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "MILLI")


def _instant(value: str, now: datetime | None = None) -> datetime:
    """An instant of a date range: ISO 8601, or Solr date math (``NOW``, ``NOW-7DAYS``,
    ``NOW/DAY``, ``2026-11-01T00:00:00Z+1MONTH``), in UTC without a time zone."""
    head, math = value, ""
    if value.upper().startswith("NOW"):
        head, math = "", value[3:]
    elif "Z" in value:
        head, _, math = value.partition("Z")
    if head:
        try:
            moment = datetime.fromisoformat(head.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FilterQueryError(f"cannot read the date {value!r} (use ISO 8601)") from exc
        moment = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    else:
        moment = now or datetime.now(UTC)
    moment = moment.replace(tzinfo=None)
    at = 0
    for step in _MATH.finditer(math.upper()):
        if step.start() != at:
            break
        amount, unit = step.groups()
        unit = "MILLI" if unit.startswith("MILLI") else unit
        if amount == "/":
            moment = _round_down(moment, unit)
        else:
            count = int(amount) * (1000 if unit == "MILLI" else 1)
            moment += relativedelta(**{_DELTA[unit]: count})  # type: ignore[arg-type]
        at = step.end()
    if at != len(math):
        raise FilterQueryError(
            f"cannot read the date math {math!r} in {value!r} (e.g. NOW-7DAYS, NOW/DAY)"
        )
    return moment


_DELTA = {
    "YEAR": "years",
    "MONTH": "months",
    "DAY": "days",
    "HOUR": "hours",
    "MINUTE": "minutes",
    "SECOND": "seconds",
    "MILLI": "microseconds",
}


def _round_down(moment: datetime, unit: str) -> datetime:
    if unit == "MILLI":
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    keep = _UNITS.index(unit)
    fields = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    names = ("month", "day", "hour", "minute", "second", "microsecond")
    return moment.replace(**{n: fields[n] for n in names[keep:]})  # type: ignore[arg-type]


def _first_day_from(moment: datetime) -> date:
    """The first date whose midnight is at or after ``moment``."""
    day = moment.date()
    return day if moment.time() == time() else day + timedelta(days=1)


def _dates(node: Term | Span) -> Condition:
    """metadata_modified/created is the publish date at 00:00 UTC, so a range of instants is
    the range of publish dates whose midnight falls inside it."""
    if isinstance(node, Term):
        if node.prefix:
            return ALWAYS if not node.value else NEVER
        moment = _instant(node.value)
        return PublishedBetween(moment.date(), moment.date()) if moment.time() == time() else NEVER
    first = last = None
    if node.low is not None:
        low = _instant(node.low)
        first = _first_day_from(low) if node.include_low else low.date() + timedelta(days=1)
    if node.high is not None:
        high = _instant(node.high)
        last = high.date() if node.include_high else _first_day_from(high) - timedelta(days=1)
    return PublishedBetween(first, last)


def _field_condition(node: Term | Span, ctx: Context) -> Condition:
    field = node.field
    if field is None:
        return _text(node, ctx) if isinstance(node, Term) else NEVER
    if field == "*":
        if isinstance(node, Term) and (node.prefix and not node.value):
            return ALWAYS
        raise FilterQueryError("only *:* may use the * field")
    if field in DATE_FIELDS:
        return _dates(node)
    if field.startswith(EXTRAS_PREFIX) and field[len(EXTRAS_PREFIX) :].startswith("catalog_"):
        field = field[len(EXTRAS_PREFIX) :]
    reader = FIELDS.get(field)
    if reader is None:
        known = ", ".join(sorted([*FIELDS, *DATE_FIELDS]))
        raise FilterQueryError(f"undefined field {field!r}; this catalog answers fq on: {known}")
    if isinstance(node, Span):
        raise FilterQueryError(
            f"{field} does not take a range; ranges work on {', '.join(DATE_FIELDS)}"
        )
    return reader(node, ctx)


def to_condition(node: Node, ctx: Context) -> Condition:
    """The catalog search condition of a parsed ``fq``."""
    if isinstance(node, Term | Span):
        return _field_condition(node, ctx)
    if isinstance(node, Not):
        return Negated(to_condition(node.part, ctx))
    parts = tuple(to_condition(p, ctx) for p in node.parts)
    return AllOf(parts) if isinstance(node, And) else AnyOf(parts)


def read_fq(fq: str | None, ctx: Context) -> Condition | None:
    """``fq`` as a catalog search condition (None when there is no filter)."""
    node = parse(fq or "")
    return None if node is None else to_condition(node, ctx)
