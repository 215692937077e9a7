"""Dataset identifiers are unique per publisher, no longer across the catalogue.

A global check told a writer that another agency's hidden dataset (a draft, a withdrawn or an
unlisted one) holds an identifier; within one publisher the writer sees every record anyway.
An index on the identifier keeps the harvester's look-ups fast.

Revision ID: 0007_secweb
Revises: 0006_accounts
Create Date: 2026-12-04 14:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0007_secweb"
down_revision = "0006_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_constraint("uq_dataset_identifier", type_="unique")
        batch_op.create_unique_constraint("uq_dataset_publisher_identifier", ["publisher_id", "identifier"])
        batch_op.create_index("ix_dataset_identifier", ["identifier"], unique=False)


def downgrade() -> None:
    # fails, as it should, if two agencies now share an identifier
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_identifier")
        batch_op.drop_constraint("uq_dataset_publisher_identifier", type_="unique")
        batch_op.create_unique_constraint("uq_dataset_identifier", ["identifier"])
