"""HTTP APIs: one client with retries and OAuth2, and the three paginators of the sources.

Retries follow what the sources do in practice: 429 waits for ``Retry-After``; 5xx and dropped
connections back off exponentially; a 401 (token expired mid-run) fetches a new token and
repeats the request. Paginators yield each page with the state that resumes *after* it, so the
runner can commit a page and its bookmark together.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import orjson

from connectors.config import SourceConfig
from connectors.prepare import Ahead
from connectors.streams import Batch, Connector, SourceRecord, Stream

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
INVALID_CURSOR_STATUSES = frozenset({400, 404, 409, 410, 422})


class SourceUnavailable(RuntimeError):
    """The source kept failing after every retry."""


class InvalidCursor(RuntimeError):
    """The source no longer accepts a saved cursor: restart the stream from the beginning."""


@dataclass
class RetryPolicy:
    attempts: int = 8
    backoff: float = 0.2  # seconds, doubled per attempt
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self, attempt: int, retry_after: str | None = None) -> None:
        delay = self.backoff * (2**attempt)
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = float(retry_after)
        self.sleep(min(max(delay, 0.0), self.max_wait))


@dataclass
class OAuth2ClientCredentials:
    """Bearer token from ``POST token_path`` (client id + secret), renewed before it expires."""

    token_path: str
    client_id: str
    client_secret: str
    skew: float = 30.0  # renew this many seconds before expiry
    clock: Callable[[], float] = time.monotonic
    _token: str | None = field(default=None, repr=False)
    _expires: float = 0.0
    _body: str = "data"  # httpx keyword for the token request body: data (form) or json

    def invalidate(self) -> None:
        self._token = None

    def header(self, client: httpx.Client) -> dict[str, str]:
        if self._token is None or self.clock() >= self._expires:
            body = self._fetch(client)
            self._token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 600))
            # Renew a little early, but never so early that a short-lived token is useless.
            self._expires = self.clock() + lifetime - min(self.skew, lifetime / 10)
        return {"Authorization": f"Bearer {self._token}"}

    def _fetch(self, client: httpx.Client) -> dict[str, Any]:
        """RFC 6749 wants a form body; some endpoints only parse JSON, so that is tried next
        (once it works it is used from then on)."""
        fields = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        response = client.post(self.token_path, **{self._body: fields})  # type: ignore[arg-type]
        if response.status_code in (400, 415, 422, 500) and self._body == "data":
            retry = client.post(self.token_path, json=fields)
            if retry.is_success:
                self._body, response = "json", retry
        response.raise_for_status()
        return dict(response.json())


class ApiClient:
    """GET JSON with retries; counts bytes received."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: OAuth2ClientCredentials | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.bytes = 0
        self.retries = 0

    def close(self) -> None:
        self.client.close()

    def get(self, path: str, params: dict[str, Any]) -> Any:
        last: str = ""
        for attempt in range(self.retry.attempts):
            try:
                headers = self.auth.header(self.client) if self.auth else {}
                response = self.client.get(path, params=params, headers=headers)
            except httpx.TransportError as exc:  # dropped connection, reset, timeout
                last = f"{type(exc).__name__}: {exc}"
                self.retries += 1
                self.retry.wait(attempt)
                continue
            except httpx.HTTPStatusError as exc:  # the token endpoint failed
                last = f"token endpoint answered {exc.response.status_code}"
                self.retries += 1
                self.retry.wait(attempt, exc.response.headers.get("Retry-After"))
                continue
            status = response.status_code
            if status == 401 and self.auth is not None:
                self.auth.invalidate()
                last = "401 unauthorised"
                self.retries += 1
                continue
            if status in RETRY_STATUSES:
                last = f"HTTP {status}"
                self.retries += 1
                self.retry.wait(attempt, response.headers.get("Retry-After"))
                continue
            if status in INVALID_CURSOR_STATUSES and params.get("cursor"):
                raise InvalidCursor(f"{path}: cursor refused with HTTP {status}")
            response.raise_for_status()
            self.bytes += len(response.content)
            try:
                return orjson.loads(response.content)
            except orjson.JSONDecodeError:  # not UTF-8: httpx honours the declared charset
                return response.json()
        raise SourceUnavailable(f"{path}: gave up after {self.retry.attempts} attempts ({last})")


Page = tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]  # items, locator, state after


@dataclass
class PagePaginator:
    """``?page=N&size=M`` → ``{"total": T, "page": N, "items": [...]}``."""

    size: int = 500
    items: str = "items"

    def pages(
        self, api: ApiClient, path: str, params: dict[str, Any], state: dict
    ) -> Iterator[Page]:
        page = int(state.get("page", 0)) + 1
        while True:
            body = api.get(path, {**params, "page": page, "size": self.size})
            items = list(body.get(self.items) or [])
            total = int(body.get("total") or 0)
            last = not items or page * self.size >= total
            yield items, {"page": page}, {"page": page, "last": last}
            if last:
                return
            page += 1


@dataclass
class HasMorePaginator:
    """``?page=N`` → ``{"rows": [...], "has_more": bool}``."""

    items: str = "rows"

    def pages(
        self, api: ApiClient, path: str, params: dict[str, Any], state: dict
    ) -> Iterator[Page]:
        page = int(state.get("page", 0)) + 1
        while True:
            body = api.get(path, {**params, "page": page})
            items = list(body.get(self.items) or [])
            last = not body.get("has_more") or not items
            yield items, {"page": page}, {"page": page, "last": last}
            if last:
                return
            page += 1


