"""security events

The security events admins see on their dashboard (login lockouts, admins' actions, bulk
purges), kept beside the security log for a limited time. No foreign key to users: an
event outlives the account it names.

Revision ID: a3d95c7e0f21
Revises: 6ba8bb82d9ec
Create Date: 2026-12-03 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "a3d95c7e0f21"
down_revision = "6ba8bb82d9ec"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "security_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    op.create_index(
        op.f("ix_security_events_created_at"), "security_events", ["created_at"], unique=False
    )
    op.create_index(
        "ix_security_events_event_created",
        "security_events",
        ["event", "created_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_security_events_event_created", table_name="security_events")
    op.drop_index(op.f("ix_security_events_created_at"), table_name="security_events")
    op.drop_table("security_events")
