"""Readable names of the catalogue's codes, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from ..schemas.base import field_errors

ACCESS_LEVELS = {
    "open": _l("Open data"),
    "shared": _l("Shared among state agencies"),
    "restricted": _l("Restricted: on request"),
}

ACCESS_EXPLANATIONS = {
    "open": _l(
        "Anyone, person or organisation, may see, download and reuse this data, commercially too, "
        "under the licence below. No account is needed."
    ),
    "shared": _l(
        "Shared data: every officer of a state agency who signs in may see and download it, and each "
        "download is logged. The public sees this description but not the files."
    ),
    "restricted": _l(
        "Restricted data: used by the owning agency. Officers of other agencies can see this description and "
        "ask for the data; the files are given only under an approved sharing agreement."
    ),
    "restricted_unlisted": _l(
        "Restricted and unlisted: only the owning agency and agencies holding an active sharing agreement "
        "know this dataset exists."
    ),
}

FIELD_CLASSES = {
    "open": _l("Open"),
    "default_shared": _l("Shared by default"),
    "special_request": _l("Special request only"),
}

DATASET_STATUSES = {"draft": _l("Draft"), "published": _l("Published"), "withdrawn": _l("Withdrawn")}

ORGANIZATION_KINDS = {
    "ministry": _l("Ministry"),
    "ministerial_agency": _l("Ministerial-level agency"),
    "government_agency": _l("Government agency"),
    "city": _l("Centrally-run city"),
    "province": _l("Province"),
    "department": _l("Provincial department"),
    "unit": _l("Unit"),
}

ORGANIZATION_KIND_GROUPS = {
    "ministry": _l("Ministries"),
    "ministerial_agency": _l("Ministerial-level agencies"),
    "government_agency": _l("Government agencies"),
    "city": _l("Centrally-run cities"),
    "province": _l("Provinces"),
    "department": _l("Provincial departments"),
    "unit": _l("Units of ministries and agencies"),
}

DATABASE_KINDS = {
    "national": _l("National database"),
    "sectoral": _l("Sectoral database"),
    "local": _l("Local database"),
    "information_system": _l("Information system"),
}

DATABASE_STATUSES = {
    "planned": _l("Planned"),
    "building": _l("Being built"),
    "operating": _l("In operation"),
    "retired": _l("Retired"),
}

PLATFORMS = {
    "NDXP": _l("National data integration and sharing platform (NDXP)"),
    "NDOP": _l("National data sharing and coordination platform (NDOP)"),
    "LGSP": _l("Provincial integration and sharing platform (LGSP)"),
    "NPSP": _l("National Public Service Portal"),
    "VBQG": _l("National document exchange axis"),
}

UPDATE_FREQUENCIES = {
    "CONT": _l("Continuously"),
    "DAILY": _l("Daily"),
    "WEEKLY": _l("Weekly"),
    "MONTHLY": _l("Monthly"),
    "QUARTERLY": _l("Quarterly"),
    "BIANNUAL": _l("Twice a year"),
    "ANNUAL": _l("Yearly"),
    "IRREG": _l("Irregularly"),
    "NEVER": _l("Never (final)"),
    "UNKNOWN": _l("Unknown"),
}

ROLES = {
    "steward": _l("Data steward"),
    "editor": _l("Editor"),
    "member": _l("Member (officer)"),
}

ORIGINS = {"registered": _l("Registered in this catalogue"), "harvested": _l("Harvested")}


def label(table: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(table.get(code, code))


def filesize(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def flat_errors(err: ValidationError) -> dict[str, list[str]]:
    return field_errors(err)
