"""Opening hours: examples, DST edges, wording, and properties checked against a slow oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lykt.i18n import Languages
from lykt.schedule import (
    DEFAULT_WEEKLY,
    ClosedDay,
    ExtraOpening,
    Schedule,
    Status,
    WeeklySlot,
    default_schedule,
    describe_next_opening,
    describe_weekly,
    format_weekly,
    norwegian_holidays,
    parse_weekly,
)

OSLO = ZoneInfo("Europe/Oslo")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
HOLIDAY_SCHEDULE = default_schedule(range(2024, 2032))


def oslo(y: int, m: int, d: int, h: int = 0, mi: int = 0, *, fold: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=OSLO, fold=fold)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def status_iso(status: Status) -> tuple[bool, str | None, str | None]:
    return status.open, iso(status.closes_at), iso(status.next_opening)


# --- Examples: the default week --------------------------------------------------------------


def test_default_weekly_is_wednesday_and_friday_afternoons() -> None:
    expected = (WeeklySlot(WED, time(15), time(22)), WeeklySlot(FRI, time(15), time(22)))
    assert expected == DEFAULT_WEEKLY
    assert Schedule().timezone == "Europe/Oslo"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Winter (CET, +01:00) and summer (CEST, +02:00) Wednesdays.
        (oslo(2026, 1, 7, 14, 59), (False, None, "2026-01-07T15:00:00+01:00")),
        (oslo(2026, 6, 3, 14, 59), (False, None, "2026-06-03T15:00:00+02:00")),
        (oslo(2026, 1, 7, 15, 0), (True, "2026-01-07T22:00:00+01:00", None)),
        (oslo(2026, 6, 3, 21, 59), (True, "2026-06-03T22:00:00+02:00", None)),
        # Closing is exclusive: at 22:00 it is closed, next Friday 15:00.
        (oslo(2026, 1, 7, 22, 0), (False, None, "2026-01-09T15:00:00+01:00")),
        (oslo(2026, 1, 9, 22, 0), (False, None, "2026-01-14T15:00:00+01:00")),
        # Monday morning.
        (oslo(2026, 1, 5, 9, 0), (False, None, "2026-01-07T15:00:00+01:00")),
        # The week the clocks go forward (Sunday 29 March 2026): Friday +01:00, Wednesday +02:00.
        (oslo(2026, 3, 27, 22, 0), (False, None, "2026-04-01T15:00:00+02:00")),
    ],
)
def test_default_week(now: datetime, expected: tuple[bool, str | None, str | None]) -> None:
    assert status_iso(Schedule().status_at(now)) == expected


def test_now_in_any_timezone_gives_the_same_answer_in_oslo_time() -> None:
    # 14:30 UTC on a winter Wednesday is 15:30 in Oslo.
    now = datetime(2026, 1, 7, 14, 30, tzinfo=UTC)
    assert status_iso(Schedule().status_at(now)) == (True, "2026-01-07T22:00:00+01:00", None)
    new_york = now.astimezone(ZoneInfo("America/New_York"))
    assert Schedule().status_at(new_york) == Schedule().status_at(now)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Schedule().status_at(datetime(2026, 1, 7, 15))


def test_status_as_dict_is_the_api_shape() -> None:
    assert Schedule().status_at(oslo(2026, 1, 7, 14)).as_dict() == {
        "open": False,
        "closes_at": None,
        "next_opening": "2026-01-07T15:00:00+01:00",
    }


# --- Examples: holidays, extra openings ------------------------------------------------------


def test_norwegian_holidays_are_the_public_holidays_only() -> None:
    days = {closed.day: closed.reason for closed in norwegian_holidays([2026])}
    assert days == {
        date(2026, 1, 1): "Første nyttårsdag",
        date(2026, 4, 2): "Skjærtorsdag",
        date(2026, 4, 3): "Langfredag",
        date(2026, 4, 5): "Første påskedag",
        date(2026, 4, 6): "Andre påskedag",
        date(2026, 5, 1): "Arbeidernes dag",
        date(2026, 5, 14): "Kristi himmelfartsdag",
        date(2026, 5, 17): "Grunnlovsdag",
        date(2026, 5, 24): "Første pinsedag",
        date(2026, 5, 25): "Andre pinsedag",
        date(2026, 12, 25): "Første juledag",
        date(2026, 12, 26): "Andre juledag",
    }
    several = norwegian_holidays([2027, 2025, 2026])
    assert [closed.day for closed in several] == sorted(closed.day for closed in several)
    assert {closed.day.year for closed in several} == {2025, 2026, 2027}


@pytest.mark.parametrize(
    ("now", "expected_next"),
    [
        # Good Friday 3 April 2026 is skipped: next is Wednesday 8 April (summer time).
        (oslo(2026, 4, 1, 22, 0), "2026-04-08T15:00:00+02:00"),
        (oslo(2026, 4, 3, 16, 0), "2026-04-08T15:00:00+02:00"),
        # Christmas Day, Friday 25 December 2026, and New Year's Day, Friday 1 January 2027.
        (oslo(2026, 12, 23, 22, 0), "2026-12-30T15:00:00+01:00"),
        (oslo(2026, 12, 25, 15, 0), "2026-12-30T15:00:00+01:00"),
        (oslo(2026, 12, 30, 22, 0), "2027-01-06T15:00:00+01:00"),
        # 17 May 2028 is a Wednesday.
        (oslo(2028, 5, 17, 14, 0), "2028-05-19T15:00:00+02:00"),
        (oslo(2028, 5, 17, 16, 0), "2028-05-19T15:00:00+02:00"),
        # 1 May 2026 is a Friday.
        (oslo(2026, 4, 29, 22, 0), "2026-05-06T15:00:00+02:00"),
    ],
)
def test_public_holidays_are_closed_and_skipped(now: datetime, expected_next: str) -> None:
    assert status_iso(HOLIDAY_SCHEDULE.status_at(now)) == (False, None, expected_next)


def test_without_the_holidays_those_days_are_open() -> None:
    assert Schedule().status_at(oslo(2026, 12, 25, 15, 0)).open
    assert Schedule().status_at(oslo(2028, 5, 17, 16, 0)).open


def test_extra_opening_on_a_monday() -> None:
    schedule = Schedule(extra_openings=(ExtraOpening(date(2026, 1, 5), time(12), time(14), "x"),))
    assert status_iso(schedule.status_at(oslo(2026, 1, 5, 11))) == (
        False,
        None,
        "2026-01-05T12:00:00+01:00",
    )
    assert status_iso(schedule.status_at(oslo(2026, 1, 5, 12, 30))) == (
        True,
        "2026-01-05T14:00:00+01:00",
        None,
    )
    assert status_iso(schedule.status_at(oslo(2026, 1, 5, 14))) == (
        False,
        None,
        "2026-01-07T15:00:00+01:00",
    )
    # Only that Monday.
    assert not schedule.status_at(oslo(2026, 1, 12, 12, 30)).open


def test_extra_opening_on_a_closed_holiday_opens_only_the_extra_hours() -> None:
    christmas = date(2026, 12, 25)
    schedule = Schedule(
        closed_days=(ClosedDay(christmas, "Første juledag"),),
        extra_openings=(ExtraOpening(christmas, time(18), time(20), "julechat"),),
    )
    # The weekly 15:00 slot is gone that day; the extra 18:00-20:00 is there.
    assert status_iso(schedule.status_at(oslo(2026, 12, 25, 14))) == (
        False,
        None,
        "2026-12-25T18:00:00+01:00",
    )
    assert not schedule.status_at(oslo(2026, 12, 25, 16)).open
    assert status_iso(schedule.status_at(oslo(2026, 12, 25, 19))) == (
        True,
        "2026-12-25T20:00:00+01:00",
        None,
    )
    assert schedule.status_at(oslo(2026, 12, 25, 20)).next_opening == oslo(2026, 12, 30, 15)


@pytest.mark.parametrize(
    ("opens", "closes", "now", "expected_close"),
    [
        # Overlapping the end, touching the end, covering the start, inside.
        (time(21), time(23), oslo(2026, 1, 7, 16), "2026-01-07T23:00:00+01:00"),
        (time(22), time(23), oslo(2026, 1, 7, 16), "2026-01-07T23:00:00+01:00"),
        (time(22), time(23), oslo(2026, 1, 7, 22, 30), "2026-01-07T23:00:00+01:00"),
        (time(10), time(15), oslo(2026, 1, 7, 11), "2026-01-07T22:00:00+01:00"),
        (time(16), time(17), oslo(2026, 1, 7, 16, 30), "2026-01-07T22:00:00+01:00"),
        # Until midnight, and from midnight the next day: one opening.
        (time(22), time(0), oslo(2026, 1, 7, 16), "2026-01-08T00:00:00+01:00"),
    ],
)
def test_overlapping_and_adjacent_openings_merge(
    opens: time, closes: time, now: datetime, expected_close: str
) -> None:
    schedule = Schedule(extra_openings=(ExtraOpening(date(2026, 1, 7), opens, closes),))
    assert status_iso(schedule.status_at(now)) == (True, expected_close, None)


def test_openings_chain_across_midnight() -> None:
    schedule = Schedule(
        weekly=(WeeklySlot(WED, time(20), time(0)), WeeklySlot(THU, time(0), time(2)))
    )
    assert status_iso(schedule.status_at(oslo(2026, 1, 7, 23, 59))) == (
        True,
        "2026-01-08T02:00:00+01:00",
        None,
    )
    assert schedule.intervals_between(oslo(2026, 1, 7), oslo(2026, 1, 9)) == [
        (oslo(2026, 1, 7, 20), oslo(2026, 1, 8, 2))
    ]


def test_always_open() -> None:
    schedule = Schedule(weekly=(), always_open=True)
    for now in (oslo(2026, 1, 5, 3), oslo(2026, 12, 25, 15), datetime(2030, 3, 31, 1, tzinfo=UTC)):
        assert schedule.status_at(now) == Status(open=True, closes_at=None, next_opening=None)
    start, end = oslo(2026, 1, 5), oslo(2026, 1, 6)
    assert schedule.intervals_between(start, end) == [(start, end)]


def test_nothing_scheduled_has_no_next_opening() -> None:
    assert Schedule(weekly=()).status_at(oslo(2026, 1, 7, 15)) == Status(False, None, None)
    # An extra opening further away than the 400-day horizon is not reported.
    far = Schedule(weekly=(), extra_openings=(ExtraOpening(date(2027, 6, 1), time(9), time(10)),))
    assert far.status_at(oslo(2026, 1, 1)).next_opening is None
    assert far.status_at(oslo(2026, 6, 1)).next_opening == oslo(2027, 6, 1, 9)


def test_intervals_between_are_clipped_merged_and_in_oslo_time() -> None:
    schedule = default_schedule([2026])
    got = schedule.intervals_between(oslo(2026, 3, 25, 16), oslo(2026, 4, 9))
    assert [(iso(a), iso(b)) for a, b in got] == [
        ("2026-03-25T16:00:00+01:00", "2026-03-25T22:00:00+01:00"),
        ("2026-03-27T15:00:00+01:00", "2026-03-27T22:00:00+01:00"),
        ("2026-04-01T15:00:00+02:00", "2026-04-01T22:00:00+02:00"),
        # Good Friday 3 April is closed.
        ("2026-04-08T15:00:00+02:00", "2026-04-08T22:00:00+02:00"),
    ]
    assert schedule.intervals_between(oslo(2026, 1, 8), oslo(2026, 1, 7)) == []


# --- Examples: daylight saving time -----------------------------------------------------------

SPRING = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
AUTUMN = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET


def test_slot_starting_in_the_spring_gap_opens_when_the_gap_ends() -> None:
    schedule = Schedule(weekly=(WeeklySlot(SUN, time(2, 30), time(4)),))
    before = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)  # 01:59+01:00
    assert status_iso(schedule.status_at(before)) == (False, None, "2026-03-29T03:00:00+02:00")
    at_gap_end = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00+02:00
    assert status_iso(schedule.status_at(at_gap_end)) == (True, "2026-03-29T04:00:00+02:00", None)
    # The week before and after, 02:30 exists.
    assert iso(schedule.status_at(oslo(2026, 3, 22)).next_opening) == "2026-03-22T02:30:00+01:00"
    assert iso(schedule.status_at(oslo(2026, 3, 30)).next_opening) == "2026-04-05T02:30:00+02:00"


def test_slot_across_the_spring_gap() -> None:
    schedule = Schedule(weekly=(WeeklySlot(SUN, time(2), time(3, 30)),))
    got = schedule.intervals_between(oslo(2026, 3, 28), oslo(2026, 3, 30))
    assert [(iso(a), iso(b)) for a, b in got] == [
        ("2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00")
    ]


def test_slot_wholly_inside_the_spring_gap_does_not_happen_that_day() -> None:
    schedule = Schedule(weekly=(WeeklySlot(SUN, time(2), time(2, 30)),))
    assert schedule.intervals_between(oslo(2026, 3, 28), oslo(2026, 3, 30)) == []
    status = schedule.status_at(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    assert status_iso(status) == (False, None, "2026-04-05T02:00:00+02:00")


def test_slot_in_the_autumn_repeat_uses_the_first_occurrence() -> None:
    schedule = Schedule(weekly=(WeeklySlot(SUN, time(2, 30), time(4)),))
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30+02:00
    assert status_iso(schedule.status_at(first - timedelta(microseconds=1))) == (
        False,
        None,
        "2026-10-25T02:30:00+02:00",
    )
    assert status_iso(schedule.status_at(first)) == (True, "2026-10-25T04:00:00+01:00", None)
    # The second 02:45 (+01:00) is still inside the same opening: 2.5 real hours.
    second = oslo(2026, 10, 25, 2, 45, fold=1)
    assert second.utcoffset() == timedelta(hours=1)
    assert schedule.status_at(second).open
    [(start, end)] = schedule.intervals_between(oslo(2026, 10, 24), oslo(2026, 10, 26))
    assert utc(end) - utc(start) == timedelta(hours=2, minutes=30)


def test_short_slot_in_the_autumn_repeat_happens_once() -> None:
    schedule = Schedule(weekly=(WeeklySlot(SUN, time(2), time(2, 30)),))
    got = schedule.intervals_between(oslo(2026, 10, 24), oslo(2026, 10, 26))
    assert [(iso(a), iso(b)) for a, b in got] == [
        ("2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00")
    ]
    second = oslo(2026, 10, 25, 2, 15, fold=1)  # 02:15+01:00, the repeat
    status = schedule.status_at(second)
    assert status_iso(status) == (False, None, "2026-11-01T02:00:00+01:00")


def test_closing_in_the_autumn_repeat_uses_the_first_occurrence() -> None:
    schedule = Schedule(weekly=(WeeklySlot(SUN, time(1), time(2, 30)),))
    status = schedule.status_at(oslo(2026, 10, 25, 1, 30))
    assert status_iso(status) == (True, "2026-10-25T02:30:00+02:00", None)


def test_half_hour_dst_is_handled_too() -> None:
    # Lord Howe Island moves its clocks by 30 minutes: 02:00 -> 02:30 on 4 October 2026.
    schedule = Schedule(
        timezone="Australia/Lord_Howe", weekly=(WeeklySlot(SUN, time(2, 10), time(3)),)
    )
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    status = schedule.status_at(datetime(2026, 10, 4, 1, 0, tzinfo=lord_howe))
    assert iso(status.next_opening) == "2026-10-04T02:30:00+11:00"


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Schedule(timezone="Europe/Atlantis")


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(time(15), time(15)), (time(22), time(15)), (time(15, 0, 30), time(22))],
)
def test_bad_slots_are_refused(opens: time, closes: time) -> None:
    with pytest.raises(ValueError):
        WeeklySlot(WED, opens, closes)
    with pytest.raises(ValueError):
        ExtraOpening(date(2026, 1, 7), opens, closes)


def test_bad_weekday_is_refused() -> None:
    with pytest.raises(ValueError, match="weekday"):
        WeeklySlot(7, time(15), time(22))


# --- Weekly text, for the CLI ----------------------------------------------------------------


def test_parse_weekly() -> None:
    assert parse_weekly("wed 15:00-22:00, fri 15:00-22:00") == DEFAULT_WEEKLY
    assert parse_weekly(" Onsdag 9.30 - 12:00; SØN 22:00-24:00 ,") == (
        WeeklySlot(WED, time(9, 30), time(12)),
        WeeklySlot(SUN, time(22), time(0)),
    )
    assert parse_weekly("") == ()
    assert format_weekly(DEFAULT_WEEKLY) == "wed 15:00-22:00, fri 15:00-22:00"


@pytest.mark.parametrize(
    "text",
    [
        "wed",
        "wed 15-22",
        "xyz 15:00-22:00",
        "wed 25:00-26:00",
        "wed 22:00-15:00",
        "wed 24:00-24:00",
    ],
)
def test_parse_weekly_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_weekly(text)


minutes_of_day = st.one_of(
    st.sampled_from([0, 120, 150, 180, 210, 900, 1320]), st.integers(0, 24 * 60 - 1)
)


@st.composite
def spans(draw: st.DrawFn) -> tuple[time, time]:
    """(opens, closes) in whole minutes; closes 00:00 means midnight at the end of the day."""
    if draw(st.integers(0, 4)) == 0:
        return time(2), time(3, 30)  # across the DST changes in Oslo
    start = draw(minutes_of_day)
    end = draw(
        st.one_of(st.integers(start + 1, 24 * 60), st.sampled_from([start + 30, start + 90]))
    )
    end = min(end, 24 * 60)
    opens = time(start // 60, start % 60)
    closes = time(0) if end == 24 * 60 else time(end // 60, end % 60)
    return opens, closes


weekly_slots = st.builds(lambda day, span: WeeklySlot(day, *span), st.integers(0, 6), spans())


@given(st.lists(weekly_slots, max_size=8))
def test_format_then_parse_gives_the_slots_back_sorted(slots: list[WeeklySlot]) -> None:
    text = format_weekly(slots)
    assert parse_weekly(text) == tuple(
        sorted(slots, key=lambda s: (s.weekday, s.opens, s.closes == time(0), s.closes))
    )
    assert format_weekly(parse_weekly(text)) == text


# --- Wording ---------------------------------------------------------------------------------

LANGUAGES = Languages.load()


def describe(next_opening: datetime, now: datetime, code: str) -> str:
    language = LANGUAGES.get(code)
    return describe_next_opening(next_opening, now, locale=code, gettext=language.gettext)


def weekly_words(slots: tuple[WeeklySlot, ...], code: str) -> str | None:
    language = LANGUAGES.get(code)
    return describe_weekly(slots, locale=code, gettext=language.gettext)


@pytest.mark.parametrize(
    ("slots", "nb", "en"),
    [
        (
            DEFAULT_WEEKLY,
            "onsdager og fredager kl. 15–22",
            "Wednesdays and Fridays from 3 PM to 10 PM",
        ),
        (
            (WeeklySlot(SAT, time(12), time(16)), WeeklySlot(MON, time(9, 30), time(0))),
            "mandager kl. 9.30–24 og lørdager kl. 12–16",
            "Mondays from 9:30 AM to midnight and Saturdays from 12 PM to 4 PM",
        ),
        (
            (
                WeeklySlot(FRI, time(15), time(22)),
                WeeklySlot(WED, time(15), time(22)),
                WeeklySlot(TUE, time(15), time(22)),
                WeeklySlot(SUN, time(18), time(20)),
            ),
            "tirsdager, onsdager og fredager kl. 15–22 og søndager kl. 18–20",
            "Tuesdays, Wednesdays, and Fridays from 3 PM to 10 PM and Sundays from 6 PM to 8 PM",
        ),
        ((), None, None),
    ],
)
def test_describe_weekly(slots: tuple[WeeklySlot, ...], nb: str | None, en: str | None) -> None:
    assert weekly_words(slots, "nb") == nb
    assert weekly_words(slots, "en") == en


@pytest.mark.parametrize(
    ("now", "next_opening", "nb", "en"),
    [
        (oslo(2026, 1, 7, 9), oslo(2026, 1, 7, 15), "i dag kl. 15", "today at 3 PM"),
        (oslo(2026, 1, 6, 23, 59), oslo(2026, 1, 7, 15), "i morgen kl. 15", "tomorrow at 3 PM"),
        (oslo(2026, 1, 5, 9), oslo(2026, 1, 7, 15), "onsdag kl. 15", "on Wednesday at 3 PM"),
        (oslo(2026, 1, 7, 22), oslo(2026, 1, 9, 15), "fredag kl. 15", "on Friday at 3 PM"),
        # Six days ahead still by weekday; seven days ahead with the date.
        (oslo(2026, 1, 8, 0), oslo(2026, 1, 14, 15), "onsdag kl. 15", "on Wednesday at 3 PM"),
        (
            oslo(2026, 1, 7, 0),
            oslo(2026, 1, 14, 15),
            "onsdag 14. januar kl. 15",
            "on Wednesday 14 January at 3 PM",
        ),
        (
            oslo(2026, 3, 20, 12),
            oslo(2026, 4, 1, 15),
            "onsdag 1. april kl. 15",
            "on Wednesday 1 April at 3 PM",
        ),
        # Another year: with the year.
        (
            oslo(2026, 12, 23, 22),
            oslo(2027, 1, 6, 15),
            "onsdag 6. januar 2027 kl. 15",
            "on Wednesday 6 January 2027 at 3 PM",
        ),
        # Minutes only when not on the hour; no leading zero; noon and midnight.
        (oslo(2026, 1, 7, 9), oslo(2026, 1, 7, 15, 30), "i dag kl. 15.30", "today at 3:30 PM"),
        (oslo(2026, 1, 7, 8), oslo(2026, 1, 7, 9, 5), "i dag kl. 9.05", "today at 9:05 AM"),
        (oslo(2026, 1, 7, 8), oslo(2026, 1, 7, 12), "i dag kl. 12", "today at 12 PM"),
        (oslo(2026, 1, 7, 8), oslo(2026, 1, 8, 0), "i morgen kl. 0", "tomorrow at 12 AM"),
    ],
)
def test_describe_next_opening(now: datetime, next_opening: datetime, nb: str, en: str) -> None:
    assert describe(next_opening, now, "nb") == nb
    assert describe(next_opening, now, "en") == en


def test_describe_uses_the_opening_timezone_for_today_and_tomorrow() -> None:
    # 23:30 UTC on Tuesday is already Wednesday 00:30 in Oslo: the opening is "today".
    now = datetime(2026, 1, 6, 23, 30, tzinfo=UTC)
    assert describe(oslo(2026, 1, 7, 15), now, "nb") == "i dag kl. 15"


def test_describe_without_a_translation_is_english_words_in_the_locale() -> None:
    # An untranslated catalog falls back to the English message ids; day names still come
    # from CLDR in the locale asked for.
    assert (
        describe_next_opening(
            oslo(2026, 1, 7, 15), oslo(2026, 1, 5), locale="de", gettext=lambda message: message
        )
        == "on Mittwoch at 3 PM"
    )


def test_describe_refuses_the_past() -> None:
    with pytest.raises(ValueError):
        describe(oslo(2026, 1, 5, 15), oslo(2026, 1, 7), "nb")


def test_describe_status_from_the_schedule() -> None:
    now = oslo(2026, 12, 23, 22)
    status = HOLIDAY_SCHEDULE.status_at(now)
    assert status.next_opening is not None
    assert describe(status.next_opening, now, "nb") == "onsdag 30. desember kl. 15"
    assert describe(status.next_opening, now, "en") == ("on Wednesday 30 December at 3 PM")


# --- Properties ------------------------------------------------------------------------------

HOUR = timedelta(hours=1)
MICRO = timedelta(microseconds=1)


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() - SUN) % 7)


def _transition(year: int, month: int) -> datetime:
    """The DST change in the EU: 01:00 UTC on the last Sunday of March and of October."""
    return datetime.combine(_last_sunday(year, month), time(1), tzinfo=UTC)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Instants in 2025-2030, often within two days of a DST change, often on a whole minute
    or a microsecond either side, written in Oslo time, UTC or another offset."""
    if draw(st.booleans()):
        base = draw(
            st.datetimes(
                min_value=datetime(2025, 1, 1),
                max_value=datetime(2030, 12, 31),
                timezones=st.just(UTC),
            )
        )
    else:
        year = draw(st.integers(2025, 2030))
        month = draw(st.sampled_from([3, 10]))
        minutes = draw(st.integers(-2 * 24 * 60, 2 * 24 * 60))
        base = _transition(year, month) + timedelta(minutes=minutes)
    base += draw(st.sampled_from([timedelta(0), timedelta(0), MICRO, -MICRO]))
    zone = draw(st.sampled_from([OSLO, UTC, timezone(timedelta(hours=-5))]))
    return base.astimezone(zone)


