"""Internal notes on a conversation: SQL only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lykt.models import ConversationNote, Staff


async def insert(session: AsyncSession, note: ConversationNote) -> None:
    session.add(note)
    await session.flush()


@dataclass(frozen=True, slots=True)
class NoteRow:
    id: int
    author_name: str
    text: str
    at: datetime


async def for_conversation(session: AsyncSession, conversation_id: str) -> list[NoteRow]:
    result = await session.execute(
        select(
            ConversationNote.id,
            Staff.display_name,
            ConversationNote.text,
            ConversationNote.created_at,
        )
        .outerjoin(Staff, Staff.id == ConversationNote.staff_id)
        .where(ConversationNote.conversation_id == conversation_id)
        .order_by(ConversationNote.id)
    )
    return [NoteRow(row[0], row[1] or "", row[2], row[3]) for row in result.all()]
