"""Posting a message: stored once, numbered, then announced.

Posts go through a group commit (``Context.group_commit``): the posts that arrive while one
transaction commits are written together in the next, with a fixed handful of statements per
batch whatever its size. A lone post is written at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from lykt.actions.context import Context
from lykt.actions.supervision import is_supervisor
from lykt.errors import Conflict, Invalid, NotFound
from lykt.events import MessagePosted, QueueChanged
from lykt.models import Message, Staff, storable
from lykt.store import conversations as conversations_store
from lykt.store.conversations import PREVIEW_MESSAGES
from lykt.store.posting import posting_for

MAX_CLIENT_ID_CHARS = 64


@dataclass(frozen=True, slots=True)
class _Post:
    conversation_id: str
    sender: str
    client_id: str
    text: str
    staff_id: int | None
    host_name: str | None
    # A supervisor who joined the chat writes beside its host.
    as_helper: bool = False
    # An information card ({slug, title, body}) and its stored JSON; None for most posts.
    card: dict[str, str] | None = None
    card_json: str | None = None


def _check(ctx: Context, client_id: str, text: str) -> None:
    if not client_id or len(client_id) > MAX_CLIENT_ID_CHARS:
        raise Invalid(f"client_id must be 1 to {MAX_CLIENT_ID_CHARS} characters")
    if not storable(client_id):
        raise Invalid("client_id has characters that cannot be stored")
    if not text.strip():
        raise Invalid("the message is empty")
    if len(text) > ctx.rules.max_message_chars:
        raise Invalid(f"the message is longer than {ctx.rules.max_message_chars} characters")
    if not storable(text):  # lone surrogates, U+0000: refused here, not by the whole batch
        raise Invalid("the message has characters that cannot be shown")


async def post_message(
    ctx: Context,
    conversation_id: str,
    sender: str,
    client_id: str,
    text: str,
    staff: Staff | None = None,
    *,
    card: dict[str, str] | None = None,
) -> tuple[Message, bool]:
    """Store a message and announce it after commit. A resend with the same ``client_id`` is
    not stored again: the original is returned with ``created=False`` (and not announced
    again; the sender is acked with the original seq). A host may post only in a conversation
    they hold (NotFound otherwise); nobody may post in an ended one (Conflict). ``card``: the
    information card a host sends (``actions.cards.send_card``), stored and announced with
    the message."""
    _check(ctx, client_id, text)
    if sender not in ("visitor", "host"):
        raise Invalid("sender must be 'visitor' or 'host'")
    if not storable(conversation_id):
        raise NotFound()  # no such conversation; and it must not spoil the batch
    as_helper = False
    if sender == "host" and staff is not None and is_supervisor(staff):
        async with ctx.db.read() as session:
            as_helper = await conversations_store.is_helper(session, conversation_id, staff.id)
    post = _Post(
        conversation_id=conversation_id,
        sender=sender,
        client_id=client_id,
        text=text,
        staff_id=staff.id if staff is not None else None,
        host_name=staff.display_name if staff is not None else None,
        as_helper=as_helper,
        card=card,
        card_json=orjson.dumps(card).decode() if card is not None else None,
    )
    return await ctx.group_commit(_write_posts).submit(post)


async def _write_posts(ctx: Context, posts: list[_Post]) -> list[tuple[Message, bool] | Exception]:
    now = ctx.clock.now()
    results: list[tuple[Message, bool] | Exception] = []
    queue_changed = False
    async with ctx.transaction() as tx:
        # Lock the conversations' rows first (PostgreSQL; SQLite has its write lock), so seq
        # stays gap-free across processes and a racing resend is seen below.
        store = await posting_for(tx.session, ctx.db.is_sqlite)
        states = await store.lock({p.conversation_id for p in posts})
        stored = await store.stored({(p.conversation_id, p.client_id) for p in posts})
        new_rows: list[Message] = []
        for post in posts:
            key = (post.conversation_id, post.client_id)
            if key in stored:
                results.append((stored[key], False))
                continue
            state = states.get(post.conversation_id)
            if state is None:
                results.append(NotFound())
                continue
            if state.status == "ended":
                results.append(Conflict("the conversation has ended"))
                continue
            if post.sender == "host" and (
                post.staff_id is None
                or (state.host_id != post.staff_id and not post.as_helper)
                or state.status != "active"
            ):
                results.append(NotFound("no such conversation among yours"))
                continue
            if state.status == "waiting" and state.last_seq < PREVIEW_MESSAGES:
                queue_changed = True  # the host's queue shows the first words (triage)
            state.last_seq += 1
            message = Message(
                conversation_id=post.conversation_id,
                seq=state.last_seq,
                sender=post.sender,
                staff_id=post.staff_id,
                client_id=post.client_id,
                text=post.text,
                sent_at=now,
                card=post.card_json,
            )
            stored[key] = message
            new_rows.append(message)
            results.append((message, True))
            tx.publish_on_commit(
                MessagePosted(
                    conversation_id=post.conversation_id,
                    seq=message.seq,
                    sender=post.sender,
                    text=post.text,
                    client_id=post.client_id,
                    sent_at=now,
                    host_name=post.host_name,
                    card=post.card,
                )
            )
        if new_rows:
            await store.set_last_seqs(
                {cid: s.last_seq for cid, s in states.items() if s.changed_from != s.last_seq},
                now,
            )
            await store.insert(new_rows)
        if queue_changed:
            tx.publish_on_commit(QueueChanged())
    return results
