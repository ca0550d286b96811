"""Posting a message: stored once, numbered, then announced."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from lykt.actions.context import Context
from lykt.errors import Conflict, Invalid, NotFound
from lykt.events import MessagePosted
from lykt.models import Conversation, Message, Staff
from lykt.store import conversations as conversations_store
from lykt.store import messages as messages_store

MAX_CLIENT_ID_CHARS = 64


def _check(ctx: Context, client_id: str, text: str) -> None:
    if not client_id or len(client_id) > MAX_CLIENT_ID_CHARS:
        raise Invalid(f"client_id must be 1 to {MAX_CLIENT_ID_CHARS} characters")
    if not text.strip():
        raise Invalid("the message is empty")
    if len(text) > ctx.rules.max_message_chars:
        raise Invalid(f"the message is longer than {ctx.rules.max_message_chars} characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates cannot be stored or shown
        raise Invalid("the message has characters that cannot be shown") from exc


async def post_message(
    ctx: Context,
    conversation: Conversation,
    sender: str,
    client_id: str,
    text: str,
    staff: Staff | None = None,
) -> tuple[Message, bool]:
    """Store a message and announce it after commit. A resend with the same ``client_id`` is
    not stored again: the original is returned with ``created=False`` (and not announced
    again; the sender is acked with the original seq)."""
    _check(ctx, client_id, text)
    try:
        return await _post(ctx, conversation, sender, client_id, text, staff)
    except IntegrityError:
        # Two copies of the same message raced (PostgreSQL, two sockets): one was stored.
        async with ctx.db.read() as session:
            existing = await messages_store.get_by_client_id(session, conversation.id, client_id)
        if existing is None:
            raise
        return existing, False


async def _post(
    ctx: Context,
    conversation: Conversation,
    sender: str,
    client_id: str,
    text: str,
    staff: Staff | None,
) -> tuple[Message, bool]:
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        existing = await messages_store.get_by_client_id(tx.session, conversation.id, client_id)
        if existing is not None:
            return existing, False
        current = await conversations_store.get(tx.session, conversation.id)
        if current is None:
            raise NotFound()
        if current.status == "ended":
            raise Conflict("the conversation has ended")
        if sender == "host" and (staff is None or current.host_id != staff.id):
            raise NotFound("no such conversation among yours")
        seq = await conversations_store.next_seq(tx.session, conversation.id, now)
        message = Message(
            conversation_id=conversation.id,
            seq=seq,
            sender=sender,
            staff_id=staff.id if staff is not None else None,
            client_id=client_id,
            text=text,
            sent_at=now,
        )
        await messages_store.insert(tx.session, message)
        tx.publish_on_commit(
            MessagePosted(
                conversation_id=conversation.id,
                seq=seq,
                sender=sender,
                text=text,
                client_id=client_id,
                sent_at=now,
                host_name=staff.display_name if staff is not None else None,
            )
        )
    return message, True
