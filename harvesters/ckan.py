"""CKAN portals through the Action API (`package_search`, paged with `start`/`rows`), or a JSON dump.

- The source URL is the portal (https://data.example.gov.vn) or its action endpoint; a `.json` address
  or a local demo file is read as a dump (a package_search or package_show answer, or a list).
- Filters: `organizations`, `tags`, `groups` (lists), `q` (a Solr query), `rows` (page size, at
  most 1000), `incremental` (default true).
- Incremental runs ask only for what changed since the last complete run
  (`fq=metadata_modified:[SINCE TO *]`), then list every id (`fl=id`) so that vanished records are
  still noticed, and fetch any listed record the catalogue does not hold yet.
- Paging stops on an empty page, at the announced count, or on a repeated page; if fewer distinct
  records arrived than the portal announced, the gather is marked incomplete (nothing is withdrawn).
  A later page that is not well-formed is logged with its position and skipped (the gather is then
  incomplete); a package whose shape breaks the mapping fails alone.
- Fidelity: the package keys, `extras.KEY` and `resource.KEY` it maps are declared below; the others
  are reported per job as not kept (`harvesters/fidelity.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from catalog import geo
from catalog.vocab import split_format

from . import fidelity
from .base import Harvester, HarvestFailed, LogText, Problem, Record, Seen
from .ckan_keys import IGNORED, KNOWN, source_keys
from .languages import Placed, by_language, declared_languages, language_code, place
from .options import CkanOptions
from .reading import is_web, load_json, read
from .record import as_text, pick_language

MAX_PAGES = 10_000
SORT = "metadata_created asc, id asc"
#: A page that cannot be read is logged and skipped; after this many in a row the job stops.
MAX_BAD_PAGES = 3

def _solr_list(field: str, values: list[str]) -> str:
    quoted = " OR ".join('"' + str(v).replace('"', "") + '"' for v in values)
    return f"{field}:({quoted})"


def _language_map(value: Any) -> dict[str, Any] | None:
    """A CKAN language dictionary ({"de": …, "en": …}, ckanext-fluent), else None."""
    if isinstance(value, dict) and value and all(isinstance(k, str) and len(k) <= 8 for k in value):
        return value
    return None


def _texts(pkg: dict[str, Any], name: str, declared: list[str], main_lang: str | None = None) -> Placed:
    """A text field given as a string, a language dictionary (fluent) or `NAME_translated`."""
    values: dict[str, Any] = {}
    for candidate in (pkg.get(name), pkg.get(f"{name}_translated")):
        mapping = _language_map(candidate)
        if mapping:
            values.update({k.lower(): v for k, v in mapping.items() if k.lower() not in values and as_text(v)})
    plain = as_text(pkg.get(name))
    if plain and plain not in {as_text(v) for v in values.values()}:
        values[""] = plain
    return place(by_language(values, declared), main_lang=main_lang, declared=declared)


def _tags(pkg: dict[str, Any], declared: list[str], main_lang: str | None) -> tuple[list[str], dict[str, list[str]]]:
    """Keywords of the main language and every language's keywords (`tags_translated`, fluent
    `keywords`/`tags` dictionaries, plain tags)."""
    per_lang: dict[str, list[str]] = {}
    for candidate in (pkg.get("tags_translated"), pkg.get("keywords"), pkg.get("tags")):
        mapping = _language_map(candidate)
        for lang, words in (mapping or {}).items():
            code = language_code(lang)
            per_lang.setdefault(code, []).extend(w for w in _listish(words) if w not in per_lang.get(code, []))
    plain = [t.get("display_name") or t.get("name") for t in pkg.get("tags") or [] if isinstance(t, dict)]
    plain = [t for t in plain if as_text(t)]
    if isinstance(pkg.get("keywords"), list):
        plain += [k for k in _listish(pkg["keywords"]) if k not in plain]
    if plain:
        joined = " ".join(plain)
        code = next(iter(by_language({"": joined}, declared)), "vi") if not per_lang else None
        if code:
            per_lang.setdefault(code, plain)
        elif not any(set(plain) <= set(words) for words in per_lang.values()):
            code = next(iter(by_language({"": joined}, declared)))
            per_lang.setdefault(code, plain)
    main = "vi" if "vi" in per_lang else (main_lang if main_lang in per_lang else
                                          "en" if "en" in per_lang else next(iter(per_lang), None))
    return per_lang.get(main or "", []), per_lang


def _listish(value: Any) -> list[str]:
    """Lists arrive as lists, JSON strings or comma-separated text."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if as_text(v)]
    text = as_text(value)
    if text is None:
        return []
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(v).strip() for v in parsed if as_text(v)]
    return [part.strip() for part in text.split(",") if part.strip()]


