"""Harvest sources, jobs, the per-record harvest log and job errors; an index on dataset landing pages.

Revision ID: 0002_harvest
Revises: 0001_core
Create Date: 2026-11-23 00:13:10.030327
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_harvest"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('harvest_source',
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('protocol', sa.String(length=32), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('database_id', sa.String(length=36), nullable=True),
    sa.Column('default_access_level', sa.String(length=16), nullable=False),
    sa.Column('default_licence_code', sa.String(length=64), nullable=True),
    sa.Column('auto_publish', sa.Boolean(), nullable=False),
    sa.Column('schedule', sa.String(length=16), nullable=False),
    sa.Column('filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('authoritative', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('state', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('running_job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_job_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=16), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['database_id'], ['database.id'], name=op.f('fk_harvest_source_database_id_database'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['default_licence_code'], ['licence.code'], name=op.f('fk_harvest_source_default_licence_code_licence'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_harvest_source_organization_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_source')),
    sa.UniqueConstraint('slug', name=op.f('uq_harvest_source_slug'))
    )
    with op.batch_alter_table('harvest_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_harvest_source_organization_id'), ['organization_id'], unique=False)

    op.create_table('harvest_job',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('triggered_by', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('gather_complete', sa.Boolean(), nullable=False),
    sa.Column('not_modified', sa.Boolean(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('withdrawn', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['harvest_source.id'], name=op.f('fk_harvest_job_source_id_harvest_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_job'))
    )
    with op.batch_alter_table('harvest_job', schema=None) as batch_op:
        batch_op.create_index('ix_harvest_job_source_started', ['source_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvest_job_status'), ['status'], unique=False)

    op.create_table('harvest_record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source_id', sa.String(length=36), nullable=False),
    sa.Column('remote_id', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=True),
    sa.Column('dataservice_id', sa.String(length=36), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('matched_on', sa.String(length=32), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('status_before_withdrawal', sa.String(length=16), nullable=True),
    sa.Column('first_job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('last_seen_job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('last_changed_job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataservice_id'], ['dataservice.id'], name=op.f('fk_harvest_record_dataservice_id_dataservice'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_harvest_record_dataset_id_dataset'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['harvest_source.id'], name=op.f('fk_harvest_record_source_id_harvest_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_record')),
    sa.UniqueConstraint('source_id', 'remote_id', name=op.f('uq_harvest_record_source_id'))
    )
    with op.batch_alter_table('harvest_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_harvest_record_dataservice_id'), ['dataservice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvest_record_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('harvest_error',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('remote_id', sa.String(length=500), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['harvest_job.id'], name=op.f('fk_harvest_error_job_id_harvest_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_error'))
    )
    with op.batch_alter_table('harvest_error', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_harvest_error_job_id'), ['job_id'], unique=False)

    op.create_index('ix_dataset_landing_page', 'dataset', ['landing_page'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_dataset_landing_page', table_name='dataset')

    with op.batch_alter_table('harvest_error', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvest_error_job_id'))

    op.drop_table('harvest_error')
    with op.batch_alter_table('harvest_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvest_record_dataset_id'))
        batch_op.drop_index(batch_op.f('ix_harvest_record_dataservice_id'))

    op.drop_table('harvest_record')
    with op.batch_alter_table('harvest_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvest_job_status'))
        batch_op.drop_index('ix_harvest_job_source_started')

    op.drop_table('harvest_job')
    with op.batch_alter_table('harvest_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvest_source_organization_id'))

    op.drop_table('harvest_source')
