"""Frictionless data packages (`datapackage.json`): the package is a dataset, each resource a
distribution with its Table Schema.

- The source URL is a `datapackage.json` (or a JSON list of their addresses, for a collection).
- Resource paths are resolved against the package's address; a schema given by address is fetched
  through the same guarded fetcher. A resource whose schema cannot be read keeps its link and the
  problem is logged as a warning.
- A zipped data package (the address answers a zip file) is read with the zip-bomb guard of the
  quality checks (`catalog/zipguard.py`): over MAX_INFLATED_BYTES once uncompressed it is refused;
  its `datapackage.json` (at the top or in one folder) and the schemas it names by relative path
  are read from the zip, and its resources link to the zip itself.
- A resource without `format` takes it from its path's extension; a package without `name` and
  `title` is called after its folder or file, with a warning.
- Only the metadata is read: whether the files exist and match their schemas is the quality
  checks' business.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from posixpath import dirname, join, normpath
from typing import Any
from urllib.parse import unquote, urlsplit

from catalog import zipguard
from catalog.rules import FIELD_CLASSES
from catalog.schemas.registry import TABLE_SCHEMA_TYPES

from . import fidelity
from .base import Harvester, HarvestFailed, LogText, Problem, Record
from .reading import is_web, join_url, load_json, read
from .record import as_text

#: Largest uncompressed content of a zipped data package, and of one JSON file read from it.
MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_JSON_BYTES = 10 * 1024 * 1024

# --- what this harvester maps (the fidelity report counts every other key as not kept) ---------
#: Descriptor keys read by `package`.
PACKAGE_KEYS = frozenset({"id", "name", "title", "description", "keywords", "licenses", "license", "homepage",
                          "version", "created", "contributors", "sources", "resources"})
#: Resource keys read by `package`.
RESOURCE_KEYS = frozenset({"name", "title", "description", "path", "format", "mediatype", "bytes", "schema"})
#: The descriptor's own profile: nothing to keep, neither kept nor counted.
IGNORED_KEYS = frozenset({"profile", "$schema"})
KNOWN = PACKAGE_KEYS | {f"resource.{k}" for k in RESOURCE_KEYS}
IGNORED = IGNORED_KEYS | {f"resource.{k}" for k in IGNORED_KEYS}
#: The longest file extension read as a resource's format when it names none.
MAX_EXTENSION = 10


def format_of_path(paths: list[Any]) -> str | None:
    """A resource's format told from its file's extension ('data/roads.csv' -> 'CSV'), or None."""
    for path in paths:
        if isinstance(path, str) and path:
            suffix = PurePosixPath(urlsplit(path).path).suffix.lstrip(".")
            if suffix and len(suffix) <= MAX_EXTENSION and suffix.isalnum():
                return suffix.upper()
    return None


def name_of_address(address: str) -> str | None:
    """What to call a package without a name or title: its folder ('.../roads/datapackage.json' -> 'roads')
    or its file ('.../roads.json' -> 'roads')."""
    path = PurePosixPath(unquote(urlsplit(address).path))
    if path.name.lower() in ("datapackage.json", "datapackage.yaml", "datapackage.yml", "datapackage.zip"):
        return as_text(path.parent.name)
    return as_text(path.stem) or as_text(urlsplit(address).hostname)


def _licence(pkg: dict[str, Any]) -> str | None:
    licences = pkg.get("licenses") or pkg.get("license")
    if isinstance(licences, str):
        return licences
    if isinstance(licences, dict):
        licences = [licences]
    if isinstance(licences, list):
        for lic in licences:
            if isinstance(lic, dict):
                return as_text(lic.get("name")) or as_text(lic.get("path")) or as_text(lic.get("title"))
            if isinstance(lic, str):
                return lic
    return None


def _contact(pkg: dict[str, Any]) -> tuple[str | None, str | None]:
    for person in pkg.get("contributors") or []:
        if isinstance(person, dict) and person.get("role") in (None, "author", "maintainer", "publisher",
                                                                "contact"):
            return as_text(person.get("title")), as_text(person.get("email"))
    return None, None


class DataPackageHarvester(Harvester):
    protocol = "datapackage"

    zipped: zipfile.ZipFile | None = None
    zip_root = ""

    def gather(self) -> Iterator[Record | Problem]:
        response = read(self.ctx, self.ctx.url, accept="application/json")
        if response.content[:4] == b"PK\x03\x04":
            self.ctx.set_total(1)
            yield self.package(self._open_zip(response.content, response.url), self.ctx.url)
            return
        body = load_json(response)
        if isinstance(body, list):
            addresses = [str(a) for a in body if isinstance(a, str)]
            self.ctx.set_total(len(addresses))
            for address in addresses:
                target = join_url(self.ctx.url, address)
                try:
                    pkg = load_json(read(self.ctx, target, accept="application/json"))
                except HarvestFailed as exc:
                    yield Problem(target, exc.message, exc.kind)
                    continue
                yield self.package(pkg, target)
            return
        self.ctx.set_total(1)
        yield self.package(body, self.ctx.url)

    def _open_zip(self, data: bytes, url: str) -> Any:
        """The package descriptor of a zipped data package (the zip is kept open for its schemas)."""
        try:
            infos = zipguard.check(io.BytesIO(data), MAX_INFLATED_BYTES)
        except zipguard.NotAZip as exc:
            raise HarvestFailed(f"{url}: not a readable zip file: {exc}", "parse") from exc
        except zipguard.TooLarge as exc:
            raise HarvestFailed(f"{url}: refused: the zipped data package would take {exc.total / 1048576:.0f} MB "
                                f"uncompressed, over the limit of {exc.limit / 1048576:.0f} MB (a zip bomb?)",
                                "parse") from exc
        names = sorted((i.filename for i in infos if i.filename.rsplit("/", 1)[-1] == "datapackage.json"
                        and i.filename.count("/") <= 1), key=lambda n: n.count("/"))
        if not names:
            raise HarvestFailed(f"{url}: the zip file holds no datapackage.json (at its top or in one folder)",
                                "parse")
        self.zipped = zipfile.ZipFile(io.BytesIO(data))
        self.zip_root = dirname(names[0])
        return self._zip_json(names[0], url)

    def _zip_json(self, name: str, url: str) -> Any:
        assert self.zipped is not None
        try:
            info = self.zipped.getinfo(name)
        except KeyError as exc:
            raise HarvestFailed(f"{url}: the zip file has no {name}", "parse") from exc
        if info.file_size > MAX_JSON_BYTES:
            raise HarvestFailed(f"{url}: refused: {name} in the zip file is larger than "
                                f"{MAX_JSON_BYTES // 1048576} MB", "parse")
        with self.zipped.open(info) as member:
            raw = member.read(MAX_JSON_BYTES + 1)
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise HarvestFailed(f"{url}: {name} in the zip file is not valid JSON: {exc}", "parse") from exc

    def _schema(self, schema: Any, base: str, rid: str) -> dict[str, Any] | None:
        if isinstance(schema, str) and self.zipped is not None and not is_web(schema):
            try:
                schema = self._zip_json(normpath(join(self.zip_root, schema)), base)
            except HarvestFailed as exc:
                self.ctx.warn(rid, "fetch", f"the Table Schema of a resource cannot be read: {exc.message}")
                return None
        if isinstance(schema, str):
            try:
                schema = load_json(read(self.ctx, join_url(base, schema), accept="application/json"))
            except HarvestFailed as exc:
                self.ctx.warn(rid, "fetch", LogText(
                    "schema_unreadable", "the Table Schema of a resource cannot be read: {reason}", reason=exc.message))
                return None
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            return None
        fields = []
        for fld in schema["fields"]:
            if isinstance(fld, dict) and fld.get("name"):
                kept = {k: fld[k] for k in ("name", "type", "format", "title", "description", "constraints",
                                             "example", "classification") if fld.get(k) not in (None, "")}
                if kept.get("type") not in (None, *TABLE_SCHEMA_TYPES):
                    self.ctx.warn(rid, "invalid_value", LogText(
                        "unknown_field_type", "field {column}: unknown type {value!r} read as 'any'",
                        column=str(fld["name"])[:80], value=str(kept["type"])[:40]))
                    kept["type"] = "any"
                if kept.get("classification") not in (None, *FIELD_CLASSES):
                    kept.pop("classification")
                fields.append(kept)
        out: dict[str, Any] = {"fields": fields}
        for key in ("primaryKey", "foreignKeys", "missingValues"):
            if schema.get(key):
                out[key] = schema[key]
        return out

    def package(self, pkg: Any, address: str) -> Record | Problem:
        if not isinstance(pkg, dict):
            return Problem(address, LogText("not_a_package", "not a data package (a JSON object is expected)"), "parse")
        rid = as_text(pkg.get("id")) or as_text(pkg.get("name")) or address
        base = address
        dists = []
        for n, res in enumerate(pkg.get("resources") or []):
            if not isinstance(res, dict):
                continue
            path = res.get("path")
            paths = path if isinstance(path, list) else [path]
            location = next((join_url(base, p) for p in paths if isinstance(p, str) and p), None)
            if self.zipped is not None and not any(isinstance(p, str) and is_web(p) for p in paths):
                location = base  # the file is inside the zip: the zip is what can be downloaded
            url = location if location and is_web(location) else None
            dists.append({
                "remote_id": as_text(res.get("name")) or f"#{n}",
                "title_vi": as_text(res.get("title")) or as_text(res.get("name")),
                "description_vi": as_text(res.get("description")),
                "download_url": url, "access_url": url,
                "format": (as_text(res.get("format")) or "").upper() or format_of_path(paths),
                "media_type": as_text(res.get("mediatype")),
                "byte_size": res.get("bytes") if isinstance(res.get("bytes"), int) else None,
                "table_schema": self._schema(res.get("schema"), base, rid),
            })
        name, email = _contact(pkg)
        sources = [s.get("title") or s.get("name") for s in pkg.get("sources") or [] if isinstance(s, dict)]
        title = as_text(pkg.get("title")) or as_text(pkg.get("name"))
        if title is None:
            title = name_of_address(address)
            if title:
                self.ctx.warn(rid, "invalid_value", LogText(
                    "package_named_from_address", "the data package has no name or title; it is called {name} "
                    "after its address", name=title[:200]))
        keys = fidelity.present(pkg)
        for res in pkg.get("resources") or []:
            if isinstance(res, dict):
                keys += fidelity.present(res, "resource.")
        return fidelity.note({
            "kind": "dataset",
            "remote_id": rid,
            "identifier": as_text(pkg.get("id")),
            "source_url": address if is_web(address) else None,
            "title_vi": title,
            "description_vi": as_text(pkg.get("description")),
            "keywords": [str(k) for k in pkg.get("keywords") or [] if as_text(k)],
            "licence": _licence(pkg),
            "landing_page": as_text(pkg.get("homepage")),
            "version": as_text(pkg.get("version")),
            "issued": pkg.get("created"),
            "contact_name": name, "contact_email": email,
            "provenance": "; ".join(str(s) for s in sources if s) or None,
            "distributions": dists,
        }, keys, KNOWN, IGNORED)


HARVESTER = DataPackageHarvester
