"""Demo mode, as `python3 dev.py serve` starts it: a newcomer tries a whole chat at once, the
real server process says DEMO everywhere, and it never listens beyond loopback."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.serverproc import ServerProcess


def test_demo_mode_lets_a_newcomer_in_as_host_and_says_demo_everywhere(tmp_path: Path) -> None:
    with (
        ServerProcess(tmp_path / "data", LYKT_DEMO="true") as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        assert "DEMO" in http.get("/").text  # the visitor page says so too
        assert http.get("/staff/demo").status_code == 200
        entered = http.post("/staff/demo/host", follow_redirects=False)
        assert entered.status_code == 303
        me = http.get("/api/staff/me")
        assert me.status_code == 200 and me.json()["role"] == "host"
        # A visitor can start a chat at any hour.
        assert http.post("/api/conversations", json={"age": 14, "about": "self"}).status_code == 201


def test_without_demo_mode_there_is_no_demo_door(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "data") as server, httpx.Client(base_url=server.base_url) as http:
        assert http.get("/staff/demo").status_code == 404
        assert http.post("/staff/demo/host").status_code == 404
        assert "DEMO" not in http.get("/").text


def test_demo_mode_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    refused = ServerProcess(tmp_path / "data", LYKT_DEMO="true").cli_result(
        "serve", "--host", "0.0.0.0"
    )
    assert refused.returncode == 2
    assert "only on loopback" in refused.stderr
