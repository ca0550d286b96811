"""The documented nginx configuration (deploy/nginx/lykt.conf), run for real in front of the
real server: WebSockets pass, the escrow gets the client's address and port through the one
header, and no address lands in nginx's logs or Lykt's."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.serverproc import ServerProcess, free_port

pytestmark = pytest.mark.server

CONFIG = Path(__file__).parent.parent / "deploy" / "nginx" / "lykt.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CLIENT = "127.0.0.3"  # the visitor's own loopback address
PASSPHRASE = "a long operator passphrase"


def require_nginx() -> None:
    if not Path(NGINX).exists():
        reason = "nginx is not installed (apt-get install nginx-light)"
        if os.environ.get("LYKT_REQUIRE_SERVICES") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def site_config(root: Path, listen: int, app_ports: list[int]) -> str:
    """The documented file with the test's ports and paths, TLS lines left out."""
    lines = []
    for line in CONFIG.read_text().splitlines():
        if "# LYKT-TLS" in line:
            continue
        if line.strip().startswith("server 127.0.0.1:800"):
            continue
        if line.strip().startswith("upstream lykt_app {"):
            lines.append(line)
            lines.extend(f"    server 127.0.0.1:{port};" for port in app_ports)
            continue
        line = line.replace("/var/log/nginx/", f"{root}/")
        if line.strip() == "server {":
            lines.append(line)
            lines.append(f"    listen {listen};")
            continue
        lines.append(line)
    return "\n".join(lines)


@pytest.fixture
def nginx_in_front(tmp_path: Path) -> Iterator[tuple[ServerProcess, str, Path]]:
    require_nginx()
    keygen = ServerProcess(tmp_path / "operator").cli(
        "escrow", "keygen", "--out", str(tmp_path / "key.json"), "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
    )  # fmt: skip
    public_key = keygen.stdout.split("LYKT_ESCROW_PUBLIC_KEY=", 1)[1].strip()
    app = ServerProcess(
        tmp_path / "data",
        LYKT_TRUSTED_PROXIES='["127.0.0.1"]',
        LYKT_ESCROW_PUBLIC_KEY=public_key,
        LYKT_LOG_LEVEL="DEBUG",
    ).start()
    root = tmp_path / "nginx"
    root.mkdir()
    port = free_port()
    (root / "lykt.conf").write_text(site_config(root, port, [app.port]))
    (root / "nginx.conf").write_text(
        f"worker_processes 1;\ndaemon off;\npid {root}/nginx.pid;\n"
        f"error_log {root}/main-error.log emerg;\nevents {{ worker_connections 64; }}\n"
        f"http {{\n  client_body_temp_path {root}/body;\n  proxy_temp_path {root}/proxy;\n"
        f"  fastcgi_temp_path {root}/fcgi;\n  uwsgi_temp_path {root}/uwsgi;\n"
        f"  scgi_temp_path {root}/scgi;\n  include {root}/lykt.conf;\n}}\n"
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while True:  # until nginx listens (or says why not)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert nginx.poll() is None, nginx.stderr.read() if nginx.stderr else ""
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.02)
    try:
        yield app, f"127.0.0.1:{port}", root
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        app.stop()


def test_through_nginx_the_escrow_gets_the_address_and_no_log_has_it(
    nginx_in_front: tuple[ServerProcess, str, Path], tmp_path: Path
) -> None:
    app, front, root = nginx_in_front
    with httpx.Client(transport=httpx.HTTPTransport(local_address=CLIENT)) as http:
        conversation = http.post(
            f"http://{front}/api/conversations", json={"age": 12, "about": "friend"}
        ).json()
        assert http.get(f"http://{front}/").status_code == 200
        assert http.get(f"http://{front}/no-such-page?x=secret").status_code == 404
    sock = socket.create_connection(
        ("127.0.0.1", int(front.split(":")[1])), source_address=(CLIENT, 0)
    )
    client_port = sock.getsockname()[1]
    with connect(f"ws://{front}/ws/visitor", sock=sock, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "hello", "token": conversation["token"], "last_seq": 0}))
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        ws.send(json.dumps({"type": "message.send", "client_id": "c1", "text": "hei"}))
        while json.loads(ws.recv(timeout=10))["type"] != "message.ack":
            pass

    export = tmp_path / "export.json"
    app.cli(
        "escrow", "export", "--conversation", conversation["conversation_id"],
        "--case-ref", "POL-1", "--out", str(export),
    )  # fmt: skip
    opened = app.cli(
        "escrow", "open", str(export), "--private-key", str(tmp_path / "key.json"),
        "--passphrase-stdin", stdin=PASSPHRASE + "\n",
    ).stdout  # fmt: skip
    assert opened.startswith(f"{CLIENT}\tport {client_port}\t")

    access_log = (root / "lykt-access.log").read_text()
    assert '"POST /api/conversations" 201' in access_log
    assert '"GET /ws/visitor" 101' in access_log
    logs = access_log + (root / "lykt-error.log").read_text() + app.log_text()
    assert CLIENT not in logs
    assert "secret" not in access_log  # the query is never logged
