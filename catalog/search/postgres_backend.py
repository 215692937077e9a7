"""The server-mode search backend: PostgreSQL full-text search next to the registry.

Documents live in `search_document` (created by migration 0003_search on PostgreSQL only), with
a weighted `tsvector` built by the `catalog_vi` text search configuration (`unaccent` then
`simple`: "Đất đai" and "dat dai" give the same lexemes) plus English stems, and a GIN index.
The access filter, the facet filters, the counts and the page are all computed in SQL on the
same WHERE clause, so nothing the reader may not see is ever counted.
"""

# ruff: noqa: S608 -- SQL here is assembled from constant column names and `:name` placeholders;
# every value a reader types travels as a bound parameter.
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine, bindparam, column, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.selectable import TextualSelect
from sqlalchemy.types import String

from .base import ALL, FACETS, KINDS, AccessFilter, SearchHits, SearchRequest, Suggestion
from .cache import SearchCache
from .text import ParsedQuery, words

CONFIG = "catalog_vi"
_LEXEME = re.compile(r"^\w+$")

_TSV = (
    f"setweight(to_tsvector('{CONFIG}', :title), 'A')"
    f" || setweight(to_tsvector('{CONFIG}', :keywords), 'B')"
    f" || setweight(to_tsvector('{CONFIG}', :names), 'C')"
    f" || setweight(to_tsvector('english', :english), 'C')"
    f" || setweight(to_tsvector('{CONFIG}', :description), 'D')"
)
_TSV_TITLE = (f"setweight(to_tsvector('{CONFIG}', :title), 'A')"
              f" || setweight(to_tsvector('{CONFIG}', :keywords), 'B')")
_FACET_COLUMNS = ", ".join(FACETS)
_FACET_PARAMS = ", ".join(f":{f}" for f in FACETS)
_UPSERT = text(f"""
    INSERT INTO search_document (id, kind, label, {_FACET_COLUMNS}, vis, newest, updated, quality, name,
                                 tsv, tsv_exact, tsv_title, facet_keys)
    VALUES (:id, :kind, :label, {_FACET_PARAMS}, :vis, :newest, :updated, :quality, :name,
            {_TSV}, to_tsvector('simple', :title_exact), {_TSV_TITLE}, :facet_keys)
    ON CONFLICT (id) DO UPDATE SET
        kind = EXCLUDED.kind, label = EXCLUDED.label,
        {", ".join(f"{f} = EXCLUDED.{f}" for f in FACETS)},
        vis = EXCLUDED.vis, newest = EXCLUDED.newest, updated = EXCLUDED.updated,
        quality = EXCLUDED.quality, name = EXCLUDED.name, tsv = EXCLUDED.tsv, tsv_exact = EXCLUDED.tsv_exact,
        tsv_title = EXCLUDED.tsv_title, facet_keys = EXCLUDED.facet_keys
""")
#: a broad query ranks at most this many candidates (or the rows up to the page asked, if more)
RANK_CANDIDATES = 200
#: memory for one search's matched rows and its sorts (PostgreSQL's default 4 MB spilled the
#: matches of a broad word at 100,000 datasets to temporary files)
WORK_MEM = "32MB"
_WORDS = text("INSERT INTO search_word (word) SELECT unnest(CAST(:words AS text[])) ON CONFLICT DO NOTHING")
_ARRAY = ARRAY(String)


def _params(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "kind": doc["kind"],
        "label": doc["title_vi"],
        **{f: list(doc[f]) for f in FACETS},
        "vis": list(doc["vis"]),
        "newest": int(doc["newest"]),
        "updated": int(doc["updated"]),
        "quality": int(doc["quality"]),
        "name": doc["name"],
        "title": f"{doc['title_vi']} {doc['title_en']}",
        "keywords": " ".join(doc["keywords"]),
        "names": doc["names"],
        "english": f"{doc['title_en']} {doc['description_en']}",
        "description": f"{doc['description_vi']} {doc['description_en']} {doc['columns']}",
        "title_exact": f"{doc['title_vi']} {' '.join(doc['keywords'])}",
        "facet_keys": [f"{f}={v}" for f in FACETS for v in doc[f]],
    }


