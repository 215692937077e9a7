"""One vocabulary, both ways: the catalogue's codes and the IRIs and words that other catalogues use.

Harvesters read sources through the `*_from_rdf` side and the coming feeds write through the
`*_to_rdf` side of the same tables, so a code that goes out as an IRI comes back as the same code.
Everything here is a pure function of its arguments (no database, no HTTP): the code lists that
live in the registry (themes, licences, units, agencies) are matched in `harvesters/resolve.py`,
which takes its aliases and word lists from here.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from catalog.text import fold

__all__ = [
    "ADMS", "DCAT", "DCATAP", "DCT", "DCT_BAD", "FOAF", "HYDRA", "LOCN", "OWL", "POD", "RDF", "RDFS", "SCHEMA",
    "SKOS", "SPDX", "VCARD", "VNCAT", "XSD",
]

# --- namespaces -----------------------------------------------------------------------------------

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open: feeds use terms newer than rdflib knows
DCT = DCTERMS
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SCHEMA = Namespace("http://schema.org/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCT_BAD = Namespace("http://purl.org/dc/terms/#")  # DCAT-US 1.1's context spells it so
POD = Namespace("http://project-open-data.cio.gov/v1.1/schema#")

#: The EU Publications Office's authority tables that DCAT-AP names.
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHT_BASE = EU_AUTHORITY + "access-right/"
FREQUENCY_BASE = EU_AUTHORITY + "frequency/"
LANGUAGE_BASE = EU_AUTHORITY + "language/"
THEME_BASE = EU_AUTHORITY + "data-theme/"
LICENCE_BASE = EU_AUTHORITY + "licence/"
FILE_TYPE_BASE = EU_AUTHORITY + "file-type/"
MEDIA_TYPE_BASE = "http://www.iana.org/assignments/media-types/"

# --- matching words and addresses -----------------------------------------------------------------

_SPACES = re.compile(r"[\s_]+")


def match_key(text: str) -> str:
    """Compare names without case, diacritics, punctuation or extra spaces."""
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", fold(text))).strip()


def last_segment(value: str) -> str:
    """The code at the end of an IRI (`…/frequency/DAILY`, `…#DAILY`); a plain word stays as it is."""
    path = urlsplit(value).path.rstrip("/") if "://" in value else value
    return path.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def url_key(value: str) -> str:
    """An address compared without scheme, `www.`, case or a trailing slash."""
    parts = urlsplit(value.strip().lower())
    host = parts.netloc.removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


# --- access rights --------------------------------------------------------------------------------

#: The words sources use (EU access-right codes, DCAT-US `accessLevel`) -> our access levels.
ACCESS_RIGHT_WORDS = {
    "public": "open", "restricted": "shared", "non_public": "restricted", "non-public": "restricted",
    "restricted public": "shared",
}
#: Our access levels -> the EU access-right codes (open data is PUBLIC; data shared with every state
#: agency is RESTRICTED; data shared only under an agreement is NON_PUBLIC).
ACCESS_RIGHT_CODES = {"open": "PUBLIC", "shared": "RESTRICTED", "restricted": "NON_PUBLIC"}


def access_level_from_rdf(value: str) -> str | None:
    """An access-right IRI, code or word -> our access level, or None when it names none."""
    key = value.rstrip("/").rsplit("/", 1)[-1].strip().lower()
    return ACCESS_RIGHT_WORDS.get(key)


def access_level_to_rdf(level: str) -> URIRef:
    return URIRef(ACCESS_RIGHT_BASE + ACCESS_RIGHT_CODES[level])


# --- update frequencies ---------------------------------------------------------------------------

#: Our frequency codes are the EU frequency vocabulary's own codes.
FREQUENCY_CODES = ("CONT", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "BIMONTHLY", "QUARTERLY", "BIANNUAL",
                   "ANNUAL", "BIENNIAL", "TRIENNIAL", "QUINQUENNIAL", "IRREG", "NEVER", "UNKNOWN")
#: Other codes of the EU frequency table that name one of ours (UPDATE_CONT is CONT; ANNUAL_2 is twice
#: a year; OTHER and OP_DATPRO, "provisional data", say nothing about the rhythm).
FREQUENCY_ALIASES = {"UPDATE_CONT": "CONT", "ANNUAL_2": "BIANNUAL", "SEMIANNUAL": "BIANNUAL",
                     "FORTNIGHTLY": "BIWEEKLY", "OTHER": "UNKNOWN", "OP_DATPRO": "UNKNOWN", "IRREGULAR": "IRREG",
                     "TRIANNUAL": None, "CONTINUOUS": "CONT"}
#: English and Vietnamese words (folded) -> frequency codes.
FREQUENCY_WORDS = {
    "continuous": "CONT", "realtime": "CONT", "real time": "CONT", "lien tuc": "CONT", "thoi gian thuc": "CONT",
    "daily": "DAILY", "hang ngay": "DAILY", "moi ngay": "DAILY",
    "weekly": "WEEKLY", "hang tuan": "WEEKLY",
    "monthly": "MONTHLY", "hang thang": "MONTHLY",
    "quarterly": "QUARTERLY", "hang quy": "QUARTERLY",
    "biannual": "BIANNUAL", "semiannual": "BIANNUAL", "annual 2": "BIANNUAL", "6 thang": "BIANNUAL",
    "sau thang": "BIANNUAL", "nua nam": "BIANNUAL", "6 thang mot lan": "BIANNUAL",
    "annual": "ANNUAL", "annually": "ANNUAL", "yearly": "ANNUAL", "hang nam": "ANNUAL",
    "irregular": "IRREG", "irreg": "IRREG", "khong thuong xuyen": "IRREG", "khong dinh ky": "IRREG",
    "dot xuat": "IRREG", "as needed": "IRREG",
    "never": "NEVER", "khong cap nhat": "NEVER", "unknown": "UNKNOWN", "other": "UNKNOWN",
    "hourly": "HOURLY", "hang gio": "HOURLY", "biweekly": "BIWEEKLY", "fortnightly": "BIWEEKLY",
    "bimonthly": "BIMONTHLY", "biennial": "BIENNIAL", "biennially": "BIENNIAL", "every two years": "BIENNIAL",
    "2 nam": "BIENNIAL", "hai nam": "BIENNIAL", "triennial": "TRIENNIAL", "3 nam": "TRIENNIAL",
    "quinquennial": "QUINQUENNIAL", "5 nam": "QUINQUENNIAL",
}
#: ISO 8601 repeating durations (DCAT-US `accrualPeriodicity`) -> frequency codes.
ISO_DURATIONS = {"R/PT1S": "CONT", "R/PT1H": "HOURLY", "R/P1D": "DAILY", "R/P1W": "WEEKLY", "R/P2W": "BIWEEKLY",
                 "R/P1M": "MONTHLY", "R/P2M": "BIMONTHLY", "R/P3M": "QUARTERLY", "R/P6M": "BIANNUAL",
                 "R/P1Y": "ANNUAL", "R/P2Y": "BIENNIAL", "R/P3Y": "TRIENNIAL", "R/P5Y": "QUINQUENNIAL"}
#: The length of a period in days -> our code (a duration written another way: P12M, P7D, P24M...).
_DURATION_DAYS = {1 / 24: "HOURLY", 1: "DAILY", 7: "WEEKLY", 14: "BIWEEKLY", 30: "MONTHLY", 60: "BIMONTHLY",
                  90: "QUARTERLY", 180: "BIANNUAL", 360: "ANNUAL", 720: "BIENNIAL", 1080: "TRIENNIAL",
                  1800: "QUINQUENNIAL"}
_DURATION = re.compile(r"^(?:R\d*/)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def _frequency_of_duration(text: str) -> str | None:
    """An ISO 8601 (repeating) duration -> our code when its length is one of our periods."""
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        return None
    y, mo, w, d, h, mi, sec = (int(g or 0) for g in m.groups())
    days = y * 360 + mo * 30 + w * 7 + d + h / 24 + mi / 1440 + sec / 86400
    if days and days < 1 / 24:
        return "CONT"
    return _DURATION_DAYS.get(days)


def frequency_from_rdf(value: str | None) -> str | None:
    """An EU frequency IRI or code, an ISO duration or a word -> our code, or None when unknown."""
    if not value:
        return None
    raw = value.strip()
    if raw.upper() in ISO_DURATIONS:
        return ISO_DURATIONS[raw.upper()]
    candidate = last_segment(raw) if "://" in raw else raw
    if candidate.upper() in FREQUENCY_CODES:
        return candidate.upper()
    if candidate.upper() in FREQUENCY_ALIASES:
        return FREQUENCY_ALIASES[candidate.upper()]
    return FREQUENCY_WORDS.get(match_key(candidate)) or _frequency_of_duration(raw.upper())


def frequency_to_rdf(code: str) -> URIRef:
    return URIRef(FREQUENCY_BASE + code)


# --- languages ------------------------------------------------------------------------------------

#: ISO 639-1/-2 codes and names (folded) -> ISO 639-1 codes.
LANGUAGE_WORDS = {
    "vi": "vi", "vie": "vi", "vietnamese": "vi", "tieng viet": "vi",
    "en": "en", "eng": "en", "english": "en", "tieng anh": "en",
    "fr": "fr", "fra": "fr", "fre": "fr", "french": "fr", "tieng phap": "fr",
    "zh": "zh", "zho": "zh", "chi": "zh", "chinese": "zh", "tieng trung": "zh",
    "ja": "ja", "jpn": "ja", "ko": "ko", "kor": "ko", "de": "de", "deu": "de", "ger": "de", "es": "es",
    "spa": "es", "ca": "ca", "cat": "ca", "nl": "nl", "nld": "nl", "dut": "nl", "ru": "ru", "rus": "ru",
    "lo": "lo", "lao": "lo", "km": "km", "khm": "km",
}
#: ISO 639-1 -> the EU language table's codes (ISO 639-2/T, upper case).
LANGUAGE_CODES = {
    "vi": "VIE", "en": "ENG", "fr": "FRA", "zh": "ZHO", "ja": "JPN", "ko": "KOR", "de": "DEU", "es": "SPA",
    "ca": "CAT", "nl": "NLD", "ru": "RUS", "lo": "LAO", "km": "KHM",
}


def language_from_rdf(value: str) -> str | None:
    """A language IRI, code or name -> its ISO 639-1 code; an unlisted two-letter code is kept."""
    key = match_key(last_segment(value) if "://" in value else value)
    if not key:
        return None
    code = LANGUAGE_WORDS.get(key)
    if code is None and len(key) == 2 and key.isalpha():
        code = key
    return code


def language_to_rdf(code: str) -> URIRef | None:
    """None for a language the EU table is not known here to hold."""
    eu = LANGUAGE_CODES.get(code)
    return URIRef(LANGUAGE_BASE + eu) if eu else None


# --- themes ---------------------------------------------------------------------------------------

#: ISO 19115 topic categories (CSW records) -> EU data themes.
ISO_TOPICS = {
    "farming": "AGRI", "biota": "ENVI", "boundaries": "REGI", "climatologymeteorologyatmosphere": "ENVI",
    "economy": "ECON", "elevation": "ENVI", "environment": "ENVI", "geoscientificinformation": "TECH",
    "health": "HEAL", "imagerybasemapsearthcover": "ENVI", "intelligencemilitary": "JUST",
    "inlandwaters": "ENVI", "location": "REGI", "oceans": "ENVI", "planningcadastre": "REGI",
    "society": "SOCI", "structure": "REGI", "transportation": "TRAN", "utilitiescommunication": "ENER",
    "extraterrestrial": "TECH", "disaster": "ENVI",
}


def theme_from_iso_topic(topic: str) -> str | None:
    return ISO_TOPICS.get(match_key(topic).replace(" ", ""))


def theme_to_rdf(code: str, uri: str | None = None) -> URIRef:
    """The theme's own IRI when the registry has one, else the EU data theme of that code."""
    return URIRef(uri or THEME_BASE + code)


