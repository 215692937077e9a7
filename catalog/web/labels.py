"""Readable names of the catalogue's codes, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from ..rules import Rule
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
    "planned": _l("Planned to open"),
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
    "HOURLY": _l("Hourly"),
    "DAILY": _l("Daily"),
    "WEEKLY": _l("Weekly"),
    "BIWEEKLY": _l("Every two weeks"),
    "MONTHLY": _l("Monthly"),
    "BIMONTHLY": _l("Every two months"),
    "QUARTERLY": _l("Quarterly"),
    "BIANNUAL": _l("Twice a year"),
    "ANNUAL": _l("Yearly"),
    "BIENNIAL": _l("Every two years"),
    "TRIENNIAL": _l("Every three years"),
    "QUINQUENNIAL": _l("Every five years"),
    "IRREG": _l("Irregularly"),
    "NEVER": _l("Never (final)"),
    "UNKNOWN": _l("Unknown"),
}

ROLES = {
    "steward": _l("Data steward"),
    "editor": _l("Editor"),
    "member": _l("Member (officer)"),
}

#: The short names of API token scopes.
TOKEN_SCOPE_NAMES = {"read": _l("Read"), "write": _l("Write"), "harvest": _l("Harvest"), "admin": _l("Administer")}

#: What each API token scope allows, as the account page explains it.
TOKEN_SCOPES = {
    "read": _l("Read: see what your account may see"),
    "write": _l("Write: change records, sharing requests, quality runs"),
    "harvest": _l("Harvest: manage and run harvest sources"),
    "admin": _l("Administer: your administrator rights, accounts, members and invitations"),
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


def language_name(code: str | None) -> str:
    """A language's name in the page's language ("tiếng Đức", "German"), from the CLDR data Babel has."""
    if not code:
        return ""
    if code == "und":
        return str(_l("language not stated"))
    from babel import Locale

    from ..i18n import current_locale

    try:
        name = Locale.parse(current_locale()).languages.get(code)
    except (ValueError, TypeError):
        name = None
    return name or code


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


# --- Field names, as the forms label them ---------------------------------------------------------

#: The label of each field a form, a rule, a log or an audit event names, so that readers never see
#: the code name (`purpose_vi`). The texts are the forms' own labels (one translation serves both).
FIELD_LABELS = {
    "_schema": _l("The form as a whole"),
    "access_level": _l("Access"),
    "access_url": _l("Address of the page or service"),
    "acronym": _l("Acronym"),
    "address": _l("Address"),
    "application": _l("The application or information system that will use the data"),
    "attachment": _l("Official letter"),
    "authoritative": _l("Authoritative source"),
    "auto_publish": _l("Publish automatically"),
    "code": _l("Code"),
    "collection_method_en": _l("How data is collected (English)"),
    "collection_method_vi": _l("How data is collected"),
    "contact": _l("Contact point"),
    "contact_email": _l("Contact e-mail"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Contact telephone"),
    "data_sources_en": _l("Sources of the data (English)"),
    "data_sources_vi": _l("Sources of the data"),
    "database": _l("Database"),
    "dataset": _l("Dataset"),
    "dataset_id": _l("Dataset"),
    "datasets": _l("Datasets it serves"),
    "default_access_level": _l("Access level"),
    "default_licence": _l("Licence"),
    "description": _l("Description"),
    "description_en": _l("Description in English"),
    "description_vi": _l("Description in Vietnamese"),
    "distribution_id": _l("File or link"),
    "distributions": _l("Files and links"),
    "download_url": _l("Direct download address"),
    "due_at": _l("Decision due by"),
    "email": _l("E-mail address"),
    "enabled": _l("Switched on"),
    "end_date": _l("End of sharing"),
    "endpoint_url": _l("Endpoint address"),
    "escalation_level": _l("Step of the dispute"),
    "field_list": _l("Fields"),
    "filters": _l("Filters (JSON)"),
    "focal_officer_name": _l("Focal officer of the agency"),
    "format": _l("Format"),
    "frequency": _l("How often"),
    "ground": _l("Ground"),
    "identifier": _l("Identifier"),
    "in_operation_since": _l("In operation since"),
    "intended_use": _l("How the data will be used"),
    "is_admin": _l("Site administrator"),
    "is_master_data": _l("Master data"),
    "issued": _l("Issued on"),
    "items": _l("The data you need"),
    "keywords": _l("Keywords"),
    "kind": _l("Kind"),
    "landing_page": _l("Web page of the dataset"),
    "languages": _l("Languages of the data"),
    "legal_basis": _l("Legal basis"),
    "licence_code": _l("Licence"),
    "limits_of_use": _l("Limits of use"),
    "media_type": _l("Media type"),
    "methods": _l("Ways the data is shared"),
    "modified": _l("Last changed on"),
    "name": _l("Name"),
    "name_en": _l("Name in English"),
    "name_vi": _l("Name in Vietnamese"),
    "organization": _l("Agency"),
    "owner": _l("Owner"),
    "parties": _l("The parties"),
    "password": _l("Password"),
    "platform": _l("Offered through"),
    "protection_commitment": _l("Commitment to protect the data"),
    "protocol": _l("Kind of source"),
    "publisher": _l("Provider"),
    "purpose": _l("Purpose"),
    "purpose_en": _l("Purpose (English)"),
    "purpose_vi": _l("Purpose"),
    "reason": _l("Reason"),
    "request": _l("Publication request"),
    "renewal_of": _l("Renewal of"),
    "requester": _l("Requesting agency"),
    "requester_identifier": _l("The agency's electronic identifier code"),
    "retention_deletion": _l("Retention, and deletion at the end"),
    "role": _l("Role"),
    "schedule": _l("Schedule"),
    "scope_en": _l("Scope and content (English)"),
    "scope_vi": _l("Scope and content"),
    "security_measures": _l("Security measures"),
    "service": _l("The provider's sharing service"),
    "size": _l("Size"),
    "slug": _l("Address in this catalogue"),
    "source": _l("Source"),
    "spatial": _l("Area covered"),
    "special_reason": _l("Why default sharing cannot serve this need"),
    "start_date": _l("Start of sharing"),
    "status": _l("Status"),
    "suspended_from": _l("Suspended from"),
    "table_schema": _l("Table Schema as JSON"),
    "temporal": _l("Period covered"),
    "temporal_end": _l("Period covered: to"),
    "temporal_start": _l("Period covered: from"),
    "title_en": _l("Title in English"),
    "title_vi": _l("Title in Vietnamese"),
    "update_frequency": _l("Updated"),
    "update_method_en": _l("How data is updated (English)"),
    "update_method_vi": _l("How data is updated"),
    "url": _l("Address"),
    "version": _l("Version"),
    "website": _l("Website"),
    "admin_unit_code": _l("Administrative unit code"),
    "classification": _l("Class"),
    "code_list": _l("Code list"),
    "connection_details": _l("Connection details (account, address)"),
    "constraints": _l("Constraints"),
    "endpoint_description": _l("Address of its description (OpenAPI, WSDL, OData $metadata)"),
    "example": _l("Example"),
    "expires_in_days": _l("Valid for (days)"),
    "focal_officer_email": _l("E-mail"),
    "focal_officer_phone": _l("Telephone"),
    "focal_officer_title": _l("Position"),
    "foreign_keys": _l("References to other tables"),
    "granted": _l("Granted"),
    "hosting": _l("Hosting"),
    "licence": _l("Licence"),
    "locale": _l("Language"),
    "missing_values": _l("Values that mean missing"),
    "note": _l("Note"),
    "openapi_spec": _l("OpenAPI document (JSON)"),
    "parent": _l("Parent agency"),
    "phone": _l("Telephone"),
    "platforms": _l("Connected platforms"),
    "platforms_other": _l("Other connections"),
    "position": _l("Position in the list"),
    "primary_key": _l("Primary key"),
    "provenance": _l("Provenance"),
    "starts_at": _l("Start of the suspension"),
    "themes": _l("Themes"),
    "title": _l("Title"),
    "type": _l("Type"),
    "unlisted": _l("Unlisted"),
    "until": _l("Until"),
    # dotted names of the rules page
    "Organization.focal_officer_name": _l("Focal officer of the agency"),
}

#: What a required field needs, said when it is left empty (instead of "This field is required."
#: on every line of a summary).
FIELD_NEEDS = {
    "access_level": _l("Choose who may use the data."),
    "application": _l("Name the application or information system that will use the data."),
    "code": _l("Give a short code (letters, digits, dots or dashes)."),
    "contact_email": _l("Give an e-mail address where the contact can be reached."),
    "dataset": _l("Choose a dataset."),
    "email": _l("Give an e-mail address."),
    "end_date": _l("Give the date the sharing ends."),
    "endpoint_url": _l("Give the address where the service answers."),
    "frequency": _l("Choose how often the data is needed."),
    "intended_use": _l("Say how the data will be used once received."),
    "items": _l("Add at least one dataset."),
    "kind": _l("Choose a kind."),
    "methods": _l("Choose at least one way to share the data."),
    "name": _l("Give a name."),
    "name_vi": _l("Give the name in Vietnamese."),
    "organization": _l("Choose an agency."),
    "owner": _l("Choose the agency that owns it."),
    "password": _l("Give a password."),
    "protection_commitment": _l("State how the receiving agency will protect the data."),
    "protocol": _l("Choose the kind of source."),
    "publisher": _l("Choose the agency that provides it."),
    "purpose": _l("State why your agency needs the data."),
    "reason": _l("Choose a reason."),
    "requester": _l("Choose your agency."),
    "requester_identifier": _l("Give your agency's electronic identifier code, e.g. 000.00.00.G12."),
    "role": _l("Choose a role."),
    "start_date": _l("Give the date the sharing starts."),
    "title_vi": _l("Give the title in Vietnamese."),
    "url": _l("Give the address of the source."),
}

#: The generic messages that FIELD_NEEDS replaces.
_GENERIC_REQUIRED = ("This field is required.", "This field cannot be empty.", "Missing data for required field.")


def field_label(name: str) -> str:
    """A field's label; nested paths ("distributions.0.url") read "Files and links 1: Address"."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    parts = name.split(".")
    if len(parts) > 1:
        out: list[str] = []
        for part in parts:
            if part.isdigit() and out:
                out[-1] = f"{out[-1]} {int(part) + 1}"
            else:
                out.append(str(FIELD_LABELS.get(part, part)))
        return ": ".join(out)
    return str(FIELD_LABELS.get(name, name))


