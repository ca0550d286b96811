"""Liveness, readiness and metrics for the operator: numbers only, never personal data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_settings, new_conversation, receive_until
from tests.web.test_visitor_socket import hello


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.M)
    assert match is not None, f"{name} not in metrics"
    return float(match.group(1))


def test_alive_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok", "bus": "ok"}


@pytest.mark.databases("postgresql")
def test_on_postgresql_the_app_runs_as_in_production_with_redis(client: TestClient) -> None:
    from lykt.bus import RedisBus

    assert isinstance(client.app.state.services.ctx.bus, RedisBus)  # type: ignore[attr-defined]
    assert client.get("/readyz").json()["bus"] == "ok"  # subscribed before it took requests


@pytest.mark.databases("sqlite")
def test_readiness_fails_when_the_database_is_gone(client: TestClient) -> None:
    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    path = Path(ctx.db.engine.url.database)
    client.portal.call(ctx.db.dispose)  # type: ignore[union-attr]
    path.rename(path.with_suffix(".moved"))
    path.mkdir()  # a directory where the database file was: nothing can open it
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable", "bus": "ok"}
    assert client.get("/healthz").status_code == 200
    path.rmdir()
    path.with_suffix(".moved").rename(path)
    assert client.get("/readyz").status_code == 200


def test_metrics_count_connections_queue_and_messages_without_personal_data(
    client: TestClient,
) -> None:
    conversation = new_conversation(client, age=11)
    with client.websocket_connect("/ws/visitor") as ws:
        hello(ws, conversation["token"])
        receive_until(ws, "queue.position")  # the hub has seen the queue with this visitor
        ws.send_json({"type": "message.send", "client_id": "m1", "text": "hemmelig-ord"})
        while ws.receive_json()["type"] != "message.ack":
            pass
        text = client.get("/metrics").text
        assert metric(text, 'lykt_connections{role="visitor"}') == 1
        assert metric(text, "lykt_queue_length") == 1
        assert metric(text, 'lykt_messages_total{sender="visitor"}') == 1
        assert metric(text, "lykt_message_post_seconds_count") == 1
    assert "hemmelig-ord" not in text
    assert conversation["conversation_id"] not in text
    assert conversation["token"] not in text
    assert "testclient" not in text


@pytest.mark.databases("sqlite")
def test_a_part_that_hangs_while_stopping_does_not_keep_the_process_from_stopping(
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio

    from lykt import app as app_module
    from lykt.bus import InMemoryBus

    class StuckBus(InMemoryBus):
        async def stop(self) -> None:
            await asyncio.Event().wait()  # a connection cut off mid-way, say

    monkeypatch.setattr(app_module, "SHUTDOWN_STEP_S", 0.2)
    app = app_module.create_app(make_settings(tmp_path, database_url), bus=StuckBus())
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    assert "stopping the bus took too long" in caplog.text
