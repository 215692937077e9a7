"""The embedded search backend: a Whoosh index under `instance/`.

Plain Whoosh is slow at facets, filters and scoring large result sets (p95 near a second at
100,000 datasets). Here Whoosh stores the postings, and queries are set operations in C: every
filter (the access policy, the kind, each facet value) and every query word is a set of document
numbers read once per index generation and cached; facet counts are popcounts of bitmaps; and
relevance is summed from those sets over the candidates of the page asked for.

The index lives in a generation folder named by `CURRENT`; a rebuild writes a new generation
and swaps the pointer atomically, so a crash during a rebuild leaves the old index in service.
"""

from __future__ import annotations

import heapq
import logging
import math
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import fields, index, query
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.sorting import FieldFacet

from ..text import fold
from .base import ALL, FACETS, KINDS, AccessFilter, SearchHits, SearchRequest, Suggestion
from .text import ParsedQuery

log = logging.getLogger(__name__)


def _cached_column_reader(self: W3PerDocReader, fieldname: str, column: Any) -> Any:
    """Whoosh-reloaded 2.7.5 asks the file system whether a length column exists on every posting of
    a field that has none (ID and keyword fields): ~50 stat() calls per document written, most of a
    harvest's time. A segment's files never change once written, so the answer is cached, "no" too."""
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


W3PerDocReader._cached_reader = _cached_column_reader


@lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    return fold(word)


class FoldFilter(Filter):
    """Vietnamese folding: tone marks and other diacritics off, "đ" to "d"."""

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        for t in tokens:
            t.text = _fold_word(t.text)
            yield t


_TOKENS = r"\w+"
FOLDED = RegexTokenizer(_TOKENS) | LowercaseFilter() | FoldFilter()
EXACT = RegexTokenizer(_TOKENS) | LowercaseFilter()
ENGLISH = StemmingAnalyzer(expression=_TOKENS)

#: text field -> weight of a match there (titles weigh more than descriptions)
TEXT_WEIGHTS = {"title": 6.0, "keywords": 3.0, "names": 2.0, "description": 1.0, "columns": 1.0}
PHRASE_FIELDS = ("title", "keywords", "names", "description")
ENGLISH_WEIGHT = 1.5
EXACT_WEIGHT = 4.0
#: how many words' document sets a searcher keeps between queries
TEXT_CACHE_SIZE = 5000


def make_schema() -> fields.Schema:
    return fields.Schema(
        # columns too (sortable): the lists read the ids of thousands of matches at once
        id=fields.ID(stored=True, unique=True, sortable=True),
        kind=fields.ID(stored=True, sortable=True),
        label=fields.STORED(),
        title=fields.TEXT(analyzer=FOLDED, phrase=True),
        title_exact=fields.TEXT(analyzer=EXACT, phrase=False),
        keywords=fields.TEXT(analyzer=FOLDED, phrase=True),
        names=fields.TEXT(analyzer=FOLDED, phrase=True),
        description=fields.TEXT(analyzer=FOLDED, phrase=True),
        columns=fields.TEXT(analyzer=FOLDED, phrase=False),
        english=fields.TEXT(analyzer=ENGLISH, phrase=False),
        vis=fields.KEYWORD(commas=True, scorable=False),
        **{f: fields.KEYWORD(commas=True, scorable=False) for f in FACETS},
        # only sorted on (their columns), never searched by range: one term each, not Whoosh's
        # 8-16 range tiers (a third of a document's postings, of a harvest's index writing)
        newest=fields.NUMERIC(int, bits=64, sortable=True, shift_step=0),
        updated=fields.NUMERIC(int, bits=64, sortable=True, shift_step=0),
        quality=fields.NUMERIC(int, sortable=True, signed=True, shift_step=0),
        name=fields.ID(sortable=True),
    )


