"""Information cards for the visitor's age, a card sent into a chat, and the other help a
visitor is always shown: the rules, on every database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from lykt.actions import cards, help_lines
from lykt.actions.audit import audit_log
from lykt.actions.context import Context
from lykt.actions.conversations import claim_conversation, end_conversation, open_conversation
from lykt.actions.retention import purge_expired
from lykt.actions.staff import add_staff
from lykt.clock import ManualClock
from lykt.errors import Conflict, Invalid, NotFound
from lykt.events import Event, MessagePosted
from lykt.models import Message
from tests.actions.test_messages import run_with_context
from tests.conftest import PASSWORD

pytestmark = pytest.mark.databases("sqlite", "postgresql")

YOUNG = ["all-feelings-allowed", "missing-mum-or-dad", "visiting-prison", "telling-friends"]
OLDER = [
    "all-feelings-allowed",
    "missing-mum-or-dad",
    "visiting-prison-older",
    "telling-friends-older",
]


def slugs(found: list[cards.Card]) -> list[str]:
    return [c.slug for c in found]


def test_a_child_sees_the_starter_cards_for_their_age_in_their_language(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        ten = await cards.cards_for(ctx, 10, "nb")
        assert slugs(ten) == YOUNG
        assert ten[2].title == "Å besøke noen i fengsel"
        assert "**" in ten[2].body and "\n- " in ten[2].body  # bold and bullets
        assert slugs(await cards.cards_for(ctx, 16, "nb")) == OLDER
        english = await cards.cards_for(ctx, 12, "en")
        assert slugs(english) == YOUNG
        assert english[0].title == "All feelings are allowed"
        # Who did not give an age sees every card; a language we do not have: bokmål.
        assert len(await cards.cards_for(ctx, None, "en")) == 6
        assert await cards.cards_for(ctx, 10, "de") == ten
        assert await cards.cards_for(ctx, 10, None) == ten
        assert await cards.cards_for(ctx, 40, "nb") == []

    run_with_context(database_url, work)


def test_a_new_card_shows_only_for_its_ages_and_language_and_goes_when_removed(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        added = await cards.add_card(
            ctx, "school", "en", cards.parse_ages("6-8"), " School ", "- Your teacher can help"
        )
        assert (added.title, added.age_min, added.age_max) == ("School", 6, 8)
        assert slugs(await cards.cards_for(ctx, 7, "en")) == [*YOUNG, "school"]
        assert "school" not in slugs(await cards.cards_for(ctx, 9, "en"))
        assert "school" not in slugs(await cards.cards_for(ctx, 7, "nb"))
        # The same card in bokmål takes the English one's place in the order.
        await cards.add_card(ctx, "school", "nb", (6, 8), "Skolen", "Læreren kan hjelpe.")
        assert slugs(await cards.cards_for(ctx, 7, "nb"))[-1] == "school"

        await cards.remove_card(ctx, "school", "en")
        assert "school" not in slugs(await cards.cards_for(ctx, 7, "en"))
        assert "school" in slugs(await cards.cards_for(ctx, 7, "nb"))
        with pytest.raises(NotFound):
            await cards.remove_card(ctx, "school", "en")
        actions = [(e.action, e.subject) for e in await audit_log(ctx)]
        assert ("card.added", "school/en") in actions
        assert ("card.removed", "school/en") in actions

    run_with_context(database_url, work)


@pytest.mark.parametrize(
    ("slug", "lang", "ages", "title", "body", "says"),
    [
        ("Has Spaces", "nb", (5, 12), "T", "B", "slug"),
        ("x" * 61, "nb", (5, 12), "T", "B", "slug"),
        ("ok", "de", (5, 12), "T", "B", "language"),
        ("ok", "nb", (12, 5), "T", "B", "ages"),
        ("ok", "nb", (5, 12), "x" * 121, "B", "title"),
        ("ok", "nb", (5, 12), "Two\nlines", "B", "title"),
        ("ok", "nb", (5, 12), "T", " \n ", "body"),
        ("ok", "nb", (5, 12), "T", "x" * 2001, "body"),
        ("ok", "nb", (5, 12), "T", "nul\x00", "body"),
    ],
)
def test_a_card_that_breaks_the_rules_is_refused_with_the_reason(
    database_url: str, slug: str, lang: str, ages: tuple[int, int], title: str, body: str, says: str
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        with pytest.raises(Invalid, match=says):
            await cards.add_card(ctx, slug, lang, ages, title, body)
        assert len(await cards.list_cards(ctx)) == 12

    run_with_context(database_url, work)


def test_ages_are_read_from_the_operators_words() -> None:
    assert cards.parse_ages("5-12") == (5, 12)
    assert cards.parse_ages(" 13 - 25 ") == (13, 25)
    for bad in ("12", "12-5", "a-b", "5-500", ""):
        with pytest.raises(Invalid):
            cards.parse_ages(bad)


def test_a_second_card_with_the_same_slug_and_language_is_a_conflict(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        with pytest.raises(Conflict):
            await cards.add_card(ctx, "visiting-prison", "nb", (5, 12), "Igjen", "Tekst")
        assert (await cards.cards_for(ctx, 10, "nb"))[2].title == "Å besøke noen i fengsel"

    run_with_context(database_url, work)


async def count_messages(ctx: Context, conversation_id: str) -> int:
    async with ctx.db.read() as session:
        result = await session.execute(
            select(func.count()).where(Message.conversation_id == conversation_id)
        )
        return int(result.scalar_one())


def test_a_card_sent_by_a_host_is_a_message_in_the_visitors_language_purged_with_the_chat(
    database_url: str,
) -> None:
    clock = ManualClock()

    async def work(ctx: Context, published: list[Event]) -> None:
        kari = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
        per = await add_staff(ctx, "per@example.org", "Per", "host", PASSWORD)
        conversation, _ = await open_conversation(ctx, 10, "self", "en")
        await claim_conversation(ctx, kari, conversation.id)

        message, created = await cards.send_card(
            ctx, kari, conversation.id, "visiting-prison", "c1"
        )
        assert created and message.seq == 1
        posted = [e for e in published if isinstance(e, MessagePosted)]
        assert len(posted) == 1
        frame = posted[0].visitor_frame()
        assert frame is not None
        assert frame["card"]["title"] == "Visiting someone in prison"  # English, as the visitor
        assert frame["card"]["slug"] == "visiting-prison"
        assert frame["card"]["body"].startswith("Lots of children")
        assert frame["sender"] == "host" and frame["host_name"] == "Kari"
        assert frame["text"].startswith("Visiting someone in prison\n\nLots of children")
        assert "**" not in frame["text"]  # plain text for anything that shows only text

        again, created = await cards.send_card(ctx, kari, conversation.id, "visiting-prison", "c1")
        assert (again.seq, created) == (1, False)  # a resend: not posted twice
        with pytest.raises(NotFound):  # not his chat
            await cards.send_card(ctx, per, conversation.id, "visiting-prison", "c2")
        with pytest.raises(NotFound):
            await cards.send_card(ctx, kari, conversation.id, "no-such-card", "c3")
        assert len([e for e in published if isinstance(e, MessagePosted)]) == 1

        await end_conversation(ctx, conversation.id, by="host")
        assert await count_messages(ctx, conversation.id) == 1
        clock.advance(timedelta(hours=72, minutes=1))
        assert (await purge_expired(ctx)).conversations == 1
        assert await count_messages(ctx, conversation.id) == 0

    run_with_context(database_url, work, clock=clock)


VALID: dict[str, Any] = {
    "nb": [
        {"name": "Kirkens SOS", "contact": "22 40 00 40", "href": "tel:+4722400040", "hours": ""},
        {
            "name": "Mental Helse Ungdom",
            "contact": "sidetmedord.no",
            "href": "https://sidetmedord.no/",
            "hours": "Chat hver kveld",
        },
    ]
}


def test_other_help_is_the_defaults_until_the_helpline_sets_its_own(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        nb = await help_lines.other_help(ctx, "nb")
        assert [(h.contact, h.href) for h in nb] == [
            ("116 111", "tel:116111"),
            ("112", "tel:112"),
            ("113", "tel:113"),
        ]
        assert nb[0].name == "Alarmtelefonen for barn og unge"
        en = await help_lines.other_help(ctx, "en")
        assert [h.href for h in en] == [h.href for h in nb] and en[1].name.startswith("Police")
        assert await help_lines.other_help(ctx, "de") == nb

        await help_lines.set_help_lines(ctx, VALID)
        configured = await help_lines.other_help(ctx, "nb")
        assert [h.name for h in configured] == ["Kirkens SOS", "Mental Helse Ungdom"]
        # English left out: the bokmål list, never stale defaults.
        assert await help_lines.other_help(ctx, "en") == configured
        assert ("help_lines.set", "custom") in [(e.action, e.detail) for e in await audit_log(ctx)]

        await help_lines.set_help_lines(ctx, None)
        assert await help_lines.other_help(ctx, "nb") == nb

    run_with_context(database_url, work)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"href": "http://example.org/"}, "https"),
        ({"href": "javascript:alert(1)"}, "https"),
        ({"href": "tel:11 6111"}, "spaces"),
        ({"name": "x" * 81}, "name"),
        ({"name": ""}, "name"),
        ({"hours": "x" * 81}, "hours"),
        ({"contact": 116111}, "contact"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_help_lines_that_break_the_rules_are_refused(change: dict[str, Any], says: str) -> None:
    line = {**VALID["nb"][0], **change}
    with pytest.raises(Invalid, match=says):
        help_lines.check_help_lines({"nb": [line]})


def test_help_lines_need_the_default_language_and_known_languages_only() -> None:
    with pytest.raises(Invalid, match="default language"):
        help_lines.check_help_lines({"en": VALID["nb"]})
    with pytest.raises(Invalid, match="unknown language"):
        help_lines.check_help_lines({**VALID, "de": VALID["nb"]})
    with pytest.raises(Invalid, match="list"):
        help_lines.check_help_lines({"nb": []})
    with pytest.raises(Invalid):
        help_lines.check_help_lines([VALID["nb"]])