def _format(res: dict[str, Any]) -> tuple[str | None, str | None]:
    fmt = as_text(res.get("format"))
    media = as_text(res.get("mimetype")) or as_text(res.get("mimetype_inner"))
    return split_format(fmt, media)


def _checksum(res: dict[str, Any]) -> dict[str, str] | None:
    value = as_text(res.get("hash")) or as_text(res.get("checksum"))
    if not value:
        return None
    algorithm, sep, rest = value.partition(":")
    if sep and algorithm.lower() in ("md5", "sha1", "sha256", "sha512"):
        return {"algorithm": algorithm.lower(), "value": rest.strip().lower()}
    algo = as_text(res.get("hash_algorithm"))
    algo = algo.rsplit("_", 1)[-1].rsplit("#", 1)[-1].lower() if algo else {32: "md5", 40: "sha1", 64: "sha256",
                                                                              128: "sha512"}.get(len(value), "unknown")
    return {"algorithm": algo, "value": value.lower()}


def resource(res: dict[str, Any], declared: list[str] | None = None, main_lang: str | None = None) -> dict[str, Any]:
    title = _texts(res, "name", declared or [], main_lang)
    desc = _texts(res, "description", declared or [], title.lang)
    fmt, media = _format(res)
    url = as_text(res.get("url"))
    size = res.get("size") if res.get("size") not in (None, "") else res.get("byte_size")
    translations = {k: v for k, v in (("title", title.every), ("description", desc.every)) if v}
    return {
        "remote_id": as_text(res.get("id")), "title_vi": title.vi, "title_en": title.en,
        "description_vi": desc.vi, "description_en": desc.en,
        "access_url": as_text(res.get("access_url")) or url,
        "download_url": as_text(res.get("download_url")) or (url if res.get("url_type") == "upload" else None),
        "format": fmt, "media_type": media, "byte_size": size if isinstance(size, int | str) else None,
        "issued": res.get("issued") or res.get("created"), "modified": res.get("modified") or res.get("last_modified"),
        "checksum": _checksum(res), "translations": translations or None,
    }


def _number(value: Any) -> float | None:
    try:
        return float(value) if as_text(value) else None
    except (TypeError, ValueError):
        return None


def package_record(pkg: dict[str, Any], base: str | None) -> Record | Problem:
    """A CKAN package dict as a normalized record; a package whose shape breaks the mapping fails alone."""
    try:
        return _package_record(pkg, base)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        rid = (as_text(pkg.get("id")) or as_text(pkg.get("name"))) if isinstance(pkg, dict) else None
        return Problem(rid, LogText("record_unreadable", "the record cannot be read: {reason}",
                                    reason=f"{type(exc).__name__}: {exc}"[:300]), "parse")