def field_messages(name: str, messages: list[str] | dict | str) -> str:
    """The messages of one field, the generic "required" replaced by what this field needs."""
    if isinstance(messages, dict):
        return " ".join(f"{field_label(k)}: {field_messages(k, v)}" for k, v in messages.items())
    if isinstance(messages, str):
        messages = [messages]
    from flask_babel import gettext

    generic = {gettext(m) for m in _GENERIC_REQUIRED} | set(_GENERIC_REQUIRED)
    need = FIELD_NEEDS.get(name.rsplit(".", 1)[-1])
    out = []
    for message in messages:
        text = str(message)
        if text in generic:
            text = str(need) if need else gettext("Fill in %(field)s.", field=field_label(name))
        if text not in out:
            out.append(text)
    return " ".join(out)


def error_summary(err: ValidationError) -> str:
    """A validation error in one line, each field named by its label with what it needs."""
    return "; ".join(f"{field_label(k)}: {field_messages(k, v)}" for k, v in flat_errors(err).items())


def column_titles(dataset: object) -> dict[str, str]:
    """Column name -> its Table Schema title, over every file of a dataset (names without a title are left out)."""
    out: dict[str, str] = {}
    for dist in getattr(dataset, "distributions", None) or []:
        for fld in dist.schema_fields():
            name, title = fld.get("name"), fld.get("title")
            if name and title and name not in out:
                out[str(name)] = str(title)
    return out


