"""The quick-exit site: where "Rask utgang" takes a visitor. The operator's setting
(``LYKT_QUICK_EXIT_URL``) is the default; an admin may choose another on the admin pages. The
choice is kept in the database (``settings``), so every process follows it within a few
seconds, as with the opening hours."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from lykt.actions.audit import record
from lykt.actions.context import Context
from lykt.errors import Invalid
from lykt.models import storable
from lykt.store import hours as settings_store

QUICK_EXIT_KEY = "site.quick_exit_url"
#: Every process reads the choice again this often.
CACHE_SECONDS = 5.0
MAX_URL_CHARS = 500
_CACHE_KEY = "site.quick_exit_url"


def check_quick_exit_url(url: str) -> str:
    """An https address with a host and nothing odd in it, or ``Invalid``."""
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS or not storable(url) or not url.isprintable():
        raise Invalid(f"the address must be 1 to {MAX_URL_CHARS} characters")
    if any(c.isspace() for c in url):
        raise Invalid("the address must not contain spaces")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise Invalid("that is not a web address") from exc
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise Invalid("the address must start with https:// and name a site")
    return url


async def quick_exit_url(ctx: Context, default: str) -> str:
    """The address the quick exit leads to: the admin's choice, or ``default``. Read from the
    database at most every few seconds per process."""
    now = ctx.clock.now()
    cached = ctx.cache.get(_CACHE_KEY)
    if cached is not None and timedelta(0) <= now - cached[0] < timedelta(seconds=CACHE_SECONDS):
        chosen: str = cached[1]
    else:
        async with ctx.db.read() as session:
            chosen = (await settings_store.all_settings(session)).get(QUICK_EXIT_KEY, "")
        ctx.cache[_CACHE_KEY] = (now, chosen)
    return chosen or default


async def chosen_quick_exit_url(ctx: Context) -> str:
    """The admin's choice as stored ("" when the default is in use), read now."""
    async with ctx.db.read() as session:
        return (await settings_store.all_settings(session)).get(QUICK_EXIT_KEY, "")


async def set_quick_exit_url(ctx: Context, url: str | None, *, actor: str = "operator") -> str:
    """Choose the quick-exit site (https only), or go back to the default (``url`` None).
    Audited. Returns what is stored ("" for the default)."""
    value = "" if url is None else check_quick_exit_url(url)
    async with ctx.transaction() as tx:
        await settings_store.put_setting(tx.session, QUICK_EXIT_KEY, value)
        await record(tx.session, ctx, actor, "site.quick_exit_set", "", value or "default")
    ctx.cache.pop(_CACHE_KEY, None)
    return value
