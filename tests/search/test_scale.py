"""Search at national scale: bounded work on broad queries, caches that survive index changes.

The figures themselves are in `bench/bench_search.py`; these tests hold what the speed-ups must not
change: the same order, exact counts, the access filter, and memory within its bound.
"""

from __future__ import annotations

import heapq
import logging
import math
import random
import uuid

from catalog import policy
from catalog.search import backend_for, postgres_backend
from catalog.search.base import FACETS, AccessFilter, SearchRequest
from catalog.search.cache import SearchCache
from catalog.search.postgres_backend import PostgresBackend
from catalog.search.text import parse_query
from catalog.search.whoosh_backend import WhooshBackend, _Generation, _positions

from ..test_tasks import redis_url  # noqa: F401  (fixture)
from .conftest import build_corpus

PUBLIC = AccessFilter.for_reader(policy.ANONYMOUS)


def _doc(n: int, title: str, *, theme: str = "SOCI", access: str = "open", published: bool = True) -> dict:
    vis = ["public"] if access == "open" else ["agency"]
    return {
        "id": f"doc-{n}", "kind": "dataset", "title_vi": title, "title_en": "", "description_vi": f"mô tả {n}",
        "description_en": "", "keywords": [], "names": "", "columns": "", "organization": ["ORG"],
        "database": [], "theme": [theme], "format": ["CSV"], "access": [access], "licence": [],
        "frequency": [], "grade": [], "vis": [*vis, "published"] if published else vis,
        "newest": n, "updated": n, "name": title.lower(), "quality": n % 100,
    }


def _ask(backend, q: str, **kw) -> object:
    return backend.search(SearchRequest(query=parse_query(q), access=kw.pop("access", PUBLIC), **kw))


# --- Whoosh ---------------------------------------------------------------------------------------