@st.composite
def schedules_and_instants(draw: st.DrawFn) -> tuple[Schedule, datetime]:
    now = draw(instants())
    today = now.astimezone(OSLO).date()
    near_days = st.builds(lambda n: today + timedelta(days=n), st.integers(-3, 12))
    if draw(st.booleans()):
        # Sometimes a Sunday of a DST change, so that closed days and extras meet it.
        near_days = st.one_of(
            near_days, st.sampled_from([_last_sunday(now.year, 3), _last_sunday(now.year, 10)])
        )
    weekly = draw(st.lists(weekly_slots, max_size=6))
    closed = draw(st.lists(st.builds(ClosedDay, near_days), max_size=4))
    extras_on_closed_days = draw(st.booleans())
    if closed and extras_on_closed_days:
        # Extra openings on closed days, too.
        near_days = st.one_of(near_days, st.sampled_from([c.day for c in closed]))
    extras = draw(
        st.lists(
            st.builds(lambda day, span: ExtraOpening(day, *span), near_days, spans()), max_size=4
        )
    )
    schedule = Schedule(
        weekly=tuple(weekly), closed_days=tuple(closed), extra_openings=tuple(extras)
    )
    return schedule, now


def _oracle_instant(day: date, at: time) -> datetime:
    """The first whole-minute instant at which Oslo clocks show ``day`` ``at`` or later, found
    by walking minute by minute (Oslo is +01:00 or +02:00, so it lies within [w-2h, w-1h])."""
    wall = datetime.combine(day, at)
    candidate = wall.replace(tzinfo=UTC) - 2 * HOUR
    while candidate.astimezone(OSLO).replace(tzinfo=None) < wall:
        candidate += timedelta(minutes=1)
    assert candidate <= wall.replace(tzinfo=UTC) - HOUR
    return candidate