# --- licences -------------------------------------------------------------------------------------

#: CKAN licence ids, SPDX ids and EU licence codes -> our licence codes.
LICENCE_ALIASES = {
    "cc-by": "CC-BY-4.0", "cc-by-4.0": "CC-BY-4.0", "cc_by_4_0": "CC-BY-4.0", "cc-by 4.0": "CC-BY-4.0",
    "cc-zero": "CC0-1.0", "cc0": "CC0-1.0", "cc0-1.0": "CC0-1.0", "cc0_1_0": "CC0-1.0",
    "odc-by": "ODC-BY-1.0", "odc-by-1.0": "ODC-BY-1.0", "odc_by_1_0": "ODC-BY-1.0",
    "odc-odbl": "ODbL-1.0", "odbl": "ODbL-1.0", "odbl-1.0": "ODbL-1.0", "odc_odbl_1_0": "ODbL-1.0",
}
#: Values that say "no licence given" rather than naming an unknown one.
NO_LICENCE = {"notspecified", "not specified", "other", "unknown", "none"}
#: Our licence codes -> the EU licence table's codes.
LICENCE_CODES = {"CC-BY-4.0": "CC_BY_4_0", "CC0-1.0": "CC0", "ODC-BY-1.0": "ODC_BY", "ODbL-1.0": "ODC_BL"}


