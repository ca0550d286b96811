"""A shift: host availability and presence, notes, joined supervisors, canned replies,
wrap-up topics, and what a conversation carries for the supervisor (returned to the queue,
help asked for, a possible duty-to-avert case, wrapped up and flagged).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from lykt.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DEFAULT_TOPICS = (
    "Besøk i fengsel",
    "Hvordan forelderen har det",
    "Familie og hjemme",
    "Venner og skole",
    "Følelser",
    "Praktiske spørsmål",
    "Annet",
)


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column("availability", sa.String(16), nullable=False, server_default="available")
        )
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("lang", sa.String(8), nullable=False, server_default="nb"))
        batch.add_column(sa.Column("requeued_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("help_requested_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("duty_flagged_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("wrapped_up_at", UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("stats_counters") as batch:
        batch.alter_column("bucket", type_=sa.String(64), existing_type=sa.String(24))
    op.create_table(
        "staff_presence",
        sa.Column("node", sa.String(32), primary_key=True),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "conversation_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.String(32),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "staff_id", sa.Integer(), sa.ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "conversation_helpers",
        sa.Column(
            "conversation_id",
            sa.String(32),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "owner_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    topics = op.create_table(
        "wrapup_topics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False, unique=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.bulk_insert(topics, [{"name": name, "position": i} for i, name in enumerate(DEFAULT_TOPICS)])


def downgrade() -> None:
    op.drop_table("wrapup_topics")
    op.drop_table("canned_replies")
    op.drop_table("conversation_helpers")
    op.drop_table("conversation_notes")
    op.drop_table("staff_presence")
    with op.batch_alter_table("stats_counters") as batch:
        batch.alter_column("bucket", type_=sa.String(24), existing_type=sa.String(64))
    with op.batch_alter_table("conversations") as batch:
        for column in (
            "flagged",
            "wrapped_up_at",
            "duty_flagged_at",
            "help_requested_at",
            "requeued_at",
            "lang",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("availability")
