"""OGC CSW 2.0.2 catalogues (GeoNetwork, pycsw) with ISO 19139 records, for land and environment data.

- GetRecords through GET (KVP) with `outputSchema=http://www.isotc211.org/2005/gmd`, 100 records a
  page (servers default to 10). Paging stops when `nextRecord` is 0, missing or not beyond the
  start, when a page comes back empty or repeated, or at the cap; if fewer records arrived than the
  server announced, the gather is marked incomplete (nothing is withdrawn).
- The source URL may also be a single ISO 19139 document (`gmd:MD_Metadata`, e.g. an `.xml` address).
- National profiles whose root extends `gmd:MD_Metadata` in their own namespace are read alike; an
  ISO 19115-3 record (`mdb:MD_Metadata`) or any other root fails that record with a clear reason. A
  later page that is not well-formed is logged with its position and skipped (the gather is then
  incomplete: nothing is withdrawn).
- XML is parsed with defusedxml: entity declarations and external references are refused.
- `fileIdentifier` is the record's id and its global identifier (the same record reached through
  another catalogue is matched on it). Service records (`srv:SV_ServiceIdentification`) with an
  address become data services.
- Filters: `max_records` (page size), `type_names`, `constraint` (a CQL text, e.g. "AnyText like '%đất%'").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from catalog import geo

from . import fidelity
from .base import Harvester, HarvestFailed, LogText, Problem, Record
from .languages import by_language, declared_languages, language_code, place
from .options import CswOptions
from .reading import is_web, read
from .record import as_text

NS = {
    "csw": "http://www.opengis.net/cat/csw/2.0.2",
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "srv": "http://www.isotc211.org/2005/srv",
    "gml": "http://www.opengis.net/gml",
    "gml32": "http://www.opengis.net/gml/3.2",
    "ows": "http://www.opengis.net/ows",
    "gmx": "http://www.isotc211.org/2005/gmx",
}
GMD = "{http://www.isotc211.org/2005/gmd}"
MAX_PAGES = 2_000
#: A page that cannot be read is logged and skipped; after this many in a row the job stops.
MAX_BAD_PAGES = 3
#: ISO 19115-3 (XML of the 2014 standard): recognised and refused record by record, with a clear reason.
ISO19115_3 = ("http://standards.iso.org/iso/19115/-3/mdb/",)
_PREFIXES = {uri: prefix for prefix, uri in NS.items()} | {
    f"http://standards.iso.org/iso/19115/-3/mdb/{v}": "mdb" for v in ("1.0", "2.0")}

# --- what this harvester maps (the fidelity report counts every other element as not kept) ------
#: Children of the record root that `iso_record` reads.
KNOWN_TOP = frozenset({
    "gmd:fileIdentifier", "gmd:identificationInfo", "gmd:hierarchyLevel", "gmd:contact", "gmd:distributionInfo",
    "gmd:language", "gmd:dateStamp", "gmd:dataQualityInfo",
})
#: Children of the identification element (gmd:MD_DataIdentification, srv:SV_ServiceIdentification) it reads.
KNOWN_IDENTIFICATION = frozenset({
    "gmd:citation", "gmd:abstract", "gmd:descriptiveKeywords", "gmd:pointOfContact", "gmd:extent",
    "gmd:topicCategory", "gmd:resourceConstraints", "gmd:resourceMaintenance", "srv:serviceType", "srv:keywords",
    "srv:extent", "gmd:spatialResolution",
})
#: Metadata about the metadata document itself: neither kept nor counted.
IGNORED_TOP = frozenset({"gmd:characterSet", "gmd:metadataStandardName", "gmd:metadataStandardVersion"})
IGNORED_IDENTIFICATION = frozenset({"gmd:characterSet"})
IDENT = "gmd:identificationInfo/"
KNOWN = KNOWN_TOP | {IDENT + k for k in KNOWN_IDENTIFICATION}
IGNORED = IGNORED_TOP | {IDENT + k for k in IGNORED_IDENTIFICATION}


def qname(tag: str) -> str:
    """'{http://www.isotc211.org/2005/gmd}abstract' -> 'gmd:abstract' (an unknown namespace keeps its URI)."""
    if tag.startswith("{"):
        uri, _sep, local = tag[1:].partition("}")
        prefix = _PREFIXES.get(uri)
        return f"{prefix}:{local}" if prefix else f"{{{uri}}}{local}"
    return tag


def source_keys(md: Element, ident: Element | None) -> list[str]:
    keys = [qname(child.tag) for child in md]
    if ident is not None:
        keys += [IDENT + qname(child.tag) for child in ident]
    return keys


def is_iso_root(el: Element) -> bool:
    """ISO 19139 `gmd:MD_Metadata`, or a national profile's root extending it (`XX_MD_Metadata` in the
    profile's namespace) whose children follow the ISO 19139 structure."""
    if el.tag == f"{GMD}MD_Metadata":
        return True
    return el.tag.endswith("MD_Metadata") and any(child.tag.startswith(GMD) for child in el)


