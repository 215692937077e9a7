"""Accounts: token scopes, forced password change, single-use links (invitations, password resets).

Existing tokens keep what they could do before: every scope their owner may hold (read, write and
harvest for everyone; admin too for site administrators and agency stewards), and no new expiry.

Revision ID: 0006_accounts
Revises: 0005_sharing
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import catalog.models.base

revision = "0006_accounts"
down_revision = "0005_sharing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=100), server_default="read", nullable=False))
    op.execute("UPDATE api_token SET scopes = 'read write harvest'")
    op.execute(
        "UPDATE api_token SET scopes = 'read write harvest admin' WHERE user_id IN ("
        " SELECT id FROM user_account WHERE is_admin = true"
        " UNION SELECT user_id FROM membership WHERE role = 'steward')"
    )
    op.create_table(
        "account_link",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=True),
        sa.Column("created_at", catalog.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", catalog.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", catalog.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_account_link_organization_id_organization"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_account_link_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_link_token_hash")),
    )
    with op.batch_alter_table("account_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_link_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_link_user_id"))
    op.drop_table("account_link")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("scopes")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
