from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lykt.app import create_app
from lykt.settings import Settings
from tests.databases import (
    DATABASES,
    REQUIRE_SERVICES_ENV,
    PostgresServer,
    postgres_server,
    sqlite_url,
)

PASSWORD = "correct horse battery"
# Tests here that use a database run once per database (see --databases); others on SQLite.
EVERY_DATABASE = (
    "tests/web/",
    "tests/actions/",
    "tests/privacy/test_retention.py",
    "tests/privacy/test_sources.py",
    "tests/test_delivery_property.py",
)
REDIS_URL_ENV = "LYKT_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--databases",
        default=os.environ.get("LYKT_TEST_DATABASES", ",".join(DATABASES)),
        help=(
            "comma-separated databases the database-backed tests run on: "
            f"{', '.join(DATABASES)} (default: all; env LYKT_TEST_DATABASES). PostgreSQL is "
            "reached through LYKT_TEST_POSTGRES_URL; if it is down its tests are skipped, or "
            "fail when LYKT_REQUIRE_SERVICES=1"
        ),
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" not in metafunc.fixturenames:
        return
    chosen = [d.strip() for d in metafunc.config.getoption("--databases").split(",") if d.strip()]
    unknown = set(chosen) - set(DATABASES)
    if unknown:
        raise pytest.UsageError(f"--databases: unknown {', '.join(sorted(unknown))}")
    marker = metafunc.definition.get_closest_marker("databases")
    path = metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()
    if marker is not None:
        wanted = list(marker.args)
    elif path.startswith(EVERY_DATABASE):
        wanted = list(DATABASES)
    else:
        return  # SQLite only
    metafunc.parametrize("db_backend", [d for d in wanted if d in chosen], indirect=True)


@pytest.fixture(scope="module")
def db_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``; module scope so a module-wide app can use it too."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres(pytestconfig: pytest.Config) -> Iterator[PostgresServer]:
    if "postgresql" not in pytestconfig.getoption("--databases"):
        pytest.skip("PostgreSQL is not among --databases")
    found = postgres_server()
    if isinstance(found, str):
        if os.environ.get(REQUIRE_SERVICES_ENV) == "1":
            pytest.fail(found, pytrace=False)
        pytest.skip(found)
    found.start()
    try:
        yield found
    finally:
        found.close()


@contextlib.contextmanager
def database_for(request: pytest.FixtureRequest, backend: str, data_dir: Path) -> Iterator[str]:
    """A fresh database's URL: an SQLite file in ``data_dir``, or a new PostgreSQL database
    that is dropped afterwards."""
    if backend == "sqlite":
        yield sqlite_url(data_dir)
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.fresh_database() as url:
        yield url


@pytest.fixture
def database_url(request: pytest.FixtureRequest, db_backend: str, tmp_path: Path) -> Iterator[str]:
    with database_for(request, db_backend, tmp_path / "data") as url:
        yield url


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings for a test app; open around the clock unless a test asks for the schedule.
    On PostgreSQL the app is set up as in production: events go through Redis too (the
    machine's, ``LYKT_TEST_REDIS_URL``), under a key prefix of its own."""
    overrides.setdefault("opening_hours", "always")
    if database_url.startswith("postgresql"):
        overrides.setdefault("redis_url", redis_for_tests())
        overrides.setdefault("redis_prefix", f"lykt-test-{secrets.token_hex(6)}")
    return Settings(data_dir=tmp_path / "data", database_url=database_url, **overrides)


@functools.cache
def _redis_reachable(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {url} is not reachable ({type(exc).__name__}); see ../shared/services.md"
    return None


def redis_for_tests() -> str:
    """The Redis the PostgreSQL leg uses; skipped without it, or failed when CI needs it."""
    url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
    problem = _redis_reachable(url)
    if problem is not None:
        if os.environ.get(REQUIRE_SERVICES_ENV) == "1":
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as c:
        yield c


def add_staff(client: TestClient, email: str, name: str, role: str = "host") -> None:
    from lykt.actions.staff import add_staff as add

    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    client.portal.call(add, ctx, email, name, role, PASSWORD)  # type: ignore[union-attr]


def otp(client: TestClient, email: str) -> str:
    """A code the member's authenticator app would show now that the server still takes (a
    code works once). The app's clock is the server's (tests move it by hand)."""
    from lykt.actions.sessions import normalise_email
    from lykt.models import Staff
    from lykt.store import staff as staff_store
    from tests.otp import code_after

    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]

    async def read() -> Staff | None:
        async with ctx.db.read() as session:
            return await staff_store.get_by_email(session, normalise_email(email))

    staff = client.portal.call(read)  # type: ignore[union-attr]
    assert staff is not None and staff.totp_secret, f"{email} has no second factor"
    code = code_after(staff.totp_secret, staff.totp_last_step, ctx.clock.now().timestamp())
    if code is None:
        # Tests log in more often than a person could (three times within 30 s, or more on a
        # clock that stands still); this stands in for waiting for the next step.
        async def rewind() -> None:
            async with ctx.transaction() as tx:
                member = await staff_store.get(tx.session, staff.id)
                assert member is not None
                member.totp_last_step = None

        client.portal.call(rewind)  # type: ignore[union-attr]
        code = code_after(staff.totp_secret, None, ctx.clock.now().timestamp())
    assert code is not None
    return code


def login(client: TestClient, email: str) -> TestClient:
    """Log the client in as a staff member, password and code (its cookie jar keeps the
    session)."""
    response = client.post(
        "/api/staff/login",
        json={"email": email, "password": PASSWORD, "otp": otp(client, email)},
    )
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