# --- The rules page ---------------------------------------------------------------------------------

#: What each rule of catalog/rules.py is about; its key stays beside it in a small code font.
RULE_TITLES = {
    "access_levels": _l("Kinds of data by who may use them"),
    "field_classes": _l("Classes of data items (columns)"),
    "master_data": _l("Master data"),
    "focal_officer": _l("The agency's published focal officer for data"),
    "database_entry_items": _l("What a database's catalogue entry states"),
    "required_to_publish": _l("Fields a dataset needs before it is published"),
    "sharing_kinds": _l("Kinds of sharing between agencies"),
    "request_items": _l("What a sharing request states"),
    "agreement_items": _l("What a sharing agreement contains"),
    "sharing_methods": _l("Ways data is shared under an agreement"),
    "answer_deadline": _l("Time the provider has to answer a request"),
    "service_publish_deadline": _l("Time to publish a sharing service once it runs"),
    "maintenance_notice": _l("Notice before a planned suspension for maintenance"),
    "breach_notice": _l("Notice to a consumer that breaks the terms"),
    "termination_grounds": _l("Grounds to end sharing"),
    "request_logs_kept": _l("Logs of requests and sharing"),
    "escalation": _l("Steps of a dispute"),
    "default_list_review": _l("Review of the default-sharing list"),
    "free_of_charge": _l("Sharing between state agencies is free of charge"),
    "decree_47_replaced": _l("Decree replacing Decree 47/2020"),
    "quality_recommended_fields": _l("Recommended fields (quality)"),
    "quality_frequency_max_age_days": _l("Oldest a dataset may be for its update frequency, in days (quality)"),
    "quality_machine_readable_formats": _l("Machine-readable formats (quality)"),
    "quality_open_formats": _l("Open formats (quality)"),
    "no_personal_data_in_open_data": _l("No personal data in open data"),
    "personal_id_structure": _l("Structure of the personal identification number"),
    "agency_code_pattern": _l("Form of an agency's electronic identifier code"),
    "open_data_list": _l("Each agency's open-data list"),
    "open_data_list_review": _l("Review of the open-data list"),
    "cite_the_source": _l("Naming the source of open data"),
    "publish_gate_licence": _l("Publishing open data: an open licence"),
    "publish_gate_machine_readable": _l("Publishing open data: a machine-readable file"),
    "publish_gate_metadata": _l("Publishing open data: the description required"),
    "publish_gate_quality": _l("Publishing open data: the lowest quality grade"),
    "publish_gate_personal_data": _l("Publishing open data: no personal data"),
    "publish_gate_field_classes": _l("Publishing open data: only open fields in public files"),
    "publish_gate_approval": _l("Publishing open data: approval by a second person"),
    "open_data_review_days": _l("Days between reviews of open data, by update frequency"),
    "tombstone": _l("Withdrawn open data keeps a public page"),
}

