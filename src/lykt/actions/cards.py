"""Information cards adapted to the visitor's age: the waiting room shows them, and a host can
send one into a chat.

A card's body is a small safe subset of Markdown, and nothing more: paragraphs separated by a
blank line, lines starting with "- " as bullets, and ``**bold**``. Everything else is plain
text (no links, no headings, never raw HTML): whoever shows a card builds it from text nodes.
The operator manages the cards (the CLI; the admin pages later), each change audited. A few
starter cards come with the migration (docs/content.md: the helpline must review them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from lykt.actions.audit import record
from lykt.actions.canned import LANGS
from lykt.actions.context import Context
from lykt.actions.conversations import access_conversation_for_host
from lykt.actions.messages import post_message
from lykt.errors import Conflict, Invalid, NotFound
from lykt.i18n import DEFAULT_LANGUAGE
from lykt.models import InfoCard, Message, Staff, storable
from lykt.store import cards as cards_store

MAX_SLUG_CHARS = 60
MAX_TITLE_CHARS = 120
MAX_BODY_CHARS = 2000
MAX_AGE = 120
#: Every process reads the cards again this often (the waiting room asks for them).
CACHE_SECONDS = 5.0
_CACHE_KEY = "cards.all"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_AGES = re.compile(r"\s*(\d{1,3})\s*-\s*(\d{1,3})\s*")


@dataclass(frozen=True)
class Card:
    slug: str
    lang: str
    title: str
    body: str
    age_min: int
    age_max: int
    position: int

    def suits(self, age: int | None) -> bool:
        """For a visitor of ``age``; a visitor who did not say is shown every card."""
        return age is None or self.age_min <= age <= self.age_max

    def as_wire(self) -> dict[str, str]:
        return {"slug": self.slug, "title": self.title, "body": self.body}

    def as_text(self) -> str:
        """The card as plain text (a card message's ``text``): the title, a blank line, the
        body without the bold marks; bullets stay "- " lines."""
        return f"{self.title}\n\n{self.body.replace('**', '')}"


def _card(row: InfoCard) -> Card:
    return Card(row.slug, row.lang, row.title, row.body, row.age_min, row.age_max, row.position)


def parse_ages(text: str) -> tuple[int, int]:
    """The ages a card suits, both included, from "5-12": (5, 12)."""
    match = _AGES.fullmatch(text)
    if match is None:
        raise Invalid("the ages must be written like 5-12")
    low, high = int(match[1]), int(match[2])
    if not 0 <= low <= high <= MAX_AGE:
        raise Invalid(f"the ages must go from low to high, between 0 and {MAX_AGE}")
    return low, high


def _check(slug: str, lang: str, ages: tuple[int, int], title: str, body: str) -> None:
    if not _SLUG.fullmatch(slug) or len(slug) > MAX_SLUG_CHARS:
        raise Invalid(
            f"the slug must be 1 to {MAX_SLUG_CHARS} characters: a-z, 0-9 and single hyphens"
        )
    if lang not in LANGS:
        raise Invalid(f"the language must be one of {', '.join(LANGS)}")
    low, high = ages
    if not 0 <= low <= high <= MAX_AGE:
        raise Invalid(f"the ages must go from low to high, between 0 and {MAX_AGE}")
    if not title or len(title) > MAX_TITLE_CHARS or not storable(title) or "\n" in title:
        raise Invalid(f"the title must be one line of 1 to {MAX_TITLE_CHARS} characters")
    if not body or len(body) > MAX_BODY_CHARS or not storable(body):
        raise Invalid(f"the body must be 1 to {MAX_BODY_CHARS} characters")


async def _all(ctx: Context) -> list[Card]:
    now = ctx.clock.now()
    cached = ctx.cache.get(_CACHE_KEY)
    if cached is not None and timedelta(0) <= now - cached[0] < timedelta(seconds=CACHE_SECONDS):
        cards: list[Card] = cached[1]
        return cards
    async with ctx.db.read() as session:
        cards = [_card(row) for row in await cards_store.all_cards(session)]
    ctx.cache[_CACHE_KEY] = (now, cards)
    return cards


async def cards_for(ctx: Context, age: int | None, lang: str | None) -> list[Card]:
    """The cards for a visitor of ``age`` (None: every card) in ``lang`` (a language we do
    not have: the default one), in the order they are shown. Read from the database at
    most every few seconds per process."""
    if lang not in LANGS:
        lang = DEFAULT_LANGUAGE
    return [c for c in await _all(ctx) if c.lang == lang and c.suits(age)]


async def list_cards(ctx: Context) -> list[Card]:
    """Every card in every language, as stored now."""
    async with ctx.db.read() as session:
        return [_card(row) for row in await cards_store.all_cards(session)]


async def add_card(
    ctx: Context,
    slug: str,
    lang: str,
    ages: tuple[int, int],
    title: str,
    body: str,
    *,
    actor: str = "operator",
) -> Card:
    """A new card (audited). The same slug in another language takes that one's place in the
    order; a new slug goes last. A slug already there in ``lang`` is a Conflict (remove it
    first)."""
    slug, title = slug.strip(), title.strip()
    body = body.replace("\r\n", "\n").strip()
    _check(slug, lang, ages, title, body)
    async with ctx.transaction() as tx:
        if await cards_store.get(tx.session, slug, lang) is not None:
            raise Conflict(f"there is already a card {slug!r} in {lang}; remove it first")
        row = InfoCard(
            slug=slug,
            lang=lang,
            title=title,
            body=body,
            age_min=ages[0],
            age_max=ages[1],
            position=await cards_store.next_position(tx.session, slug),
        )
        await cards_store.insert(tx.session, row)
        await record(tx.session, ctx, actor, "card.added", f"{slug}/{lang}", title)
    ctx.cache.pop(_CACHE_KEY, None)
    return _card(row)


async def remove_card(ctx: Context, slug: str, lang: str, *, actor: str = "operator") -> None:
    """Delete a card (audited). Messages that carried it keep their copy until purged."""
    async with ctx.transaction() as tx:
        if not await cards_store.delete_card(tx.session, slug.strip(), lang):
            raise NotFound("no such card")
        await record(tx.session, ctx, actor, "card.removed", f"{slug.strip()}/{lang}")
    ctx.cache.pop(_CACHE_KEY, None)


async def send_card(
    ctx: Context, staff: Staff, conversation_id: str, slug: str, client_id: str
) -> tuple[Message, bool]:
    """Post the card ``slug`` into a chat as a message from ``staff``, in the visitor's
    language: stored, numbered, announced and purged like any other message, with the card
    beside its plain text. A resend with the same ``client_id`` is not posted again. A chat
    that is not the host's, or a card not written in the visitor's language: NotFound."""
    conversation, _ = await access_conversation_for_host(ctx, staff, conversation_id)
    async with ctx.db.read() as session:
        row = await cards_store.get(session, slug, conversation.lang)
    if row is None:
        raise NotFound("no such card in the visitor's language")
    card = _card(row)
    return await post_message(
        ctx,
        conversation.id,
        "host",
        client_id,
        card.as_text(),
        staff,
        card=card.as_wire(),
    )
