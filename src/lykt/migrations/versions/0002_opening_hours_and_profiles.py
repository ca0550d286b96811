"""Opening hours in the database (weekly slots, closed days, extra openings, settings) and
public host profiles (shown or not, a few lines, a small photo).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WEDNESDAY, FRIDAY = 2, 4


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column("show_profile", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("bio", sa.Text(), nullable=True))
    op.create_table(
        "host_photos",
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("staff.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    rules = op.create_table(
        "opening_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("opens", sa.String(5), nullable=True),
        sa.Column("closes", sa.String(5), nullable=True),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_opening_rules_day", "opening_rules", ["day"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    # The helpline's hours when Lykt was first set up: Wednesdays and Fridays 15-22.
    op.bulk_insert(
        rules,
        [
            {"kind": "weekly", "weekday": day, "opens": "15:00", "closes": "22:00", "note": ""}
            for day in (WEDNESDAY, FRIDAY)
        ],
    )


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_index("ix_opening_rules_day", "opening_rules")
    op.drop_table("opening_rules")
    op.drop_table("host_photos")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("bio")
        batch.drop_column("show_profile")
