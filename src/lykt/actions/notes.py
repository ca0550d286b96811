"""Internal notes: what staff write to one another about a chat. Never shown to the visitor;
deleted with the conversation (a foreign key with ON DELETE CASCADE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lykt.actions.context import Context, Tx
from lykt.actions.supervision import access_chat
from lykt.errors import Invalid
from lykt.events import NoteAdded, note_frame
from lykt.models import ConversationNote, Staff, storable
from lykt.store import notes as notes_store

MAX_NOTE_CHARS = 2000


async def insert_note(
    tx: Tx, conversation_id: str, author: Staff, text: str, now: datetime
) -> ConversationNote:
    note = ConversationNote(
        conversation_id=conversation_id, staff_id=author.id, text=text, created_at=now
    )
    await notes_store.insert(tx.session, note)
    tx.publish_on_commit(
        NoteAdded(
            conversation_id=conversation_id,
            note_id=note.id,
            author_name=author.display_name,
            text=text,
            at=now,
        )
    )
    return note


async def add_note(ctx: Context, staff: Staff, conversation_id: str, text: str) -> None:
    """A note on a chat the staff member holds or has joined (supervisors: any chat)."""
    text = text.strip()
    if not text or len(text) > MAX_NOTE_CHARS or not storable(text):
        raise Invalid(f"a note is 1 to {MAX_NOTE_CHARS} characters")
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        conversation, _ = await access_chat(tx.session, staff, conversation_id)
        await insert_note(tx, conversation.id, staff, text, now)


async def notes_for(session: AsyncSession, conversation_id: str) -> list[dict[str, object]]:
    rows = await notes_store.for_conversation(session, conversation_id)
    return [note_frame(r.id, r.author_name, r.text, r.at) for r in rows]
