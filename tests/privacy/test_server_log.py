"""The real server's log never names a client's address."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.serverproc import ServerProcess

pytestmark = pytest.mark.server


CLIENT_ADDRESS = "127.0.0.2"  # a loopback address of its own, so the log cannot mix it up


def _socket_from_client_address(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), source_address=(CLIENT_ADDRESS, 0))
    return sock


def test_server_log_has_no_client_address_after_a_visit(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", LYKT_LOG_LEVEL="DEBUG")
    with server, httpx.Client(transport=httpx.HTTPTransport(local_address=CLIENT_ADDRESS)) as http:
        conv = http.post(
            server.base_url + "/api/conversations", json={"age": 13, "about": "friend"}
        ).json()
        http.get(server.base_url + "/does-not-exist")
        with connect(
            server.ws_url + "/ws/visitor", sock=_socket_from_client_address(server.port)
        ) as ws:
            ws.send(json.dumps({"type": "hello", "token": conv["token"], "last_seq": 0}))
            assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
            ws.send("{broken")
            assert json.loads(ws.recv(timeout=10))["type"] in ("queue.position", "error")
        with connect(
            server.ws_url + "/ws/visitor", sock=_socket_from_client_address(server.port)
        ) as ws:
            ws.send(json.dumps({"type": "hello", "token": "wrong"}))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401
    log = server.log_text()
    assert "Uvicorn running" in log or "Application startup complete" in log
    assert CLIENT_ADDRESS not in log
    # The server's own address appears only in the banner that tells the operator the URL.
    logged = [line for line in log.splitlines() if not line.startswith("Lykt: visitors at")]
    assert not any("127.0.0.1" in line for line in logged)
