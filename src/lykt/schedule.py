"""Opening hours: a weekly schedule, dated exceptions, and "when do we open next?".

A leaf module: only the standard library, ``zoneinfo``, ``holidays`` and ``babel``. It knows
nothing about the database or HTTP; the caller hands it a :class:`Schedule` and an aware
``now`` and gets plain values back.

Rules, in order, for one calendar date in the schedule's timezone:

1. the weekly slots of that weekday apply, unless the date is a :class:`ClosedDay`;
2. every :class:`ExtraOpening` of that date applies, closed day or not;
3. all those intervals, over all dates, are merged: overlapping or touching intervals become
   one (so an extra 21:00-23:00 after a weekly 15:00-22:00 closes at 23:00).

Times are wall-clock times in the schedule's timezone, in whole minutes. ``closes`` may be
``time(0)``, meaning midnight at the end of the day (24:00), so ``22:00-24:00`` on one day and
``00:00-01:00`` on the next make one opening. A wall time maps to the first instant at which
the clock shows that time or later:

* a time that does not exist (skipped when the clocks go forward) maps to the first instant
  after the gap (02:30 on the last Sunday of March in Oslo is 03:00+02:00), so a slot lying
  wholly in the gap is empty that day;
* a time that occurs twice (when the clocks go back) maps to its first occurrence (``fold=0``):
  02:30 on the last Sunday of October in Oslo is 02:30+02:00.

All intervals are half-open: open at ``opens``, closed at ``closes``. Every datetime handed
back is aware and in the schedule's timezone, so its ISO 8601 form carries the offset in force
(``+01:00`` or ``+02:00`` for Oslo).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from babel.lists import format_list
from holidays.countries.norway import Norway

__all__ = [
    "DEFAULT_TIMEZONE",
    "DEFAULT_WEEKLY",
    "HORIZON_DAYS",
    "ClosedDay",
    "ExtraOpening",
    "Schedule",
    "Status",
    "WeeklySlot",
    "default_schedule",
    "describe_next_opening",
    "describe_weekly",
    "format_clock",
    "format_weekly",
    "norwegian_holidays",
    "parse_span",
    "parse_weekly",
]

DEFAULT_TIMEZONE = "Europe/Oslo"
#: How far ahead :meth:`Schedule.status_at` looks for the next opening (and for the end of
#: the current one).
HORIZON_DAYS = 400

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)

Interval = tuple[datetime, datetime]


def _check_wall_time(value: time, what: str) -> None:
    if not isinstance(value, time):
        raise TypeError(f"{what} must be a datetime.time, not {type(value).__name__}")
    if value.tzinfo is not None:
        raise ValueError(f"{what} must be a wall-clock time without tzinfo")
    if value.second or value.microsecond:
        raise ValueError(f"{what} must be a whole minute")


def _check_span(opens: time, closes: time) -> None:
    _check_wall_time(opens, "opens")
    _check_wall_time(closes, "closes")
    if closes != time(0) and closes <= opens:
        raise ValueError(
            f"closes ({closes:%H:%M}) must be after opens ({opens:%H:%M}) on the same day;"
            " use 00:00 (24:00) for midnight at the end of the day"
        )


@dataclass(frozen=True)
class WeeklySlot:
    """Open every week on ``weekday`` (0 = Monday) from ``opens`` until ``closes``.

    ``closes`` is later the same day, or ``time(0)`` for midnight at the end of the day.
    """

    weekday: int
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday!r}")
        _check_span(self.opens, self.closes)


@dataclass(frozen=True)
class ClosedDay:
    """Closed all day on ``day``: the weekly slots of that date do not apply."""

    day: date
    reason: str = ""


@dataclass(frozen=True)
class ExtraOpening:
    """Open on ``day`` from ``opens`` until ``closes``, even if the day is a closed day."""

    day: date
    opens: time
    closes: time
    note: str = ""

    def __post_init__(self) -> None:
        _check_span(self.opens, self.closes)


DEFAULT_WEEKLY: tuple[WeeklySlot, ...] = (
    WeeklySlot(WEDNESDAY, time(15), time(22)),
    WeeklySlot(FRIDAY, time(15), time(22)),
)


@dataclass(frozen=True)
class Status:
    """Whether the chat is open at one instant.

    ``closes_at`` is set only when open (None if the opening lasts beyond the horizon);
    ``next_opening`` only when closed (None if nothing opens within the horizon).
    """

    open: bool
    closes_at: datetime | None
    next_opening: datetime | None

    def as_dict(self) -> dict[str, bool | str | None]:
        """The JSON shape of ``GET /api/status``: ISO 8601 strings with their offset."""
        return {
            "open": self.open,
            "closes_at": None if self.closes_at is None else self.closes_at.isoformat(),
            "next_opening": None if self.next_opening is None else self.next_opening.isoformat(),
        }


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")
    # Always compute in UTC: aware datetimes that share a tzinfo are compared and subtracted
    # by wall time, ignoring fold, which is wrong in the repeated hour.
    return value.astimezone(UTC)


def _wall(instant: datetime, tz: tzinfo) -> datetime:
    """The naive wall-clock time that ``instant`` shows in ``tz``."""
    return instant.astimezone(tz).replace(tzinfo=None)


def _instant(day: date, at: time, tz: tzinfo) -> datetime:
    """The first instant (in UTC) at which the clock in ``tz`` shows ``day`` ``at`` or later."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=tz)  # fold=0: the first occurrence of an ambiguous time
    as_utc = first.astimezone(UTC)
    if _wall(as_utc, tz) == wall:
        return as_utc
    # ``wall`` was skipped: find the end of the gap. fold=0 and fold=1 use the offsets before
    # and after the change, so the change lies between the two readings; the clock is
    # monotonic in that short stretch, so bisect (offset changes fall on whole seconds).
    other = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = sorted((int(as_utc.timestamp()), int(other.timestamp())))
    hi += 1
    while lo < hi:
        mid = (lo + hi) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), tz) >= wall:
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC)


