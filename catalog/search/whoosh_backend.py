"""The embedded search backend: a Whoosh index under `instance/`.

Plain Whoosh is slow at facets, filters and scoring large result sets (p95 near a second at
100,000 datasets). Here Whoosh stores the postings, and queries are bitmap operations in C: every
filter (the access policy, the kind, each facet value) and every query word is a bitmap of
document numbers, read once per segment and kept while the segment exists (so the first query
after an edit or a harvest batch reads only the new segment); facet counts are popcounts; and
relevance is computed on groups of equal score, not document by document. The word bitmaps kept
are capped in bytes (`TEXT_CACHE_BYTES`), so a web worker's memory stays bounded.

The index lives in a generation folder named by `CURRENT`; a rebuild writes a new generation
and swaps the pointer atomically, so a crash during a rebuild leaves the old index in service.
"""

from __future__ import annotations

import gc
import logging
import math
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import fields, index, query
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.idsets import DocIdSet
from whoosh.sorting import FieldFacet

from ..text import fold
from . import whoosh_files
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
whoosh_files.install()  # segments read from their maps, not copied into each worker at every change


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


#: the positions of the set bits of each byte value
_BYTE_BITS = tuple(tuple(i for i in range(8) if b >> i & 1) for b in range(256))


_NONZERO_RUNS = re.compile(rb"[^\x00]+")


def _positions(bits: int) -> list[int]:
    """The document numbers a bitmap holds, in order."""
    out: list[int] = []
    if bits <= 0:
        return out
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    table = _BYTE_BITS
    # runs of non-empty bytes are found in C: a sparse bitmap (a relevance tier of a few documents
    # among 100,000) costs its set bytes, not a Python step per byte
    for run in _NONZERO_RUNS.finditer(data):
        for i in range(run.start(), run.end()):
            base = i << 3
            out.extend([base + p for p in table[data[i]]])
    return out


#: upper bound of the memory the word and phrase bitmaps of all segments may take; past it they
#: are dropped (the facet, access and kind bitmaps stay: their number is that of facet values)
TEXT_CACHE_BYTES = 48 * 1024 * 1024
#: the same for the bitmaps combined over segments that a generation keeps (facets, access, kind)
GENERATION_CACHE_BYTES = 32 * 1024 * 1024
#: fields whose bitmaps are kept whatever their number (few values each)
_FIXED_FIELDS = frozenset({"vis", "kind", *FACETS})


class _SegmentSets:
    """Bitmaps of segment-local document numbers read from one segment, and its facet values.

    A segment's postings never change once written: only deletions are added, and those are
    removed with the generation's `live` bitmap. So what was read from a segment stays valid for
    as long as the segment exists, across every later update of the index.
    """

    def __init__(self) -> None:
        self.fixed: dict[tuple[str, str], int] = {}
        self.text: dict[tuple[str, str, str], int] = {}
        self.values: dict[str, set[str]] = {}
        self.text_bytes = 0


