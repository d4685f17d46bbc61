"""``eduhub synth serve``: the three HTTP sources of sources.md on loopback, misbehaving on purpose.

- class roster: ``GET /api/classes`` with page/size paging (``{"total", "page", "items"}``);
- physical health: ``POST /oauth/token`` (client credentials, tokens expire) and
  ``GET /api/v2/tests`` with cursor paging (``{"data", "next_cursor"}``), bearer token required;
- ICT survey: ``GET /api/ict/schools`` with page paging (``{"rows", "has_more"}``).

At fault level ``low`` or ``high`` every request may get a 429 with ``Retry-After``, a 5xx, or a
dropped connection (the socket is closed with no response), drawn from a seeded RNG; and data
changes while a client pages: a new class is inserted among pages already served (offset paging
then repeats a row) and a health test already served is updated (cursor paging serves it again).
The data lives in a private copy of ``DIR/api/simulator.db``, so the folder itself never changes.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.synth.apidata import CLASS_COLUMNS, HEALTH_COLUMNS, ICT_COLUMNS

ICT_PAGE_SIZE = 50
CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class FaultRates:
    """Per-request probabilities of each misbehaviour."""

    too_many: float = 0.0  # 429 with Retry-After
    server_error: float = 0.0  # 500 / 502 / 503
    drop: float = 0.0  # connection closed without a response
    churn: float = 0.0  # data changes while a client pages (per page request)


FAULT_LEVELS: dict[str, FaultRates] = {
    "off": FaultRates(),
    "low": FaultRates(too_many=0.03, server_error=0.02, drop=0.01, churn=0.05),
    "high": FaultRates(too_many=0.10, server_error=0.08, drop=0.04, churn=0.2),
}


@dataclass
class SimulatorConfig:
    folder: Path
    faults: FaultRates = field(default_factory=FaultRates)
    token_ttl_s: float = 600.0
    cursor_ttl_s: float = 900.0
    retry_after_s: int = 1
    seed: int = 0
    client_id: str = "health-client"
    client_secret: str = "demo-health-secret"
    # What the data covers: a request for another year, school year or quarter gets no rows.
    year: int | None = None
    school_year: str | None = None
    quarter: str | None = None
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def from_folder(cls, folder: Path, **overrides: Any) -> SimulatorConfig:
        saved = json.loads((folder / "api" / "simulator.json").read_text(encoding="utf-8"))
        values: dict[str, Any] = {
            "seed": saved["seed"],
            "client_id": saved["client_id"],
            "client_secret": saved["client_secret"],
            "token_ttl_s": float(saved.get("token_ttl_s", 600)),
            "year": saved.get("year"),
            "school_year": saved.get("school_year"),
            "quarter": saved.get("quarter"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(folder=folder, **values)


class SimulatorState:
    """The private data copy, issued tokens and the seeded fault RNG, behind one lock."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._tmp = tempfile.TemporaryDirectory(prefix="eduhub-sim-")
        db = Path(self._tmp.name) / "simulator.db"
        shutil.copyfile(config.folder / "api" / "simulator.db", db)
        self.db = sqlite3.connect(db, check_same_thread=False)
        self.lock = threading.Lock()
        self.rng = np.random.default_rng([config.seed, 50])
        self.token_rng = np.random.default_rng([config.seed, 51])
        self.tokens: dict[str, float] = {}
        self.counts: dict[str, int] = {"requests": 0, "429": 0, "5xx": 0, "drop": 0, "churn": 0}

    def close(self) -> None:
        self.db.close()
        self._tmp.cleanup()

    def draw_fault(self) -> tuple[str, int] | None:
        """None, ('429', 0), ('5xx', status) or ('drop', 0) for one request."""
        rates = self.config.faults
        with self.lock:
            self.counts["requests"] += 1
            u = float(self.rng.random())
            status = int(self.rng.choice([500, 502, 503]))
        if u < rates.too_many:
            outcome = ("429", 429)
        elif u < rates.too_many + rates.server_error:
            outcome = ("5xx", status)
        elif u < rates.too_many + rates.server_error + rates.drop:
            outcome = ("drop", 0)
        else:
            return None
        with self.lock:
            self.counts[outcome[0]] += 1
        return outcome

    def churns(self) -> bool:
        with self.lock:
            hit = float(self.rng.random()) < self.config.faults.churn
            if hit:
                self.counts["churn"] += 1
        return hit

    def issue_token(self) -> str:
        with self.lock:
            token = self.token_rng.bytes(16).hex()
            self.tokens[token] = self.config.clock() + self.config.token_ttl_s
        return token

    def token_valid(self, token: str) -> bool:
        expiry = self.tokens.get(token)
        return expiry is not None and self.config.clock() < expiry

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with self.lock, self.db:
            self.db.execute(sql, params)


