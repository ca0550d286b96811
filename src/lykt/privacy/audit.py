"""The audit log's hash chain, as pure functions (a leaf: no database here).

Each row's hash covers the hash of the row before it and the row's own fields, so changing a
row, removing one or putting two in another order breaks the chain from that row on. The first
row follows ``GENESIS``; after a prune, the first row kept follows the anchor (the hash of the
last row pruned), which is kept beside the log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

GENESIS = "0" * 64


def stamp(at: datetime) -> str:
    """A time as the chain hashes it: UTC, microseconds, whatever the database gave back."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(
    prev_hash: str, at: datetime, actor: str, action: str, subject: str, detail: str
) -> str:
    digest = hashlib.sha256()
    for part in (prev_hash, stamp(at), actor, action, subject, detail):
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))  # lengths first: no two rows hash alike
        digest.update(data)
    return digest.hexdigest()