@dataclass
class CursorPaginator:
    """``?cursor=C&limit=L`` → ``{"data": [...], "next_cursor": C2 | null}``.

    The state keeps the cursor of the next page, or at the end the cursor of the last page, so
    the next run starts where this one ended and sees only what came after.
    """

    limit: int = 500
    items: str = "data"

    def pages(
        self, api: ApiClient, path: str, params: dict[str, Any], state: dict
    ) -> Iterator[Page]:
        cursor = state.get("cursor")
        while True:
            query = {**params, "limit": self.limit}
            if cursor:
                query["cursor"] = cursor
            body = api.get(path, query)
            items = list(body.get(self.items) or [])
            following = body.get("next_cursor")
            last = not following
            after = {"cursor": cursor if last else following, "last": last}
            yield items, {"cursor": cursor}, after
            if last:
                return
            cursor = following


Paginator = PagePaginator | HasMorePaginator | CursorPaginator

_END = object()


def prefetched(pages: Iterator[Page], depth: int) -> Iterator[Page]:
    """``pages`` fetched by a thread up to ``depth`` ahead of the consumer, in order; an error
    of the source (retries exhausted, a cursor refused) reaches the consumer where it would
    have without the thread. A consumer that stops early stops the thread after its request
    in flight. ``depth`` 0: no thread."""
    if depth <= 0:
        yield from pages
        return
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for page in pages:
                if not offer(page):
                    return
            offer(_END)
        except BaseException as exc:  # handed to the consumer
            offer(exc)

    thread = threading.Thread(target=fetch, name="http-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = waiting.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=1)  # a request in flight ends when read() closes the client


class HttpConnector(Connector):
    """Streams read page by page from one endpoint each (``endpoints``: stream → path).

    ``watermark`` names the request parameter and item field of a source that can filter by
    change time (``updated_since`` / ``updated_at``): a finished run stores the newest value seen.
    """

    transport = "http"
    endpoints: ClassVar[dict[str, str]] = {}
    paginator: Paginator = PagePaginator()
    watermark: tuple[str, str] | None = None  # (request parameter, item field)
    token_path: str | None = None
    # Pages are loaded together up to this many records per transaction: a commit (with its
    # state, counts and quarantine bookkeeping) per 500-record page cost more than the page.
    batch_rows: int = 5000
    # Pages fetched ahead by a thread while the runner loads earlier ones (the source prepares
    # and sends the next page meanwhile): at most this many wait.
    prefetch: int = 2

    def record_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        """Values every record shares, taken from the request (a school year, a quarter)."""
        return {}

    def client(self, config: SourceConfig) -> ApiClient:
        auth = None
        if self.token_path:
            auth = OAuth2ClientCredentials(
                self.token_path, str(config.get("client_id")), str(config.get("client_secret"))
            )
        retry = RetryPolicy(
            attempts=int(config.get("retries", 8)), backoff=float(config.get("backoff", 0.2))
        )
        return ApiClient(str(config.get("base_url")), auth=auth, retry=retry)

    def read(
        self,
        stream: Stream,
        config: SourceConfig,
        state: dict[str, Any],
        *,
        full_refresh: bool,
        loaded: set[tuple[str, int, str]],
        ahead: Ahead | None = None,
    ) -> Iterator[Batch]:
        path = self.endpoints[stream.name]
        params = dict(config.get("params") or {})
        saved = {} if full_refresh else dict(state)
        api = self.client(config)
        try:
            yield from self._pages(api, stream, path, params, saved)
        except InvalidCursor:
            yield from self._pages(api, stream, path, params, {})
        finally:
            api.close()

    def _pages(
        self,
        api: ApiClient,
        stream: Stream,
        path: str,
        params: dict[str, Any],
        saved: dict[str, Any],
    ) -> Iterator[Batch]:
        # Params are part of the state: a new school year or quarter starts from scratch.
        if saved.get("params") != params:
            saved = {}
        position = dict(saved.get("position") or {})
        if position.get("last"):
            position = {"cursor": position["cursor"]} if "cursor" in position else {}
        since = saved.get("since")
        query = dict(params)
        if self.watermark and since:
            query[self.watermark[0]] = since
        newest = saved.get("newest", since)
        seen_bytes = api.bytes
        shared = self.record_fields(params)
        records: list[SourceRecord] = []
        keys: set[tuple[str, ...]] = set()
        state: dict[str, Any] = {}
        columns = stream.key_sources
        pages = prefetched(self.paginator.pages(api, path, query, position), self.prefetch)
        for items, locator, after in pages:
            page = [
                SourceRecord({**item, **shared}, {"endpoint": path, **locator}) for item in items
            ]
            # A repeated record comes back with the same key values as sent before.
            page_keys = (
                {tuple(map(str, (r.raw.get(c) for c in columns))) for r in page}
                if columns
                else set()
            )
            if records and not keys.isdisjoint(page_keys):
                # A page that repeats records of this batch (data changed while paging) starts
                # the next batch: loaded after them, as the source's newer answer.
                nbytes, seen_bytes = api.bytes - seen_bytes, api.bytes
                yield Batch(source=path, records=records, state=state, nbytes=nbytes)
                records, keys = [], set()
            if self.watermark:
                for item in items:
                    value = item.get(self.watermark[1])
                    if value and (newest is None or str(value) > str(newest)):
                        newest = str(value)
            records += page
            keys |= page_keys
            done = bool(after.get("last"))
            state = {
                "params": params,
                "position": after,
                "since": newest if done else since,
                "newest": newest,
            }
            if done or len(records) >= self.batch_rows:
                nbytes, seen_bytes = api.bytes - seen_bytes, api.bytes
                yield Batch(source=path, records=records, state=state, nbytes=nbytes)
                records, keys = [], set()
        if records:  # a paginator that stopped without a last page
            yield Batch(source=path, records=records, state=state, nbytes=api.bytes - seen_bytes)
