"""The operator's and the host's settings for a shift: canned replies, wrap-up topics and a
host's own maximum of chats. The rules, on every database."""

from __future__ import annotations

import pytest

from lykt.actions import canned, topics
from lykt.actions.context import Context
from lykt.actions.staff import add_staff, list_staff, set_max_chats
from lykt.errors import Conflict, Invalid, NotFound
from lykt.events import Event
from lykt.models import Staff
from tests.actions.test_messages import run_with_context
from tests.conftest import PASSWORD


async def two_hosts(ctx: Context) -> tuple[Staff, Staff]:
    kari = await add_staff(ctx, "kari@example.org", "Kari", "host", PASSWORD)
    per = await add_staff(ctx, "per@example.org", "Per", "host", PASSWORD)
    return kari, per


def test_a_host_sees_the_shared_replies_and_their_own_but_never_a_colleagues(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari, per = await two_hosts(ctx)
        await canned.add_canned(ctx, None, "Velkommen", "nb", "Hei, og velkommen hit.")
        await canned.add_canned(ctx, None, "avslutning", "nb", "Takk for praten.")
        own = await canned.add_canned(ctx, kari, "Alle følelser", "nb", "Det er lov å føle.")
        await canned.add_canned(ctx, per, "Pers hemmelige", "en", "Only for Per.")

        seen = await canned.list_canned(ctx, kari)
        assert [(r.title, r.shared) for r in seen] == [
            ("avslutning", True),  # shared first, by title whatever the case
            ("Velkommen", True),
            ("Alle følelser", False),
        ]
        assert seen[2] == own
        assert "Pers hemmelige" in [r.title for r in await canned.list_canned(ctx, per)]
        assert [r.title for r in await canned.list_shared(ctx)] == ["avslutning", "Velkommen"]

    run_with_context(database_url, work)


def test_a_host_cannot_delete_a_shared_reply_or_a_colleagues_only_their_own(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari, per = await two_hosts(ctx)
        shared = await canned.add_canned(ctx, None, "Velkommen", "nb", "Hei!")
        pers = await canned.add_canned(ctx, per, "Min", "nb", "Pers tekst")
        karis = await canned.add_canned(ctx, kari, "Min", "nb", "Karis tekst")

        for reply_id in (shared.id, pers.id, 999_999, 2**40, 0, -1):
            with pytest.raises(NotFound):  # the same answer: nothing to probe
                await canned.remove_canned(ctx, reply_id, kari)
        assert [r.id for r in await canned.list_canned(ctx, per)] == [shared.id, pers.id]

        await canned.remove_canned(ctx, karis.id, kari)
        assert [r.id for r in await canned.list_canned(ctx, kari)] == [shared.id]
        with pytest.raises(NotFound):
            await canned.remove_canned(ctx, karis.id, kari)

    run_with_context(database_url, work)


def test_the_operator_removes_shared_replies_but_never_a_personal_one(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari, _ = await two_hosts(ctx)
        shared = await canned.add_canned(ctx, None, "Velkommen", "nb", "Hei!")
        karis = await canned.add_canned(ctx, kari, "Min", "nb", "Karis tekst")
        with pytest.raises(NotFound):
            await canned.remove_shared(ctx, karis.id)
        await canned.remove_shared(ctx, shared.id)
        assert await canned.list_shared(ctx) == []
        assert [r.id for r in await canned.list_canned(ctx, kari)] == [karis.id]

    run_with_context(database_url, work)


@pytest.mark.parametrize(
    ("title", "lang", "text", "complaint"),
    [
        ("", "nb", "Hei", "title"),
        ("   ", "nb", "Hei", "title"),
        ("x" * 81, "nb", "Hei", "title"),
        ("Nul\x00", "nb", "Hei", "title"),
        ("Hei", "nb", "", "text"),
        ("Hei", "nb", "x" * 2001, "text"),
        ("Hei", "nb", "lone \ud800 surrogate", "text"),
        ("Hei", "de", "Hallo", "language"),
        ("Hei", "NB", "Hei", "language"),
    ],
)
def test_a_bad_canned_reply_is_refused_with_what_is_wrong_and_nothing_is_stored(
    database_url: str, title: str, lang: str, text: str, complaint: str
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari, _ = await two_hosts(ctx)
        with pytest.raises(Invalid, match=complaint):
            await canned.add_canned(ctx, kari, title, lang, text)
        with pytest.raises(Invalid, match=complaint):
            await canned.add_canned(ctx, None, title, lang, text)
        assert await canned.list_canned(ctx, kari) == []

    run_with_context(database_url, work)


def test_a_canned_reply_at_the_limits_is_kept_exactly_without_surrounding_spaces(
    database_url: str,
) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari, _ = await two_hosts(ctx)
        text = "Første linje.\n\nAndre linje, med æøå og 🙂." + "x" * 1950
        reply = await canned.add_canned(ctx, kari, " " + "T" * 80 + " ", "en", text + "\n")
        assert (reply.title, reply.lang, reply.text) == ("T" * 80, "en", text)
        assert await canned.list_canned(ctx, kari) == [reply]
        assert set(canned.LANGS) == {"nb", "en"}

    run_with_context(database_url, work)


def test_topics_are_added_at_the_end_and_removed_by_name(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        defaults = await topics.list_topics(ctx)
        assert defaults, "a new database has a few helpful topics"
        assert await topics.add_topic(ctx, "  Gaming  ") == "Gaming"
        assert await topics.list_topics(ctx) == [*defaults, "Gaming"]
        await topics.remove_topic(ctx, defaults[0])
        await topics.add_topic(ctx, "Skole")
        assert await topics.list_topics(ctx) == [*defaults[1:], "Gaming", "Skole"]

        with pytest.raises(Conflict):
            await topics.add_topic(ctx, "gaming")
        with pytest.raises(NotFound):
            await topics.remove_topic(ctx, defaults[0])
        with pytest.raises(NotFound):
            await topics.remove_topic(ctx, "nul\x00")
        for bad in ("", "   ", "x" * 61, "nul\x00"):
            with pytest.raises(Invalid):
                await topics.add_topic(ctx, bad)
        assert await topics.list_topics(ctx) == [*defaults[1:], "Gaming", "Skole"]
        await topics.add_topic(ctx, "x" * 60)

    run_with_context(database_url, work)


def test_a_host_gets_their_own_maximum_of_chats_at_once(database_url: str) -> None:
    async def work(ctx: Context, published: list[Event]) -> None:
        kari, _ = await two_hosts(ctx)
        assert kari.max_chats is None  # the service's default until set
        changed = await set_max_chats(ctx, " KARI@example.org ", 5)
        assert (changed.id, changed.max_chats) == (kari.id, 5)
        for bad in (0, 21, -3):
            with pytest.raises(Invalid, match="1 to 20"):
                await set_max_chats(ctx, "kari@example.org", bad)
        with pytest.raises(NotFound):
            await set_max_chats(ctx, "nobody@example.org", 2)
        await set_max_chats(ctx, "kari@example.org", 20)
        staff = {s.email: s.max_chats for s in await list_staff(ctx)}
        assert staff == {"kari@example.org": 20, "per@example.org": None}

    run_with_context(database_url, work)