def record_of(el: Element) -> Record | Problem:
    """One entry of a CSW answer or of an XML document: an ISO record, or a problem saying why not."""
    if is_iso_root(el):
        try:
            return iso_record(el)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:300]
            return Problem(_string(el, "gmd:fileIdentifier"), LogText(
                "record_unreadable", "the record cannot be read: {reason}", reason=reason), "parse")
    rid = next((text for e in el.iter() if e.tag.rsplit("}", 1)[-1] in ("metadataIdentifier", "fileIdentifier",
                                                                       "identifier")
                and (text := as_text("".join(e.itertext())))), None)
    if el.tag.startswith("{") and el.tag[1:].startswith(ISO19115_3):
        return Problem(rid, LogText("iso19115_3", "the record is ISO 19115-3 ({root}), which this harvester does not "
                                    "read yet; ask the catalogue for ISO 19139 (outputSchema "
                                    "http://www.isotc211.org/2005/gmd)", root=qname(el.tag)[:200]), "parse")
    return Problem(rid, LogText("unknown_root", "the record's root element {root} is not an ISO 19139 record; left out",
                                root=qname(el.tag)[:200]), "parse")


def parse_xml(data: bytes, url: str) -> Element:
    try:
        return DET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise HarvestFailed(f"{url}: refused, the XML declares entities or external references "
                            f"({type(exc).__name__}), which can exhaust the server", "parse") from exc
    except DET.ParseError as exc:
        raise HarvestFailed(f"{url}: the XML is not well-formed: {exc}", "parse") from exc


def _text(el: Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path, NS)
    if found is None:
        return None
    return as_text("".join(found.itertext()))


def _all(el: Element, path: str) -> list[str]:
    return [t for t in (as_text("".join(e.itertext())) for e in el.findall(path, NS)) if t]


def _string(el: Element | None, path: str) -> str | None:
    """A CharacterString (or an Anchor, or a localised string) under `path`."""
    if el is None:
        return None
    for leaf in ("gco:CharacterString", "gmx:Anchor", "gmd:PT_FreeText//gmd:LocalisedCharacterString"):
        value = _text(el, f"{path}/{leaf}")
        if value:
            return value
    return None


def _localised(el: Element | None, path: str) -> dict[str, str]:
    """{tag: text} of a field: its CharacterString untagged ("") and each PT_FreeText translation
    by the language its locale names (`#EN`, `#locale-ger`...)."""
    values: dict[str, str] = {}
    if el is None:
        return values
    plain = _text(el, f"{path}/gco:CharacterString") or _text(el, f"{path}/gmx:Anchor")
    if plain:
        values[""] = plain
    for loc in el.findall(f"{path}/gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString", NS):
        text = as_text("".join(loc.itertext()))
        tag = (loc.get("locale") or "").lstrip("#").replace("_", "-").rsplit("-", 1)[-1]
        if text and tag:
            values.setdefault(language_code(tag), text)
    return values