def _oracle_raw(schedule: Schedule, day: date) -> list[tuple[datetime, datetime]]:
    """The unmerged open intervals (UTC) of one Oslo date, from the rules as written."""
    spans_today: list[tuple[time, time]] = []
    if day not in {closed.day for closed in schedule.closed_days}:
        spans_today += [(s.opens, s.closes) for s in schedule.weekly if s.weekday == day.weekday()]
    spans_today += [(e.opens, e.closes) for e in schedule.extra_openings if e.day == day]
    return [
        (
            _oracle_instant(day, opens),
            _oracle_instant(day + timedelta(days=1) if closes == time(0) else day, closes),
        )
        for opens, closes in spans_today
    ]


def _oracle_open(schedule: Schedule, now: datetime) -> bool:
    """Open iff ``now`` lies in a raw slot of its own Oslo date (no merging, no bisection)."""
    day = now.astimezone(OSLO).date()
    return any(start <= utc(now) < end for start, end in _oracle_raw(schedule, day))


def _check_returned(value: datetime) -> None:
    """(d): in the schedule's timezone, with the offset in force at that instant."""
    assert value.tzinfo is OSLO
    assert value.utcoffset() in (HOUR, 2 * HOUR)
    again = utc(value).astimezone(OSLO)
    assert (again.replace(tzinfo=None), again.fold, again.utcoffset()) == (
        value.replace(tzinfo=None),
        value.fold,
        value.utcoffset(),
    )


