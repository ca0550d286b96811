from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lykt.app import create_app
from lykt.settings import Settings

PASSWORD = "correct horse battery"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as c:
        yield c


def add_staff(client: TestClient, email: str, name: str, role: str = "host") -> None:
    from lykt.actions.staff import add_staff as add

    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    client.portal.call(add, ctx, email, name, role, PASSWORD)  # type: ignore[union-attr]


def login(client: TestClient, email: str) -> TestClient:
    """Log the client in as a staff member (its cookie jar keeps the session)."""
    response = client.post("/api/staff/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def staff_token(client: TestClient, email: str) -> str:
    """Log in and hand back the session cookie's value, leaving the client's jar empty, so
    several staff members can share one client (and so one event loop with the app)."""
    login(client, email)
    token = client.cookies.get("lykt_staff")
    assert token
    client.cookies.clear()
    return token


def staff_socket(client: TestClient, token: str) -> Any:
    return client.websocket_connect("/ws/staff", headers={"cookie": f"lykt_staff={token}"})


def new_conversation(
    client: TestClient, age: int | None = 14, about: str = "self"
) -> dict[str, str]:
    response = client.post("/api/conversations", json={"age": age, "about": about})
    assert response.status_code == 201, response.text
    return response.json()


def receive_until(ws: Any, wanted: str, limit: int = 50) -> dict[str, Any]:
    """Read frames until one of type ``wanted`` arrives (pings and the like are skipped)."""
    for _ in range(limit):
        frame = ws.receive_json()
        if frame["type"] == wanted:
            return frame
    raise AssertionError(f"no {wanted} frame in {limit} frames")


@pytest.fixture(autouse=True)
def _no_event_loop_leak() -> Iterator[None]:
    yield
    asyncio.set_event_loop_policy(None)
