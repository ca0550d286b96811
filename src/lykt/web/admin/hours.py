"""/admin/hours: the weekly hours, closed days and extra openings, public holidays, the timezone,
and what visitors will meet over the next four weeks. The same actions as ``lykt hours``."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from fastapi import Request, Response
from starlette.datastructures import FormData

from lykt.actions import hours
from lykt.errors import Conflict, Invalid
from lykt.schedule import Schedule, WeeklySlot, parse_span
from lykt.web.admin.common import (
    Admin,
    actor,
    back,
    clock_text,
    day_text,
    field,
    page,
    read_form,
    router,
    when_text,
)
from lykt.web.deps import ServicesDep

PATH = "/admin/hours"
PREVIEW_DAYS = 28
WEEKDAYS = (
    ("mon", "Mandag"),
    ("tue", "Tirsdag"),
    ("wed", "Onsdag"),
    ("thu", "Torsdag"),
    ("fri", "Fredag"),
    ("sat", "Lørdag"),
    ("sun", "Søndag"),
)
MESSAGES = {
    "weekly": "De faste åpningstidene er lagret.",
    "closed": "Den stengte dagen er lagt til.",
    "extra": "Den ekstra åpningen er lagt til.",
    "removed": "Unntaket er fjernet.",
    "nothing": "Det var ikke noe unntak å fjerne den dagen.",
    "holidays": "Valget for helligdager er lagret.",
    "timezone": "Tidssonen er lagret.",
}
SPAN_HINT = "Skriv tiden som 15:00-22:00. Bruk 24:00 for midnatt."
_SPLIT = re.compile(r"[,;]")


@dataclass
class PreviewDay:
    day: date
    label: str
    openings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def closed(self) -> bool:
        return not self.openings


@dataclass(frozen=True)
class DatedItem:
    day: date
    label: str
    items: tuple[str, ...]


def _spans(slots: tuple[WeeklySlot, ...], weekday: int) -> str:
    return ", ".join(
        f"{clock_text(s.opens)}-{clock_text(s.closes, closing=True)}"
        for s in slots
        if s.weekday == weekday
    )


def preview(schedule: Schedule, config: hours.HoursConfig, now: datetime) -> list[PreviewDay]:
    """The next four weeks, day by day: the openings, and why a day is closed when it would
    otherwise be open (a closed day, a public holiday). Days closed as usual are left out."""
    tz = schedule.tz
    today = now.astimezone(tz).date()
    start = datetime.combine(today, time(0), tz)
    days: dict[date, PreviewDay] = {}

    def on(day: date) -> PreviewDay:
        if day not in days:
            days[day] = PreviewDay(day, day_text(day, today).capitalize())
        return days[day]

    end = datetime.combine(today + timedelta(days=PREVIEW_DAYS), time(0), tz)
    for opens, closes in schedule.intervals_between(start, end):
        until = "24:00" if closes.time() == time(0) else f"{closes:%H:%M}"
        if closes.date() > opens.date() and closes.time() != time(0):
            until += " (neste dag)"
        on(opens.date()).openings.append(f"{opens:%H:%M}–{until}")
    weekly_days = {slot.weekday for slot in config.weekly}
    for closed in schedule.closed_days:
        if today <= closed.day < today + timedelta(days=PREVIEW_DAYS) and (
            closed.day.weekday() in weekly_days or closed.day in days
        ):
            on(closed.day).notes.append(closed.reason or "Stengt dag")
    for extra in schedule.extra_openings:
        if today <= extra.day < today + timedelta(days=PREVIEW_DAYS):
            note = f" ({extra.note})" if extra.note else ""
            on(extra.day).notes.append(f"Ekstra åpning{note}")
    return [days[d] for d in sorted(days)]


def exceptions(config: hours.HoursConfig, today: date) -> tuple[list[DatedItem], list[DatedItem]]:
    """The closed days and extra openings by date: from today on, and those that are past."""
    by_day: dict[date, list[str]] = {}
    for rule in config.dated:
        note = f" – {rule.note}" if rule.note else ""
        if rule.kind == "closed":
            by_day.setdefault(rule.day, []).append(f"Stengt{note}")
        elif rule.opens is not None and rule.closes is not None:
            span = f"{clock_text(rule.opens)}-{clock_text(rule.closes, closing=True)}"
            by_day.setdefault(rule.day, []).append(f"Ekstra åpning {span}{note}")
    items = [DatedItem(d, day_text(d, today), tuple(by_day[d])) for d in sorted(by_day)]
    return [e for e in items if e.day >= today], [e for e in items if e.day < today]


async def _page(
    request: Request,
    services: ServicesDep,
    admin: Admin,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    config = await hours.load_config(services.ctx)
    now = services.ctx.clock.now()
    schedule = hours.build_schedule(config, now)
    today = now.astimezone(schedule.tz).date()
    status = schedule.status_at(now)
    if status.open:
        now_text = (
            f"Åpent nå, til {when_text(status.closes_at, today)}."
            if status.closes_at
            else "Åpent nå."
        )
    elif status.next_opening:
        now_text = f"Stengt nå. Åpner {when_text(status.next_opening, today)}."
    else:
        now_text = "Stengt nå, og ingen åpning er satt opp det neste året."
    upcoming, past = exceptions(config, today)
    current = {f"weekly-{code}": _spans(config.weekly, n) for n, (code, _) in enumerate(WEEKDAYS)}
    current["timezone"] = config.timezone
    return page(
        request,
        services,
        admin,
        "admin/hours.html",
        {
            "weekdays": WEEKDAYS,
            "values": {**current, **(values or {})},
            "config": config,
            "now_text": now_text,
            "always_open": services.ctx.rules.always_open,
            "preview": preview(schedule, config, now),
            "preview_days": PREVIEW_DAYS,
            "upcoming": upcoming,
            "past": past,
            "span_hint": SPAN_HINT,
        },
        messages=MESSAGES,
        errors=errors,
    )


@router.get("/hours")
async def hours_page(request: Request, services: ServicesDep, admin: Admin) -> Response:
    return await _page(request, services, admin)


def _values(form: FormData, *names: str) -> dict[str, str]:
    return {name: field(form, name) for name in names}


_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")


def _day(text: str) -> date | None:
    """A date as people here write it, 24.12.2025 (or 24/12/2025), or as 2025-12-24."""
    text = text.strip()
    try:
        match = _DATE.fullmatch(text)
        if match is not None:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


@router.post("/hours/weekly")
async def set_weekly(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    values = _values(form, *(f"weekly-{code}" for code, _ in WEEKDAYS))
    errors: dict[str, str] = {}
    items: list[str] = []
    for code, name in WEEKDAYS:
        key = f"weekly-{code}"
        for span in _SPLIT.split(values[key]):
            if not span.strip():
                continue
            try:
                parse_span(span)
            except ValueError:
                errors[key] = (
                    f"{name}: skriv tiden som 15:00-22:00 (flere tider med komma), eller la "
                    "feltet stå tomt når det er stengt."
                )
                break
            items.append(f"{code} {span.strip()}")
    if not errors:
        try:
            await hours.set_weekly(services.ctx, ", ".join(items), actor=actor(admin))
        except Invalid:
            errors["weekly-mon"] = "Tidene kunne ikke leses. Skriv dem som 15:00-22:00."
    if errors:
        return await _page(request, services, admin, errors, values)
    return back(PATH, "weekly")


def _note_error(note: str) -> str:
    if len(note.strip()) > hours.MAX_NOTE_CHARS:
        return f"Merknaden kan være høyst {hours.MAX_NOTE_CHARS} tegn."
    return ""


@router.post("/hours/closed")
async def add_closed_day(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    values = _values(form, "closed-date", "closed-note")
    day = _day(values["closed-date"])
    errors: dict[str, str] = {}
    if day is None:
        errors["closed-date"] = "Skriv datoen som dd.mm.åååå, for eksempel 24.12.2025."
    if note_error := _note_error(values["closed-note"]):
        errors["closed-note"] = note_error
    if day is not None and not errors:
        try:
            await hours.add_closed_day(services.ctx, day, values["closed-note"], actor=actor(admin))
        except Conflict:
            errors["closed-date"] = f"{day_text(day).capitalize()} er allerede en stengt dag."
        except Invalid:
            errors["closed-note"] = "Merknaden kan ikke lagres slik. Prøv en kortere tekst."
    if errors:
        return await _page(request, services, admin, errors, values)
    return back(PATH, "closed")


@router.post("/hours/extra")
async def add_extra_opening(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    values = _values(form, "extra-date", "extra-span", "extra-note")
    day = _day(values["extra-date"])
    errors: dict[str, str] = {}
    if day is None:
        errors["extra-date"] = "Skriv datoen som dd.mm.åååå, for eksempel 24.12.2025."
    try:
        parse_span(values["extra-span"])
    except ValueError:
        errors["extra-span"] = "Skriv tiden som 15:00-22:00 (slutt etter start; 24:00 for midnatt)."
    if note_error := _note_error(values["extra-note"]):
        errors["extra-note"] = note_error
    if day is not None and not errors:
        try:
            await hours.add_extra_opening(
                services.ctx, day, values["extra-span"], values["extra-note"], actor=actor(admin)
            )
        except Invalid:
            errors["extra-note"] = "Merknaden kan ikke lagres slik. Prøv en kortere tekst."
    if errors:
        return await _page(request, services, admin, errors, values)
    return back(PATH, "extra")


@router.post("/hours/remove")
async def remove_day(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    day = _day(field(form, "day"))
    removed = await hours.remove_day(services.ctx, day, actor=actor(admin)) if day else 0
    return back(PATH, "removed" if removed else "nothing")


@router.post("/hours/holidays")
async def set_holidays(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    closed = field(form, "holidays") == "closed"
    await hours.set_norwegian_holidays(services.ctx, closed, actor=actor(admin))
    return back(PATH, "holidays")


@router.post("/hours/timezone")
async def set_timezone(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    values = _values(form, "timezone")
    try:
        await hours.set_timezone(services.ctx, values["timezone"].strip(), actor=actor(admin))
    except Invalid:
        errors = {"timezone": "Ukjent tidssone. Skriv navnet slik: Europe/Oslo."}
        return await _page(request, services, admin, errors, values)
    return back(PATH, "timezone")
