"""Canned replies: prepared words a host can put in the composer, edit and send.

Shared ones (no owner) are for everyone and are managed by the operator (the CLI; the admin
pages later). Personal ones belong to one staff member, who alone sees and deletes them: to
anyone else they do not exist (``NotFound`` either way, so nobody can probe for them)."""

from __future__ import annotations

from dataclasses import dataclass

from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.errors import Invalid, NotFound
from lykt.i18n import LOCALE_DIR
from lykt.models import CannedReply, Staff, storable
from lykt.store import canned as canned_store

MAX_TITLE_CHARS = 80
MAX_TEXT_CHARS = 2000
#: The languages Lykt is written in: one catalog each in ``locale/`` ("en", "nb").
LANGS: tuple[str, ...] = tuple(
    sorted(path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
)
#: Ids are 32-bit integers on PostgreSQL; anything outside matches no reply.
_MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Canned:
    id: int
    title: str
    lang: str
    text: str
    shared: bool


def _canned(reply: CannedReply) -> Canned:
    return Canned(reply.id, reply.title, reply.lang, reply.text, reply.owner_id is None)


def _in_order(replies: list[Canned]) -> list[Canned]:
    """Shared first, then one's own; each by title (the same on every database)."""
    return sorted(replies, key=lambda r: (not r.shared, r.title.casefold(), r.title, r.id))


async def list_canned(ctx: Context, staff: Staff) -> list[Canned]:
    """What ``staff`` may use: the shared replies and their own."""
    async with ctx.db.read() as session:
        replies = await canned_store.visible_to(session, staff.id)
    return _in_order([_canned(r) for r in replies])


async def list_shared(ctx: Context) -> list[Canned]:
    async with ctx.db.read() as session:
        replies = await canned_store.shared(session)
    return _in_order([_canned(r) for r in replies])


async def add_canned(
    ctx: Context,
    owner: Staff | None,
    title: str,
    lang: str,
    text: str,
    *,
    actor: str = "operator",
) -> Canned:
    """A personal reply of ``owner``, or a shared one (``owner`` None). Adding a shared one
    is audited (by ``actor``); a host's own are their business."""
    title, text = title.strip(), text.strip()
    if not title or len(title) > MAX_TITLE_CHARS or not storable(title):
        raise Invalid(f"the title must be 1 to {MAX_TITLE_CHARS} characters")
    if not text or len(text) > MAX_TEXT_CHARS or not storable(text):
        raise Invalid(f"the text must be 1 to {MAX_TEXT_CHARS} characters")
    if lang not in LANGS:
        raise Invalid(f"the language must be one of {', '.join(LANGS)}")
    reply = CannedReply(
        owner_id=owner.id if owner is not None else None,
        title=title,
        lang=lang,
        text=text,
        created_at=ctx.clock.now(),
    )
    async with ctx.transaction() as tx:
        await canned_store.insert(tx.session, reply)
        if owner is None:
            await record(tx.session, ctx, actor, "canned.added", str(reply.id), title)
    return _canned(reply)


async def remove_canned(ctx: Context, reply_id: int, owner: Staff) -> None:
    """Delete one of ``owner``'s own replies. A shared one, someone else's or a missing one
    are all the same ``NotFound``: hide that they exist."""
    await _remove(ctx, reply_id, owner.id)


async def remove_shared(ctx: Context, reply_id: int, *, actor: str = "operator") -> None:
    """Delete a shared reply (the operator or an admin; audited); never a personal one."""
    await _remove(ctx, reply_id, None, actor)


async def _remove(ctx: Context, reply_id: int, owner_id: int | None, actor: str = "") -> None:
    if not 0 < reply_id <= _MAX_ID:
        raise NotFound("no such canned reply")
    async with ctx.transaction() as tx:
        title = ""
        if owner_id is None:
            shared = await canned_store.shared(tx.session)
            title = next((r.title for r in shared if r.id == reply_id), "")
        if not await canned_store.delete_reply(tx.session, reply_id, owner_id):
            raise NotFound("no such canned reply")
        if owner_id is None:
            await record(tx.session, ctx, actor, "canned.removed", str(reply_id), title)
