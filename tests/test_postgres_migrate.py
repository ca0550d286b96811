"""Migrations on PostgreSQL, from real processes: several nodes may start at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from sqlalchemy import text

from lykt.db import Database
from lykt.models import Base
from tests.databases import PostgresServer

# One node's start: connect, wait for the agreed moment, migrate.
NODE = """
import asyncio, sys, time
import alembic.command
from lykt.db import Database
from lykt.models import Base

async def main(url: str, start_at: float) -> None:
    db = Database(url)
    try:
        async with db.engine.connect():
            pass
        time.sleep(max(0.0, start_at - time.time()))
        await db.migrate()
    finally:
        await db.dispose()

asyncio.run(main(sys.argv[1], float(sys.argv[2])))
"""


def test_nodes_starting_at_once_on_an_empty_database_all_migrate(
    postgres: PostgresServer,
) -> None:
    with postgres.fresh_database(migrated=False) as url:
        start_at = str(time.time() + 1.5)
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", NODE, url, start_at],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [p.communicate(timeout=60)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], "\n".join(outputs)

        async def tables() -> list[str]:
            db = Database(url)
            try:
                async with db.read() as session:
                    result = await session.execute(
                        text(
                            "SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = 'public' ORDER BY table_name"
                        )
                    )
                    return list(result.scalars())
            finally:
                await db.dispose()

        # Every table of the models, and no other (the escrow keeps its own table apart).
        assert asyncio.run(tables()) == sorted(["alembic_version", *Base.metadata.tables])
