"""``eduhub clients`` and ``eduhub audit``."""

from __future__ import annotations

import orjson
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from hub.cli.main import app
from hub.services.exchange import audit
from hub.services.exchange.clients import ANONYMOUS

runner = CliRunner()


def test_clients_create_prints_secret_once_as_json(database_url: str) -> None:
    r = runner.invoke(
        app, ["--database-url", database_url, "clients", "create", "--org", "320100",
              "--name", "nanjing", "--json"]
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    data = orjson.loads(r.output)
    assert data["org"] == "320100"
    listed = runner.invoke(app, ["--database-url", database_url, "clients", "list", "--json"])
    assert data["client_secret"] not in listed.output
    assert data["client_id"] in listed.output


def test_clients_revoke_marks_client(database_url: str) -> None:
    made = runner.invoke(
        app, ["--database-url", database_url, "clients", "create", "--org", "320200",
              "--name", "wx", "--json"]
    )  # fmt: skip
    client_id = orjson.loads(made.output)["client_id"]
    r = runner.invoke(app, ["--database-url", database_url, "clients", "revoke", client_id])
    assert r.exit_code == 0
    listed = orjson.loads(
        runner.invoke(app, ["--database-url", database_url, "clients", "list", "--json"]).output
    )
    assert [c["revoked"] for c in listed if c["id"] == client_id] == [True]


def test_audit_verify_names_tampered_entry(database_url: str, engine: Engine) -> None:
    for i in range(3):
        audit.append(
            engine=engine, caller=ANONYMOUS, request_id=str(i), action="records",
            dataset="x", detail={},
        )  # fmt: skip
    ok = runner.invoke(app, ["--database-url", database_url, "audit", "verify"])
    assert ok.exit_code == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET dataset = 'y' WHERE seq = 2"))
    bad = runner.invoke(app, ["--database-url", database_url, "audit", "verify"])
    assert bad.exit_code == 1
    assert "entry 2" in bad.output
