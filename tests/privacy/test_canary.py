"""The address canary and the escrow round trip, against the real server process.

A visitor comes through a trusted proxy that passes a documentation address in the escrow
header, and another comes straight from a loopback address of its own. Afterwards neither
address is in any byte of the data directory or of the server's log; only the operator's
private key gets them back out of the escrow, with their ports and times."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.serverproc import ServerProcess

pytestmark = pytest.mark.server

PROXIED = "203.0.113.77"  # a documentation address (RFC 5737)
PROXIED_PORT = 51234
DIRECT = "127.0.0.2"  # a loopback address of its own
PASSPHRASE = "a long operator passphrase"


def every_byte(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def visit(server: ServerProcess, http: httpx.Client, sock: socket.socket | None, **headers: str):
    conversation = http.post(
        server.base_url + "/api/conversations", json={"age": 12, "about": "self"}, headers=headers
    ).json()
    with connect(
        server.ws_url + "/ws/visitor", sock=sock, additional_headers=headers, open_timeout=10
    ) as ws:
        ws.send(json.dumps({"type": "hello", "token": conversation["token"], "last_seq": 0}))
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        ws.send(json.dumps({"type": "message.send", "client_id": "c1", "text": "hei"}))
        while json.loads(ws.recv(timeout=10))["type"] != "message.ack":
            pass
        local_port = ws.socket.getsockname()[1]
    return conversation["conversation_id"], local_port


def test_no_address_anywhere_and_only_the_operator_gets_it_back(tmp_path: Path) -> None:
    operator = tmp_path / "operator"  # the operator's own machine, not the server's
    operator.mkdir()
    key_file = operator / "escrow-key.json"
    keygen = ServerProcess(tmp_path / "keygen").cli(
        "escrow", "keygen", "--out", str(key_file), "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    public_key = next(
        line.split("=", 1)[1]
        for line in keygen.stdout.splitlines()
        if line.startswith("LYKT_ESCROW_PUBLIC_KEY=")
    )
    data = tmp_path / "data"
    server = ServerProcess(
        data,
        LYKT_LOG_LEVEL="DEBUG",
        LYKT_TRUSTED_PROXIES='["127.0.0.1"]',
        LYKT_ESCROW_PUBLIC_KEY=public_key,
    )
    before = datetime.now(UTC)
    with server:
        # Through the proxy (the test plays it, from 127.0.0.1) with the escrow header.
        with httpx.Client() as http:
            proxied, _ = visit(server, http, None, **{"X-Lykt-Client": f"{PROXIED}:{PROXIED_PORT}"})
        # Straight from 127.0.0.2, not a trusted proxy: its own header would be ignored.
        with httpx.Client(transport=httpx.HTTPTransport(local_address=DIRECT)) as http:
            sock = socket.create_connection(("127.0.0.1", server.port), source_address=(DIRECT, 0))
            direct, direct_port = visit(server, http, sock, **{"X-Lykt-Client": "198.51.100.9:1"})
    after = datetime.now(UTC)

    stored = every_byte(data)
    log = server.log_text()
    for address in (PROXIED, DIRECT, "198.51.100.9"):
        assert address.encode() not in stored, f"{address} is on disk"
        assert address not in log, f"{address} is in the log"
    assert (data / "escrow.db").exists()

    # The operator exports each conversation's records and opens them offline.
    for conversation, expected in (
        (proxied, (PROXIED, PROXIED_PORT)),
        (direct, (DIRECT, direct_port)),
    ):
        export = operator / f"{conversation}.json"
        server.cli(
            "escrow", "export", "--conversation", conversation, "--case-ref", "POL-2026-17",
            "--out", str(export),
        )  # fmt: skip
        assert expected[0].encode() not in export.read_bytes()
        wrong = server.cli_result(
            "escrow", "open", str(export), "--private-key", str(key_file), "--passphrase-stdin",
            stdin="not the passphrase\n",
        )  # fmt: skip
        assert wrong.returncode == 2 and "wrong passphrase" in wrong.stderr
        opened = server.cli(
            "escrow", "open", str(export), "--private-key", str(key_file), "--passphrase-stdin",
            stdin=PASSPHRASE + "\n",
        )  # fmt: skip
        ip, port, moment, about, _ = opened.stdout.strip().split("\t")
        assert (ip, int(port.removeprefix("port "))) == expected
        assert about == f"conversation {conversation}"
        assert before <= datetime.fromisoformat(moment) <= after

    audit = server.cli("audit").stdout
    assert audit.count("operator\tescrow.exported") == 2
    assert "case POL-2026-17" in audit