def _package_record(pkg: dict[str, Any], base: str | None) -> Record | Problem:
    if not isinstance(pkg, dict):
        return Problem(None, LogText("not_a_package", "an entry of the listing is not a package object"), "parse")
    rid = as_text(pkg.get("id")) or as_text(pkg.get("name"))
    if rid is None:
        return Problem(None, LogText("no_id", "a package without an id or name: {title}",
                                      title=str(pkg.get("title"))[:200]), "invalid")
    extras: dict[str, Any] = {}
    for extra in pkg.get("extras") or []:
        if isinstance(extra, dict) and extra.get("key"):
            extras[str(extra["key"])] = extra.get("value")

    def get(*keys: str) -> Any:
        for key in keys:
            for holder in (pkg, extras):
                value = holder.get(key)
                if value not in (None, "", [], {}):
                    return value
        return None

    language = get("language")
    languages = [language_code(k) for k in language] if _language_map(language) else _listish(language)
    declared = declared_languages(languages)
    title = _texts(pkg, "title", declared)
    desc = _texts(pkg, "notes", declared, title.lang)
    keywords, tags = _tags(pkg, declared, title.lang)
    groups = [g.get("name") or g.get("title") for g in pkg.get("groups") or [] if isinstance(g, dict)]
    org = pkg.get("organization") if isinstance(pkg.get("organization"), dict) else {}
    contact_name = as_text(get("maintainer", "contact_name", "author"))
    contact_email = as_text(get("maintainer_email", "contact_email", "author_email"))
    contacts = pkg.get("contact")
    if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict):
        contact_name = contact_name or as_text(contacts[0].get("name"))
        contact_email = contact_email or as_text(contacts[0].get("email"))
    provenance = get("provenance")
    if isinstance(provenance, dict):
        provenance = pick_language({str(k)[:2]: as_text(v) or "" for k, v in provenance.items()})[0]
    spatial = [v for v in _listish(get("spatial_text", "spatial_uri")) if v]
    raw_spatial = get("spatial")
    geometry = geo.parse(raw_spatial)
    if raw_spatial and geometry is None:
        if str(raw_spatial).lstrip().startswith("{"):
            geometry = raw_spatial  # broken GeoJSON: the record's cleaning says so in the job log
        else:
            spatial += _listish(raw_spatial)
    name = as_text(pkg.get("name"))
    org_title = org.get("title")
    org_title = place(by_language(_language_map(org_title), declared)).vi if _language_map(org_title) else org_title
    translations = {k: v for k, v in (("title", title.every), ("description", desc.every),
                                      ("keywords", tags if len(tags) > 1 else {})) if v}
    return fidelity.note({
        "kind": "dataset",
        "remote_id": rid,
        "identifier": as_text(get("identifier", "guid", "dct_identifier", "uri"))
        or (f"{base}/dataset/{pkg['id']}" if base and pkg.get("id") else None),
        "source_url": f"{base}/dataset/{name}" if base and name else None,
        "title_vi": title.vi or name, "title_en": title.en, "title_lang": title.lang,
        "description_vi": desc.vi, "description_en": desc.en,
        "translations": translations or None,
        "keywords": [k for k in keywords if k],
        "themes": [g for g in groups if g] + _listish(get("theme")),
        "spatial": spatial,
        "spatial_geojson": geometry,
        "spatial_resolution_m": _number(get("spatial_resolution_in_meters", "spatial_resolution")),
        "languages": languages,
        "licence": (as_text(pkg.get("license_id")) or as_text(pkg.get("license_url"))
                    or as_text(pkg.get("license_title"))),
        "publisher": as_text(get("publisher_name")) or as_text(org_title) or as_text(org.get("name")),
        "publisher_uri": as_text(get("publisher_uri")),
        "update_frequency": as_text(get("frequency", "update_freq", "accrual_periodicity", "update_frequency")),
        "temporal_start": get("temporal_start", "temporal_coverage_from"),
        "temporal_end": get("temporal_end", "temporal_coverage_to"),
        "issued": get("issued", "dcat_issued", "metadata_created"),
        "modified": get("modified", "dcat_modified", "metadata_modified"),
        "contact_name": contact_name, "contact_email": contact_email,
        "maintainer_name": as_text(get("maintainer")), "maintainer_email": as_text(get("maintainer_email")),
        "landing_page": as_text(pkg.get("url")),
        "version": as_text(pkg.get("version")),
        "provenance": provenance,
        "other_identifiers": _listish(get("alternate_identifier", "other_identifier")),
        "applicable_legislation": _listish(get("applicable_legislation")),
        "distributions": [resource(r, declared, title.lang) for r in pkg.get("resources") or [] if isinstance(r, dict)],
    }, source_keys(pkg, extras), KNOWN, IGNORED)


def portal_base(url: str) -> str:
    """https://portal/api/3/action/package_search -> https://portal"""
    return url.split("/api/")[0].rstrip("/") if "/api/" in url else url.rstrip("/")


def _packages_of_dump(body: Any) -> tuple[list[Any], str | None]:
    base = None
    if isinstance(body, dict) and isinstance(body.get("help"), str) and is_web(body["help"]):
        base = portal_base(body["help"])
    if isinstance(body, dict) and "result" in body:
        if body.get("success") is False:
            raise HarvestFailed(f"the portal reported an error: {str(body.get('error'))[:300]}", "source")
        body = body["result"]
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return body["results"], base
    if isinstance(body, list):
        return body, base
    if isinstance(body, dict) and (body.get("id") or body.get("name")):
        return [body], base
    raise HarvestFailed("the JSON is neither a CKAN package nor a list of packages", "parse")


