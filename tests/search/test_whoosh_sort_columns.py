"""The sort-only numbers of the Whoosh index (newest, updated, quality) are one term each, not
Whoosh's range tiers (a third of every document's postings, written by every harvest), and the
lists still sort on them, negative quality scores too."""

from __future__ import annotations

from catalog.search.base import AccessFilter, SearchRequest
from catalog.search.text import parse_query
from catalog.search.whoosh_backend import FACETS, WhooshBackend, make_schema

#: id -> (newest, updated, quality)
STAMPS = {"a": (300, 10, -1), "b": (100, 30, 92), "c": (200, 20, 55), "d": (2**62, 5, 7)}


def _doc(doc_id: str, newest: int, updated: int, quality: int) -> dict:
    return {"id": doc_id, "kind": "dataset", "title_vi": f"Dữ liệu {doc_id}", "title_en": "", "description_vi": "",
            "description_en": "", "keywords": [], "names": "", "columns": "", "vis": ["published", "public"],
            **{f: [] for f in FACETS}, "newest": newest, "updated": updated, "quality": quality, "name": doc_id}


def test_sort_numbers_are_one_term_each():
    schema = make_schema()
    for name, value in (("newest", 1_733_300_000_000_000), ("updated", 5), ("quality", -1)):
        assert len(list(schema[name].index(value))) == 1, name


def test_lists_sort_on_the_numbers(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    backend.rebuild([])
    backend.update([_doc(k, *v) for k, v in STAMPS.items()])

    def order(sort: str) -> list[str]:
        hits = backend.search(SearchRequest(parse_query(""), AccessFilter(tokens=None), sort=sort, want_facets=False))
        return hits.ids

    assert order("newest") == ["d", "a", "c", "b"]
    assert order("updated") == ["b", "c", "a", "d"]
    assert order("quality") == ["b", "c", "d", "a"]
