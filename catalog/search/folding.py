"""Folded text comparison in SQL, for the lists of records the search index does not hold.

Harvest sources and user accounts are filtered in SQL with the same folding as the search
index (`catalog.text.fold`: tone marks off, "đ" to "d", lower case), so that "dat dai", "Đất đai"
and "ĐẤT ĐAI" find the same rows there too. `folded(column)` is `lower(unaccent(column))` on
PostgreSQL (the extension comes with migration 0003) and the `catalog_fold` function that
`catalog.db` registers on every SQLite connection.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, and_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..text import fold
from .text import words

#: the name of the SQLite function (see `catalog.db.make_engine`)
SQLITE_FUNCTION = "catalog_fold"


class folded(FunctionElement[str]):
    """A column's text folded as `catalog.text.fold` folds it."""

    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower(unaccent({compiler.process(element.clauses, **kw)}))"


@compiles(folded)
def _folded_default(element: folded, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def sqlite_fold(value: str | None) -> str | None:
    """The SQLite side of `folded` (NULL stays NULL)."""
    return None if value is None else fold(value)


def _contains(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def folded_match(columns: list[Any], q: str | None) -> ColumnElement[bool] | None:
    """Rows where every word of `q` is in one of `columns`, diacritics and case aside.

    None when `q` has no word (no condition to add). Words match inside longer words too
    ("nguyen" finds "nguyen.van@..."), as one expects of a name or address filter.
    """
    terms = words(q or "")[:12]
    if not terms:
        return None
    return and_(*(or_(*(folded(c).like(_contains(t), escape="\\") for c in columns)) for t in terms))