class CkanHarvester(Harvester):
    options = CkanOptions
    protocol = "ckan"

    def gather(self) -> Iterator[Record | Problem | Seen]:
        url = self.ctx.url
        if not is_web(url) or urlsplit(url).path.endswith(".json"):
            yield from self._dump(url)
            return
        self.base = portal_base(url)
        self.action = f"{self.base}/api/3/action/package_search"
        rows = max(1, min(int(self.ctx.filters.get("rows") or 100), 1000))
        fq = self._filter_query()
        incremental = self.ctx.since is not None and self.ctx.filters.get("incremental", True) is not False
        if not incremental:
            yield from self._search(fq, rows, full=True)
            return
        since = self.ctx.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        changed_fq = " AND ".join(p for p in (fq, f"metadata_modified:[{since} TO *]") if p)
        self.yielded: set[str] = set()
        for item in self._search(changed_fq, rows, full=False):
            if isinstance(item, dict):
                self.yielded.add(item["remote_id"])
            yield item
        yield from self._listing(fq)

    def _filter_query(self) -> str:
        filters = self.ctx.filters
        parts = []
        for key, field in (("organizations", "organization"), ("tags", "tags"), ("groups", "groups")):
            values = filters.get(key)
            if isinstance(values, str):
                values = [v.strip() for v in values.split(",") if v.strip()]
            if values:
                parts.append(_solr_list(field, values))
        return " AND ".join(parts)

    def _page(self, params: dict[str, Any]) -> dict[str, Any]:
        body = load_json(read(self.ctx, self.action, params=params, accept="application/json"))
        if not isinstance(body, dict) or not body.get("success") or not isinstance(body.get("result"), dict):
            error = body.get("error") if isinstance(body, dict) else None
            raise HarvestFailed(f"{self.action}: the portal did not answer a package search: {str(error)[:300]}",
                                "source")
        result = body["result"]
        if not isinstance(result.get("results"), list):
            raise HarvestFailed(f"{self.action}: the answer has no list of results", "parse")
        return result

    def _bad_page(self, page: int, start: int, exc: HarvestFailed) -> Problem:
        """A page that could not be read: logged with its position; the gather is then incomplete."""
        self.complete = False
        return Problem(None, LogText("page_unreadable", "page {page} (from record {start}) could not be read and was "
                                     "skipped: {reason}", page=page, start=start + 1, reason=exc.message[:500]),
                       "page")

    def _search(self, fq: str, rows: int, *, full: bool, fields: str | None = None) -> Iterator[Record | Problem]:
        start, pages, count, bad = 0, 0, None, 0
        distinct: set[str] = set()
        previous: list[Any] | None = None
        while pages < MAX_PAGES:
            params = {"q": self.ctx.filters.get("q") or "*:*", "rows": rows, "start": start, "sort": SORT}
            if fq:
                params["fq"] = fq
            if fields:
                params["fl"] = fields
            try:
                result = self._page(params)
            except HarvestFailed as exc:
                bad += 1
                if count is None or bad > MAX_BAD_PAGES or exc.kind != "parse":
                    raise
                pages += 1
                yield self._bad_page(pages, start, exc)
                start += rows
                if start >= count:
                    break
                continue
            bad = 0
            pages += 1
            count = int(result.get("count") or 0)
            if full:
                self.ctx.set_total(count)
                self.announced_empty = count == 0
            results = result["results"]
            ids = [r.get("id") for r in results if isinstance(r, dict)]
            if not results or ids == previous:
                break
            previous = ids
            for pkg in results:
                record = package_record(pkg, self.base)
                if isinstance(record, dict):
                    distinct.add(record["remote_id"])
                yield record
            start += len(results)
            if start >= count:
                break
        if full and count is not None and len(distinct) < count:
            self.complete = False

    def _listing(self, fq: str) -> Iterator[Record | Problem | Seen]:
        """Every id the portal lists: unchanged ones are `Seen`, unknown ones are fetched in full."""
        start, count, pages, bad = 0, None, 0, 0
        listed: set[str] = set()
        previous = None
        while pages < MAX_PAGES:
            params = {"q": self.ctx.filters.get("q") or "*:*", "rows": 1000, "start": start, "sort": SORT,
                      "fl": "id"}
            if fq:
                params["fq"] = fq
            try:
                result = self._page(params)
            except HarvestFailed as exc:
                bad += 1
                if count is None or bad > MAX_BAD_PAGES or exc.kind != "parse":
                    raise
                pages += 1
                yield self._bad_page(pages, start, exc)
                start += 1000
                if start >= count:
                    break
                continue
            bad = 0
            pages += 1
            count = int(result.get("count") or 0)
            self.ctx.set_total(count)
            ids = [str(r["id"]) for r in result["results"] if isinstance(r, dict) and r.get("id")]
            if not ids or ids == previous:
                break
            previous = ids
            listed.update(ids)
            fresh = [i for i in ids if i not in self.yielded]
            known = self.ctx.known(fresh) if fresh else set()
            for rid in fresh:
                if rid in known:
                    yield Seen(rid)
            missing = [i for i in fresh if i not in known]
            for n in range(0, len(missing), 50):
                chunk = missing[n:n + 50]
                yield from self._search(_solr_list("id", chunk), 50, full=False)
            start += len(result["results"])
            if start >= count:
                break
        if count is None or len(listed) < count:
            self.complete = False

    def _dump(self, url: str) -> Iterator[Record | Problem]:
        packages, base = _packages_of_dump(load_json(read(self.ctx, url, accept="application/json")))
        self.base = base
        self.ctx.set_total(len(packages))
        self.announced_empty = not packages
        for pkg in packages:
            yield package_record(pkg, base)


HARVESTER = CkanHarvester
