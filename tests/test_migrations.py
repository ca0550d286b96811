"""The migrations build exactly the tables the models describe, on every database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lykt.db import Database
from lykt.models import Base


@pytest.mark.databases("sqlite", "postgresql")
def test_migrated_schema_matches_the_models(database_url: str) -> None:
    async def differences() -> list[Any]:
        db = Database(database_url)
        try:
            await db.migrate()
            async with db.engine.connect() as conn:

                def compare(sync_conn: Any) -> list[Any]:
                    context = MigrationContext.configure(sync_conn)
                    return list(compare_metadata(context, Base.metadata))

                return await conn.run_sync(compare)
        finally:
            await db.dispose()

    assert asyncio.run(differences()) == []
