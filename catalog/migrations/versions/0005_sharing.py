"""Sharing requests, their items and agreements; the notification inbox.

Revision ID: 0005_sharing
Revises: 0004_quality
Create Date: 2026-12-02 01:17:01.259013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import catalog.models.base

revision = "0005_sharing"
down_revision = "0004_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', catalog.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('sharing_request',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requester_org_id', sa.String(length=36), nullable=False),
    sa.Column('provider_org_id', sa.String(length=36), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=True),
    sa.Column('submitted_by_id', sa.String(length=36), nullable=True),
    sa.Column('requester_identifier', sa.String(length=64), nullable=True),
    sa.Column('application', sa.String(length=300), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('intended_use', sa.Text(), nullable=True),
    sa.Column('service_id', sa.String(length=36), nullable=True),
    sa.Column('frequency', sa.String(length=16), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=64), nullable=True),
    sa.Column('special_reason', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('methods', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('limits_of_use', sa.Text(), nullable=True),
    sa.Column('protection_commitment', sa.Boolean(), nullable=False),
    sa.Column('security_measures', sa.Text(), nullable=True),
    sa.Column('retention_deletion', sa.Text(), nullable=True),
    sa.Column('attachment_path', sa.String(length=500), nullable=True),
    sa.Column('attachment_name', sa.String(length=300), nullable=True),
    sa.Column('attachment_size', sa.BigInteger(), nullable=True),
    sa.Column('attachment_sha256', sa.String(length=64), nullable=True),
    sa.Column('submitted_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('remaining_working_days', sa.Integer(), nullable=True),
    sa.Column('info_request', sa.Text(), nullable=True),
    sa.Column('info_response', sa.Text(), nullable=True),
    sa.Column('decided_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.String(length=36), nullable=True),
    sa.Column('decision_reasons', sa.Text(), nullable=True),
    sa.Column('decision_legal_basis', sa.Text(), nullable=True),
    sa.Column('overdue_flagged_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalation_reason', sa.Text(), nullable=True),
    sa.Column('renewal_of_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', catalog.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', catalog.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_sharing_request_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_sharing_request_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_org_id'], ['organization.id'], name=op.f('fk_sharing_request_provider_org_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requester_org_id'], ['organization.id'], name=op.f('fk_sharing_request_requester_org_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['service_id'], ['dataservice.id'], name=op.f('fk_sharing_request_service_id_dataservice'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_sharing_request_submitted_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_request')),
    sa.UniqueConstraint('number', name=op.f('uq_sharing_request_number'))
    )
    with op.batch_alter_table('sharing_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_request_due_at'), ['due_at'], unique=False)
        batch_op.create_index('ix_sharing_request_provider_status', ['provider_org_id', 'status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_request_renewal_of_id'), ['renewal_of_id'], unique=False)
        batch_op.create_index('ix_sharing_request_requester_status', ['requester_org_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_request_status'), ['status'], unique=False)

    op.create_table('sharing_agreement',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requester_org_id', sa.String(length=36), nullable=False),
    sa.Column('provider_org_id', sa.String(length=36), nullable=False),
    sa.Column('partial', sa.Boolean(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('methods', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=True),
    sa.Column('limits_of_use', sa.Text(), nullable=True),
    sa.Column('security_measures', sa.Text(), nullable=True),
    sa.Column('retention_deletion', sa.Text(), nullable=True),
    sa.Column('decided_at', catalog.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('connection_details', sa.Text(), nullable=True),
    sa.Column('suspension_reason', sa.String(length=16), nullable=True),
    sa.Column('suspension_note', sa.Text(), nullable=True),
    sa.Column('suspended_from', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspended_until', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspension_announced_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('termination_ground', sa.String(length=32), nullable=True),
    sa.Column('termination_note', sa.Text(), nullable=True),
    sa.Column('deletion_confirmed_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('renewed_count', sa.Integer(), nullable=False),
    sa.Column('end_notified_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', catalog.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', catalog.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_org_id'], ['organization.id'], name=op.f('fk_sharing_agreement_provider_org_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['request_id'], ['sharing_request.id'], name=op.f('fk_sharing_agreement_request_id_sharing_request'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requester_org_id'], ['organization.id'], name=op.f('fk_sharing_agreement_requester_org_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_agreement')),
    sa.UniqueConstraint('number', name=op.f('uq_sharing_agreement_number')),
    sa.UniqueConstraint('request_id', name=op.f('uq_sharing_agreement_request_id'))
    )
    with op.batch_alter_table('sharing_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_agreement_provider_org_id'), ['provider_org_id'], unique=False)
        batch_op.create_index('ix_sharing_agreement_requester_status', ['requester_org_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_agreement_status'), ['status'], unique=False)

    op.create_table('sharing_request_item',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('columns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('granted', sa.Boolean(), nullable=True),
    sa.Column('granted_columns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_sharing_request_item_dataset_id_dataset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['sharing_request.id'], name=op.f('fk_sharing_request_item_request_id_sharing_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_request_item'))
    )
    with op.batch_alter_table('sharing_request_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_request_item_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharing_request_item_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sharing_request_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_request_item_request_id'))
        batch_op.drop_index(batch_op.f('ix_sharing_request_item_dataset_id'))

    op.drop_table('sharing_request_item')
    with op.batch_alter_table('sharing_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_agreement_status'))
        batch_op.drop_index('ix_sharing_agreement_requester_status')
        batch_op.drop_index(batch_op.f('ix_sharing_agreement_provider_org_id'))

    op.drop_table('sharing_agreement')
    with op.batch_alter_table('sharing_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_request_status'))
        batch_op.drop_index('ix_sharing_request_requester_status')
        batch_op.drop_index(batch_op.f('ix_sharing_request_renewal_of_id'))
        batch_op.drop_index('ix_sharing_request_provider_status')
        batch_op.drop_index(batch_op.f('ix_sharing_request_due_at'))

    op.drop_table('sharing_request')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')

    op.drop_table('notification')