PROPERTY_SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(schedules_and_instants())
def test_status_agrees_with_the_oracle_and_the_intervals(case: tuple[Schedule, datetime]) -> None:
    schedule, now = case
    status = schedule.status_at(now)
    # (a) open iff now lies in one of the open intervals around it, and as the oracle says.
    around = schedule.intervals_between(now - timedelta(days=8), now + timedelta(days=8))
    inside = any(utc(a) <= utc(now) < utc(b) for a, b in around)
    assert status.open == inside == _oracle_open(schedule, now)
    if status.open:
        # (c) it closes after now, is closed then, and open until then.
        assert status.next_opening is None
        if status.closes_at is not None:
            _check_returned(status.closes_at)
            assert utc(status.closes_at) > utc(now)
            assert not _oracle_open(schedule, status.closes_at)
            assert not schedule.status_at(status.closes_at).open
            assert _oracle_open(schedule, utc(status.closes_at) - MICRO)
            assert [
                (utc(a), utc(b)) for a, b in schedule.intervals_between(now, status.closes_at)
            ] == [(utc(now), utc(status.closes_at))]
    else:
        # (b) it opens after now, is open then, and closed just before and all the way there.
        assert status.closes_at is None
        if status.next_opening is not None:
            _check_returned(status.next_opening)
            assert utc(status.next_opening) > utc(now)
            assert _oracle_open(schedule, status.next_opening)
            assert schedule.status_at(status.next_opening).open
            assert not _oracle_open(schedule, utc(status.next_opening) - MICRO)
            assert not schedule.status_at(utc(status.next_opening) - MICRO).open
            assert schedule.intervals_between(now, status.next_opening) == []
        else:
            assert all(utc(b) <= utc(now) for a, b in around)


