"""The IP escrow: sealing each visitor connection's address, deleting it with the
conversation, and the operator's export for a police request under the duty to avert.

Only the visitor socket (to seal), the purge (to delete) and the operator's CLI (to export)
use this module; an import-linter contract keeps staff-facing code away from it."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lykt.actions.audit import record
from lykt.actions.context import Context, EscrowVault
from lykt.errors import Invalid, NotFound
from lykt.models import EscrowRecord, storable
from lykt.privacy.escrow import EXPORT_FORMAT
from lykt.store import conversations as conversations_store
from lykt.store import escrow as escrow_store


@contextlib.asynccontextmanager
async def _write(vault: EscrowVault) -> AsyncIterator[AsyncSession]:
    async with vault.db.write_lock_held(), vault.db.session() as session, session.begin():
        yield session


async def record_connection(
    ctx: Context, conversation_id: str, address: tuple[str, int] | None
) -> bool:
    """Seal the address and port a visitor connects from, with the exact time, to the
    operator's key. Without a configured key nothing is kept. Returns whether one was kept."""
    vault = ctx.escrow
    if vault is None or vault.key is None or address is None:
        return False
    now = ctx.clock.now()
    ip, port = address
    sealed = vault.key.seal(ip, port, int(now.timestamp() * 1000), conversation_id)
    async with _write(vault) as session:
        await escrow_store.insert(
            session,
            EscrowRecord(
                conversation_id=conversation_id,
                key_id=vault.key.key_id,
                sealed=sealed,
                created_at=now,
            ),
        )
    return True


async def delete_records(
    ctx: Context, conversation_ids: Sequence[str], *, forget: bool = True
) -> int:
    """With the purge: the sealed records of deleted conversations go too. Their bytes are
    forgotten on disk at once, or (``forget=False``, batch after batch) by one
    ``forget_deleted_bytes`` at the end."""
    vault = ctx.escrow
    if vault is None or not conversation_ids:
        return 0
    async with _write(vault) as session:
        deleted = await escrow_store.delete_for(session, conversation_ids)
    if deleted and forget:
        await vault.db.forget_deleted_bytes()
    return deleted


async def forget_deleted_bytes(ctx: Context) -> None:
    if ctx.escrow is not None:
        await ctx.escrow.db.forget_deleted_bytes()


async def delete_orphans(ctx: Context) -> int:
    """Records whose conversation is gone (say the process stopped between the purge of the
    conversation and of its records) are deleted too."""
    vault = ctx.escrow
    if vault is None:
        return 0
    async with vault.db.read() as session:
        ids = await escrow_store.conversation_ids(session)
    if not ids:
        return 0
    async with ctx.db.read() as session:
        existing = await conversations_store.existing_ids(session, ids)
    return await delete_records(ctx, sorted(ids - existing))


async def export_records(ctx: Context, conversation_id: str, case_ref: str) -> dict[str, Any]:
    """The sealed records of one conversation, for the operator to hand over or open, and an
    audit entry saying who asked for them and under which case."""
    case_ref = case_ref.strip()
    if not case_ref or len(case_ref) > 100 or not storable(case_ref):
        raise Invalid("give the police case reference (at most 100 characters)")
    vault = ctx.escrow
    if vault is None:
        raise NotFound("there is no escrow here")
    async with vault.db.read() as session:
        records = await escrow_store.for_conversation(session, conversation_id)
    now = ctx.clock.now()
    async with ctx.transaction() as tx:
        await record(
            tx.session,
            ctx,
            "operator",
            "escrow.exported",
            conversation_id,
            f"case {case_ref}: {len(records)} record(s)",
        )
    if not records:
        raise NotFound(
            "no sealed records for that conversation (deleted, never connected, or no key "
            "was configured); the request is in the audit log"
        )
    return {
        "format": EXPORT_FORMAT,
        "conversation_id": conversation_id,
        "case_ref": case_ref,
        "exported_at": now.isoformat(),
        "records": [
            {
                "key_id": r.key_id,
                "stored_at": r.created_at.isoformat(),
                "sealed": base64.b64encode(r.sealed).decode("ascii"),
            }
            for r in records
        ],
    }