def _bbox(ident: Element) -> dict[str, Any] | None:
    """The first ISO geographic bounding box as a GeoJSON geometry."""
    for box in ident.findall(".//gmd:EX_GeographicBoundingBox", NS):
        sides = [_text(box, f"gmd:{name}/gco:Decimal") for name in
                 ("westBoundLongitude", "southBoundLatitude", "eastBoundLongitude", "northBoundLatitude")]
        try:
            west, south, east, north = (float(v) for v in sides)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        shape = geo.box(west, south, east, north)
        if shape:
            return shape
    return None


def _resolution(ident: Element) -> float | None:
    dist = ident.find("gmd:spatialResolution/gmd:MD_Resolution/gmd:distance/gco:Distance", NS)
    if dist is None or not (dist.text or "").strip():
        return None
    factor = {"m": 1.0, "metre": 1.0, "meter": 1.0, "km": 1000.0}.get((dist.get("uom") or "m").strip().lower())
    try:
        return float(dist.text.strip()) * factor if factor else None  # type: ignore[union-attr]
    except ValueError:
        return None


def iso_record(md: Element) -> Record | Problem:
    """An ISO 19139 `gmd:MD_Metadata` as a normalized record."""
    file_id = _string(md, "gmd:fileIdentifier")
    ident = md.find("gmd:identificationInfo/*", NS)
    title = _string(ident, "gmd:citation/gmd:CI_Citation/gmd:title")
    if not file_id:
        return Problem(None, LogText("no_id", "an ISO record without a fileIdentifier was left out ({title})",
                                      title=(title or "")[:200]))
    if ident is None:
        return Problem(file_id, LogText("iso_without_identification", "the ISO record has no identificationInfo"))
    scope = md.find("gmd:hierarchyLevel/gmd:MD_ScopeCode", NS)
    level = (scope.get("codeListValue") or (scope.text or "")).strip() if scope is not None else "dataset"
    is_service = ident.tag.endswith("SV_ServiceIdentification") or level == "service"
    dates: dict[str, str] = {}
    for ci_date in ident.findall("gmd:citation/gmd:CI_Citation/gmd:date/gmd:CI_Date", NS):
        when = _text(ci_date, "gmd:date/gco:Date") or _text(ci_date, "gmd:date/gco:DateTime")
        code = ci_date.find("gmd:dateType/gmd:CI_DateTypeCode", NS)
        kind = (code.get("codeListValue") if code is not None else "") or ""
        if when and kind:
            dates.setdefault(kind, when)
    keywords = _all(ident, "gmd:descriptiveKeywords/gmd:MD_Keywords/gmd:keyword/gco:CharacterString")
    keywords += _all(ident, "srv:keywords/gmd:MD_Keywords/gmd:keyword/gco:CharacterString")
    keywords += _all(ident, "gmd:descriptiveKeywords/gmd:MD_Keywords/gmd:keyword/gmx:Anchor")
    party = ident.find("gmd:pointOfContact/gmd:CI_ResponsibleParty", NS)
    if party is None:
        party = md.find("gmd:contact/gmd:CI_ResponsibleParty", NS)
    contact_org = _string(party, "gmd:organisationName")
    contact_name = _string(party, "gmd:individualName") or contact_org
    contact_email = _string(party, "gmd:contactInfo/gmd:CI_Contact/gmd:address/gmd:CI_Address/"
                                   "gmd:electronicMailAddress")
    contact_phone = _string(party, "gmd:contactInfo/gmd:CI_Contact/gmd:phone/gmd:CI_Telephone/gmd:voice")
    begin = (_text(ident, ".//gmd:temporalElement//gml:beginPosition")
             or _text(ident, ".//gmd:temporalElement//gml32:beginPosition"))
    end = (_text(ident, ".//gmd:temporalElement//gml:endPosition")
           or _text(ident, ".//gmd:temporalElement//gml32:endPosition"))
    links = []
    for n, online in enumerate(md.findall(".//gmd:distributionInfo//gmd:onLine/gmd:CI_OnlineResource", NS)):
        url = _text(online, "gmd:linkage/gmd:URL")
        if not url:
            continue
        protocol = _string(online, "gmd:protocol")
        links.append({
            "remote_id": f"{n}:{url}", "title_vi": _string(online, "gmd:name"),
            "description_vi": _string(online, "gmd:description"), "access_url": url,
            "format": (protocol or "").rsplit(":", 1)[-1][:32] or None,
        })
    fmt = _string(md, "gmd:distributionInfo/gmd:MD_Distribution/gmd:distributionFormat/gmd:MD_Format/gmd:name")
    for link in links:
        link["format"] = link["format"] or fmt
    constraints = _all(ident, "gmd:resourceConstraints//gmd:otherConstraints/gco:CharacterString")
    constraints += _all(ident, "gmd:resourceConstraints//gmd:useLimitation/gco:CharacterString")
    frequency = md.find(".//gmd:MD_MaintenanceFrequencyCode", NS)
    language = md.find("gmd:language/gmd:LanguageCode", NS)
    lang = (language.get("codeListValue") or language.text or "").strip() if language is not None else None
    lang = lang or _string(md, "gmd:language")
    declared = declared_languages([lang] if lang else [])
    titles = place(by_language(_localised(ident, "gmd:citation/gmd:CI_Citation/gmd:title") or {"": title or ""},
                               declared), declared=declared)
    abstracts = place(by_language(_localised(ident, "gmd:abstract"), declared), main_lang=titles.lang,
                      declared=declared)
    identifiers = [v for v in (_string(code, "gmd:code") for code in
                               ident.findall("gmd:citation/gmd:CI_Citation/gmd:identifier/*", NS)) if v]
    translations = {k: v for k, v in (("title", titles.every), ("description", abstracts.every)) if v}
    record: Record = {
        "kind": "dataservice" if is_service else "dataset",
        "remote_id": file_id,
        "identifier": file_id,
        "title_vi": titles.vi or title, "title_en": titles.en, "title_lang": titles.lang,
        "translations": translations or None,
        "description_vi": abstracts.vi, "description_en": abstracts.en,
        "spatial_geojson": _bbox(ident),
        "spatial_resolution_m": _resolution(ident),
        "other_identifiers": [i for i in dict.fromkeys(identifiers) if i != file_id],
        "keywords": sorted(dict.fromkeys(keywords)),
        "themes": _all(ident, "gmd:topicCategory/gmd:MD_TopicCategoryCode"),
        "languages": [lang] if lang else [],
        "publisher": contact_org,
        "contact_name": contact_name, "contact_email": contact_email, "contact_phone": contact_phone,
        "issued": dates.get("publication") or dates.get("creation"),
        "modified": dates.get("revision") or _text(md, "gmd:dateStamp/gco:Date")
        or (_text(md, "gmd:dateStamp/gco:DateTime") or "")[:10] or None,
        "temporal_start": begin, "temporal_end": end,
        "update_frequency": (frequency.get("codeListValue") if frequency is not None else None),
        "provenance": _string(md, "gmd:dataQualityInfo/gmd:DQ_DataQuality/gmd:lineage/gmd:LI_Lineage/gmd:statement"),
    }
    if constraints:
        record["description_vi"] = "\n\n".join(filter(None, [record["description_vi"], "; ".join(constraints)]))
    if is_service:
        service_type = _text(ident, "srv:serviceType/gco:LocalName")
        record.pop("keywords"), record.pop("themes"), record.pop("languages")
        for key in ("issued", "modified", "temporal_start", "temporal_end", "update_frequency", "provenance",
                    # a service keeps its identifier: it matches the service across sources
                    "contact_name", "contact_email", "contact_phone", "title_lang", "translations",
                    "spatial_geojson", "spatial_resolution_m", "other_identifiers"):
            record.pop(key, None)
        record.update(endpoint_url=links[0]["access_url"] if links else None,
                      protocol=(service_type or "OGC")[:32])
        if not record["endpoint_url"]:
            return Problem(file_id, LogText("service_without_endpoint",
                                            "a service record without an address (linkage) was left out"))
    else:
        record["distributions"] = links
    return fidelity.note(record, source_keys(md, ident), KNOWN, IGNORED)


