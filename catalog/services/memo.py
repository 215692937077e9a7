"""Values derived from the registry (list totals, the home page's blocks), kept until it changes.

Each value is keyed by the catalogue's change counter (`change_counter`, raised in every transaction
that writes, catalog/db.py), read from the caller's own session: a process keeps its own copy, but
the moment any process commits a change every copy is stale and is computed again. So no process
holds state another needs (issue 16), and a count is never older than the data beside it.

Only what the public sees is kept (callers pass the policy's anonymous reader's values): a signed-in
reader's lists depend on their roles and are computed on every request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import WROTE
from ..models import ChangeCounter

T = TypeVar("T")
SIZE = 2048

_values: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()
_SEEN = "memo_generation"  # session.info: (the transaction, the counter it read)


def generation(session: Session) -> int | None:
    """The change counter as the session sees it (None before the migration that adds it).

    Read once per transaction: a page asks for several kept values, and on a server database each
    read is a round trip. Whatever is computed later in the transaction is at least as new as the
    value read first, so a value is never kept under a counter newer than its data."""
    seen = session.info.get(_SEEN)
    transaction = session.get_transaction()
    if seen is not None and transaction is not None and seen[0] is transaction:
        return seen[1]
    value = session.scalar(select(ChangeCounter.generation).where(ChangeCounter.id == 1))
    session.info[_SEEN] = (session.get_transaction(), value)
    return value


def kept(session: Session, name: str, args: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its value from an earlier call while the registry has not changed since.
    The value must not hold ORM objects (they belong to one session): ids, numbers, tuples."""
    if session.connection().info.get(WROTE) or session.new or session.dirty or session.deleted:
        return compute()  # this transaction changed something the counter does not count yet
    gen = generation(session)
    if gen is None:
        return compute()
    key = (str(session.get_bind().url), name, args, gen)
    with _lock:
        if key in _values:
            _values.move_to_end(key)
            return _values[key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _values[key] = value
        while len(_values) > SIZE:
            _values.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _values.clear()
