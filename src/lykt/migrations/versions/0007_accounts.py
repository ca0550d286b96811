"""Staff accounts as hard to break into as a bank's: a second factor (TOTP) with its last used
step, a pending secret while enrolling, sessions with an id to list and end them and the time
of their last use (idle timeout), and invitations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from lykt.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("password_changed_at", UTCDateTime(), nullable=True))
    # Sessions from before this revision were opened without a second factor: they end.
    op.execute("DELETE FROM staff_sessions")
    with op.batch_alter_table("staff_sessions") as batch:
        batch.add_column(sa.Column("public_id", sa.String(16), nullable=False))
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=False))
        batch.add_column(sa.Column("label", sa.String(120), nullable=False, server_default=""))
        batch.create_unique_constraint("uq_staff_sessions_public_id", ["public_id"])
    op.create_table(
        "staff_enrolments",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "staff_invitations",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column(
            "invited_by",
            sa.Integer(),
            sa.ForeignKey("staff.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("staff_invitations")
    op.drop_table("staff_enrolments")
    with op.batch_alter_table("staff_sessions") as batch:
        batch.drop_constraint("uq_staff_sessions_public_id", type_="unique")
        batch.drop_column("label")
        batch.drop_column("last_seen_at")
        batch.drop_column("public_id")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