#: Statuses of an open-data list entry (rules.OPEN_DATA_LIST_STATUSES).
OPEN_DATA_STATUSES = {
    "planned": _l("Planned to open"),
    "in_preparation": _l("In preparation"),
    "open": _l("Already open"),
    "overdue": _l("Overdue"),
}
#: What a citation names (rules.CITATION_ITEMS).
CITATION_ITEMS = {
    "publisher": _l("the publishing agency"),
    "title": _l("the title"),
    "year": _l("the year"),
    "url": _l("the address"),
    "accessed": _l("the day you consulted it"),
}
FEEDBACK_KINDS = {"problem": _l("Problem with a dataset"), "open_request": _l("Request to open data")}
FEEDBACK_STATUSES = {"awaiting": _l("Awaiting an answer"), "answered": _l("Answered")}


def _rule_tables() -> dict[str, tuple[dict, dict]]:
    """Per rule key: the labels of the codes it lists, and of the keys of its mapping."""
    from ..quality.messages import PERSONAL_KINDS

    return {
        "access_levels": (ACCESS_LEVELS, {}),
        "field_classes": (FIELD_CLASSES, {}),
        "master_data": (FIELD_LABELS, {}),
        "focal_officer": (FIELD_LABELS, {}),
        "database_entry_items": (FIELD_LABELS, {}),
        "required_to_publish": (FIELD_LABELS, ACCESS_LEVELS),
        "sharing_kinds": (SHARING_KINDS, {}),
        "request_items": (FIELD_LABELS, {}),
        "agreement_items": (FIELD_LABELS, {}),
        "sharing_methods": (SHARING_METHODS, {}),
        "termination_grounds": (TERMINATION_GROUNDS, {}),
        "quality_recommended_fields": (FIELD_LABELS, ACCESS_LEVELS),
        "quality_frequency_max_age_days": ({}, UPDATE_FREQUENCIES),
        "no_personal_data_in_open_data": (PERSONAL_KINDS, {}),
        "open_data_list": (OPEN_DATA_STATUSES, {}),
        "cite_the_source": (CITATION_ITEMS, {}),
        "publish_gate_metadata": (FIELD_LABELS, {}),
        "open_data_review_days": ({}, UPDATE_FREQUENCIES),
    }