class CswHarvester(Harvester):
    options = CswOptions
    protocol = "csw"

    def gather(self) -> Iterator[Record | Problem]:
        url = self.ctx.url
        lowered = url.lower().split("?", 1)
        if not is_web(url) or lowered[0].endswith(".xml") or "request=getrecordbyid" in url.lower():
            yield from self._document(url)
            return
        filters = self.ctx.filters
        size = max(1, min(int(filters.get("max_records") or 100), 500))
        start, pages, received, bad = 1, 0, 0, 0
        matched: int | None = None
        seen_bodies: set[int] = set()
        base = url.split("?", 1)[0]
        while pages < MAX_PAGES:
            params = {
                "service": "CSW", "version": "2.0.2", "request": "GetRecords", "resultType": "results",
                "typeNames": filters.get("type_names") or "csw:Record", "elementSetName": "full",
                "outputSchema": NS["gmd"], "startPosition": start, "maxRecords": size,
            }
            if filters.get("constraint"):
                params.update(constraintLanguage="CQL_TEXT", constraint_language_version="1.1.0",
                              constraint=filters["constraint"])
            try:
                response = read(self.ctx, base, params=params, accept="application/xml")
                if hash(response.content) in seen_bodies:
                    break
                seen_bodies.add(hash(response.content))
                root = parse_xml(response.content, response.url)
            except HarvestFailed as exc:
                # a later page that is not well-formed is skipped (logged with its position), the next one read
                bad += 1
                if pages == 0 or matched is None or bad > MAX_BAD_PAGES or exc.kind != "parse":
                    raise
                pages += 1
                self.complete = False
                yield Problem(None, LogText("page_unreadable", "page {page} (from record {start}) could not be read "
                                            "and was skipped: {reason}", page=pages, start=start,
                                            reason=exc.message[:500]), "page")
                start += size
                if start > matched:
                    break
                continue
            bad = 0
            pages += 1
            self._check_exception(root, response.url)
            if is_iso_root(root):  # the address serves one ISO record, not a catalogue
                yield record_of(root)
                return
            results = root.find("csw:SearchResults", NS)
            if results is None:
                raise HarvestFailed(f"{response.url}: not a CSW GetRecords response (no SearchResults)", "parse")
            matched = _int(results.get("numberOfRecordsMatched"))
            if matched is not None:
                self.ctx.set_total(matched)
                self.announced_empty = matched == 0
            records = list(results)
            for md in records:
                received += 1
                yield record_of(md)
            nxt = _int(results.get("nextRecord"))
            if not records or not nxt or nxt <= start:
                break
            start = nxt
        if matched is not None and received < matched:
            self.complete = False

    def _document(self, url: str) -> Iterator[Record | Problem]:
        response = read(self.ctx, url, accept="application/xml")
        root = parse_xml(response.content, response.url)
        self._check_exception(root, response.url)
        if is_iso_root(root) or root.tag.endswith("}MD_Metadata"):
            yield record_of(root)
            return
        found = [el for el in root.iter() if el.tag.endswith("MD_Metadata")]
        if not found:
            raise HarvestFailed(f"{response.url}: no ISO 19139 record (gmd:MD_Metadata) in the document", "parse")
        for md in found:
            yield record_of(md)

    @staticmethod
    def _check_exception(root: Element, url: str) -> None:
        if root.tag.endswith("ExceptionReport"):
            text = " ".join(t.strip() for t in root.itertext() if t.strip())[:300]
            raise HarvestFailed(f"{url}: the catalogue answered an exception: {text}", "source")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


HARVESTER = CswHarvester
