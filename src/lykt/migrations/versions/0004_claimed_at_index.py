"""An index on conversations.claimed_at: the queue's wait estimate reads the claims of the
last two hours at every change of the queue, which without it scanned every conversation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_claimed_at", "conversations", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_claimed_at", table_name="conversations")