def test_bit_positions_are_those_of_the_set():
    rnd = random.Random(3)
    for size in (0, 1, 7, 8, 9, 1000, 20_000):
        docs = sorted(rnd.sample(range(size), k=size // 3)) if size else []
        assert _positions(sum(1 << d for d in docs)) == docs


def test_grouped_ranking_gives_the_order_of_scoring_each_document():
    """The ranking by groups of equal score must equal ranking document by document (as before)."""
    rnd = random.Random(5)
    size = 3000
    backend = WhooshBackend.__new__(WhooshBackend)
    gen = _Generation.__new__(_Generation)
    gen.size = size
    for _round in range(20):
        def bits() -> tuple[set[int], int]:
            docs = {d for d in range(size) if rnd.random() < rnd.choice((0.01, 0.1, 0.5))}
            return docs, sum(1 << d for d in docs)

        units_sets, units_bits = [], []
        for _u in range(rnd.randint(1, 3)):
            fields = [(bits(), rnd.choice((6.0, 3.0, 2.0, 1.0, 1.5))) for _f in range(rnd.randint(1, 6))]
            matched = set().union(*(s for (s, _b), _w in fields))
            units_sets.append((matched, [(s, w) for (s, _b), w in fields]))
            units_bits.append((sum(1 << d for d in matched), [(b, w) for (_s, b), w in fields]))
        final = set.intersection(*(m for m, _ in units_sets))
        exact, exact_bits = bits()
        phrase, phrase_bits = bits()
        upto = rnd.choice((1, 20, 100, 5000))
        scores: dict[int, float] = {}
        for matched, scored in units_sets:
            rarity = math.log(1 + size / (1 + len(matched)))
            for docs, weight in scored:
                for d in final & docs:
                    scores[d] = scores.get(d, 0.0) + weight * rarity
        expected = heapq.nlargest(upto, final, key=lambda d: (d in exact, d in phrase, scores.get(d, 0.0), d))
        got = backend._ranked(gen, sum(1 << d for d in final), units_bits, upto, [], exact_bits, phrase_bits)
        assert got == expected


def test_a_change_keeps_what_was_read_from_unchanged_segments(tmp_path):
    backend = WhooshBackend(tmp_path / "ix")
    backend.rebuild([_doc(n, f"Dân cư xã {n}", theme="SOCI" if n % 2 else "ENVI") for n in range(300)], procs=1)
    before = _ask(backend, "dân cư")
    assert before.total == 300 and before.facets["theme"] == {"SOCI": 150, "ENVI": 150}
    gen = backend._current()
    (big_sub, _offset, big_sets), = gen.leaves
    big_id = big_sub.reader().segment().segment_id()
    assert ("theme", "SOCI") in big_sets.fixed

    read_before = (dict(big_sets.fixed), dict(big_sets.text))

    # an edit (doc-1 loses its words), a deletion (doc-3) and a new record, in a new segment
    backend.update([_doc(1, "Bản đồ rừng", theme="SOCI"), _doc(999, "Dân cư phường mới", theme="ENVI")],
                   delete_ids=["doc-3"])
    after = _ask(backend, "dân cư")
    gen2 = backend._current()
    assert gen2 is not gen and len(gen2.leaves) == 2
    assert backend._segments.segments[big_id] is big_sets, "the unchanged segment's bitmaps were thrown away"
    # nothing was read again from the old segment: the same bitmaps, no new ones
    assert (big_sets.fixed, big_sets.text) == read_before
    assert all(big_sets.fixed[k] is v for k, v in read_before[0].items())
    assert after.total == 299  # 300 - doc-1 (edited away) - doc-3 (deleted) + doc-999
    assert after.facets["theme"] == {"SOCI": 148, "ENVI": 151}
    found = set(after.ids) | set(_ask(backend, "dân cư", page=2, per_page=299).ids)
    assert "doc-1" not in found and "doc-3" not in found and "doc-999" in found


def test_word_bitmaps_stay_within_their_byte_cap(tmp_path, monkeypatch):
    backend = WhooshBackend(tmp_path / "ix")
    backend.rebuild([_doc(n, f"Bảng số liệu {n} từ{n % 50}") for n in range(2000)], procs=1)
    cap = 64 * 1024
    backend._segments.text_cap = cap
    for n in range(50):
        assert _ask(backend, f"từ{n}").total == 40
    assert backend._segments.text_bytes() <= cap
    assert backend.cache_bytes() > 0


def test_what_a_harvest_leaves_behind_is_dropped_batch_after_batch(tmp_path):
    """Issue 17: a harvest changes the index batch after batch while lists are matched; the record ids
    kept per segment are only those of the index's current segments, and replaced searchers are closed."""
    backend = WhooshBackend(tmp_path / "ix")
    backend.rebuild([_doc(n, f"Dân cư xã {n}") for n in range(200)], procs=1)
    searchers = []
    for batch in range(40):
        backend.update([_doc(1000 + batch * 5 + k, f"Dân cư phường {batch} {k}") for k in range(5)])
        assert len(backend.match(parse_query("dân cư"), "dataset")) == 200 + 5 * (batch + 1)
        searchers.append(backend._generation.searcher)
    current = {leaf.segment().segment_id() for leaf, _base in backend._generation.searcher.reader().leaf_readers()}
    assert set(backend._segment_ids) == current
    assert set(backend._segments.segments) <= current
    assert all(s.is_closed for s in searchers[:-1]) and not searchers[-1].is_closed


def test_an_empty_access_set_never_means_no_filter(tmp_path):
    backend = WhooshBackend(tmp_path / "ix")
    backend.rebuild([_doc(n, f"Hồ sơ nội bộ {n}", access="restricted") for n in range(5)], procs=1)
    assert backend.suggest(parse_query("hồ"), PUBLIC) == []
    assert _ask(backend, "hồ sơ").total == 0


# --- PostgreSQL -----------------------------------------------------------------------------------

def test_broad_queries_rank_a_capped_candidate_set_with_exact_counts(pg_seeded_app, monkeypatch):
    """Past the cap, only candidates are ranked; the title tier keeps title matches first and
    every count stays that of all matches."""
    with pg_seeded_app.app_context():
        corpus = build_corpus(pg_seeded_app)
        backend = backend_for(pg_seeded_app)
        full = [_ask(backend, "khoáng sản", per_page=1, page=p) for p in (1, 2)]
        monkeypatch.setattr(postgres_backend, "RANK_CANDIDATES", 1)
        capped = [_ask(backend, "khoáng sản", per_page=1, page=p) for p in (1, 2)]
    assert [h.ids for h in capped] == [h.ids for h in full] == [[corpus.ids["title_hit"]], [corpus.ids["desc_hit"]]]
    for c, f in zip(capped, full, strict=True):
        assert (c.total, c.kinds, c.facets) == (f.total, f.kinds, f.facets)
        assert c.total == 2 and set(c.facets) == set(FACETS)


def test_the_shared_cache_answers_again_and_sees_changes_at_once(pg_seeded_app, redis_url, monkeypatch):  # noqa: F811
    namespace = f"test:{uuid.uuid4().hex}"
    with pg_seeded_app.app_context():
        corpus = build_corpus(pg_seeded_app)
        engine = backend_for(pg_seeded_app).engine
        one = PostgresBackend(engine, SearchCache(redis_url, 30, namespace=namespace))
        two = PostgresBackend(engine, SearchCache(redis_url, 30, namespace=namespace))
        first = _ask(one, "khoáng sản")
        assert first.total == 2

        calls = []
        real = two._search
        monkeypatch.setattr(two, "_search", lambda request: calls.append(1) or real(request))
        again = _ask(two, "khoáng sản")
        assert (again.ids, again.total, again.facets, again.kinds) == (first.ids, first.total, first.facets,
                                                                       first.kinds)
        assert calls == [], "the second process did not use the shared answer"
        # another access scope is another answer
        officer = AccessFilter.for_reader(corpus.reader("BXD"))
        _ask(two, "khoáng sản", access=officer)
        assert calls == [1]

        # a change through one process: the other's next search sees it
        one.update([], delete_ids=[corpus.ids["desc_hit"]])
        after = _ask(two, "khoáng sản")
        assert after.total == 1 and after.ids == [corpus.ids["title_hit"]]
        assert calls == [1, 1]


def test_an_unreachable_cache_only_costs_its_speed(pg_seeded_app, caplog):
    with pg_seeded_app.app_context():
        build_corpus(pg_seeded_app)
        engine = backend_for(pg_seeded_app).engine
        backend = PostgresBackend(engine, SearchCache("redis://127.0.0.1:1/0", 30))
        with caplog.at_level(logging.WARNING, logger="catalog.search.cache"):
            assert _ask(backend, "khoáng sản").total == 2
    assert "searching without it" in caplog.text
