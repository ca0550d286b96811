"""Engine and sessions: SQLite pragmas for the embedded default, PostgreSQL as it comes."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# PostgreSQL advisory lock held while migrating ("lykt" in ASCII): of several processes
# starting at once one migrates, the others wait and then find nothing left to do.
MIGRATION_LOCK_KEY = 0x6C796B74


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers never block the writer. FULL: a commit is on disk before we ack it.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # Deleted words are overwritten in the file, not only unlinked from the b-tree.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


# PostgreSQL advisory lock held by the one process that runs the timed jobs ("jobs").
JOBS_LOCK_KEY = 0x6A6F6273


class Leadership:
    """Whether this process runs the timed jobs: exactly one process at a time does.

    PostgreSQL: a session advisory lock on a connection of its own, held while leading; if the
    process dies or its connection breaks, the lock goes with it and another process takes
    over at its next try. SQLite (one machine): an exclusive ``flock`` on a file beside the
    database, released by the kernel when the process dies."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: AsyncConnection | None = None
        self._file: int | None = None

    @property
    def leading(self) -> bool:
        return self._conn is not None or self._file is not None

    async def try_lead(self) -> bool:
        """Become (or stay) the leader if nobody else is; True while leading."""
        if self.db.is_sqlite:
            return self._try_file_lock()
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception:
                await self.release()  # the connection broke: the lock is gone with it
        conn = await self.db.engine.connect()
        try:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": JOBS_LOCK_KEY})
            ).scalar_one()
            await conn.commit()
        except Exception:
            await conn.close()
            raise
        if got:
            self._conn = conn
            return True
        await conn.close()
        return False

    def _try_file_lock(self) -> bool:
        if self._file is not None:
            return True
        path = self.db.url.split("///", 1)[1] if "///" in self.db.url else ""
        if not path or path == ":memory:":
            self._file = -1  # a private database: nobody else to lead
            return True
        fd = os.open(path + ".jobs-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._file = fd
        return True

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": JOBS_LOCK_KEY})
                await conn.commit()
            with contextlib.suppress(Exception):
                await conn.close()
        if self._file is not None:
            fd, self._file = self._file, None
            if fd >= 0:
                os.close(fd)  # closing the file releases the flock


class Database:
    """One engine. On SQLite every write transaction is serialised by an in-process lock
    (SQLite has one writer anyway; the lock avoids busy-waiting and keeps event order)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: AsyncEngine = create_async_engine(url, pool_size=8, max_overflow=0)
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(url, pool_size=10, max_overflow=10)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.write_lock = asyncio.Lock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @contextlib.asynccontextmanager
    async def write_lock_held(self) -> AsyncIterator[None]:
        if self.write_lock is None:
            yield
        else:
            async with self.write_lock:
                yield

    def session(self) -> AsyncSession:
        return self._sessions()

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        async with self.write_lock_held(), self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await conn.run_sync(_upgrade)

    async def ping(self) -> None:
        """Raises if the database cannot answer ``SELECT 1``."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def create_tables(self, metadata: MetaData) -> None:
        """For the escrow's one table, kept apart from the main schema and its migrations."""
        async with self.write_lock_held(), self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await conn.run_sync(metadata.create_all)

    async def forget_deleted_bytes(self) -> None:
        """After a purge on SQLite: copy the write-ahead log into the database file and cut
        the log to zero bytes, so deleted words are in neither file (``secure_delete`` has
        already overwritten them in the pages). PostgreSQL: see docs/privacy.md."""
        if not self.is_sqlite:
            return
        async with self.write_lock_held(), self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def dispose(self) -> None:
        await self.engine.dispose()


def _upgrade(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