def _day_span(day: date, opens: time, closes: time, tz: tzinfo) -> Interval:
    end_day = day + timedelta(days=1) if closes == time(0) else day
    return _instant(day, opens, tz), _instant(end_day, closes, tz)


@dataclass(frozen=True)
class Schedule:
    """The opening hours: weekly slots, closed days, extra openings, in one timezone."""

    timezone: str = DEFAULT_TIMEZONE
    weekly: tuple[WeeklySlot, ...] = DEFAULT_WEEKLY
    closed_days: tuple[ClosedDay, ...] = ()
    extra_openings: tuple[ExtraOpening, ...] = ()
    always_open: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _weekly_by_day(self) -> dict[int, tuple[WeeklySlot, ...]]:
        return {
            weekday: tuple(slot for slot in self.weekly if slot.weekday == weekday)
            for weekday in range(7)
        }

    @cached_property
    def _closed(self) -> frozenset[date]:
        return frozenset(closed.day for closed in self.closed_days)

    @cached_property
    def _extra_by_day(self) -> dict[date, tuple[ExtraOpening, ...]]:
        by_day: dict[date, list[ExtraOpening]] = {}
        for extra in self.extra_openings:
            by_day.setdefault(extra.day, []).append(extra)
        return {day: tuple(extras) for day, extras in by_day.items()}

    def _day_intervals(self, day: date) -> list[Interval]:
        """The raw (unmerged) open intervals of one local date, in UTC, sorted."""
        tz = self.tz
        spans: list[tuple[time, time]] = []
        if day not in self._closed:
            spans.extend((slot.opens, slot.closes) for slot in self._weekly_by_day[day.weekday()])
        spans.extend((extra.opens, extra.closes) for extra in self._extra_by_day.get(day, ()))
        intervals = [_day_span(day, opens, closes, tz) for opens, closes in spans]
        return sorted((start, end) for start, end in intervals if start < end)

    def _merged(self, first_day: date, last_day: date) -> Iterator[Interval]:
        """Merged open intervals (UTC) from the dates ``first_day`` to ``last_day``.

        Each date's intervals lie between its own midnight and the next, so walking the dates
        in order yields them in order. The first and last intervals may continue beyond.
        """
        current: Interval | None = None
        day = first_day
        while day <= last_day:
            for start, end in self._day_intervals(day):
                if current is not None and start <= current[1]:
                    current = (current[0], max(current[1], end))
                else:
                    if current is not None:
                        yield current
                    current = (start, end)
            day += timedelta(days=1)
        if current is not None:
            yield current

    def status_at(self, now: datetime) -> Status:
        """Open or closed at ``now`` (aware), with when it closes or opens next."""
        now_utc = _aware(now, "now")
        if self.always_open:
            return Status(open=True, closes_at=None, next_opening=None)
        tz = self.tz
        today = now_utc.astimezone(tz).date()
        last_day = today + timedelta(days=HORIZON_DAYS)
        horizon_end = _instant(last_day + timedelta(days=1), time(0), tz)
        for start, end in self._merged(today - timedelta(days=1), last_day):
            if end <= now_utc:
                continue
            if start <= now_utc:
                closes_at = None if end >= horizon_end else end.astimezone(tz)
                return Status(open=True, closes_at=closes_at, next_opening=None)
            return Status(open=False, closes_at=None, next_opening=start.astimezone(tz))
        return Status(open=False, closes_at=None, next_opening=None)

    def is_open(self, now: datetime) -> bool:
        return self.status_at(now).open

    def intervals_between(self, start: datetime, end: datetime) -> list[Interval]:
        """The open intervals within ``[start, end)``, merged, sorted and clipped to it.

        Each pair is half-open ``[opens, closes)`` and in the schedule's timezone. An interval
        cut by ``start`` or ``end`` is cut there; ask :meth:`status_at` for the real closing.
        """
        start_utc, end_utc = _aware(start, "start"), _aware(end, "end")
        tz = self.tz
        if end_utc <= start_utc:
            return []
        if self.always_open:
            return [(start_utc.astimezone(tz), end_utc.astimezone(tz))]
        first_day = start_utc.astimezone(tz).date() - timedelta(days=1)
        last_day = end_utc.astimezone(tz).date() + timedelta(days=1)
        result: list[Interval] = []
        for opens, closes in self._merged(first_day, last_day):
            opens, closes = max(opens, start_utc), min(closes, end_utc)
            if opens < closes:
                result.append((opens.astimezone(tz), closes.astimezone(tz)))
        return result


