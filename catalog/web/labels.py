"""Readable names of the catalogue's codes, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from ..schemas.base import field_errors
from .connection_labels import INCIDENT_CAUSES

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

SHARING_KINDS = {
    "default": _l("Default sharing"),
    "special": _l("Special request"),
}

REQUEST_STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Waiting for a decision"),
    "info_requested": _l("More information asked for"),
    "approved": _l("Approved"),
    "partially_approved": _l("Approved in part"),
    "refused": _l("Refused"),
    "escalated": _l("Refusal disputed"),
    "withdrawn": _l("Withdrawn"),
}

AGREEMENT_STATUSES = {
    "active": _l("In force"),
    "scheduled": _l("Not started yet"),
    "suspended": _l("Suspended"),
    "expired": _l("Ended (expired)"),
    "terminated": _l("Terminated"),
}

SHARING_METHODS = {
    "api_ndxp": _l("API through the national data integration and sharing platform (NDXP)"),
    "api_ndop": _l("API through the national data coordination platform (NDOP)"),
    "api_lgsp": _l("API through the province's integration platform (LGSP)"),
    "file_transfer": _l("File transfer"),
    "direct_query": _l("Direct query"),
}

SHARING_FREQUENCIES = {
    "realtime": _l("In real time"),
    "daily": _l("Daily"),
    "weekly": _l("Weekly"),
    "monthly": _l("Monthly"),
    "quarterly": _l("Quarterly"),
    "yearly": _l("Yearly"),
    "once": _l("Once"),
}

SUSPENSION_REASONS = {
    "maintenance": _l("planned maintenance"),
    "breach": _l("breach of the agreement's terms"),
    "incident": _l("technical incident"),
}

TERMINATION_GROUNDS = {
    "purpose_changed": _l("the purpose of use changed"),
    "unfixable_failure": _l("a failure that cannot be fixed"),
    "authority_order": _l("an order of a competent authority"),
    "expired": _l("the agreement expired"),
}

ESCALATION_STEPS = {
    "provider": _l("step 1: the providing agency reconsiders"),
    "it_unit": _l("step 2: the IT unit of the ministry or province"),
    "head": _l("step 3: the minister or the chair of the provincial People's Committee"),
}

PUBLICATION_TIMELINESS = {
    "on_time": _l("published within 1 working day of going live"),
    "late": _l("published late"),
    "overdue": _l("in operation but not yet published: overdue"),
    "pending": _l("in operation; to be published within 1 working day"),
    "unknown": _l("date of going live not stated"),
}

#: What each event of a request's or an agreement's history says.
SHARING_ACTIONS = {
    "sharing.draft": _l("Draft written"),
    "sharing.edit": _l("Draft changed"),
    "sharing.delete_draft": _l("Draft deleted"),
    "sharing.attach": _l("Official letter attached"),
    "sharing.submit": _l("Request sent"),
    "sharing.withdraw": _l("Request withdrawn"),
    "sharing.request_info": _l("More information asked for"),
    "sharing.provide_info": _l("Information given"),
    "sharing.approve": _l("Approved"),
    "sharing.approve_partially": _l("Approved in part"),
    "sharing.refuse": _l("Refused"),
    "sharing.escalate": _l("Refusal disputed"),
    "sharing.uphold": _l("Refusal upheld"),
    "sharing.overdue": _l("Deadline passed without a decision"),
    "sharing.renewal": _l("Renewal asked for"),
    "sharing.download": _l("Data downloaded under the agreement"),
    "sharing.agreement.create": _l("Agreement in force"),
    "sharing.agreement.renew": _l("Agreement renewed"),
    "sharing.agreement.suspend": _l("Suspension announced"),
    "sharing.agreement.suspension_started": _l("Suspension started"),
    "sharing.agreement.resume": _l("Sharing resumed"),
    "sharing.agreement.terminate": _l("Agreement terminated"),
    "sharing.agreement.expire": _l("Agreement expired"),
    "sharing.agreement.confirm_deletion": _l("Deletion of the data confirmed"),
}

#: Codes in notification parameters, shown with these labels.
NOTIFICATION_CODE_LABELS = {"reason": SUSPENSION_REASONS, "ground": TERMINATION_GROUNDS, "step": ESCALATION_STEPS,
                            "cause": INCIDENT_CAUSES}


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