def _items(value: object, table: dict) -> list[tuple[str, str | None]]:
    values = value if isinstance(value, list | tuple) else [value]
    out: list[tuple[str, str | None]] = []
    for v in values:
        if isinstance(v, str) and v in table:
            out.append((str(table[v]), v))
        elif v is True or v is False:
            out.append((str(_l("yes") if v else _l("no")), None))
        else:
            out.append((str(v), None))
    return out


def rule_value(rule: Rule) -> dict[str, object]:
    """A rule's value for the page: labelled items (code kept for a tooltip), or groups of them.

    Returns {"groups": [(label, code, items)]} for a mapping, {"items": [(label, code)]} otherwise;
    a code is None where the value is already text. A pattern is returned as {"pattern": text}.
    """
    key, value = rule.key, rule.value
    if key == "agency_code_pattern":
        return {"pattern": str(value)}
    values_table, keys_table = _rule_tables().get(key, ({}, {}))
    if isinstance(value, dict):
        groups = []
        for k, v in value.items():
            groups.append((str(keys_table.get(k, k)), k if k in keys_table else None, _items(v, values_table)))
        return {"groups": groups}
    return {"items": _items(value, values_table)}


# --- The audit log ------------------------------------------------------------------------------------

AUDIT_ACTIONS = {
    "create": _l("Added"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "publish": _l("Published"),
    "withdraw": _l("Withdrawn"),
    "download": _l("Downloaded"),
    "password": _l("Password changed"),
    "revoke": _l("Revoked"),
    "grant_role": _l("Role given"),
    "revoke_role": _l("Role taken away"),
    "activate": _l("Account switched on"),
    "deactivate": _l("Account switched off"),
    "harvest_start": _l("Harvest started"),
    "harvest_finish": _l("Harvest finished"),
    **SHARING_ACTIONS,
}

AUDIT_OBJECTS = {
    "dataset": _l("Dataset"),
    "database": _l("Database"),
    "dataservice": _l("Data service"),
    "distribution": _l("File or link"),
    "organization": _l("Agency"),
    "harvest_source": _l("Harvest source"),
    "harvest_job": _l("Harvest job"),
    "user": _l("Account"),
    "api_token": _l("API token"),
    "membership": _l("Role in an agency"),
    "sharing_request": _l("Sharing request"),
    "sharing_agreement": _l("Sharing agreement"),
}

#: Who acted when no person did (services.actor.system_actor labels).
ACTORS = {
    "seed": _l("Loading of the seed data"),
    "cli": _l("Command line"),
    "sharing": _l("Sharing deadlines (automatic)"),
    "system": _l("The catalogue itself"),
    "anonymous": _l("Visitor not signed in"),
}


def actor_label(label: str | None) -> str:
    """An audit event's actor for people: e-mails as they are, harvests and system jobs by name."""
    if not label:
        return ""
    if label.startswith("harvest:"):
        source = label.removeprefix("harvest:").split(" (", 1)[0]
        return str(_l("Harvest of the source %(source)s", source=source))
    return str(ACTORS.get(label, label))


def audit_changes(before: dict | None, after: dict | None) -> list[tuple[str, str, object, object]]:
    """Rows (label, field name, before, after) of an audit event's changes, labelled fields first."""
    before, after = before or {}, after or {}
    rows = []
    for key in list(dict.fromkeys([*before.keys(), *after.keys()])):
        rows.append((field_label(key), key, before.get(key), after.get(key)))
    return rows

NOTIFICATION_CODE_LABELS["feedback_kind"] = FEEDBACK_KINDS

# the public portal's form fields (open-data plans, feedback, answers)
FIELD_LABELS.update({
    "planned_date": _l("Planned date"),
    "subject": _l("Subject"),
    "message": _l("Message"),
    "author_name": _l("Your name"),
    "author_email": _l("Your e-mail address"),
    "answer": _l("Answer"),
})

# the public portal in the audit log
AUDIT_ACTIONS.setdefault("answer", _l("Answered"))
AUDIT_OBJECTS.update({"open_data_plan": _l("Planned open-data entry"), "public_feedback": _l("Public feedback")})
