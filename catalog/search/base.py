"""What every search backend takes and returns, and what it must guarantee.

A backend answers one `SearchRequest` with ids in order, a total, facet counts and counts per
kind, all computed under the reader's access filter (`AccessFilter`) *inside* the query: a
backend never pages first and filters afterwards, so counts and facets cannot reveal a record
the reader may not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import policy
from .text import ParsedQuery

KINDS = ("dataset", "database", "organization", "dataservice")
#: the mixed kind: every kind at once, ranked together (the search page's first tab)
ALL = "all"

#: Facets of the dataset results (request parameter -> document field).
FACETS = ("organization", "database", "theme", "format", "access", "licence", "frequency", "grade")

SORTS = ("relevance", "newest", "updated", "name", "quality")


@dataclass(frozen=True)
class AccessFilter:
    """The reader's access, as tokens a document carries (see `documents.visibility_tokens`).

    Search shows published records only (drafts and withdrawn records are found through the
    lists of their owners). A published document matches when it carries any of `tokens` or its
    id is in `granted`; `None` tokens: every published document (site administrators). This
    mirrors `policy.dataset_visibility`, and a test holds the two together.
    """

    tokens: frozenset[str] | None
    granted: frozenset[str] = frozenset()

    @classmethod
    def for_reader(cls, reader: policy.Reader) -> AccessFilter:
        if reader.is_admin:
            return cls(tokens=None)
        tokens = {"public"}
        if reader.is_agency_member:
            tokens.add("agency")
        tokens.update(f"org:{org_id}" for org_id in reader.roles)
        return cls(tokens=frozenset(tokens), granted=frozenset(reader.grants))

    @property
    def key(self) -> tuple[Any, ...]:
        return (None if self.tokens is None else tuple(sorted(self.tokens)), tuple(sorted(self.granted)))


@dataclass
class SearchRequest:
    query: ParsedQuery
    access: AccessFilter
    kind: str = "dataset"
    #: facet name -> chosen values (several values of one facet: any of them; facets combine with AND)
    filters: Mapping[str, Iterable[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    want_facets: bool = True


@dataclass
class SearchHits:
    ids: list[str]
    total: int
    #: the kind of each id, in the same order (ids of a mixed search are of several kinds)
    id_kinds: list[str] = field(default_factory=list)
    #: facet -> {value: count}, for the requested kind
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: kind -> number of matches of that kind (same query and access, no facet filters)
    kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class Suggestion:
    id: str
    kind: str
    title: str


class SearchBackend(Protocol):
    name: str

    def search(self, request: SearchRequest) -> SearchHits: ...

    def suggest(self, prefix: ParsedQuery, access: AccessFilter, limit: int = 8) -> list[Suggestion]: ...

    def match(self, query: ParsedQuery, kind: str) -> Any:
        """Ids of every record of `kind` the query matches, whatever its visibility or status.

        For the lists (`services/listing.py`), which apply the access policy in their own SQL:
        either a collection of ids or a SQL select of one `id` column (for `column.in_()`).
        """

    def correct(self, word: str) -> str | None:
        """The nearest indexed word to a word that is not indexed (for "did you mean")."""

    def update(self, documents: Iterable[dict[str, Any]], delete_ids: Iterable[str] = ()) -> None: ...

    def rebuild(self, documents: Iterable[dict[str, Any]], progress: Any = None) -> int:
        """Replace the whole index; a crash part way leaves the previous index in service."""

    def ids(self) -> set[str]: ...

    def clear(self) -> None: ...
