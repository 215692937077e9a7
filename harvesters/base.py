"""What every harvester shares: the protocol, what it yields, its context and the registry of protocols.

A harvester knows one protocol. It reads a source and yields, one by one:
- a normalized record: a plain JSON-able dict in the catalogue's own vocabulary (`record.RecordSchema`);
- a `Problem`: a record it could not read (kept in the job log with the record's id and a readable message);
- a `Seen`: a record still at the source and unchanged since the last run (incremental sources).
It never touches the database; the runner (`runner.py`) diffs, validates and writes.

The record's schema and its lenient cleaning live in `record.py`; reading a location (the web
through the guarded fetcher, or a demo file) in `reading.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from catalog.http import Fetcher

KINDS = ("dataset", "dataservice")

# --- what a harvester yields --------------------------------------------------------------------

Record = dict[str, Any]


@dataclass
class Problem:
    """A record the harvester could not read; the rest of the job goes on."""

    remote_id: str | None
    message: str
    kind: str = "invalid"


@dataclass
class Seen:
    """A record the source still lists and that has not changed since the last run."""

    remote_id: str


class HarvestFailed(Exception):
    """The source as a whole could not be read (the job fails; nothing already stored is touched)."""

    def __init__(self, message: str, kind: str = "source") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


Warn = Callable[[str | None, str, str], None]  # (remote id, kind, message)


class LogText(str):
    """A log line in English that keeps its code and parameters.

    The English text serves the command line, the API and the server log; the job log stores the code
    and parameters too, so that pages say the line in the reader's language (never translated at write
    time). Being a `str`, it passes through every `Warn` unchanged.
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, template: str, /, **params: Any) -> LogText:
        obj = super().__new__(cls, template.format(**params))
        obj.code = code
        obj.params = params
        return obj


@dataclass
class HarvestContext:
    """What the runner gives a harvester: where to read, how, and a few call-backs."""

    url: str
    fetcher: Fetcher
    filters: dict[str, Any] = field(default_factory=dict)
    #: Start of the last complete, successful gather (for sources that can list only changes).
    since: datetime | None = None
    #: Kept between runs (ETag, Last-Modified...); the runner saves it after a successful job.
    state: dict[str, Any] = field(default_factory=dict)
    #: Local files are read only under this folder (the project's seed/), for demo sources.
    file_root: Path | None = None
    #: A database URL with its password (SQL sources only).
    connection_url: str | None = None
    database_code: str | None = None
    allow_private: bool = False
    allow_loopback: bool = False
    #: Local copies of JSON-LD contexts (shipped, and CATALOG_HARVEST_JSONLD_CONTEXTS); none is fetched.
    jsonld_contexts: Any = None
    warn: Warn = lambda _rid, _kind, _msg: None
    #: Bytes of the source read so far (`reading.read`): a job that read some and found no record fails.
    bytes_read: int = 0
    #: remote ids -> those the catalogue already holds from this source (active, harvested before).
    known: Callable[[list[str]], set[str]] = lambda _ids: set()
    set_total: Callable[[int], None] = lambda _n: None


class Harvester:
    """One protocol. Subclasses implement `gather` and name the schema of their options."""

    protocol: ClassVar[str] = ""
    #: the options a source of this protocol takes (harvesters.options); set below to avoid a cycle
    options: ClassVar[Any] = None

    def __init__(self, ctx: HarvestContext) -> None:
        self.ctx = ctx
        #: False when the harvester knows it did not see everything (a capped or short listing).
        self.complete = True
        #: True when the source answered "not modified" to a conditional request.
        self.not_modified = False
        #: True when the source itself says it lists no record (a count of 0, an empty catalogue): only
        #: then is a gather that yielded nothing a success.
        self.announced_empty = False

    def gather(self) -> Iterator[Record | Problem | Seen]:
        raise NotImplementedError


_MODULES = {p: f"harvesters.{p}" for p in ("ckan", "dcat", "csw", "spreadsheet", "sqldb", "datapackage", "openapi")}
#: Harvesters registered by class (tests register in-memory ones; a plug-in could add a protocol).
_REGISTERED: dict[str, type[Harvester]] = {}


def register(protocol: str, cls: type[Harvester]) -> None:
    _REGISTERED[protocol] = cls


def unregister(protocol: str) -> None:
    _REGISTERED.pop(protocol, None)


def harvester_class(protocol: str) -> type[Harvester]:
    import importlib

    if protocol in _REGISTERED:
        return _REGISTERED[protocol]
    if protocol not in _MODULES:
        raise HarvestFailed(f"unknown protocol {protocol!r}")
    module = importlib.import_module(_MODULES[protocol])
    cls = module.HARVESTER
    if cls.options is None:
        from .options import HarvestOptions

        cls.options = HarvestOptions
    return cls
