"""PostgreSQL full-text search: the `catalog_vi` text search configuration and the search tables.

On SQLite this revision does nothing: the embedded default searches with a Whoosh index under
`instance/`. On PostgreSQL it needs the `unaccent` and `fuzzystrmatch` extensions (shipped with
PostgreSQL's contrib package; creating them needs a role allowed to, e.g. the database owner on
PostgreSQL 13+ for these trusted extensions). After upgrading, run `flask --app catalog search reindex`.

Revision ID: 0003_search
Revises: 0002_harvest
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0003_search"
down_revision = "0002_harvest"
branch_labels = None
depends_on = None

FACETS = ("organization", "database", "theme", "format", "access", "licence", "frequency", "grade")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.execute("""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'catalog_vi') THEN
                CREATE TEXT SEARCH CONFIGURATION catalog_vi (COPY = simple);
                ALTER TEXT SEARCH CONFIGURATION catalog_vi
                    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
            END IF;
        END $$
    """)
    facet_columns = ",\n".join(f"{f} text[] NOT NULL DEFAULT '{{}}'" for f in FACETS)
    op.execute(f"""
        CREATE TABLE search_document (
            id varchar(36) PRIMARY KEY,
            kind varchar(16) NOT NULL,
            label text NOT NULL,
            {facet_columns},
            vis text[] NOT NULL DEFAULT '{{}}',
            newest bigint NOT NULL DEFAULT 0,
            updated bigint NOT NULL DEFAULT 0,
            quality integer NOT NULL DEFAULT -1,
            name text NOT NULL DEFAULT '',
            tsv tsvector NOT NULL,
            tsv_exact tsvector NOT NULL
        )
    """)
    op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")
    op.execute("CREATE INDEX ix_search_document_vis ON search_document USING gin (vis)")
    op.execute("CREATE INDEX ix_search_document_kind ON search_document (kind)")
    op.execute("CREATE TABLE search_word (word text PRIMARY KEY)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_word")
    op.execute("DROP TABLE IF EXISTS search_document")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS catalog_vi")
