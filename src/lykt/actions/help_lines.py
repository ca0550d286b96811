"""Other help, always at hand: where a child can turn when the chat is closed, when no host is
free, after the end, or at once in an emergency.

Norwegian defaults in our own words, which the helpline must confirm (docs/content.md). The
operator may replace them: one JSON document in ``settings`` under ``HELP_LINES_KEY``,
``{"nb": [{"name", "contact", "href", "hours"}, ...], "en": [...]}``, checked strictly
(``lykt help-lines set --file F.json``). A language left out of it gets the default
language's list. Every process reads the choice again within a few seconds.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson

from lykt.actions.audit import record
from lykt.actions.canned import LANGS
from lykt.actions.context import Context
from lykt.errors import Invalid
from lykt.i18n import DEFAULT_LANGUAGE
from lykt.models import storable
from lykt.store import hours as settings_store

HELP_LINES_KEY = "help_lines"
MAX_NAME_CHARS = 80
MAX_CONTACT_CHARS = 80
MAX_HOURS_CHARS = 80
MAX_HREF_CHARS = 300
MAX_LINES = 12
CACHE_SECONDS = 5.0
_CACHE_KEY = "help_lines"
_TEL = re.compile(r"tel:\+?[0-9]{2,15}")
_FIELDS = ("name", "contact", "href", "hours")


@dataclass(frozen=True)
class HelpLine:
    name: str
    contact: str  # what is shown: "116 111", "alarmtelefonen.no"
    href: str  # tel: or https:
    hours: str  # when it answers, in words

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


#: Our own words; the helpline must confirm them (docs/content.md).
DEFAULT_HELP_LINES: dict[str, tuple[HelpLine, ...]] = {
    "nb": (
        HelpLine(
            "Alarmtelefonen for barn og unge",
            "116 111",
            "tel:116111",
            "Åpen hele døgnet, alle dager",
        ),
        HelpLine("Politiet ved fare", "112", "tel:112", "Nødnummer, hele døgnet"),
        HelpLine("Ambulanse ved skade eller sykdom", "113", "tel:113", "Nødnummer, hele døgnet"),
    ),
    "en": (
        HelpLine(
            "Alarmtelefonen, the helpline for children and young people",
            "116 111",
            "tel:116111",
            "Open day and night, every day",
        ),
        HelpLine("Police, when someone is in danger", "112", "tel:112", "Emergency, day and night"),
        HelpLine(
            "Ambulance, when someone is hurt or ill", "113", "tel:113", "Emergency, day and night"
        ),
    ),
}


def _text(item: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise Invalid(f"{key!r} must be text")
    value = value.strip()
    if (required and not value) or len(value) > limit or not storable(value):
        raise Invalid(f"{key!r} must be {1 if required else 0} to {limit} characters")
    if not value.isprintable():
        raise Invalid(f"{key!r} must be one line")
    return value


def _href(value: str) -> str:
    if _TEL.fullmatch(value):
        return value
    if any(c.isspace() for c in value):
        raise Invalid(f"the link {value!r} must not contain spaces")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise Invalid(f"the link {value!r} is not an address") from exc
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise Invalid(
            f"the link {value!r} must be a phone number (tel:116111) or start with https://"
        )
    return value


def check_help_lines(data: Any) -> dict[str, tuple[HelpLine, ...]]:
    """The operator's document, checked strictly; ``Invalid`` with what is wrong."""
    if not isinstance(data, dict) or not data:
        raise Invalid('the help lines must be an object like {"nb": [...], "en": [...]}')
    unknown = sorted(set(data) - set(LANGS))
    if unknown:
        raise Invalid(f"unknown language {unknown[0]!r}; use {', '.join(LANGS)}")
    if DEFAULT_LANGUAGE not in data:
        raise Invalid(f"the default language {DEFAULT_LANGUAGE!r} must be there")
    checked: dict[str, tuple[HelpLine, ...]] = {}
    for lang, items in data.items():
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_LINES:
            raise Invalid(f"{lang!r} must be a list of 1 to {MAX_LINES} help lines")
        lines = []
        for item in items:
            if not isinstance(item, dict):
                raise Invalid("each help line is an object with name, contact, href and hours")
            extra = sorted(set(item) - set(_FIELDS))
            if extra:
                raise Invalid(f"unknown field {extra[0]!r}; use {', '.join(_FIELDS)}")
            href = _text(item, "href", MAX_HREF_CHARS)
            lines.append(
                HelpLine(
                    name=_text(item, "name", MAX_NAME_CHARS),
                    contact=_text(item, "contact", MAX_CONTACT_CHARS),
                    href=_href(href),
                    hours=_text(item, "hours", MAX_HOURS_CHARS, required=False),
                )
            )
        checked[lang] = tuple(lines)
    return checked


def _parse_stored(value: str) -> dict[str, tuple[HelpLine, ...]] | None:
    if not value:
        return None
    try:
        return check_help_lines(orjson.loads(value))
    except (Invalid, orjson.JSONDecodeError):
        return None  # never a broken page: the defaults stand in


async def _configured(ctx: Context) -> dict[str, tuple[HelpLine, ...]] | None:
    now = ctx.clock.now()
    cached = ctx.cache.get(_CACHE_KEY)
    if cached is not None and timedelta(0) <= now - cached[0] < timedelta(seconds=CACHE_SECONDS):
        chosen: dict[str, tuple[HelpLine, ...]] | None = cached[1]
        return chosen
    async with ctx.db.read() as session:
        stored = (await settings_store.all_settings(session)).get(HELP_LINES_KEY, "")
    chosen = _parse_stored(stored)
    ctx.cache[_CACHE_KEY] = (now, chosen)
    return chosen


async def other_help(ctx: Context, lang: str | None) -> list[HelpLine]:
    """Where else to get help, in ``lang`` (a language we do not have, or one the operator
    left out: the default language's list): the operator's list, or our defaults."""
    lines = await _configured(ctx) or DEFAULT_HELP_LINES
    if lang not in lines:
        lang = DEFAULT_LANGUAGE
    return list(lines[lang])


async def configured_help_lines(ctx: Context) -> dict[str, list[HelpLine]] | None:
    """The operator's list as stored now, or None while the defaults are in use."""
    async with ctx.db.read() as session:
        stored = (await settings_store.all_settings(session)).get(HELP_LINES_KEY, "")
    chosen = _parse_stored(stored)
    return None if chosen is None else {lang: list(lines) for lang, lines in chosen.items()}


async def set_help_lines(ctx: Context, data: Any, *, actor: str = "operator") -> None:
    """Replace the help lines with the operator's document (checked strictly), or go back
    to the defaults (``data`` None). Audited."""
    if data is None:
        value = ""
    else:
        checked = check_help_lines(data)
        value = orjson.dumps(
            {lang: [line.as_dict() for line in lines] for lang, lines in checked.items()}
        ).decode()
    async with ctx.transaction() as tx:
        await settings_store.put_setting(tx.session, HELP_LINES_KEY, value)
        await record(tx.session, ctx, actor, "help_lines.set", "", "custom" if value else "default")
    ctx.cache.pop(_CACHE_KEY, None)