def _error(status: int, error: str, description: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status, headers=headers)


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}")
    return value


def _as_local_iso(value: str | None) -> str:
    """An ISO 8601 timestamp in the +08:00 form the data uses ('' for none), to compare as text."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(CHINA).isoformat()


def _other(request: Request, name: str, served: object) -> bool:
    """True when the client asks for a period the data does not cover."""
    asked = request.query_params.get(name)
    return asked is not None and served is not None and asked != str(served)


def _items(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row[1:], strict=True)) for row in rows]


def _closing(state: SimulatorState) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        state.close()

    return lifespan


def build_app(config: SimulatorConfig) -> Starlette:
    """The simulator as an ASGI app (fault injection wraps it in ``FaultInjector``)."""
    state = SimulatorState(config)

    async def token(request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            body: dict[str, Any] = await request.json()
        else:
            # OAuth clients send application/x-www-form-urlencoded (RFC 6749 §4.4.2).
            fields = parse_qs((await request.body()).decode("utf-8"))
            body = {k: v[0] for k, v in fields.items()}
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            user, _, password = base64.b64decode(basic[6:]).decode("utf-8").partition(":")
            body.setdefault("client_id", unquote(user))
            body.setdefault("client_secret", unquote(password))
        if body.get("grant_type", "client_credentials") != "client_credentials":
            return _error(400, "unsupported_grant_type", "only client_credentials is supported")
        if (
            body.get("client_id") != config.client_id
            or body.get("client_secret") != config.client_secret
        ):
            return _error(401, "invalid_client", "unknown client or wrong secret")
        return JSONResponse(
            {"access_token": state.issue_token(), "token_type": "bearer",
             "expires_in": int(config.token_ttl_s)}
        )  # fmt: skip

    async def classes(request: Request) -> Response:
        try:
            page = _int_param(request, "page", 1, 1, 10**9)
            size = _int_param(request, "size", 100, 1, 1000)
        except ValueError as exc:
            return _error(400, "invalid_request", str(exc))
        try:
            since = _as_local_iso(request.query_params.get("updated_since"))
        except ValueError:
            return _error(400, "invalid_request", "updated_since must be an ISO 8601 timestamp")
        if _other(request, "year", config.year):
            return JSONResponse({"total": 0, "page": page, "items": []})
        if page > 1 and state.churns():
            _insert_class(state, (page - 1) * size)
        where, params = ("WHERE updated_at > ?", (since,)) if since else ("", ())
        total = state.query(f"SELECT count(*) FROM classes {where}", params)[0][0]
        rows = state.query(
            f"SELECT * FROM classes {where} ORDER BY class_id, seq LIMIT ? OFFSET ?",
            (*params, size, (page - 1) * size),
        )
        return JSONResponse({"total": total, "page": page, "items": _items(CLASS_COLUMNS, rows)})

    async def tests(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or not state.token_valid(auth[7:].strip()):
            return _error(
                401,
                "invalid_token",
                "missing, unknown or expired access token",
                **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        try:
            limit = _int_param(request, "limit", 100, 1, 1000)
        except ValueError as exc:
            return _error(400, "invalid_request", str(exc))
        if _other(request, "school_year", config.school_year):
            return JSONResponse({"data": [], "next_cursor": None})
        after = ("", 0)
        cursor = request.query_params.get("cursor")
        if cursor:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
                after = (str(decoded["u"]), int(decoded["s"]))
                issued = float(decoded["t"])
            except (ValueError, KeyError, TypeError):
                return _error(400, "invalid_cursor", "cursor cannot be decoded")
            if config.clock() - issued > config.cursor_ttl_s:
                return _error(410, "cursor_expired", "cursor expired: start again without a cursor")
            if state.churns():
                _update_served_test(state, after)
        rows = state.query(
            "SELECT * FROM health_tests WHERE (updated_at, seq) > (?, ?) "
            "ORDER BY updated_at, seq LIMIT ?",
            (*after, limit + 1),
        )
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if more and rows:
            last = rows[-1]
            payload = {"u": last[-1], "s": last[0], "t": config.clock()}
            next_cursor = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
        return JSONResponse({"data": _items(HEALTH_COLUMNS, rows), "next_cursor": next_cursor})

    async def ict(request: Request) -> Response:
        try:
            page = _int_param(request, "page", 1, 1, 10**9)
        except ValueError as exc:
            return _error(400, "invalid_request", str(exc))
        if _other(request, "quarter", config.quarter):
            return JSONResponse({"rows": [], "has_more": False})
        rows = state.query(
            "SELECT * FROM ict_schools ORDER BY seq LIMIT ? OFFSET ?",
            (ICT_PAGE_SIZE + 1, (page - 1) * ICT_PAGE_SIZE),
        )
        return JSONResponse(
            {
                "rows": _items(ICT_COLUMNS, rows[:ICT_PAGE_SIZE]),
                "has_more": len(rows) > ICT_PAGE_SIZE,
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "counts": state.counts})

    app = Starlette(
        routes=[
            Route("/oauth/token", token, methods=["POST"]),
            Route("/api/classes", classes),
            Route("/api/v2/tests", tests),
            Route("/api/ict/schools", ict),
            Route("/_sim/health", health),
        ],
        lifespan=_closing(state),
    )
    app.state.sim = state
    return app


def _later_than_all(state: SimulatorState, table: str) -> str:
    """A valid ISO timestamp after every ``updated_at`` of ``table`` (and not before now)."""
    newest = state.query(f"SELECT max(updated_at) FROM {table}")[0][0]
    now = datetime.now(CHINA).replace(microsecond=0)
    if newest:
        now = max(now, datetime.fromisoformat(str(newest)) + timedelta(seconds=1))
    return now.isoformat()


def _insert_class(state: SimulatorState, served: int) -> None:
    """A class opened at a school already paged past: offset paging now repeats one row."""
    rows = state.query(
        "SELECT * FROM classes ORDER BY class_id, seq LIMIT 1 OFFSET ?", (max(served - 1, 0) // 2,)
    )
    if not rows:
        return
    _seq, class_id, school_code, grade, _no, _count, head, _updated = rows[0]
    new_id = str(class_id)[:-2] + "99"
    if state.query("SELECT 1 FROM classes WHERE class_id = ?", (new_id,)):
        return
    next_seq = state.query("SELECT max(seq) FROM classes")[0][0] + 1
    state.execute(
        "INSERT INTO classes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (next_seq, new_id, school_code, grade, 99, 0, head, _later_than_all(state, "classes")),
    )


def _update_served_test(state: SimulatorState, after: tuple[str, int]) -> None:
    """A test already served is corrected: it moves behind the cursor and is served again."""
    rows = state.query(
        "SELECT seq FROM health_tests WHERE (updated_at, seq) <= (?, ?) "
        "ORDER BY updated_at DESC, seq DESC LIMIT 1",
        after,
    )
    if rows:
        state.execute(
            "UPDATE health_tests SET updated_at = ? WHERE seq = ?",
            (_later_than_all(state, "health_tests"), rows[0][0]),
        )


class FaultInjector:
    """Outermost ASGI layer: draws one fault per request before the app sees it."""

    def __init__(self, app: ASGIApp, state: SimulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        fault = self.state.draw_fault()
        if fault is None:
            await self.app(scope, receive, send)
            return
        kind, status = fault
        if kind == "drop":
            await _drop(send)
            return
        headers = {"Retry-After": str(self.state.config.retry_after_s)} if kind == "429" else {}
        error = "rate_limited" if kind == "429" else "server_error"
        response = _error(status, error, "simulated fault", **headers)
        await response(scope, receive, send)


async def _drop(send: Send) -> None:
    """Close the client's socket without a byte of response.

    uvicorn passes its request cycle's bound ``send``; its transport is the client connection.
    Under another server, fall back to cutting the response off after its headers.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None:
        cycle.disconnected = True  # type: ignore[union-attr]
        transport.close()
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"1000")]})  # fmt: skip
    raise ConnectionAbortedError("simulated dropped connection")


def create_simulator(config: SimulatorConfig) -> ASGIApp:
    app = build_app(config)
    return FaultInjector(app, app.state.sim)


def serve(config: SimulatorConfig, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_simulator(config), host=host, port=port, log_level="warning", http="h11")
