"""JSON-LD contexts are never fetched: every one is resolved from local files before rdflib sees the
document.

rdflib fetches any context named by URL, with no address guard, size cap or deadline, wherever it
hides: the document's `@context`, arrays of contexts, `@import`, a term's scoped context
(`{"term": {"@id": ..., "@context": "http://..."}}`), a node's own `@context`, a node of `@graph`.
Here every one of them is replaced by a local copy: the shipped set (`harvesters/jsonld/`) or the
files of the folder named by `CATALOG_HARVEST_JSONLD_CONTEXTS` (its `index.json` maps each context
URL to a file of that folder holding `{"@context": ...}`). A context found in neither fails the
document, or only the record when it sits in one node of `@graph`, naming the URL and the setting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from .base import HarvestFailed, Problem

SHIPPED_DIR = Path(__file__).resolve().parent / "jsonld"
#: Context URLs (without the scheme) -> the shipped file that replaces them.
SHIPPED = {
    "schema.org": "schema_org.json",
    "schema.org/docs/jsonldcontext.json": "schema_org.json",
    "schema.org/docs/jsonldcontext.jsonld": "schema_org.json",
    "project-open-data.cio.gov/v1.1/schema/catalog.jsonld": "pod_v1_1.json",
    "data.europa.eu/r5r/context.jsonld": "dcat_ap.json",
    # the SEMIC DCAT-AP releases 2.0 to 3.0 (their examples name these), on the site and in the repository
    **{f"{host}/releases/{release}/context/dcat-ap.jsonld": "dcat_ap.json"
       for release in ("2.0.0", "2.0.1", "2.1.0", "2.1.1", "3.0.0", "3.0.1")
       for host in ("semiceu.github.io/dcat-ap", "raw.githubusercontent.com/semiceu/dcat-ap/master")},
}
SETTING = "CATALOG_HARVEST_JSONLD_CONTEXTS"
#: Contexts resolved inside contexts (a file that imports another...) stop at this depth.
MAX_DEPTH = 8


def _key(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/").lower()


class UnknownContext(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url

    def message(self) -> str:
        return (f"the JSON-LD context {self.url[:300]} is not fetched and no local copy of it is known; "
                f"put the file in the folder named by {SETTING} (listed in its index.json)")


class Contexts:
    """The local copies of JSON-LD contexts: the shipped ones and those of a configured folder."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.files: dict[str, Path] = {k: SHIPPED_DIR / v for k, v in SHIPPED.items()}
        self._loaded: dict[Path, Any] = {}
        if folder:
            self._add_folder(Path(folder))

    def _add_folder(self, folder: Path) -> None:
        index = folder / "index.json"
        try:
            entries = json.loads(index.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HarvestFailed(f"{SETTING}: cannot read {index}: {exc}", "source") from exc
        if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
            raise HarvestFailed(f"{SETTING}: {index} must map each context URL to a file name", "source")
        root = folder.resolve()
        for url, name in entries.items():
            path = (folder / name).resolve()
            if root not in path.parents:
                raise HarvestFailed(f"{SETTING}: {index} names {name}, outside the folder", "source")
            self.files[_key(url)] = path

    def load(self, url: str) -> Any:
        path = self.files.get(_key(url))
        if path is None:
            raise UnknownContext(url)
        if path not in self._loaded:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise HarvestFailed(f"{SETTING}: the context file {path.name} for {url[:300]} cannot be read: "
                                    f"{exc}", "source") from exc
            if not isinstance(doc, dict) or "@context" not in doc:
                raise HarvestFailed(f"{SETTING}: the context file {path.name} has no @context", "source")
            self._loaded[path] = doc["@context"]
        return self._loaded[path]

    # resolving ------------------------------------------------------------------------------------

    def context(self, ctx: Any, base: str | None, depth: int = 0) -> Any:
        """A context (a URL, an object or an array of them) with every URL in it replaced by its copy."""
        if depth > MAX_DEPTH:
            raise HarvestFailed(f"JSON-LD contexts nested deeper than {MAX_DEPTH} levels", "parse")
        if ctx is None or isinstance(ctx, bool | int | float):
            return ctx
        if isinstance(ctx, str):
            url = urljoin(base, ctx) if base else ctx
            return self.context(self.load(url), base, depth + 1)
        if isinstance(ctx, list):
            out: list[Any] = []
            for item in ctx:
                resolved = self.context(item, base, depth + 1)
                out.extend(resolved if isinstance(resolved, list) else [resolved])
            return out
        if isinstance(ctx, dict):
            out_ctx: dict[str, Any] = {}
            if "@import" in ctx:
                imported = self.context(ctx["@import"], base, depth + 1)
                for part in imported if isinstance(imported, list) else [imported]:
                    if isinstance(part, dict):
                        out_ctx.update(part)  # the importing context's own terms win (below)
            for term, definition in ctx.items():
                if term == "@import":
                    continue
                if isinstance(definition, dict) and "@context" in definition:
                    definition = {**definition, "@context": self.context(definition["@context"], base, depth + 1)}
                out_ctx[term] = definition
            return out_ctx
        raise HarvestFailed(f"a JSON-LD @context is neither a URL, an object nor an array: {str(ctx)[:100]}", "parse")

    def document(self, doc: Any, base: str | None) -> Any:
        """Every `@context` of a document, at any depth, resolved."""
        if isinstance(doc, list):
            return [self.document(item, base) for item in doc]
        if not isinstance(doc, dict):
            return doc
        return {key: self.context(value, base) if key == "@context" else self.document(value, base)
                for key, value in doc.items()}

    def offline(self, doc: Any, base: str | None) -> tuple[Any, list[Problem]]:
        """(the document with every context resolved, the nodes of @graph left out for an unknown one).

        A context the document itself needs fails it as a whole (HarvestFailed); one that only a node of
        its @graph carries fails that record, and the others go on."""
        problems: list[Problem] = []
        if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):
            kept = []
            for node in doc["@graph"]:
                try:
                    kept.append(self.document(node, base))
                except UnknownContext as exc:
                    rid = node.get("@id") if isinstance(node, dict) and isinstance(node.get("@id"), str) else None
                    problems.append(Problem(rid, exc.message(), "context"))
            doc = {**doc, "@graph": kept}
        try:
            if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):
                rest = self.document({k: v for k, v in doc.items() if k != "@graph"}, base)
                return {**rest, "@graph": doc["@graph"]}, problems
            return self.document(doc, base), problems
        except UnknownContext as exc:
            raise HarvestFailed(exc.message(), "parse") from exc


def contexts_for(settings: Mapping[str, Any]) -> Contexts:
    return Contexts(settings.get("HARVEST_JSONLD_CONTEXTS") or None)
