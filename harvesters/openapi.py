"""API gateways: an OpenAPI (or Swagger 2) document, or a WSO2 API Manager listing as provincial
LGSPs publish it, becomes `DataService` records.

- An OpenAPI / Swagger document (JSON or YAML) is one service: its title and description, the first
  server as the endpoint, the document itself as the machine-readable description.
- A WSO2 API Manager listing (`/api/am/publisher/v4/apis`, `/api/am/devportal/v3/apis`:
  `{"count", "list": [...], "pagination": {...}}`) is one service per API, paged with
  `pagination.next` (or offset and limit), stopping on a repeated page. APIs that are not
  published (created, blocked, deprecated, retired) are left out, so they are withdrawn here.
- Filters: `platform` (e.g. LGSP or NDXP, the platform the services are offered through),
  `gateway_url` (the gateway address the API contexts hang from, when the listing gives none),
  `subscriptions` (ask the gateway which applications subscribe to each API).
- Subscriptions (given inline as `subscriptions`, or read from `/subscriptions?apiId=`) name the
  systems that call each API; the runner turns them into connections (harvesters/gateway_links.py).
- YAML is read with the safe loader, and a document with many aliases (a "YAML bomb") is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import yaml

from catalog.http import Response

from . import fidelity
from .base import Harvester, HarvestFailed, LogText, Problem, Record
from .options import GatewayOptions
from .reading import is_web, join_url, read
from .record import as_text

OFFERED = {"PUBLISHED", "PROTOTYPED"}
PROTOCOLS = {"HTTP": "REST", "REST": "REST", "SOAP": "SOAP", "SOAPTOREST": "REST", "GRAPHQL": "GraphQL",
             "WS": "WebSocket", "WEBSUB": "WebSub", "SSE": "SSE"}
MAX_ALIASES = 100
MAX_SPEC_BYTES = 512 * 1024
MAX_PAGES = 1_000

# --- what this harvester maps (the fidelity report counts every other key as not kept) ---------
#: An OpenAPI document's `info` keys read into the service ("info.contact.name": nested keys joined by dots).
OPENAPI_INFO_KEYS = frozenset({"info.title", "info.version", "info.description", "info.x-api-id",
                               "info.contact.name"})
#: Top-level keys that give the endpoint (read whatever happens to the document itself).
OPENAPI_ENDPOINT_KEYS = frozenset({"servers", "host", "basePath", "schemes"})
#: The version marker says which kind of document it is; nothing to keep.
OPENAPI_IGNORED = frozenset({"openapi", "swagger", "info"})
#: A WSO2 API's keys read by `wso2_record` and `_consumers` ("businessInformation.businessOwner": nested).
WSO2_KEYS = frozenset({"id", "name", "version", "context", "endpointURLs", "description", "type",
                       "lifeCycleStatus", "subscriptions", "businessInformation.businessOwner"})
#: The gateway's own bookkeeping: nothing in it describes the service.
WSO2_IGNORED = frozenset({"provider", "createdTime", "updatedTime", "lastUpdatedTime", "lastUpdatedTimestamp",
                          "createdTimestamp", "hasThumbnail", "thumbnailUri", "isRevision", "revisionedApiId",
                          "revisionId", "workflowStatus", "gatewayVendor", "businessInformation",
                          "monetizedInfo", "isSubscriptionAvailable", "initiatedFromGateway", "egress"})


def load_document(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        pass
    try:
        text = response.content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HarvestFailed(f"{response.url}: the document is not UTF-8 text", "parse") from exc
    if response.content_type in ("text/html", "application/xhtml+xml"):
        raise HarvestFailed(f"{response.url}: the address answered an HTML page, not an API description "
                            f"(content type {response.content_type})", "parse")
    try:
        aliases = sum(1 for event in yaml.parse(text) if isinstance(event, yaml.AliasEvent))
        if aliases > MAX_ALIASES:
            raise HarvestFailed(f"{response.url}: refused, the YAML uses {aliases} aliases (a document that "
                                "expands without limit)", "parse")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise HarvestFailed(f"{response.url}: neither valid JSON nor valid YAML: {str(exc)[:300]}", "parse") from exc


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""


def openapi_record(doc: dict[str, Any], url: str, platform: str | None, warn: Any) -> Record:
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    endpoint = None
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict) and servers[0].get("url"):
        endpoint = join_url(url, str(servers[0]["url"])) if is_web(url) else str(servers[0]["url"])
    elif doc.get("host"):
        scheme = (doc.get("schemes") or ["https"])[0]
        endpoint = f"{scheme}://{doc['host']}{doc.get('basePath') or ''}"
    elif is_web(url):
        endpoint = _origin(url)
    size = len(json.dumps(doc, default=str))
    spec = doc if size <= MAX_SPEC_BYTES else None
    if spec is None:
        warn(url, "invalid_value", LogText("spec_too_large", "the OpenAPI document ({size} bytes) is too large to "
                                                "keep; its address is kept", size=size))
    title = as_text(info.get("title")) or url
    version = as_text(info.get("version"))
    contact = info.get("contact") if isinstance(info.get("contact"), dict) else {}
    return fidelity.note({
        "kind": "dataservice", "remote_id": as_text(info.get("x-api-id")) or url,
        "source_url": url if is_web(url) else None,
        "title_vi": f"{title} ({version})" if version and version not in title else title,
        "description_vi": as_text(info.get("description")),
        "endpoint_url": endpoint, "endpoint_description": url if is_web(url) else None,
        "openapi_spec": json.loads(json.dumps(spec, default=str)) if spec else None,
        "protocol": "REST", "platform": platform, "publisher": as_text(contact.get("name")),
    }, openapi_keys(doc), OPENAPI_INFO_KEYS | OPENAPI_ENDPOINT_KEYS | (set(doc) if spec else set()),
        OPENAPI_IGNORED)


def _nested(mapping: dict[str, Any], prefix: str) -> list[str]:
    """The keys holding a value, objects opened one level down ("info.contact.name")."""
    out = []
    for key, value in mapping.items():
        if value in fidelity.EMPTY:
            continue
        if isinstance(value, dict):
            out += [f"{prefix}{key}.{k}" for k, v in value.items() if v not in fidelity.EMPTY]
        else:
            out.append(f"{prefix}{key}")
    return out


def openapi_keys(doc: dict[str, Any]) -> list[str]:
    """What an OpenAPI document says: its top-level keys, and `info` key by key. The whole document is kept
    as the service's description (when not too large), so its paths, components... are kept with it; the
    `info` keys that no field of a service holds (licence, terms, contact e-mail...) are not kept."""
    keys = fidelity.present(doc)
    info = doc.get("info")
    if isinstance(info, dict):
        keys += _nested(info, "info.")
    return keys


def wso2_record(item: dict[str, Any], api_root: str, gateway: str | None, platform: str | None) -> Record | Problem:
    rid = as_text(item.get("id"))
    name = as_text(item.get("name"))
    if not rid or not name:
        return Problem(rid, LogText("api_without_id", "an API of the listing has no id or name"))
    version = as_text(item.get("version"))
    context = as_text(item.get("context")) or ""
    endpoint = None
    for env in item.get("endpointURLs") or []:
        urls = env.get("URLs") if isinstance(env, dict) else None
        if isinstance(urls, dict):
            endpoint = as_text(urls.get("https")) or as_text(urls.get("http"))
            if endpoint:
                break
    if endpoint is None:
        base = (gateway or _origin(api_root)).rstrip("/")
        path = context if not version or context.rstrip("/").endswith(version) else f"{context.rstrip('/')}/{version}"
        endpoint = f"{base}{path}" if base else None
    return fidelity.note({
        "kind": "dataservice", "remote_id": rid,
        "title_vi": f"{name} {version}" if version and version not in name else name,
        "description_vi": as_text(item.get("description")),
        "endpoint_url": endpoint,
        "endpoint_description": f"{api_root}/apis/{rid}/swagger" if is_web(api_root) else None,
        "protocol": PROTOCOLS.get((as_text(item.get("type")) or "HTTP").upper(), "REST"),
        "platform": platform, "publisher": as_text(item.get("businessInformation", {}).get("businessOwner"))
        if isinstance(item.get("businessInformation"), dict) else None,
    }, fidelity.present(item) + _nested({"businessInformation": item.get("businessInformation")}, "")
        if isinstance(item.get("businessInformation"), dict) else fidelity.present(item), WSO2_KEYS, WSO2_IGNORED)


class OpenApiHarvester(Harvester):
    options = GatewayOptions
    protocol = "openapi"

    def gather(self) -> Iterator[Record | Problem]:
        url = self.ctx.url
        platform = as_text(self.ctx.filters.get("platform"))
        platform = platform.upper() if platform else None
        response = read(self.ctx, url, accept="application/json, application/yaml;q=0.9, */*;q=0.1")
        doc = load_document(response)
        if isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc):
            self.ctx.set_total(1)
            yield openapi_record(doc, url, platform, self.ctx.warn)
            return
        if isinstance(doc, dict) and isinstance(doc.get("list"), list):
            self.announced_empty = True  # an empty listing (or one of APIs not offered) lists nothing
            yield from self._listing(url, doc, platform)
            return
        raise HarvestFailed(f"{url}: neither an OpenAPI document nor an API Manager listing "
                            "(expected 'openapi', 'swagger' or 'list')", "parse")

    def _listing(self, url: str, doc: dict[str, Any], platform: str | None) -> Iterator[Record | Problem]:
        api_root = url.split("?", 1)[0]
        api_root = api_root[: api_root.rfind("/apis")] if "/apis" in api_root else api_root.rsplit("/", 1)[0]
        gateway = as_text(self.ctx.filters.get("gateway_url"))
        seen_pages: set[str] = {url}
        seen_bodies: set[int] = set()
        received, total, pages = 0, None, 0
        while pages < MAX_PAGES:
            pages += 1
            paging = doc.get("pagination") if isinstance(doc.get("pagination"), dict) else {}
            total = paging.get("total") if isinstance(paging.get("total"), int) else doc.get("count")
            if isinstance(total, int):
                self.ctx.set_total(total)
            items = doc.get("list") or []
            for item in items:
                received += 1
                if not isinstance(item, dict):
                    yield Problem(None, LogText("not_a_package", "an entry of the listing is not an object"), "parse")
                    continue
                status = (as_text(item.get("lifeCycleStatus")) or "PUBLISHED").upper()
                if status not in OFFERED:
                    continue
                record = wso2_record(item, api_root, gateway, platform)
                if isinstance(record, dict):
                    consumers = self._consumers(item, api_root, record["remote_id"])
                    if consumers is not None:
                        record["consumers"] = consumers
                yield record
            nxt = as_text(paging.get("next"))
            if not nxt and isinstance(paging.get("offset"), int) and isinstance(total, int) and items:
                offset = paging["offset"] + len(items)
                if offset < total:
                    nxt = f"{url.split('?', 1)[0]}?{urlencode({'offset': offset, 'limit': paging.get('limit') or 25})}"
            if not nxt or not items:
                break
            target = nxt if is_web(nxt) else (api_root + nxt if nxt.startswith("/apis") else urljoin(url, nxt))
            if target in seen_pages:
                break
            seen_pages.add(target)
            response = read(self.ctx, target, accept="application/json")
            if hash(response.content) in seen_bodies:
                break
            seen_bodies.add(hash(response.content))
            doc = load_document(response)
            if not isinstance(doc, dict) or not isinstance(doc.get("list"), list):
                raise HarvestFailed(f"{target}: a page of the listing has no 'list'", "parse")
        if isinstance(total, int) and received < total:
            self.complete = False

    def _consumers(self, item: dict[str, Any], api_root: str, rid: str) -> list[dict[str, Any]] | None:
        """The systems that call an API: its subscriptions, given in the listing or asked of the gateway
        (`/subscriptions?apiId=`) when the `subscriptions` option is on; None when not known."""
        entries = item.get("subscriptions")
        if not isinstance(entries, list):
            if not self.ctx.filters.get("subscriptions"):
                return None
            url = f"{api_root}/subscriptions?{urlencode({'apiId': rid, 'limit': 1000})}"
            try:
                doc = load_document(read(self.ctx, url, accept="application/json"))
            except HarvestFailed as exc:
                self.ctx.warn(rid, "fetch", LogText("subscriptions_unread", "{url}: the subscriptions could not be "
                                                    "read ({error}); its connections are left as they were",
                                                    url=url, error=str(exc)[:300]))
                return None
            entries = doc.get("list") if isinstance(doc, dict) else None
            if not isinstance(entries, list):
                self.ctx.warn(rid, "parse", LogText("subscriptions_unread", "{url}: the subscriptions could not be "
                                                    "read ({error}); its connections are left as they were",
                                                    url=url, error="no 'list'"))
                return None
        out = []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            app = entry.get("applicationInfo") if isinstance(entry.get("applicationInfo"), dict) else {}
            name = (as_text(app.get("name")) or as_text(entry.get("applicationName"))
                    or as_text(entry.get("application")))
            if name:
                out.append({"application": name, "subscriber": as_text(app.get("subscriber")) or as_text(
                    entry.get("subscriber")), "status": as_text(entry.get("subscriptionStatus")) or as_text(
                    entry.get("status"))})
        return out


HARVESTER = OpenApiHarvester
