"""Search at national scale on PostgreSQL: a title tier and one facet array per search document.

`tsv_title` holds the title and keyword lexemes only (weights A and B of `tsv`): broad queries
pick the candidates they rank from it, with its own GIN index. `facet_keys` holds every facet
value of a document as `facet=value`, so that all facet counts are one grouped pass over the
matched rows. Both are filled here from the existing documents (`ts_filter` keeps the weights
A and B of `tsv`), so no reindex is needed.

Revision ID: 0021_searchperf
Revises: 0016_conn2
Create Date: 2026-12-04 20:20:00
"""

# ruff: noqa: S608 -- SQL from constant column names only
from __future__ import annotations

from alembic import op

revision = "0021_searchperf"
down_revision = "0020_webperf"
branch_labels = None
depends_on = None

FACETS = ("organization", "database", "theme", "format", "access", "licence", "frequency", "grade")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_document ADD COLUMN tsv_title tsvector NOT NULL DEFAULT ''::tsvector")
    op.execute("ALTER TABLE search_document ADD COLUMN facet_keys text[] NOT NULL DEFAULT '{}'")
    keys = " || ".join(f"ARRAY(SELECT '{f}=' || v FROM unnest({f}) AS v)" for f in FACETS)
    op.execute(f"UPDATE search_document SET tsv_title = ts_filter(tsv, '{{a,b}}'), facet_keys = {keys}")
    op.execute("CREATE INDEX ix_search_document_tsv_title ON search_document USING gin (tsv_title)")
    op.execute("CREATE INDEX ix_search_document_newest ON search_document (newest DESC, id)")
    op.execute("CREATE INDEX ix_search_document_name ON search_document (name)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_document_name")
    op.execute("DROP INDEX IF EXISTS ix_search_document_newest")
    op.execute("DROP INDEX IF EXISTS ix_search_document_tsv_title")
    op.execute("ALTER TABLE search_document DROP COLUMN IF EXISTS facet_keys")
    op.execute("ALTER TABLE search_document DROP COLUMN IF EXISTS tsv_title")