def _fields_of(doc: dict[str, Any]) -> dict[str, Any]:
    """A registry document as Whoosh field values."""

    def kw(values: Iterable[str]) -> str:
        return ",".join(v.replace(",", " ") for v in values if v)

    return {
        "id": doc["id"],
        "kind": doc["kind"],
        "label": doc["title_vi"],
        "title": f"{doc['title_vi']}\n{doc['title_en']}",
        "title_exact": f"{doc['title_vi']}\n{' '.join(doc['keywords'])}",
        "keywords": "\n".join(doc["keywords"]),
        "names": doc["names"],
        "description": f"{doc['description_vi']}\n{doc['description_en']}",
        "columns": doc["columns"],
        "english": f"{doc['title_en']}\n{doc['description_en']}",
        "vis": kw(doc["vis"]),
        **{f: kw(doc[f]) for f in FACETS},
        "newest": int(doc["newest"]),
        "updated": int(doc["updated"]),
        "quality": int(doc["quality"]),
        "name": doc["name"] or "~",
    }


def _bitmap(docnums: Iterable[int], size: int) -> int:
    bits = bytearray((size >> 3) + 1)
    for d in docnums:
        bits[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(bits, "little")


class _Generation:
    """A searcher on one state of the index, with the filter sets read from it."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self._sets: dict[tuple[str, str], set[int]] = {}
        self._bitmaps: dict[tuple[str, str], int] = {}
        self._access: dict[Any, set[int]] = {}
        self._text: dict[tuple[str, str], set[int]] = {}
        self._stored: dict[int, tuple[str, str]] = {}
        self._id_column: Any = None
        self.lock = threading.Lock()

    def id_kind(self, docnum: int) -> tuple[str, str]:
        """A document's record id and kind (read once per generation)."""
        found = self._stored.get(docnum)
        if found is None:
            stored = self.searcher.stored_fields(docnum)
            found = (stored["id"], stored["kind"])
            self._stored[docnum] = found
        return found

    def ids_of(self, docnums: Iterable[int], by_segment: dict[str, list[str]]) -> list[str]:
        """Record ids of many documents, from the `id` column of each segment.

        Segments never change once written, so `by_segment` (kept by the backend across
        generations) is read once per segment: after an edit only the new, small segment is.
        Indexes built before the column existed fall back to the stored fields.
        """
        if self._id_column is None:
            column: list[str] = []
            for leaf, _base in self.searcher.reader().leaf_readers():
                if not leaf.has_column("id"):
                    self._id_column = False
                    break
                seg_id = leaf.segment().segment_id()
                ids = by_segment.get(seg_id)
                if ids is None:
                    ids = list(leaf.column_reader("id"))
                    by_segment[seg_id] = ids
                column.extend(ids)
            else:
                self._id_column = column
        if self._id_column is False:
            return [self.id_kind(d)[0] for d in docnums]
        return [self._id_column[d] for d in docnums]

    def docs(self, fieldname: str, value: str) -> set[int]:
        key = (fieldname, value)
        found = self._sets.get(key)
        if found is None:
            found = set(self.searcher.docs_for_query(query.Term(fieldname, value)))
            self._sets[key] = found
        return found

    def text_docs(self, fieldname: str, word: str) -> set[int]:
        """Documents with a word in a text field; kept for the next queries, within a bound."""
        key = (fieldname, word)
        found = self._text.get(key)
        if found is None:
            if len(self._text) > TEXT_CACHE_SIZE:
                self._text.clear()
            found = set(self.searcher.docs_for_query(query.Term(fieldname, word)))
            self._text[key] = found
        return found

    def phrase_docs(self, fieldname: str, words: list[str]) -> set[int]:
        key = (fieldname, " ".join(words))
        found = self._text.get(key)
        if found is None:
            found = set(self.searcher.docs_for_query(query.Phrase(fieldname, words)))
            self._text[key] = found
        return found

    def bitmap(self, fieldname: str, value: str) -> int:
        key = (fieldname, value)
        found = self._bitmaps.get(key)
        if found is None:
            found = _bitmap(self.docs(fieldname, value), self.size)
            self._bitmaps[key] = found
        return found

    def values(self, fieldname: str) -> list[str]:
        return [v.decode("utf-8") if isinstance(v, bytes) else v
                for v in self.searcher.lexicon(fieldname)]

    def allowed(self, access: AccessFilter) -> set[int]:
        key = access.key
        found = self._access.get(key)
        if found is None:
            published = self.docs("vis", "published")
            if access.tokens is None:
                found = set(published)
            else:
                visible: set[int] = set()
                for token in access.tokens:
                    visible |= self.docs("vis", token)
                for doc_id in access.granted:
                    visible |= self.docs("id", doc_id)
                found = visible & published
            if len(self._access) > 256:
                self._access.clear()
            self._access[key] = found
        return found


class WhooshBackend:
    name = "whoosh"

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.root = Path(directory)
        self._lock = threading.RLock()
        self._index: Any = None
        self._index_dir: Path | None = None
        self._generation: _Generation | None = None
        #: segment id -> the record ids of its documents (see `_Generation.ids_of`)
        self._segment_ids: dict[str, list[str]] = {}

    # --- index folders ---------------------------------------------------------------------------

    def _current_dir(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return self.root / name if name else None

    def _point_to(self, folder: Path) -> None:
        tmp = self.root / f"CURRENT.{uuid.uuid4().hex}"
        tmp.write_text(folder.name)
        os.replace(tmp, self.root / "CURRENT")

    def _open(self) -> Any:
        """The current index, created empty on first use; reopened when a rebuild swapped it."""
        with self._lock:
            folder = self._current_dir()
            if folder is None or not index.exists_in(folder):
                self.root.mkdir(parents=True, exist_ok=True)
                folder = self.root / f"gen-{int(time.time())}-{uuid.uuid4().hex[:6]}"
                folder.mkdir()
                index.create_in(folder, make_schema())
                self._point_to(folder)
            if self._index is None or folder != self._index_dir:
                self._index = index.open_dir(folder)
                self._index_dir = folder
                self._generation = None
            return self._index

    def _current(self) -> _Generation:
        ix = self._open()
        with self._lock:
            gen = self._generation
            if gen is None:
                gen = _Generation(ix.searcher())
            elif not gen.searcher.up_to_date():
                # a new searcher, not `refresh()`: refreshed searchers reuse segment readers that
                # miss deletions made since (whoosh-reloaded 2.7.5), and deleted records came back
                # (the old one is left to the garbage collector: another thread may be using it)
                gen = _Generation(ix.searcher())
            self._generation = gen
            return gen

    # --- writing ---------------------------------------------------------------------------------

    def update(self, documents: Iterable[dict[str, Any]], delete_ids: Iterable[str] = ()) -> None:
        ix = self._open()
        writer = ix.writer(timeout=60.0)
        try:
            docs = [_fields_of(doc) for doc in documents]
            for doc_id in {*delete_ids, *(d["id"] for d in docs)}:
                writer.delete_by_term("id", doc_id)
            for fields_ in docs:
                writer.add_document(**fields_)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, documents: Iterable[dict[str, Any]], progress: Callable[[int], None] | None = None,
                procs: int | None = None) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / f"gen-{int(time.time())}-{uuid.uuid4().hex[:6]}"
        folder.mkdir()
        count = 0
        try:
            ix = index.create_in(folder, make_schema())
            procs = procs if procs is not None else min(4, os.cpu_count() or 1)
            options: dict[str, Any] = {"limitmb": 256}
            if procs > 1:
                options.update(procs=procs, multisegment=True)
            writer = ix.writer(**options)
            try:
                for doc in documents:
                    writer.add_document(**_fields_of(doc))
                    count += 1
                    if progress:
                        progress(1)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            # Whoosh's sub-processes can fail without raising here: count before swapping in.
            with ix.searcher() as check:
                indexed = check.doc_count()
            ix.close()
            if indexed != count:
                raise RuntimeError(f"the rebuilt index holds {indexed} documents, not {count}: kept the old one")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with self._lock:
            self._point_to(folder)
            self._index = None
            self._generation = None
        # Other processes notice the new CURRENT at their next search and reopen; the files
        # they still hold open stay readable until then (POSIX keeps unlinked files alive).
        for stale in self.root.glob("gen-*"):
            if stale.is_dir() and stale != folder:
                shutil.rmtree(stale, ignore_errors=True)
        return count

    def clear(self) -> None:
        self.rebuild([])

    def ids(self) -> set[str]:
        return {f["id"] for f in self._current().searcher.all_stored_fields()}

    def check(self) -> None:
        """Open the current index and its searcher (for /healthz); raises when it cannot be read."""
        self._current().searcher.doc_count()

    def size_bytes(self) -> int:
        folder = self._current_dir()
        return sum(p.stat().st_size for p in folder.iterdir()) if folder else 0

    # --- reading ---------------------------------------------------------------------------------

    def _filtered(self, gen: _Generation, base: set[int], filters: dict[str, Iterable[str]]) -> set[int]:
        result = base
        for facet, values in filters.items():
            chosen: set[int] = set()
            for value in values:
                chosen |= gen.docs(facet, value)
            result = result & chosen
        return result

    def _unit(self, gen: _Generation, words: list[str], exact: list[str],
              accented: bool) -> tuple[set[int], list[tuple[set[int], float]]]:
        """The documents one query unit matches, and the (documents, weight) pairs that score it."""
        if len(words) == 1:
            w = words[0]
            scored = [(gen.text_docs(f, w), weight) for f, weight in TEXT_WEIGHTS.items()]
            for token in ENGLISH(exact[0] if exact else w):
                scored.append((gen.text_docs("english", token.text), ENGLISH_WEIGHT))
        else:
            scored = [(gen.phrase_docs(f, words), TEXT_WEIGHTS[f]) for f in PHRASE_FIELDS]
        matched: set[int] = set().union(*(docs for docs, _ in scored))
        if accented:
            scored.extend((gen.text_docs("title_exact", e), EXACT_WEIGHT) for e in exact)
        return matched, scored

    def _ranked(self, gen: _Generation, final: set[int], units: list[tuple[set[int], list]], upto: int,
                title_sets: list[set[int]], exact: set[int], phrase: set[int]) -> list[int]:
        """The best `upto` documents of `final`, scored by where each unit matched (title first).

        A title equal to the query comes first, then titles holding the query's words as a
        phrase, then the rest by score. Scores are field weights times the unit's rarity, summed
        with set intersections; when enough documents match every unit in their title, only those
        are scored (the exact and phrase titles are among them): the page asked for is drawn from
        them, and the scoring work stays proportional to it.
        """
        candidates = final
        if len(final) > upto and title_sets:
            in_titles = final.intersection(*title_sets)
            if len(in_titles) >= upto:
                candidates = in_titles
        n = max(1, gen.size)
        scores: dict[int, float] = {}
        get = scores.get
        for matched, scored in units:
            rarity = math.log(1 + n / (1 + len(matched)))
            for docs, weight in scored:
                add = weight * rarity
                for d in candidates & docs:
                    scores[d] = get(d, 0.0) + add
        return heapq.nlargest(upto, candidates, key=lambda d: (d in exact, d in phrase, get(d, 0.0), d))

    def search(self, request: SearchRequest) -> SearchHits:
        gen = self._current()
        s = gen.searcher
        allowed = gen.allowed(request.access)
        units = []
        matched = allowed
        if not request.query.empty:
            accented = request.query.accented
            for words, exact in zip(request.query.units, request.query.exact_units, strict=True):
                unit_docs, scored = self._unit(gen, words, exact, accented)
                units.append((unit_docs, scored))
                matched = matched & unit_docs
        kinds = {k: len(matched & gen.docs("kind", k)) for k in KINDS}
        filters = {f: [v for v in vals if v] for f, vals in request.filters.items() if f in FACETS}
        of_kind = matched if request.kind == ALL else matched & gen.docs("kind", request.kind)
        final = self._filtered(gen, of_kind, filters)
        facets: dict[str, dict[str, int]] = {}
        if request.want_facets and final:
            final_bits = _bitmap(final, gen.size)
            for facet in FACETS:
                counts = {}
                for value in gen.values(facet):
                    n = (final_bits & gen.bitmap(facet, value)).bit_count()
                    if n:
                        counts[value] = n
                facets[facet] = counts
        page, per_page = max(1, request.page), max(1, request.per_page)
        upto = page * per_page
        ids: list[str] = []
        id_kinds: list[str] = []
        if final and (page - 1) * per_page < len(final):
            sort = request.sort
            if sort == "relevance" and request.query.empty:
                sort = "newest"
            if sort == "relevance":
                title_sets = [scored[0][0] for _m, scored in units] if all(
                    len(w) == 1 for w in request.query.units) else []
                exact: set[int] = set()
                for form in request.query.title_forms():
                    exact |= gen.docs("name", form)
                phrase_words = request.query.phrase_words()
                phrase = gen.phrase_docs("title", phrase_words) if phrase_words else set()
                docnums = self._ranked(gen, final, units, upto, title_sets, exact, phrase)[(page - 1) * per_page:]
                pairs = [gen.id_kind(d) for d in docnums]
            else:
                facet: Any = {
                    "newest": FieldFacet("newest", reverse=True),
                    "updated": FieldFacet("updated", reverse=True),
                    "name": FieldFacet("name"),
                    "quality": [FieldFacet("quality", reverse=True), FieldFacet("name")],
                }[sort]
                results = s.search(query.Every(), limit=upto, filter=final, sortedby=facet, terms=False)
                pairs = [(hit["id"], hit["kind"]) for hit in results[(page - 1) * per_page:upto]]
            ids = [doc_id for doc_id, _kind in pairs]
            id_kinds = [kind for _id, kind in pairs]
        return SearchHits(ids=ids, total=len(final), facets=facets, kinds=kinds, id_kinds=id_kinds)

    def match(self, query: ParsedQuery, kind: str) -> list[str]:
        gen = self._current()
        matched = set(gen.docs("kind", kind))
        for words, exact in zip(query.units, query.exact_units, strict=True):
            unit_docs, _scored = self._unit(gen, words, exact, False)
            matched &= unit_docs
        with self._lock:
            if len(self._segment_ids) > 64:
                self._segment_ids.clear()  # segments merged away leave their lists behind
            return gen.ids_of(matched, self._segment_ids)

    def suggest(self, prefix: ParsedQuery, access: AccessFilter, limit: int = 8) -> list[Suggestion]:
        if prefix.empty:
            return []
        gen = self._current()
        words = prefix.folded_words()
        parts: list[query.Query] = [query.Term("title", w) for w in words[:-1]]
        if len(words) == 1 and len(words[0]) < 2:
            return []  # one letter would expand to half the vocabulary
        parts.append(query.Prefix("title", words[-1]))
        q = parts[0] if len(parts) == 1 else query.And(parts)
        results = gen.searcher.search(q, limit=limit, filter=gen.allowed(access), terms=False)
        return [Suggestion(id=hit["id"], kind=hit["kind"], title=hit["label"]) for hit in results]

    def correct(self, word: str) -> str | None:
        gen = self._current()
        reader = gen.searcher.reader()
        for field in ("title", "description", "keywords", "names"):
            if reader.doc_frequency(field, word):
                return None
        best: tuple[int, int, str] | None = None
        for maxdist in (1, 2):
            if len(word) < 3 * maxdist:
                break
            for field in ("title", "description"):
                for cand in reader.terms_within(field, word, maxdist, prefix=1):
                    freq = reader.doc_frequency(field, cand)
                    key = (maxdist, -freq, cand)
                    if best is None or key < best:
                        best = key
            if best:
                return best[2]
        return None
