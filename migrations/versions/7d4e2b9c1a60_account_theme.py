"""account theme

The colour theme an account chose (`users.theme`: "light", "dark", or NULL to follow the
device's preference), so that the server renders the first HTML in it.

Revision ID: 7d4e2b9c1a60
Revises: a9d4e6f1c2b7
Create Date: 2026-12-03 11:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7d4e2b9c1a60"
down_revision = "a9d4e6f1c2b7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("theme", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("theme")
