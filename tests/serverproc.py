"""The real server process, for tests whose behaviour crosses a process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import PASSWORD
from tests.otp import Authenticator, secret_from_uri

# The second factors of the members the tests added (the latest for each email): a member
# added through one server process logs in on another of the same database too.
AUTHENTICATORS: dict[str, Authenticator] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``lykt serve`` in a subprocess, on its own data directory and port."""

    def __init__(self, data_dir: Path, port: int | None = None, **env: str) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "LYKT_DATA_DIR": str(data_dir),
            "LYKT_OPENING_HOURS": "always",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``lykt ARGS`` with the server's settings; fails the test if the command fails."""
        result = self.cli_result(*args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result

    def cli_result(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``lykt ARGS`` with the server's settings, whatever it returns."""
        return subprocess.run(
            [sys.executable, "-m", "lykt", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def add_staff(self, email: str, name: str, role: str = "host") -> None:
        """Add a member through the CLI and keep the second factor it shows once, as the
        member's authenticator app would (``otp``)."""
        added = self.cli(
            "staff",
            "add",
            "--email",
            email,
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        uri = next(line for line in added.stdout.splitlines() if line.startswith("otpauth://"))
        AUTHENTICATORS[email.lower()] = Authenticator(secret_from_uri(uri))

    def otp(self, email: str) -> str:
        """A fresh code for the member, from the secret their app holds."""
        return AUTHENTICATORS[email.lower()].code()

    def login_body(self, email: str) -> dict[str, str]:
        return {"email": email, "password": PASSWORD, "otp": self.otp(email)}

    def start(self) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lykt", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                if httpx.get(self.base_url + "/api/status", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)  # readiness poll, bounded by the deadline
        raise RuntimeError("server did not start in 30 s")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, like a power cut to the process."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