@PROPERTY_SETTINGS
@given(schedules_and_instants())
def test_intervals_are_sorted_disjoint_and_true(case: tuple[Schedule, datetime]) -> None:
    schedule, now = case
    start, end = now - timedelta(days=3), now + timedelta(days=5)
    intervals = schedule.intervals_between(start, end)
    previous_end: datetime | None = None
    for opens, closes in intervals:
        _check_returned(opens)
        _check_returned(closes)
        # (e) non-empty, inside the window, sorted, and neither overlapping nor touching.
        assert utc(start) <= utc(opens) < utc(closes) <= utc(end)
        if previous_end is not None:
            assert utc(opens) > previous_end
        previous_end = utc(closes)
        # Each one is open from its start to just before its end, closed around it.
        assert _oracle_open(schedule, opens)
        assert _oracle_open(schedule, utc(closes) - MICRO)
        if utc(opens) > utc(start):
            assert not _oracle_open(schedule, utc(opens) - MICRO)
        if utc(closes) < utc(end):
            assert not _oracle_open(schedule, closes)
    # And nothing is missing: every raw slot in the window is covered by a returned interval.
    day = start.astimezone(OSLO).date()
    while day <= end.astimezone(OSLO).date():
        for raw_start, raw_end in _oracle_raw(schedule, day):
            lo, hi = max(raw_start, utc(start)), min(raw_end, utc(end))
            if lo < hi:
                assert any(utc(a) <= lo and hi <= utc(b) for a, b in intervals)
        day += timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(instants())
def test_default_schedule_with_holidays_against_the_rules(now: datetime) -> None:
    """Wednesdays and Fridays 15-22 Oslo time, not on public holidays, written out by hand."""
    holidays = {closed.day for closed in HOLIDAY_SCHEDULE.closed_days}
    local = now.astimezone(OSLO)

    def opening_day(day: date) -> bool:
        return day.weekday() in (WED, FRI) and day not in holidays

    status = HOLIDAY_SCHEDULE.status_at(now)
    expected_open = opening_day(local.date()) and 15 <= local.hour < 22
    assert status.open == expected_open
    if expected_open:
        assert iso(status.closes_at) == iso(datetime.combine(local.date(), time(22), tzinfo=OSLO))
        return
    day = local.date() if local.hour < 15 else local.date() + timedelta(days=1)
    while not opening_day(day):
        day += timedelta(days=1)
    assert iso(status.next_opening) == iso(datetime.combine(day, time(15), tzinfo=OSLO))
