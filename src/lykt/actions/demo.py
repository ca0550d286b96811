"""Demo mode (``LYKT_DEMO=true``, what ``python3 dev.py serve`` starts): a newcomer on their
own machine tries a whole chat, visitor and host, within a minute, without an authenticator
app. It only ever listens on loopback (``lykt serve`` refuses anything else), every page says
DEMO in large letters, and the demo accounts can log in only through the demo door while demo
mode is on: their passwords are random and shown to nobody."""

from __future__ import annotations

import secrets

from lykt.actions.context import Context
from lykt.actions.sessions import open_session
from lykt.actions.shift import make_available
from lykt.actions.staff import add_staff
from lykt.errors import NotFound
from lykt.models import Staff
from lykt.store import staff as staff_store

#: role -> (email, the name visitors see)
DEMO_ACCOUNTS = {
    "host": ("vert@demo.lykt.invalid", "Demo-vert"),
    "supervisor": ("leder@demo.lykt.invalid", "Demo-leder"),
    "admin": ("admin@demo.lykt.invalid", "Demo-admin"),
}


async def ensure_demo_staff(ctx: Context) -> None:
    for role, (email, name) in DEMO_ACCOUNTS.items():
        async with ctx.db.read() as session:
            found = await staff_store.get_by_email(session, email)
        if found is None:
            # A password nobody knows: these accounts open only through the demo door.
            await add_staff(ctx, email, name, role, secrets.token_urlsafe(24))


async def demo_login(ctx: Context, role: str) -> tuple[Staff, str]:
    """A session for a demo account (demo mode only: the web layer offers this door then)."""
    if role not in DEMO_ACCOUNTS:
        raise NotFound()
    async with ctx.transaction() as tx:
        staff = await staff_store.get_by_email(tx.session, DEMO_ACCOUNTS[role][0])
        if staff is None or not staff.active:
            raise NotFound()
        token = await open_session(ctx, tx.session, staff, "demo")
    await make_available(ctx, staff)
    return staff, token