def licence_to_rdf(code: str, url: str | None = None) -> URIRef | None:
    """The EU licence IRI of a code it lists, else the licence's own address, else None."""
    eu = LICENCE_CODES.get(code)
    if eu:
        return URIRef(LICENCE_BASE + eu)
    return URIRef(url) if url else None


def licence_from_rdf(value: str) -> str | None:
    """A licence IRI or id that these tables know -> our code (the registry's own titles and
    addresses are matched by `harvesters.resolve`)."""
    key = last_segment(value) if "://" in value else value.strip()
    for ours, eu in LICENCE_CODES.items():
        if key == eu:
            return ours
    return LICENCE_ALIASES.get(key.lower())


# --- file types and media types ------------------------------------------------------------------

#: File extension -> (our format label, media type).
FILE_EXTENSIONS: dict[str, tuple[str, str]] = {
    "csv": ("CSV", "text/csv"),
    "tsv": ("TSV", "text/tab-separated-values"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": ("XLS", "application/vnd.ms-excel"),
    "ods": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "json": ("JSON", "application/json"),
    "geojson": ("GeoJSON", "application/geo+json"),
    "jsonld": ("JSON-LD", "application/ld+json"),
    "xml": ("XML", "application/xml"),
    "rdf": ("RDF/XML", "application/rdf+xml"),
    "ttl": ("Turtle", "text/turtle"),
    "parquet": ("Parquet", "application/vnd.apache.parquet"),
    "pdf": ("PDF", "application/pdf"),
    "docx": ("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "zip": ("ZIP", "application/zip"),
    "txt": ("TXT", "text/plain"),
    "shp": ("SHP", "application/x-shapefile"),
    "kml": ("KML", "application/vnd.google-earth.kml+xml"),
}
#: Our format labels (upper case) -> the EU file-type table's codes.
FILE_TYPE_CODES = {
    "CSV": "CSV", "TSV": "TSV", "XLSX": "XLSX", "XLS": "XLS", "ODS": "ODS", "JSON": "JSON", "GEOJSON": "GEOJSON",
    "JSON-LD": "JSON_LD", "XML": "XML", "RDF/XML": "RDF_XML", "TURTLE": "RDF_TURTLE", "PARQUET": "PARQUET",
    "PDF": "PDF", "DOCX": "DOCX", "ZIP": "ZIP", "TXT": "TXT", "SHP": "SHP", "KML": "KML", "HTML": "HTML",
    "GML": "GML", "GPKG": "GPKG", "ODT": "ODT", "DOC": "DOC", "WMS": "WMS_SRVC", "WFS": "WFS_SRVC",
    "GZIP": "GZIP", "TAR": "TAR", "RDF": "RDF", "N-TRIPLES": "RDF_N_TRIPLES", "XHTML": "XHTML",
}
_FILE_TYPE_LABELS = {eu: label for label, eu in FILE_TYPE_CODES.items()}


def file_type_from_rdf(value: str) -> str:
    """A file-type IRI or a literal -> our format label as sources give it (upper case, at most 32
    characters): an EU file type by our label for it, another IRI by its last segment, a media
    type by its subtype."""
    if value.startswith(FILE_TYPE_BASE):
        code = value[len(FILE_TYPE_BASE):].rstrip("/")
        if code in _FILE_TYPE_LABELS:
            return _FILE_TYPE_LABELS[code]
    fmt = value.rstrip("/").rsplit("/", 1)[-1] if "://" in value else value
    if "/" in fmt:
        fmt = fmt.rsplit("/", 1)[-1]
    return fmt.upper()[:32]


def file_type_to_rdf(label: str) -> URIRef | None:
    eu = FILE_TYPE_CODES.get(label.upper())
    return URIRef(FILE_TYPE_BASE + eu) if eu else None


def media_type_from_rdf(value: str) -> str:
    """An IANA media-type IRI or a plain media type -> the media type."""
    return value.split("/media-types/", 1)[-1] if "/media-types/" in value else value


def media_type_to_rdf(media_type: str) -> URIRef:
    return URIRef(MEDIA_TYPE_BASE + media_type.split(";", 1)[0].strip())


def split_format(fmt: str | None, media: str | None) -> tuple[str | None, str | None]:
    """A CKAN `format` may be a media type ("text/csv", "application/geo+json; charset=utf-8"):
    keep it as the media type and its subtype as the format label."""
    if fmt and "/" in fmt:
        media = media or fmt
        fmt = fmt.rsplit("/", 1)[-1].split("+")[0].split(";")[0]
    return (fmt.upper()[:32] if fmt else None), media


# --- our own terms --------------------------------------------------------------------------------

#: Terms DCAT-AP has no word for (access level, master data, the database and its legal basis,
#: the agency's electronic identifier code); the feeds write them and our DCAT harvester reads them.
VNCAT = Namespace("https://w3id.org/vn-data-catalog/ns#")


def date_literal_type(value: object) -> URIRef:
    """xsd:date for a date, xsd:dateTime for a datetime (DCAT-AP accepts both for dct:issued)."""
    return XSD.dateTime if isinstance(value, datetime) else XSD.date
