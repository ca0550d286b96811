"""Databases for tests: an SQLite file in the test's directory, or a fresh PostgreSQL database.

PostgreSQL: the session makes one database ``lykt_test_<hex>_template`` and migrates it with
``Database.migrate`` (so migrations run on PostgreSQL for real), then every test (or module)
gets its own copy, ``CREATE DATABASE lykt_test_<hex>_<n> TEMPLATE …`` (a few ms), which is
dropped ``WITH (FORCE)`` when the test ends; the template and anything left over go at the end
of the session. Only databases this session created are ever dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from lykt.db import Database

DATABASES = ("sqlite", "postgresql")
POSTGRES_URL_ENV = "LYKT_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REQUIRE_SERVICES_ENV = "LYKT_REQUIRE_SERVICES"
CONNECT_TIMEOUT_S = 5

T = TypeVar("T")


def sqlite_url(data_dir: Path) -> str:
    """What ``Settings.resolved_database_url`` gives for ``data_dir``."""
    return f"sqlite+aiosqlite:///{(data_dir / 'lykt.db').resolve()}"


class PostgresServer:
    """The PostgreSQL server the tests use, reached through an admin URL (any database on it
    that we may connect to; CREATE DATABASE needs the right to create databases)."""

    def __init__(self, admin_url: str) -> None:
        url = make_url(admin_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+asyncpg")
        self.admin_url: URL = url
        self.prefix = f"lykt_test_{secrets.token_hex(5)}"
        self.template = f"{self.prefix}_template"
        self._count = 0
        self._created: list[str] = []

    def url_for(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def _run(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        async def main() -> T:
            engine = create_async_engine(
                self.admin_url,
                isolation_level="AUTOCOMMIT",  # CREATE/DROP DATABASE refuse a transaction
                poolclass=NullPool,
                connect_args={"timeout": CONNECT_TIMEOUT_S},
            )
            try:
                async with engine.connect() as conn:
                    return await work(conn)
            finally:
                await engine.dispose()

        return asyncio.run(main())

    def _execute(self, statement: str) -> None:
        async def work(conn: AsyncConnection) -> None:
            await conn.execute(text(statement))

        self._run(work)

    def unreachable(self) -> str | None:
        """Why the server cannot be used, or None."""

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(text("SELECT 1"))

        try:
            self._run(work)
        except Exception as exc:  # any failure to connect means: no PostgreSQL here
            return f"{type(exc).__name__}: {exc}"
        return None

    def start(self) -> None:
        """Create and migrate the template every test database is copied from."""
        self._execute(f'CREATE DATABASE "{self.template}"')
        self._created.append(self.template)

        async def migrate() -> None:
            db = Database(self.url_for(self.template))
            try:
                await db.migrate()
            finally:
                await db.dispose()

        asyncio.run(migrate())

    @contextlib.contextmanager
    def fresh_database(self, *, migrated: bool = True) -> Iterator[str]:
        """A new database for one test, migrated (or not even that) and empty; its URL."""
        self._count += 1
        name = f"{self.prefix}_{self._count}"
        template = self.template if migrated else "template0"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self._created.append(name)
        try:
            yield self.url_for(name)
        finally:
            self._drop(name)

    def _drop(self, name: str) -> None:
        # FORCE: a test that leaked a connection must not keep its database alive.
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.remove(name)

    def close(self) -> None:
        for name in reversed(list(self._created)):
            self._drop(name)


def postgres_server() -> PostgresServer | str:
    """The server named by ``LYKT_TEST_POSTGRES_URL``, or why it cannot be used."""
    server = PostgresServer(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    problem = server.unreachable()
    if problem is None:
        return server
    shown = server.admin_url.render_as_string(hide_password=True)
    return (
        f"PostgreSQL is not reachable at {shown} ({problem}); set {POSTGRES_URL_ENV} to an "
        f"admin URL, or run only SQLite with --databases=sqlite"
    )
