"""Job log lines keep their code and parameters, so that pages say them in the reader's language.

Revision ID: 0008_texts
Revises: 0007_secweb
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_texts"
down_revision = "0007_secweb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("harvest_error", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column(
            "params", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("harvest_error", schema=None) as batch_op:
        batch_op.drop_column("params")
        batch_op.drop_column("code")
