"""The audit log becomes a hash chain: each row carries the hash of the row before it and its
own, so a changed, removed or reordered row shows (``lykt audit verify``). Rows written before
this revision are chained here, in their order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from lykt.privacy.audit import GENESIS, row_hash

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id")
    ).all()
    previous = GENESIS
    for id_, at, actor, action, subject, detail in rows:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else at
        digest = row_hash(previous, moment, actor, action, subject, detail)
        conn.execute(
            sa.text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i"),
            {"p": previous, "h": digest, "i": id_},
        )
        previous = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
