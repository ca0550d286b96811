"""A shift: who is on it (presence per server process), who takes new visitors (available or
on a break), and how busy each is.

Presence lives in the database so that every process sees the same: a process marks the staff
who have a socket on it, refreshes the marks at every heartbeat and removes one when that
member's last socket there closes. A mark not refreshed for ``presence_fresh_s`` (its process
died) counts for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from lykt.actions.context import Context
from lykt.errors import Invalid
from lykt.events import AvailabilityChanged, StaffChanged
from lykt.models import Staff
from lykt.store import shift as shift_store

AVAILABILITY = ("available", "break")


async def set_availability(ctx: Context, staff: Staff, status: str) -> None:
    """Available: takes visitors and counts for the visitors' estimate. Break: neither."""
    if status not in AVAILABILITY:
        raise Invalid("status must be 'available' or 'break'")
    async with ctx.transaction() as tx:
        await shift_store.set_availability(tx.session, staff.id, status)
        tx.publish_on_commit(AvailabilityChanged(staff_id=staff.id, status=status))
        tx.publish_on_commit(StaffChanged())


async def start_shift(ctx: Context, node: str, staff: Staff) -> None:
    """A staff member's first socket on this process: logging in makes a host available."""
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        await shift_store.mark_present(tx.session, node, [staff.id], now)
        tx.publish_on_commit(StaffChanged())


async def make_available(ctx: Context, staff: Staff) -> None:
    """At login: on shift and taking visitors."""
    await set_availability(ctx, staff, "available")


async def leave_shift(ctx: Context, node: str, staff_id: int) -> None:
    """The last socket of a staff member on this process closed."""
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        await shift_store.mark_gone(tx.session, node, staff_id, now)
        tx.publish_on_commit(StaffChanged())


async def refresh_presence(ctx: Context, node: str, staff_ids: Iterable[int]) -> None:
    """At every heartbeat: these staff still have sockets on this process."""
    ids = list(staff_ids)
    if not ids:
        return
    async with ctx.transaction() as tx:
        await shift_store.mark_present(tx.session, node, ids, ctx.clock.now())


async def end_node(ctx: Context, node: str) -> None:
    """This process stops: its marks go at once (the grace period runs from now)."""
    async with ctx.transaction() as tx:
        await shift_store.forget_node(tx.session, node)
        tx.publish_on_commit(StaffChanged())


@dataclass(frozen=True)
class Colleague:
    id: int
    display_name: str
    role: str
    status: str  # available | break | offline
    chats: int
    max_chats: int

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "display_name": self.display_name,
            "role": self.role,
            "status": self.status,
            "chats": self.chats,
            "max_chats": self.max_chats,
        }


async def colleagues(ctx: Context, *, with_offline_hosts: bool = False) -> list[Colleague]:
    """Everyone connected, with their status and load; with ``with_offline_hosts`` also those
    who are not connected but still hold chats (the supervisor's board)."""
    since = ctx.clock.now() - timedelta(seconds=ctx.rules.presence_fresh_s)
    async with ctx.db.read() as session:
        present = await shift_store.present_ids(session, since)
        ids = set(present)
        if with_offline_hosts:
            ids |= await shift_store.hosts_with_chats(session)
        found = await shift_store.members(session, ids)
    default_max = ctx.rules.max_chats_per_host
    return [
        Colleague(
            id=m.id,
            display_name=m.display_name,
            role=m.role,
            status=m.availability if m.id in present else "offline",
            chats=m.chats,
            max_chats=m.max_chats or default_max,
        )
        for m in found
    ]
