"""Values derived from the registry (list totals, the home page's blocks), kept until it changes.

Each value is keyed by the catalogue's change counter (`change_counter`, raised in every transaction
that writes, catalog/db.py), read from the caller's own session: a process keeps its own copy, but
the moment any process commits a change every copy is stale and is computed again. So no process
holds state another needs (issue 16), and a count is never older than the data beside it.

Only what the public sees is kept (callers pass the policy's anonymous reader's values): a signed-in
reader's lists depend on their roles and are computed on every request.

Bounded (issue 17: a web worker's memory stays flat under a harvest): at most `SIZE` values, and the
values of a registry are only those of its newest counter value. A harvest raises the counter with
every batch; values of earlier values can never be asked for again and are dropped at once, not left
to the LRU order. A lower value than the newest means the counter started again (a registry emptied
or restored): every value of that registry is dropped.
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
SIZE = 1024

_values: OrderedDict[tuple, object] = OrderedDict()
#: registry address -> the newest counter value a value was kept under
_newest: dict[str, int] = {}
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
    scope = str(session.get_bind().url)
    key = (scope, name, args, gen)
    with _lock:
        if key in _values:
            _values.move_to_end(key)
            return _values[key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        if _newest.get(scope) != gen:
            _newest[scope] = gen
            for stale in [k for k in _values if k[0] == scope and k[3] != gen]:
                del _values[stale]
        _values[key] = value
        while len(_values) > SIZE:
            _values.popitem(last=False)
    return value


def size(scope: str | None = None) -> int:
    """How many values this process keeps, of one registry (its address) or of all (for tests)."""
    with _lock:
        return sum(1 for key in _values if scope is None or key[0] == scope)


def clear() -> None:
    with _lock:
        _values.clear()
        _newest.clear()