class _SegmentCache:
    """The `_SegmentSets` of the segments of the index, shared by its successive generations."""

    def __init__(self, text_cap: int = TEXT_CACHE_BYTES) -> None:
        self.segments: dict[str, _SegmentSets] = {}
        self.text_cap = text_cap
        self.lock = threading.Lock()

    def for_segments(self, seg_ids: list[str]) -> list[_SegmentSets]:
        """The sets of these segments, dropping those of segments merged away."""
        with self.lock:
            keep = {s: self.segments.get(s) or _SegmentSets() for s in seg_ids}
            self.segments = keep
            return [keep[s] for s in seg_ids]

    def text_bytes(self) -> int:
        return sum(s.text_bytes for s in list(self.segments.values()))

    def added_text(self, sets: _SegmentSets, nbytes: int) -> None:
        sets.text_bytes += nbytes
        if sets.text_bytes > self.text_cap // 4 or self.text_bytes() > self.text_cap:
            with self.lock:
                for seg in self.segments.values():
                    seg.text.clear()
                    seg.text_bytes = 0

    def nbytes(self) -> int:
        total = 0
        for seg in list(self.segments.values()):
            total += seg.text_bytes + sum(len(str(k)) + b.bit_length() // 8 + 28 for k, b in seg.fixed.items())
        return total


def _size_of(bits: int) -> int:
    return 28 + bits.bit_length() // 8


class _BitsFilter(DocIdSet):
    """A bitmap as the `filter` of a Whoosh search (which asks `docnum in filter` per match)."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little") if bits > 0 else b""
        self.count = bits.bit_count()

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __contains__(self, docnum: object) -> bool:
        if not isinstance(docnum, int) or docnum < 0:
            return False
        i = docnum >> 3
        return i < len(self.data) and bool(self.data[i] >> (docnum & 7) & 1)

    def __iter__(self) -> Iterator[int]:
        return iter(_positions(self.bits))


class _Generation:
    """A searcher on one state of the index, with bitmaps of its documents.

    Every filter (the access policy, the kind, each facet value) and every query word is a bitmap
    of document numbers (a Python int: set operations and popcounts run in C, and 100,000
    documents take 12.5 kB). Bitmaps are read per segment and kept in the backend's
    `_SegmentCache`, so a new generation (after an edit or a harvest batch) reads only the
    segments that are new; it combines them and removes deleted documents with `live`.
    """

    def __init__(self, searcher: Any, cache: _SegmentCache) -> None:
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self.leaves: list[tuple[Any, int, _SegmentSets]] = []
        leaves = [(sub, offset) for sub, offset in searcher.leaf_searchers() if sub.doc_count_all()]
        seg_ids = [sub.reader().segment().segment_id() for sub, _offset in leaves]
        for (sub, offset), sets in zip(leaves, cache.for_segments(seg_ids), strict=True):
            self.leaves.append((sub, offset, sets))
        self.cache = cache
        self.live = self._live()
        self._bitmaps: dict[tuple[str, str], int] = {}
        self._bitmap_bytes = 0
        self._access: dict[Any, int] = {}
        self._values: dict[str, list[str]] = {}
        self._stored: dict[int, tuple[str, str]] = {}
        self._id_column: Any = None
        self.lock = threading.Lock()
        self.users = 0
        self.retired = False

    def enter(self) -> None:
        with self.lock:
            self.users += 1

    def leave(self) -> None:
        with self.lock:
            self.users -= 1
            close = self.retired and self.users == 0
        if close:
            self._close()

    def retire(self) -> None:
        """A newer generation serves from now on: close this searcher once no thread uses it.

        Left to the garbage collector, replaced searchers (reference cycles holding their
        segment readers and file maps) piled up: a worker grew by hundreds of MB over some
        thirty index changes.
        """
        with self.lock:
            self.retired = True
            close = self.users == 0
        if close:
            self._close()

    def _close(self) -> None:
        try:
            self.searcher.close()
        except Exception:
            log.warning("could not close a replaced search index reader", exc_info=True)

    def _live(self) -> int:
        live = 0
        for sub, offset, _sets in self.leaves:
            reader = sub.reader()
            n = reader.doc_count_all()
            bits = (1 << n) - 1
            if reader.has_deletions():
                deleted = getattr(reader, "deleted_docs_set", None)
                if deleted is None:
                    deleted = set(range(n)) - set(reader.all_doc_ids())
                bits &= ~_bitmap(deleted, n)
            live |= bits << offset
        return live

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
            current: set[str] = set()
            for leaf, _base in self.searcher.reader().leaf_readers():
                if not leaf.has_column("id"):
                    self._id_column = False
                    break
                seg_id = leaf.segment().segment_id()
                current.add(seg_id)
                ids = by_segment.get(seg_id)
                if ids is None:
                    ids = list(leaf.column_reader("id"))
                    by_segment[seg_id] = ids
                column.extend(ids)
            else:
                self._id_column = column
                # the lists of segments merged away go at once (issue 17): a harvest merges its
                # segments again and again, and each merged segment's list holds all its ids
                for stale in [seg for seg in by_segment if seg not in current]:
                    del by_segment[stale]
        if self._id_column is False:
            return [self.id_kind(d)[0] for d in docnums]
        return [self._id_column[d] for d in docnums]

    def _read(self, q: query.Query, key: tuple[str, ...]) -> int:
        """The bitmap of a query over the whole index, from each segment's cached bitmap."""
        fixed = key[0] == "term" and key[1] in _FIXED_FIELDS
        combined = 0
        for sub, offset, sets in self.leaves:
            store: dict[Any, int] = sets.fixed if fixed else sets.text  # type: ignore[assignment]
            local_key = key[1:] if fixed else key
            bits = store.get(local_key)
            if bits is None:
                bits = _bitmap(q.docs(sub), sub.doc_count_all())
                store[local_key] = bits
                if not fixed:
                    self.cache.added_text(sets, _size_of(bits))
            combined |= bits << offset
        return combined & self.live

    def bitmap(self, fieldname: str, value: str) -> int:
        """Documents with a value in a field (a facet, the access tokens, the kind, an id)."""
        key = (fieldname, value)
        found = self._bitmaps.get(key)
        if found is None:
            found = self._read(query.Term(fieldname, value), ("term", fieldname, value))
            if fieldname in _FIXED_FIELDS:
                if self._bitmap_bytes > GENERATION_CACHE_BYTES:
                    self._bitmaps.clear()
                    self._bitmap_bytes = 0
                self._bitmaps[key] = found
                self._bitmap_bytes += _size_of(found)
        return found

    def text_bits(self, fieldname: str, word: str) -> int:
        """Documents with a word in a text field."""
        return self._read(query.Term(fieldname, word), ("term", fieldname, word))

    def phrase_bits(self, fieldname: str, words: list[str]) -> int:
        return self._read(query.Phrase(fieldname, words), ("phrase", fieldname, " ".join(words)))

    def phrase_within(self, fieldname: str, words: list[str], within: int) -> int:
        """The documents of `within` holding `words` as a phrase in a field.

        The ranking's phrase tier needs it for the whole query, a phrase asked once: Whoosh's phrase
        matcher would walk every posting of the words (tens of ms for common syllables). Here only the
        documents of `within` that hold every word are visited: each word's postings skip to them and
        their positions are compared. The answer is not kept (it depends on `within`)."""
        key = ("phrase", fieldname, " ".join(words))
        candidates = within
        for w in words:
            candidates &= self.text_bits(fieldname, w)
            if not candidates:
                return 0
        found = 0
        for sub, offset, sets in self.leaves:
            n = sub.doc_count_all()
            local = (candidates >> offset) & ((1 << n) - 1)
            cached = sets.text.get(key)
            if cached is not None:
                found |= (cached & local) << offset
                continue
            if not local:
                continue
            reader = sub.reader()
            postings = [reader.postings(fieldname, w) for w in words]  # every word is in these documents
            for doc in _positions(local):
                spots = []
                for m in postings:
                    if m.id() < doc:
                        m.skip_to(doc)
                    spots.append(set(m.value_as("positions")))
                if any(all(p + k in spots[k] for k in range(1, len(spots))) for p in spots[0]):
                    found |= 1 << (doc + offset)
        return found & self.live

    def values(self, fieldname: str) -> list[str]:
        found = self._values.get(fieldname)
        if found is None:
            seen: set[str] = set()
            for sub, _offset, sets in self.leaves:
                vals = sets.values.get(fieldname)
                if vals is None:
                    vals = {v.decode("utf-8") if isinstance(v, bytes) else v for v in sub.reader().lexicon(fieldname)}
                    sets.values[fieldname] = vals
                seen |= vals
            found = sorted(seen)
            self._values[fieldname] = found
        return found

    def allowed(self, access: AccessFilter) -> int:
        key = access.key
        found = self._access.get(key)
        if found is None:
            published = self.bitmap("vis", "published")
            if access.tokens is None:
                found = published
            else:
                visible = 0
                for token in access.tokens:
                    visible |= self.bitmap("vis", token)
                for doc_id in access.granted:
                    visible |= self.bitmap("id", doc_id)
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
        #: bitmaps read from each segment, carried from one generation to the next
        self._segments = _SegmentCache()

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
            if self._index is not None and folder == self._index_dir and folder is not None and folder.is_dir():
                return self._index  # the index already open (checking its files again cost 1 ms a search)
            if folder is None or not index.exists_in(folder):
                self.root.mkdir(parents=True, exist_ok=True)
                folder = self.root / f"gen-{int(time.time())}-{uuid.uuid4().hex[:6]}"
                folder.mkdir()
                index.create_in(folder, make_schema())
                self._point_to(folder)
            if self._index is None or folder != self._index_dir:
                self._index = index.open_dir(folder)
                self._index_dir = folder
                self._drop_generation()
                self._segments = _SegmentCache()
            return self._index

    def _current(self) -> _Generation:
        ix = self._open()
        with self._lock:
            gen = self._generation
            if gen is None:
                gen = _Generation(ix.searcher(), self._segments)
            elif not gen.searcher.up_to_date():
                # a new searcher, not `refresh()`: refreshed searchers reuse segment readers that
                # miss deletions made since (whoosh-reloaded 2.7.5), and deleted records came back
                gen.retire()
                gen = _Generation(ix.searcher(), self._segments)
            self._generation = gen
            return gen

    @contextmanager
    def _using(self) -> Iterator[_Generation]:
        """The current generation, counted as in use so that replacing it closes it only after."""
        with self._lock:
            gen = self._current()
            gen.enter()
        try:
            yield gen
        finally:
            gen.leave()

    def _drop_generation(self) -> None:
        if self._generation is not None:
            self._generation.retire()
        self._generation = None

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
        del writer
        # a Whoosh writer leaves reference cycles holding its buffers and the segment readers of
        # a merge: left to the collector, a web worker grew by ~100 MB per ten changes at 10,000
        # datasets; collected here, memory stays flat (see the bench's serving-process figure)
        gc.collect()

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
            self._drop_generation()
        # Other processes notice the new CURRENT at their next search and reopen; the files
        # they still hold open stay readable until then (POSIX keeps unlinked files alive).
        for stale in self.root.glob("gen-*"):
            if stale.is_dir() and stale != folder:
                shutil.rmtree(stale, ignore_errors=True)
        return count

    def clear(self) -> None:
        self.rebuild([])

    def ids(self) -> set[str]:
        with self._using() as gen:
            return {f["id"] for f in gen.searcher.all_stored_fields()}

    def check(self) -> None:
        """Open the current index and its searcher (for /healthz); raises when it cannot be read."""
        with self._using() as gen:
            gen.searcher.doc_count()

    def size_bytes(self) -> int:
        folder = self._current_dir()
        return sum(p.stat().st_size for p in folder.iterdir()) if folder else 0

    # --- reading ---------------------------------------------------------------------------------

    def _filtered(self, gen: _Generation, base: int, filters: dict[str, Iterable[str]]) -> int:
        result = base
        for facet, values in filters.items():
            chosen = 0
            for value in values:
                chosen |= gen.bitmap(facet, value)
            result &= chosen
        return result

    def _unit(self, gen: _Generation, words: list[str], exact: list[str],
              accented: bool) -> tuple[int, list[tuple[int, float]]]:
        """The documents one query unit matches, and the (documents, weight) pairs that score it."""
        if len(words) == 1:
            w = words[0]
            scored = [(gen.text_bits(f, w), weight) for f, weight in TEXT_WEIGHTS.items()]
            for token in ENGLISH(exact[0] if exact else w):
                scored.append((gen.text_bits("english", token.text), ENGLISH_WEIGHT))
        else:
            scored = [(gen.phrase_bits(f, words), TEXT_WEIGHTS[f]) for f in PHRASE_FIELDS]
        matched = 0
        for docs, _weight in scored:
            matched |= docs
        if accented:
            scored.extend((gen.text_bits("title_exact", e), EXACT_WEIGHT) for e in exact)
        return matched, scored

    def _ranked(self, gen: _Generation, final: int, units: list[tuple[int, list[tuple[int, float]]]], upto: int,
                title_sets: list[int], exact: int, phrase: int) -> list[int]:
        """The best `upto` documents of `final`, scored by where each unit matched (title first).

        A title equal to the query comes first, then titles holding the query's words as a
        phrase, then the rest by score (ties: the higher document number). Scores are field
        weights times the unit's rarity. Documents are not scored one by one: the candidates are
        split into groups of equal score with bitmap operations (one AND per group and field),
        so the work grows with the number of distinct scores, not with the number of matches.
        When enough documents match every unit in their title, only those are candidates (the
        exact and phrase titles are among them).
        """
        candidates = final
        if final.bit_count() > upto and title_sets:
            in_titles = final
            for bits in title_sets:
                in_titles &= bits
            if in_titles.bit_count() >= upto:
                candidates = in_titles
        n = max(1, gen.size)
        groups: dict[float, int] = {0.0: candidates}
        for matched, scored in units:
            rarity = math.log(1 + n / (1 + matched.bit_count()))
            for docs, weight in scored:
                add = weight * rarity
                regrouped: dict[float, int] = {}
                for score, bits in groups.items():
                    inside = bits & docs
                    if inside:
                        key = score + add
                        regrouped[key] = regrouped.get(key, 0) | inside
                        bits ^= inside
                    if bits:
                        regrouped[score] = regrouped.get(score, 0) | bits
                groups = regrouped
        tiers: list[tuple[tuple[bool, bool, float], int]] = []
        for score, bits in groups.items():
            for in_exact, rest in ((True, bits & exact), (False, bits & ~exact)):
                for in_phrase, part in ((True, rest & phrase), (False, rest & ~phrase)):
                    if part:
                        tiers.append(((in_exact, in_phrase, score), part))
        tiers.sort(key=lambda t: t[0], reverse=True)
        out: list[int] = []
        for _key, bits in tiers:
            out.extend(reversed(_positions(bits)))
            if len(out) >= upto:
                break
        return out[:upto]

    def search(self, request: SearchRequest) -> SearchHits:
        with self._using() as gen:
            s = gen.searcher
            allowed = gen.allowed(request.access)
            units = []
            matched = allowed
            if not request.query.empty:
                accented = request.query.accented
                for words, exact in zip(request.query.units, request.query.exact_units, strict=True):
                    unit_docs, scored = self._unit(gen, words, exact, accented)
                    units.append((unit_docs, scored))
                    matched &= unit_docs
            kinds = {k: (matched & gen.bitmap("kind", k)).bit_count() for k in KINDS}
            filters = {f: [v for v in vals if v] for f, vals in request.filters.items() if f in FACETS}
            of_kind = matched if request.kind == ALL else matched & gen.bitmap("kind", request.kind)
            final = self._filtered(gen, of_kind, filters)
            total = final.bit_count()
            facets: dict[str, dict[str, int]] = {}
            if request.want_facets and final:
                for facet in FACETS:
                    counts = {}
                    for value in gen.values(facet):
                        n = (final & gen.bitmap(facet, value)).bit_count()
                        if n:
                            counts[value] = n
                    facets[facet] = counts
            page, per_page = max(1, request.page), max(1, request.per_page)
            upto = page * per_page
            ids: list[str] = []
            id_kinds: list[str] = []
            if final and (page - 1) * per_page < total:
                sort = request.sort
                if sort == "relevance" and request.query.empty:
                    sort = "newest"
                if sort == "relevance":
                    title_sets = [scored[0][0] for _m, scored in units] if all(
                        len(w) == 1 for w in request.query.units) else []
                    exact = 0
                    for form in request.query.title_forms():
                        exact |= gen.bitmap("name", form)
                    phrase_words = request.query.phrase_words()
                    phrase = gen.phrase_within("title", phrase_words, final) if phrase_words else 0
                    docnums = self._ranked(gen, final, units, upto, title_sets, exact, phrase)[(page - 1) * per_page:]
                    pairs = [gen.id_kind(d) for d in docnums]
                else:
                    facet: Any = {
                        "newest": FieldFacet("newest", reverse=True),
                        "updated": FieldFacet("updated", reverse=True),
                        "name": FieldFacet("name"),
                        "quality": [FieldFacet("quality", reverse=True), FieldFacet("name")],
                    }[sort]
                    results = s.search(query.Every(), limit=upto, filter=_BitsFilter(final), sortedby=facet,
                                       terms=False)
                    pairs = [(hit["id"], hit["kind"]) for hit in results[(page - 1) * per_page:upto]]
                ids = [doc_id for doc_id, _kind in pairs]
                id_kinds = [kind for _id, kind in pairs]
            return SearchHits(ids=ids, total=total, facets=facets, kinds=kinds, id_kinds=id_kinds)

    def match(self, query: ParsedQuery, kind: str) -> list[str]:
        with self._using() as gen:
            matched = gen.bitmap("kind", kind)
            for words, exact in zip(query.units, query.exact_units, strict=True):
                unit_docs, _scored = self._unit(gen, words, exact, False)
                matched &= unit_docs
            with self._lock:
                return gen.ids_of(_positions(matched), self._segment_ids)

    def suggest(self, prefix: ParsedQuery, access: AccessFilter, limit: int = 8) -> list[Suggestion]:
        if prefix.empty:
            return []
        with self._using() as gen:
            words = prefix.folded_words()
            parts: list[query.Query] = [query.Term("title", w) for w in words[:-1]]
            if len(words) == 1 and len(words[0]) < 2:
                return []  # one letter would expand to half the vocabulary
            parts.append(query.Prefix("title", words[-1]))
            q = parts[0] if len(parts) == 1 else query.And(parts)
            allowed = gen.allowed(access)
            if not allowed:
                return []  # an empty filter would mean no filter to Whoosh
            results = gen.searcher.search(q, limit=limit, filter=_BitsFilter(allowed), terms=False)
            return [Suggestion(id=hit["id"], kind=hit["kind"], title=hit["label"]) for hit in results]

    def cache_bytes(self) -> int:
        """About how much memory the cached bitmaps take (for the bench and /metrics)."""
        gen = self._generation
        own = gen._bitmap_bytes + sum(_size_of(b) for b in list(gen._access.values())) if gen else 0
        return self._segments.nbytes() + own

    def correct(self, word: str) -> str | None:
        with self._using() as gen:
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
