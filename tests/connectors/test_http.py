"""HTTP building blocks against a fake transport: retries, Retry-After, tokens, paging."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.config import SourceConfig
from connectors.physical_health.source import TESTS, PhysicalHealth
from connectors.transports.http import (
    ApiClient,
    CursorPaginator,
    HasMorePaginator,
    InvalidCursor,
    OAuth2ClientCredentials,
    PagePaginator,
    RetryPolicy,
    SourceUnavailable,
    prefetched,
)

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, *, auth: OAuth2ClientCredentials | None = None) -> tuple:
    waits: list[float] = []
    api = ApiClient(
        "http://source",
        auth=auth,
        retry=RetryPolicy(attempts=5, backoff=0.1, sleep=waits.append),
        transport=httpx.MockTransport(handler),
    )
    return api, waits


def answers(*responses: Any) -> Handler:
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def test_get_waits_retry_after_on_429() -> None:
    api, waits = client(
        answers(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={}))
    )
    assert api.get("/x", {}) == {}
    assert waits == [3.0]


def test_get_backs_off_on_5xx_and_dropped_connections() -> None:
    api, waits = client(
        answers(
            httpx.Response(503),
            httpx.RemoteProtocolError("connection closed"),
            httpx.Response(200, json={"ok": 1}),
        )
    )
    assert api.get("/x", {}) == {"ok": 1}
    assert waits == [0.1, 0.2]


def test_get_gives_up_after_its_attempts() -> None:
    api, _ = client(lambda request: httpx.Response(502))
    with pytest.raises(SourceUnavailable, match="5 attempts"):
        api.get("/x", {})


def test_expired_token_is_renewed_and_the_request_repeated() -> None:
    issued: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            issued.append(f"t{len(issued)}")
            return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 600})
        if request.headers["Authorization"] == "Bearer t0":
            return httpx.Response(401)
        return httpx.Response(200, json={"data": []})

    auth = OAuth2ClientCredentials("/oauth/token", "id", "secret")
    api, _ = client(handler, auth=auth)
    assert api.get("/api", {}) == {"data": []}
    assert issued == ["t0", "t1"]


def test_token_is_renewed_before_it_expires() -> None:
    now = [0.0]
    issued: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            issued.append(1)
            return httpx.Response(200, json={"access_token": "t", "expires_in": 10})
        return httpx.Response(200, json={})

    auth = OAuth2ClientCredentials("/oauth/token", "id", "secret", clock=lambda: now[0])
    api, _ = client(handler, auth=auth)
    api.get("/a", {})
    now[0] = 8.0
    api.get("/a", {})
    now[0] = 9.5  # within the last 10% of the lifetime
    api.get("/a", {})
    assert len(issued) == 2


def test_page_paginator_stops_at_total() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(200, json={"total": 3, "page": page, "items": [page] * 2})

    api, _ = client(handler)
    pages = list(PagePaginator(size=2).pages(api, "/c", {}, {}))
    assert [items for items, _, _ in pages] == [[1, 1], [2, 2]]
    assert pages[-1][2] == {"page": 2, "last": True}


def test_page_paginator_resumes_after_the_saved_page() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["page"])
        return httpx.Response(200, json={"total": 6, "items": [0, 0]})

    api, _ = client(handler)
    list(PagePaginator(size=2).pages(api, "/c", {}, {"page": 1}))
    assert seen == ["2", "3"]


def test_has_more_paginator_follows_has_more() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(200, json={"rows": [page], "has_more": page < 3})

    api, _ = client(handler)
    assert [i for i, _, _ in HasMorePaginator().pages(api, "/i", {}, {})] == [[1], [2], [3]]


def test_cursor_paginator_keeps_last_cursor_when_done() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        following = {None: "c1", "c1": "c2", "c2": None}[cursor]
        return httpx.Response(200, json={"data": [cursor], "next_cursor": following})

    api, _ = client(handler)
    pages = list(CursorPaginator(limit=1).pages(api, "/t", {}, {}))
    assert [p[2] for p in pages] == [
        {"cursor": "c1", "last": False},
        {"cursor": "c2", "last": False},
        {"cursor": "c2", "last": True},
    ]


def test_refused_cursor_raises_invalid_cursor() -> None:
    api, _ = client(lambda request: httpx.Response(410, json={"error": "cursor_expired"}))
    with pytest.raises(InvalidCursor):
        list(CursorPaginator().pages(api, "/t", {}, {"cursor": "old"}))


class _PagedHealth(PhysicalHealth):
    """The health connector against a fake source of cursor pages, 4 records a transaction."""

    batch_rows = 4

    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages

    def client(self, config: SourceConfig) -> ApiClient:
        def handler(request: httpx.Request) -> httpx.Response:
            at = int(request.url.params.get("cursor") or 0)
            following = str(at + 1) if at + 1 < len(self.pages) else None
            items = [{"xjh": x, "test_date": "2026-09-01"} for x in self.pages[at]]
            return httpx.Response(200, json={"data": items, "next_cursor": following})

        return client(handler)[0]


def _batches(pages: list[list[str]]) -> list[tuple[list[str], dict[str, Any]]]:
    connector = _PagedHealth(pages)
    config = SourceConfig("physical_health", "http", Path("."), {"base_url": "http://source"})
    return [
        ([rec.raw["xjh"] for rec in batch.records], batch.state or {})
        for batch in connector.read(TESTS, config, {}, full_refresh=False, loaded=set())
    ]


def test_pages_are_loaded_together_up_to_batch_rows() -> None:
    pages = [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"], ["i"]]
    batches = _batches(pages)
    assert [ids for ids, _ in batches] == [["a", "b", "c", "d"], ["e", "f", "g", "h"], ["i"]]
    # Each batch commits the position after its own last page; only the last one ends the run.
    assert [state["position"] for _, state in batches] == [
        {"cursor": "2", "last": False},
        {"cursor": "4", "last": False},
        {"cursor": "4", "last": True},
    ]


def test_a_page_repeating_records_of_the_batch_starts_the_next_one() -> None:
    pages = [["a", "b"], ["b", "c"], ["d"]]  # the source's data moved while paging
    assert [ids for ids, _ in _batches(pages)] == [["a", "b"], ["b", "c", "d"]]


def test_prefetched_pages_come_in_order_and_errors_where_they_happened() -> None:
    fetched: list[int] = []

    def pages() -> Iterator[Any]:
        for n in range(5):
            fetched.append(n)
            if n == 3:
                raise InvalidCursor("cursor expired")
            yield [n], {}, {}

    stream = prefetched(pages(), 2)
    got = [next(stream)[0], next(stream)[0], next(stream)[0]]
    with pytest.raises(InvalidCursor):
        next(stream)
    assert got == [[0], [1], [2]]  # everything before the error, then the error itself
    assert fetched == [0, 1, 2, 3]


def test_prefetching_stops_when_the_consumer_does() -> None:
    fetched: list[int] = []

    def pages() -> Iterator[Any]:
        for n in range(1000):
            fetched.append(n)
            yield [n], {}, {}

    stream = prefetched(pages(), 2)
    assert next(stream)[0] == [0]
    stream.close()  # the runner stopped (an error in a batch)
    time.sleep(0.3)
    assert len(fetched) <= 5  # one taken, two waiting, one being offered
    assert not [t for t in threading.enumerate() if t.name == "http-prefetch"]


def test_without_depth_pages_are_fetched_in_the_callers_thread() -> None:
    def pages() -> Iterator[Any]:
        yield [threading.current_thread().name], {}, {}

    assert next(prefetched(pages(), 0))[0] == [threading.current_thread().name]
