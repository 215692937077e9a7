"""Harvest fidelity leftovers: a distribution keeps the identifier its source gives it (`dct:identifier`
of a distribution named by an IRI, which is its remote id).

Revision ID: 0018_fid2
Revises: 0016_conn2
Create Date: 2026-12-04 20:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_fid2"
down_revision = "0017_conv"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("distribution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identifier", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("distribution", schema=None) as batch_op:
        batch_op.drop_column("identifier")