def norwegian_holidays(years: Iterable[int]) -> tuple[ClosedDay, ...]:
    """Norway's public holidays in ``years``, sorted, each as a :class:`ClosedDay`.

    From the maintained ``holidays`` package: the holy days of the Helligdagsloven
    (første nyttårsdag, skjærtorsdag, langfredag, første og andre påskedag, Kristi
    himmelfartsdag, første og andre pinsedag, første og andre juledag) and the two public
    days of celebration (1. mai, 17. mai). Ordinary Sundays are not included, nor days that
    are not public holidays (julaften, nyttårsaften, påskeaften): add those as closed days
    by hand if the helpline closes then. The reason is the holiday's Norwegian name.
    """
    table = Norway(years=sorted(set(years)), include_sundays=False, language="no")
    return tuple(ClosedDay(day, str(name)) for day, name in sorted(table.items()))


def default_schedule(years: Iterable[int], timezone: str = DEFAULT_TIMEZONE) -> Schedule:
    """Wednesdays and Fridays 15:00-22:00, closed on the Norwegian public holidays of ``years``."""
    return Schedule(timezone=timezone, closed_days=norwegian_holidays(years))


# --- The weekly schedule as text, for the CLI ------------------------------------------------

_WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("mon", "monday", "man", "mandag"),
        ("tue", "tuesday", "tir", "tirsdag"),
        ("wed", "wednesday", "ons", "onsdag"),
        ("thu", "thursday", "tor", "torsdag"),
        ("fri", "friday", "fre", "fredag"),
        ("sat", "saturday", "lør", "lørdag"),
        ("sun", "sunday", "søn", "søndag"),
    )
):
    for _name in _names:
        _WEEKDAY_NAMES[_name] = _number

_SLOT = re.compile(r"(?P<day>\w+)\s+(?P<span>\d{1,2}[:.]\d{2}\s*-\s*\d{1,2}[:.]\d{2})")


def _parse_time(text: str, *, closing: bool) -> time:
    hours, minutes = (int(part) for part in re.split(r"[:.]", text))
    if closing and (hours, minutes) == (24, 0):
        return time(0)
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"not a time of day: {text!r}")
    return time(hours, minutes)


_SPAN = re.compile(r"(?P<opens>\d{1,2}[:.]\d{2})\s*-\s*(?P<closes>\d{1,2}[:.]\d{2})")


def parse_span(text: str) -> tuple[time, time]:
    """Parse ``"15:00-22:00"`` (``24:00`` closes at midnight) into a checked opening span.
    Raises ``ValueError``."""
    match = _SPAN.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"expected a span like 15:00-22:00, got {text!r}")
    opens = _parse_time(match["opens"], closing=False)
    closes = _parse_time(match["closes"], closing=True)
    _check_span(opens, closes)
    return opens, closes


def parse_weekly(text: str) -> tuple[WeeklySlot, ...]:
    """Parse ``"wed 15:00-22:00, fri 15:00-22:00"`` into weekly slots.

    Days are English or Norwegian names or their first three letters, in any case; times are
    ``HH:MM`` (or ``HH.MM``), and ``24:00`` closes at midnight. Items are separated by commas
    or semicolons; an empty text means no weekly opening. Raises ``ValueError``.
    """
    slots: list[WeeklySlot] = []
    for raw in re.split(r"[,;]", text):
        item = raw.strip()
        if not item:
            continue
        match = _SLOT.fullmatch(item)
        if match is None:
            raise ValueError(f"expected e.g. 'wed 15:00-22:00', got {item!r}")
        day = match["day"].lower()
        if day not in _WEEKDAY_NAMES:
            raise ValueError(f"unknown weekday {match['day']!r}")
        slots.append(WeeklySlot(_WEEKDAY_NAMES[day], *parse_span(match["span"])))
    return tuple(slots)