def _vocabulary(doc: dict[str, Any]) -> set[str]:
    return {w for w in words(f"{doc['title_vi']} {doc['title_en']} {doc['description_vi']} "
                             f"{doc['description_en']} {' '.join(doc['keywords'])}") if len(w) > 1}


class PostgresBackend:
    name = "postgres"

    def __init__(self, engine: Engine, cache: SearchCache | None = None) -> None:
        self.engine = engine
        #: answers shared by every web process for a short time (server mode, see `cache.py`)
        self.cache = cache

    def _changed(self) -> None:
        if self.cache is not None:
            self.cache.changed()

    # --- writing ---------------------------------------------------------------------------------

    def _write(self, conn: Any, docs: list[dict[str, Any]]) -> None:
        if not docs:
            return
        conn.execute(_UPSERT.bindparams(*(bindparam(f, type_=_ARRAY) for f in (*FACETS, "vis", "facet_keys"))),
                     [_params(d) for d in docs])
        vocabulary: set[str] = set()
        for d in docs:
            vocabulary |= _vocabulary(d)
        conn.execute(_WORDS, {"words": sorted(vocabulary)})

    def update(self, documents: Iterable[dict[str, Any]], delete_ids: Iterable[str] = ()) -> None:
        docs = list(documents)
        gone = list(delete_ids)
        with self.engine.begin() as conn:
            if gone:
                conn.execute(text("DELETE FROM search_document WHERE id = ANY(:ids)"), {"ids": gone})
            self._write(conn, docs)
        self._changed()

    def rebuild(self, documents: Iterable[dict[str, Any]], progress: Callable[[int], None] | None = None,
                batch: int = 1000) -> int:
        """One transaction: readers keep the old documents until it commits; a crash rolls it back."""
        count = 0
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM search_document"))
            conn.execute(text("DELETE FROM search_word"))
            pending: list[dict[str, Any]] = []
            for doc in documents:
                pending.append(doc)
                if len(pending) >= batch:
                    self._write(conn, pending)
                    count += len(pending)
                    if progress:
                        progress(len(pending))
                    pending = []
            self._write(conn, pending)
            count += len(pending)
            if progress and pending:
                progress(len(pending))
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE search_document"))
        self._changed()
        return count

    def clear(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM search_document"))
            conn.execute(text("DELETE FROM search_word"))
        self._changed()

    def check(self) -> None:
        """Read the search table once (for /healthz); raises when it cannot be read."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM search_document LIMIT 1"))

    def ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.scalars(text("SELECT id FROM search_document")))

    def size_bytes(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(text("SELECT pg_total_relation_size('search_document')")) or 0)

    # --- reading ---------------------------------------------------------------------------------

    @staticmethod
    def _tsquery(parsed: ParsedQuery, params: dict[str, Any], prefix: str = "u") -> str:
        parts = []
        for n, unit in enumerate(parsed.units):
            name = f"{prefix}{n}"
            params[name] = " ".join(unit)
            if len(unit) == 1:
                parts.append(f"(plainto_tsquery('{CONFIG}', :{name}) || plainto_tsquery('english', :{name}))")
            else:
                parts.append(f"phraseto_tsquery('{CONFIG}', :{name})")
        return " && ".join(parts)

    @staticmethod
    def _access(access: AccessFilter, params: dict[str, Any]) -> str:
        clause = "vis @> ARRAY['published']"
        if access.tokens is None:
            return clause
        params["tokens"] = sorted(access.tokens)
        if access.granted:
            params["granted"] = sorted(access.granted)
            return f"{clause} AND (vis && CAST(:tokens AS text[]) OR id = ANY(CAST(:granted AS text[])))"
        return f"{clause} AND vis && CAST(:tokens AS text[])"

    def search(self, request: SearchRequest) -> SearchHits:
        """The answer from the shared cache when configured and fresh, else from the database."""
        version = self.cache.version() if self.cache is not None else None
        if version is not None:
            hits = self.cache.get(version, request)  # type: ignore[union-attr]
            if hits is not None:
                return hits
        hits = self._search(request)
        if version is not None:
            self.cache.put(version, request, hits)  # type: ignore[union-attr]
        return hits

    def _search(self, request: SearchRequest) -> SearchHits:
        """One statement, one pass over the matched rows: the counts, then the page from them.

        The matched rows are found through the GIN index and kept narrow (no text vectors); the
        counts (per kind, the total, every facet value: one `unnest` of `facet_keys`) are exact.
        Ranking is what grows with broad queries, so only `RANK_CANDIDATES` candidates are ranked
        (or as many rows as the page asked needs): exact titles first, then titles holding the
        words as a phrase, then titles or keywords holding the words (`tsv_title`: weights A and
        B), newest first. When fewer documents match, every match is a candidate, so the order
        is exactly that of ranking them all.
        """
        params: dict[str, Any] = {"kind": request.kind}
        access = self._access(request.access, params)
        where = [access]
        rank = "0"
        tsquery = ""
        if not request.query.empty:
            tsquery = self._tsquery(request.query, params)
            # With words, the rows come from the GIN index on `tsv` alone and the access filter is
            # checked on each of them (`IS TRUE` keeps the planner off the `vis` index). Left to
            # itself, for broad words the planner took the rows every reader may see from the `vis`
            # index and tested the words on each one, reading each row's text vector out of line:
            # 430 of 640 ms for a word in every title at 100,000 datasets.
            where = [f"({access}) IS TRUE", f"tsv @@ ({tsquery})"]
            rank = f"ts_rank(d.tsv, ({tsquery}))"
            if request.query.accented:
                params["exact"] = " ".join(w for unit in request.query.exact_units for w in unit)
                rank += " + 0.5 * ts_rank(d.tsv_exact, plainto_tsquery('simple', :exact))"
        match = " AND ".join(where)
        facet_where = ["TRUE" if request.kind == ALL else "kind = :kind"]
        for facet, values in request.filters.items():
            values = [v for v in values if v]
            if facet in FACETS and values:
                params[f"f_{facet}"] = values
                facet_where.append(f"{facet} && CAST(:f_{facet} AS text[])")
        narrowed = " AND ".join(facet_where)
        sort = request.sort
        if sort == "relevance" and request.query.empty:
            sort = "newest"
        page, per_page = max(1, request.page), max(1, request.per_page)
        params.update(first=(page - 1) * per_page, last=page * per_page,
                      cap=max(RANK_CANDIDATES, page * per_page))
        picked = ""
        if sort == "relevance":
            # exact title, title phrase, words in the title or keywords: what the candidates are picked by
            params["title_forms"] = request.query.title_forms()
            lexemes = [w for w in request.query.phrase_words() if _LEXEME.match(w)]
            phrase = "FALSE"
            if len(lexemes) > 1:
                # title words carry weight A; `<->` asks for them next to each other, in order
                params["title_phrase"] = " <-> ".join(f"'{w}':A" for w in lexemes)
                phrase = "tsv_title @@ to_tsquery('simple', :title_phrase)"
            picked = (", name = ANY(CAST(:title_forms AS text[])) AS t_exact, "
                      f"{phrase} AS t_phrase, tsv_title @@ ({tsquery}) AS t_title")
            pick = "t_exact DESC, t_phrase DESC, t_title DESC, newest DESC, id"
            order = f"c.t_exact DESC, c.t_phrase DESC, {rank} DESC, d.newest DESC, d.id"
        else:
            pick = {
                "newest": "newest DESC, id",
                "updated": "updated DESC, id",
                "name": "name, id",
                "quality": "quality DESC, name, id",
            }[sort]
            order = ", ".join(f"c.{term}" for term in pick.split(", "))
        sql = (f"WITH m AS MATERIALIZED (SELECT id, kind, facet_keys, ({narrowed}) AS keep, newest, updated, "
               f"quality, name{picked} FROM search_document WHERE {match}), "
               f"c AS (SELECT * FROM m WHERE keep ORDER BY {pick} LIMIT :cap), "
               f"p AS (SELECT d.id, d.kind, ROW_NUMBER() OVER (ORDER BY {order}) AS pos "
               "FROM c JOIN search_document d ON d.id = c.id) "
               "SELECT 'kind' AS section, kind AS value, count(*) AS n FROM m GROUP BY kind "
               "UNION ALL SELECT 'total', NULL, count(*) FROM m WHERE keep "
               "UNION ALL SELECT 'page:' || kind, id, pos FROM p WHERE pos > :first AND pos <= :last")
        if request.want_facets:
            sql += (" UNION ALL SELECT 'facet', k, count(*) "
                    "FROM (SELECT unnest(facet_keys) AS k FROM m WHERE keep) AS u GROUP BY k")
        kinds: dict[str, int] = dict.fromkeys(KINDS, 0)
        facets: dict[str, dict[str, int]] = {f: {} for f in FACETS} if request.want_facets else {}
        total = 0
        rows: list[tuple[int, str, str]] = []
        with self.engine.begin() as conn:
            # the matched rows come from the GIN index, never from reading every row's vectors
            # (the planner's estimate of `@@` makes it pick a sequential scan for broad words)
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            # that setting makes every plan with a sequential scan look 10^10 times dearer, which
            # sets off JIT compilation (tens of ms) for a query that runs in less
            conn.execute(text("SET LOCAL jit = off"))
            # the matched rows of a broad query (tens of thousands) stay in memory, not in temp files
            conn.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
            for section, value, n in conn.execute(text(sql), params):
                if section == "kind":
                    kinds[value] = n
                elif section == "total":
                    total = n
                elif section == "facet":
                    facet, _, code = value.partition("=")
                    if facet in facets:
                        facets[facet][code] = n
                else:
                    rows.append((n, value, section.removeprefix("page:")))
        rows.sort()
        return SearchHits(ids=[r[1] for r in rows], total=total, facets=facets, kinds=kinds,
                          id_kinds=[r[2] for r in rows])

    def match(self, query: ParsedQuery, kind: str) -> TextualSelect:
        """A select of the matching ids, run inside the list's own query (same database)."""
        # the names of these parameters must not meet those of the list's query
        params: dict[str, Any] = {}
        tsquery = self._tsquery(query, params, prefix="match_u")
        sql = text(f"SELECT id FROM search_document WHERE kind = :match_kind AND tsv @@ ({tsquery})")
        return sql.bindparams(match_kind=kind, **params).columns(column("id", String))

    def suggest(self, prefix: ParsedQuery, access: AccessFilter, limit: int = 8) -> list[Suggestion]:
        lexemes = [w for w in prefix.folded_words() if _LEXEME.match(w)]
        if not lexemes or (len(lexemes) == 1 and len(lexemes[0]) < 2):
            return []
        params: dict[str, Any] = {"limit": limit}
        # titles only, as in Whoosh: the title is the tsvector's weight A
        terms = [f"'{w}':A" for w in lexemes[:-1]] + [f"'{lexemes[-1]}':*A"]
        params["q"] = " & ".join(terms)
        sql = (f"SELECT id, kind, label FROM search_document WHERE {self._access(access, params)} "
               f"AND tsv @@ to_tsquery('simple', :q) ORDER BY ts_rank(tsv, to_tsquery('simple', :q)) DESC, "
               f"newest DESC LIMIT :limit")
        with self.engine.connect() as conn:
            return [Suggestion(id=r.id, kind=r.kind, title=r.label) for r in conn.execute(text(sql), params)]

    def correct(self, word: str) -> str | None:
        with self.engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM search_word WHERE word = :w"), {"w": word}):
                return None
            if len(word) < 3:
                return None
            return conn.scalar(text(
                "SELECT word FROM search_word WHERE left(word, 1) = left(:w, 1) "
                "AND length(word) BETWEEN length(:w) - 2 AND length(:w) + 2 "
                "AND levenshtein_less_equal(word, :w, :d) <= :d "
                "ORDER BY levenshtein(word, :w), abs(length(word) - length(:w)), word LIMIT 1"),
                {"w": word, "d": 1 if len(word) < 6 else 2})
