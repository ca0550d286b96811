"""Opening hours as the helpline keeps them in the database, and what happens at the edges.

The rules themselves (weekly slots, holidays, extra openings, daylight saving) live in the pure
module :mod:`lykt.schedule`; this module loads them, changes them for the CLI, and ends the
queue at closing time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.actions.statistics import count_conversation
from lykt.errors import Conflict, Invalid
from lykt.events import ClosingSoon, ConversationEnded, QueueChanged
from lykt.models import OpeningRule, storable
from lykt.schedule import (
    DEFAULT_TIMEZONE,
    ClosedDay,
    ExtraOpening,
    Schedule,
    Status,
    WeeklySlot,
    format_weekly,
    norwegian_holidays,
    parse_span,
    parse_weekly,
)
from lykt.store import conversations as conversations_store
from lykt.store import hours as hours_store

#: Every process re-reads the hours this often, so a change made with the CLI reaches all.
CACHE_SECONDS = 5.0
#: Hosts are warned this long before closing.
WARN_BEFORE = timedelta(minutes=15)
#: A closed day's or extra opening's note ("Juleferie"): what the column holds.
MAX_NOTE_CHARS = 200
TIMEZONE_KEY = "hours.timezone"
HOLIDAYS_KEY = "hours.norwegian_holidays"
_CACHE_KEY = "hours.schedule"
_WARNED_KEY = "hours.warned_for"
_GENERATION_KEY = "hours.generation"


@dataclass(frozen=True)
class DatedRule:
    day: date
    kind: str  # closed | extra
    opens: time | None
    closes: time | None
    note: str


@dataclass(frozen=True)
class HoursConfig:
    """Opening hours as the operator set them (before holidays are added)."""

    timezone: str
    norwegian_holidays: bool
    weekly: tuple[WeeklySlot, ...]
    dated: tuple[DatedRule, ...]


def hhmm(value: time, *, closing: bool = False) -> str:
    if closing and value == time(0):
        return "24:00"
    return f"{value:%H:%M}"


def _parsehhmm(text: str) -> time:
    if text == "24:00":
        return time(0)
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours, minutes)


async def load_config(ctx: Context) -> HoursConfig:
    async with ctx.db.read() as session:
        rules = await hours_store.all_rules(session)
        settings = await hours_store.all_settings(session)
    weekly: list[WeeklySlot] = []
    dated: list[DatedRule] = []
    for rule in rules:
        opens = _parsehhmm(rule.opens) if rule.opens else None
        closes = _parsehhmm(rule.closes) if rule.closes else None
        if rule.kind == "weekly" and rule.weekday is not None and opens and closes is not None:
            weekly.append(WeeklySlot(rule.weekday, opens, closes))
        elif rule.day is not None:
            dated.append(DatedRule(rule.day, rule.kind, opens, closes, rule.note))
    return HoursConfig(
        timezone=settings.get(TIMEZONE_KEY, DEFAULT_TIMEZONE),
        norwegian_holidays=settings.get(HOLIDAYS_KEY, "on") == "on",
        weekly=tuple(sorted(weekly, key=lambda s: (s.weekday, s.opens))),
        dated=tuple(sorted(dated, key=lambda d: (d.day, d.kind, d.opens or time(0)))),
    )


def build_schedule(config: HoursConfig, now: datetime, *, always_open: bool = False) -> Schedule:
    """The schedule in force around ``now``: the public holidays of last year to two years
    ahead come from the ``holidays`` package, so they never run out."""
    closed = [ClosedDay(d.day, d.note) for d in config.dated if d.kind == "closed"]
    if config.norwegian_holidays:
        closed.extend(norwegian_holidays(range(now.year - 1, now.year + 3)))
    extra = [
        ExtraOpening(d.day, d.opens, d.closes, d.note)
        for d in config.dated
        if d.kind == "extra" and d.opens is not None and d.closes is not None
    ]
    return Schedule(
        timezone=config.timezone,
        weekly=config.weekly,
        closed_days=tuple(closed),
        extra_openings=tuple(extra),
        always_open=always_open,
    )


async def current_schedule(ctx: Context) -> Schedule:
    """The schedule, read from the database at most every few seconds per process."""
    now = ctx.clock.now()
    cached = ctx.cache.get(_CACHE_KEY)
    if cached is not None and timedelta(0) <= now - cached[0] < timedelta(seconds=CACHE_SECONDS):
        schedule: Schedule = cached[1]
        return schedule
    generation = ctx.cache.get(_GENERATION_KEY, 0)
    schedule = build_schedule(await load_config(ctx), now, always_open=ctx.rules.always_open)
    # A change made while this one was read must not be overwritten by the older hours.
    if ctx.cache.get(_GENERATION_KEY, 0) == generation:
        ctx.cache[_CACHE_KEY] = (now, schedule)
    return schedule


def forget_cache(ctx: Context) -> None:
    """Read the hours from the database again at the next look (after a change)."""
    ctx.cache.pop(_CACHE_KEY, None)
    ctx.cache[_GENERATION_KEY] = ctx.cache.get(_GENERATION_KEY, 0) + 1


async def opening_status(ctx: Context) -> Status:
    schedule = await current_schedule(ctx)
    return schedule.status_at(ctx.clock.now())


# --- Changes: the CLI (actor "operator") and the admin pages (actor "staff:<id>") -----------
#
# Each change is written to the audit log in its own transaction.


async def set_weekly(ctx: Context, text: str, *, actor: str = "operator") -> tuple[WeeklySlot, ...]:
    """Replace the weekly hours, e.g. ``"wed 15:00-22:00, fri 15:00-22:00"``."""
    try:
        slots = parse_weekly(text)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    async with ctx.transaction() as tx:
        await hours_store.replace_weekly(
            tx.session,
            [
                OpeningRule(
                    kind="weekly",
                    weekday=s.weekday,
                    opens=hhmm(s.opens),
                    closes=hhmm(s.closes, closing=True),
                    note="",
                )
                for s in slots
            ],
        )
        await record(tx.session, ctx, actor, "hours.weekly_set", "", format_weekly(slots) or "none")
        tx.publish_on_commit(QueueChanged())
    forget_cache(ctx)
    return slots


def _parse_span(text: str) -> tuple[time, time]:
    try:
        return parse_span(text)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc


def _checked_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS or not storable(note):
        raise Invalid(f"a note is at most {MAX_NOTE_CHARS} characters")
    return note


async def add_closed_day(
    ctx: Context, day: date, note: str = "", *, actor: str = "operator"
) -> None:
    """Closed all day on ``day``. ``Conflict`` if it is set as closed already."""
    note = _checked_note(note)
    async with ctx.transaction() as tx:
        for rule in await hours_store.all_rules(tx.session):
            if rule.kind == "closed" and rule.day == day:
                raise Conflict(f"{day.isoformat()} is a closed day already")
        await hours_store.add_rule(tx.session, OpeningRule(kind="closed", day=day, note=note))
        await record(tx.session, ctx, actor, "hours.closed_added", day.isoformat(), note)
    forget_cache(ctx)


async def add_extra_opening(
    ctx: Context, day: date, span: str, note: str = "", *, actor: str = "operator"
) -> None:
    opens, closes = _parse_span(span)
    note = _checked_note(note)
    async with ctx.transaction() as tx:
        await hours_store.add_rule(
            tx.session,
            OpeningRule(
                kind="extra",
                day=day,
                opens=hhmm(opens),
                closes=hhmm(closes, closing=True),
                note=note,
            ),
        )
        detail = f"{hhmm(opens)}-{hhmm(closes, closing=True)} {note}".rstrip()
        await record(tx.session, ctx, actor, "hours.extra_added", day.isoformat(), detail)
    forget_cache(ctx)


async def remove_day(ctx: Context, day: date, *, actor: str = "operator") -> int:
    """Remove the closed days and extra openings set for ``day``; returns how many."""
    async with ctx.transaction() as tx:
        removed = await hours_store.delete_dated(tx.session, day)
        if removed:
            await record(
                tx.session, ctx, actor, "hours.day_removed", day.isoformat(), f"{removed} removed"
            )
    forget_cache(ctx)
    return removed


async def set_timezone(ctx: Context, timezone: str, *, actor: str = "operator") -> None:
    try:
        Schedule(timezone=timezone)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    async with ctx.transaction() as tx:
        await hours_store.put_setting(tx.session, TIMEZONE_KEY, timezone)
        await record(tx.session, ctx, actor, "hours.timezone_set", "", timezone)
    forget_cache(ctx)


async def set_norwegian_holidays(
    ctx: Context, closed_on_holidays: bool, *, actor: str = "operator"
) -> None:
    state = "on" if closed_on_holidays else "off"
    async with ctx.transaction() as tx:
        await hours_store.put_setting(tx.session, HOLIDAYS_KEY, state)
        await record(tx.session, ctx, actor, "hours.holidays_set", "", state)
    forget_cache(ctx)


# --- At the edges: closing time ---------------------------------------------------------------


async def end_queue_if_closed(ctx: Context) -> int:
    """When the chat is closed, nobody may go on waiting: end every waiting conversation and
    tell the visitor when we open again. Conversations already under way go on. Returns how
    many were ended. Safe to run on any process, any number of times."""
    schedule = await current_schedule(ctx)
    now = ctx.clock.now()
    status = schedule.status_at(now)
    if status.open:
        return 0
    ended = 0
    async with ctx.transaction() as tx:
        for conversation in await conversations_store.waiting(tx.session):
            if await conversations_store.mark_ended(tx.session, conversation.id, "closed", now):
                ended += 1
                await count_conversation(tx, conversation, "closed", now, schedule.tz)
                tx.publish_on_commit(
                    ConversationEnded(
                        conversation_id=conversation.id,
                        by="system",
                        reason="closed",
                        ended_at=now,
                        next_opening=status.next_opening,
                    )
                )
        if ended:
            tx.publish_on_commit(QueueChanged())
    return ended


async def warn_before_closing(ctx: Context) -> datetime | None:
    """Within 15 minutes of closing, tell every host console once per closing time. Returns
    the closing time warned about, if a warning went out now."""
    status = await opening_status(ctx)
    closes_at = status.closes_at
    if not status.open or closes_at is None:
        return None
    if closes_at - ctx.clock.now() > WARN_BEFORE or ctx.cache.get(_WARNED_KEY) == closes_at:
        return None
    ctx.cache[_WARNED_KEY] = closes_at
    ctx.publish_ephemeral(ClosingSoon(closes_at))
    return closes_at