def format_weekly(slots: Iterable[WeeklySlot]) -> str:
    """The inverse of :func:`parse_weekly`, sorted by weekday and time: ``"wed 15:00-22:00"``."""
    ordered = sorted(
        slots, key=lambda slot: (slot.weekday, slot.opens, slot.closes == time(0), slot.closes)
    )
    return ", ".join(
        f"{_WEEKDAY_CODES[slot.weekday]} {slot.opens:%H:%M}-"
        f"{'24:00' if slot.closes == time(0) else format(slot.closes, '%H:%M')}"
        for slot in ordered
    )


# --- Opening hours in words a child reads easily --------------------------------------------
#
# The words come from the caller's ``gettext`` (the message ids are English; see
# ``lykt.i18n``), the names of days and months and the shape of dates and times from the CLDR
# data in Babel, for the caller's ``locale``. So a new language needs only a catalog.

Gettext = Callable[[str], str]


def format_clock(at: time, locale: str, gettext: Gettext) -> str:
    """A time of day: "3 PM", "3:30 PM" in English; "15", "15.30" in bokmål."""
    if at.minute:
        # Translators: a CLDR time pattern for a time that is not on the hour ("3:30 PM").
        # Bokmål: "H.mm" (15.30).
        return format_time(at, gettext("h:mm a"), locale=locale)
    # Translators: a CLDR time pattern for a time on the hour ("3 PM"). Bokmål: "H" (15).
    return format_time(at, gettext("h a"), locale=locale)


def describe_next_opening(
    next_opening: datetime, now: datetime, *, locale: str, gettext: Gettext
) -> str:
    """When the chat opens next, in plain words, in ``next_opening``'s timezone.

    English: "today at 3 PM", "tomorrow at 3:30 PM", "on Wednesday at 3 PM" (2 to 6 days
    ahead), "on Wednesday 1 April at 3 PM" (further; with the year when it is another year).
    Bokmål: "i dag kl. 15", "i morgen kl. 15.30", "onsdag kl. 15", "onsdag 1. april kl. 15".
    """
    _aware(next_opening, "next_opening")
    tz = next_opening.tzinfo
    assert tz is not None  # checked by _aware
    local_next = next_opening.astimezone(tz)
    local_now = _aware(now, "now").astimezone(tz)
    days = (local_next.date() - local_now.date()).days
    if days < 0:
        raise ValueError("next_opening is before now")
    clock = format_clock(local_next.time().replace(second=0, microsecond=0), locale, gettext)
    if days == 0:
        return gettext("today at {time}").format(time=clock)
    if days == 1:
        return gettext("tomorrow at {time}").format(time=clock)
    day = local_next.date()
    if days <= 6:
        pattern = "EEEE"
    elif day.year == local_now.year:
        # Translators: a CLDR date pattern: weekday, day and month ("Wednesday 1 April").
        # Bokmål: "EEEE d. MMMM".
        pattern = gettext("EEEE d MMMM")
    else:
        # Translators: a CLDR date pattern: weekday, day, month and year
        # ("Wednesday 6 January 2027"). Bokmål: "EEEE d. MMMM y".
        pattern = gettext("EEEE d MMMM y")
    when = format_date(day, pattern, locale=locale)
    # Translators: {day} is a weekday ("Wednesday") or a date ("Wednesday 1 April").
    return gettext("on {day} at {time}").format(day=when, time=clock)


def describe_weekly(slots: Iterable[WeeklySlot], *, locale: str, gettext: Gettext) -> str | None:
    """The weekly hours in words: "Wednesdays and Fridays from 3 PM to 10 PM" (English),
    "onsdager og fredager kl. 15–22" (bokmål). Days with the same hours share one phrase.
    None when there are no weekly hours."""
    weekdays = (
        gettext("Mondays"),
        gettext("Tuesdays"),
        gettext("Wednesdays"),
        gettext("Thursdays"),
        gettext("Fridays"),
        gettext("Saturdays"),
        gettext("Sundays"),
    )
    by_span: dict[tuple[time, time], list[int]] = {}
    for slot in sorted(slots, key=lambda s: (s.weekday, s.opens)):
        days = by_span.setdefault((slot.opens, slot.closes), [])
        if slot.weekday not in days:
            days.append(slot.weekday)
    if not by_span:
        return None
    phrases = []
    for (opens, closes), days in by_span.items():
        # Translators: the end of an opening at midnight. Bokmål: "24" (kl. 22–24).
        until = gettext("midnight") if closes == time(0) else format_clock(closes, locale, gettext)
        # Translators: {days} is e.g. "Wednesdays and Fridays"; {opens} and {closes} are times.
        phrase = gettext("{days} from {opens} to {closes}")
        phrases.append(
            phrase.format(
                days=format_list([weekdays[d] for d in days], locale=locale),
                opens=format_clock(opens, locale, gettext),
                closes=until,
            )
        )
    return format_list(phrases, locale=locale)
