"""The real server's log never names a client's address."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.serverproc import ServerProcess

pytestmark = pytest.mark.server


def test_server_log_has_no_client_address_after_a_visit(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", LYKT_LOG_LEVEL="DEBUG")
    with server:
        conv = httpx.post(
            server.base_url + "/api/conversations", json={"age": 13, "about": "friend"}
        ).json()
        httpx.get(server.base_url + "/does-not-exist")
        with connect(server.ws_url + "/ws/visitor") as ws:
            ws.send(json.dumps({"type": "hello", "token": conv["token"], "last_seq": 0}))
            assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
            ws.send("{broken")
            assert json.loads(ws.recv(timeout=10))["type"] in ("queue.position", "error")
        with connect(server.ws_url + "/ws/visitor") as ws:
            ws.send(json.dumps({"type": "hello", "token": "wrong"}))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401
    log = server.log_text()
    assert "Uvicorn running" in log or "Application startup complete" in log
    assert "127.0.0.1" not in log
