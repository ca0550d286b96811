"""The statements of a post batch, behind one small interface with two implementations.

``SessionPosting`` runs them through SQLAlchemy (PostgreSQL, with its row locks).
``SqlitePosting`` runs the very same statements on the driver connection (aiosqlite) of the
session's own transaction: on the hottest path of all, SQLAlchemy's async layer cost about
eight times what these four fixed statements cost on the driver (``bench.post_cost``;
docs/performance.md). Everything else stays on SQLAlchemy. The tests of posting run on
both databases, so both implementations answer to the same behaviour.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import Message
from lykt.store import conversations as conversations_store
from lykt.store import messages as messages_store
from lykt.store.conversations import PostingState

Keys = set[tuple[str, str]]


class Posting(Protocol):
    async def lock(self, conversation_ids: set[str]) -> dict[str, PostingState]: ...

    async def stored(self, keys: Keys) -> dict[tuple[str, str], Message]: ...

    async def set_last_seqs(self, last_seqs: dict[str, int], now: datetime) -> None: ...

    async def insert(self, messages: list[Message]) -> None: ...


class SessionPosting:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, conversation_ids: set[str]) -> dict[str, PostingState]:
        return await conversations_store.lock_for_posting(self.session, conversation_ids)

    async def stored(self, keys: Keys) -> dict[tuple[str, str], Message]:
        return await messages_store.by_client_ids(self.session, keys)

    async def set_last_seqs(self, last_seqs: dict[str, int], now: datetime) -> None:
        await conversations_store.set_last_seqs(self.session, last_seqs, now)

    async def insert(self, messages: list[Message]) -> None:
        await messages_store.insert_many(self.session, messages)


def _stored_time(moment: datetime) -> str:
    """As SQLAlchemy's SQLite DateTime stores it (``models.UTCDateTime``: naive UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _json_list(values: set[str]) -> str:
    """A list as one parameter, read with ``json_each``: the statement stays the same text
    (and so prepared once) whatever the batch's size, and still uses the indexes."""
    return orjson.dumps(sorted(values)).decode()


class SqlitePosting:
    """SQLite has one writer (``Database.write_lock``), so reading the conversations is the
    lock; the statements join the transaction the session has open on this connection."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    @classmethod
    async def of(cls, session: AsyncSession) -> SqlitePosting:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        return cls(raw.driver_connection)

    async def lock(self, conversation_ids: set[str]) -> dict[str, PostingState]:
        query = (
            "SELECT id, status, host_id, last_seq FROM conversations "
            "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
        )
        async with self.driver.execute(query, (_json_list(conversation_ids),)) as cursor:
            rows = await cursor.fetchall()
        return {row[0]: PostingState(row[1], row[2], row[3]) for row in rows}

    async def stored(self, keys: Keys) -> dict[tuple[str, str], Message]:
        if not keys:
            return {}
        # Two lists, not pairs: SQLite answers these from the unique index on
        # (conversation_id, client_id); the few extra pairs they may match are dropped below.
        query = (
            "SELECT id, conversation_id, seq, sender, staff_id, client_id, text, sent_at, card "
            "FROM messages WHERE conversation_id IN (SELECT value FROM json_each(?)) "
            "AND client_id IN (SELECT value FROM json_each(?))"
        )
        lists = (_json_list({c for c, _ in keys}), _json_list({m for _, m in keys}))
        async with self.driver.execute(query, lists) as cursor:
            rows = await cursor.fetchall()
        found = {}
        for id_, conversation_id, seq, sender, staff_id, client_id, text, sent_at, card in rows:
            if (conversation_id, client_id) in keys:
                found[(conversation_id, client_id)] = Message(
                    id=id_,
                    conversation_id=conversation_id,
                    seq=seq,
                    sender=sender,
                    staff_id=staff_id,
                    client_id=client_id,
                    text=text,
                    sent_at=datetime.fromisoformat(sent_at).replace(tzinfo=UTC),
                    card=card,
                )
        return found

    async def set_last_seqs(self, last_seqs: dict[str, int], now: datetime) -> None:
        if not last_seqs:
            return
        stamp = _stored_time(now)
        await self.driver.executemany(
            "UPDATE conversations SET last_seq = ?, last_activity_at = ? WHERE id = ?",
            [(seq, stamp, cid) for cid, seq in last_seqs.items()],
        )

    async def insert(self, messages: list[Message]) -> None:
        await self.driver.executemany(
            "INSERT INTO messages (conversation_id, seq, sender, staff_id, client_id, text, "
            "sent_at, card) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    m.conversation_id,
                    m.seq,
                    m.sender,
                    m.staff_id,
                    m.client_id,
                    m.text,
                    _stored_time(m.sent_at),
                    m.card,
                )
                for m in messages
            ],
        )


async def posting_for(session: AsyncSession, is_sqlite: bool) -> Posting:
    return await SqlitePosting.of(session) if is_sqlite else SessionPosting(session)
