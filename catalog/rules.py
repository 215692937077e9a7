"""The legal rule set: every legal category, required item, deadline and interval, with its article.

When a decree changes, this file changes and nothing else. Services read these values; no
other module writes a legal number. Each rule carries its legal basis and whether that basis was
read in the text (`confirmed`) or is reported by a secondary source (`verify`), so that stewards
and auditors can see where a behaviour comes from (the `/rules` page lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from flask_babel import lazy_gettext as _l

Status = Literal["confirmed", "verify"]


@dataclass(frozen=True)
class Period:
    """A legal duration: `count` units of `unit` (working_days, days, months)."""

    count: int
    unit: Literal["working_days", "days", "months"]


@dataclass(frozen=True)
class Rule:
    key: str
    value: object
    basis: str
    status: Status = "confirmed"
    #: Why the rule reads as it does, in the reader's language (a lazy translatable string).
    note: object = ""
    items: tuple[str, ...] = field(default=())


# --- Kinds of data -----------------------------------------------------------------------------

#: Data Law 60/2024/QH15 Art. 3: open data, data shared among state bodies, data for internal use
#: that is shared only on a special request. Ordered from most to least open.
ACCESS_OPEN = "open"
ACCESS_SHARED = "shared"
ACCESS_RESTRICTED = "restricted"
ACCESS_LEVELS: tuple[str, ...] = (ACCESS_OPEN, ACCESS_SHARED, ACCESS_RESTRICTED)

#: Decree 47/2020/ND-CP Art. 11(4): each data item (field) of a database is classed by who may use it.
FIELD_OPEN = "open"
FIELD_DEFAULT_SHARED = "default_shared"
FIELD_SPECIAL_REQUEST = "special_request"
FIELD_CLASSES: tuple[str, ...] = (FIELD_OPEN, FIELD_DEFAULT_SHARED, FIELD_SPECIAL_REQUEST)

#: The access level a field class needs at least, so a field is never more open than its dataset.
FIELD_CLASS_FOR_ACCESS = {
    ACCESS_OPEN: FIELD_OPEN,
    ACCESS_SHARED: FIELD_DEFAULT_SHARED,
    ACCESS_RESTRICTED: FIELD_SPECIAL_REQUEST,
}

#: Kinds of databases the catalogue registers (Decree 47/2020 Art. 3: national databases,
#: databases of ministries/sectors and of localities; information systems run by agencies).
DATABASE_KINDS: tuple[str, ...] = ("national", "sectoral", "local", "information_system")

#: Kinds of organisations in the agency tree (Law on Government Organisation 2025; Decision
#: 20/2020/QĐ-TTg on electronic identifier codes gives every agency a code).
ORGANIZATION_KINDS: tuple[str, ...] = (
    "ministry",
    "ministerial_agency",
    "government_agency",
    "city",
    "province",
    "department",
    "unit",
)

RULES: tuple[Rule, ...] = (
    Rule(
        "access_levels",
        ACCESS_LEVELS,
        "Luật Dữ liệu 60/2024/QH15, Điều 3 (dữ liệu mở, dữ liệu dùng chung, dữ liệu dùng riêng)",
    ),
    Rule(
        "field_classes",
        FIELD_CLASSES,
        "Nghị định 47/2020/NĐ-CP, Điều 11 khoản 4 (phân loại trường dữ liệu theo đối tượng sử dụng)",
    ),
    Rule(
        "master_data",
        "is_master_data",
        "Nghị định 47/2020/NĐ-CP, Điều 3 khoản 9 (dữ liệu chủ)",
    ),
    Rule(
        "focal_officer",
        "Organization.focal_officer_name",
        "Nghị định 47/2020/NĐ-CP, Điều 7 khoản 1 (công bố đầu mối dữ liệu)",
    ),
    Rule(
        "database_entry_items",
        ("name_vi", "purpose_vi", "scope_vi", "collection_method_vi", "update_method_vi", "data_sources_vi"),
        "Nghị định 47/2020/NĐ-CP, Điều 11 khoản 4 (nội dung danh mục cơ sở dữ liệu)",
        note=_l("plus the class of each data item, kept on each distribution's schema fields"),
    ),
)



def rule(key: str) -> Rule:
    for r in RULES:
        if r.key == key:
            return r
    raise KeyError(key)


#: What a database's catalogue entry must say (47/2020 Art. 11(4)); the form and API require them.
DATABASE_REQUIRED_FIELDS: tuple[str, ...] = rule("database_entry_items").value  # type: ignore[assignment]


# --- Publishing ---------------------------------------------------------------------------------

#: Fields a dataset must have before it is published, per access level. Open data must be
#: "complete ... in open formats, free" (E-Transactions Law 20/2023/QH15 Art. 43) and reusable,
#: which needs a licence; DCAT-AP makes title and description mandatory; a contact serves the
#: requests that Decree 194/2025 Art. 16 obliges providers to answer.
#: "contact" means a contact point of any kind: a name, an e-mail address or a telephone number.
REQUIRED_TO_PUBLISH: dict[str, tuple[str, ...]] = {
    ACCESS_OPEN: ("description_vi", "licence_code", "contact"),
    ACCESS_SHARED: ("description_vi", "contact"),
    ACCESS_RESTRICTED: ("description_vi", "contact"),
}
RULES = (
    *RULES,
    Rule(
        "required_to_publish",
        REQUIRED_TO_PUBLISH,
        "Luật Giao dịch điện tử 20/2023/QH15, Điều 43 (dữ liệu mở); Nghị định 194/2025/NĐ-CP, Điều 16; DCAT-AP 3",
        status="verify",
        note=_l("the law names principles, not fields: this list is the catalogue's reading of them"),
    ),
)


# --- Sharing among state agencies ---------------------------------------------------------------
#: Who may receive what, how fast the provider must answer, and how agreements end. The numbers
#: are data: `catalog/services/sharing/` reads them and counts working days with Vietnam's
#: public holidays (catalog/workdays.py).

#: Default sharing (chia sẻ mặc định) serves open and shared data through ready services; data
#: for internal use, or items classed special-request, need a special request and an agreement
#: (Decree 47/2020 Arts. 34, 36; Decree 194/2025 Art. 16).
SHARING_KIND_DEFAULT = "default"
SHARING_KIND_SPECIAL = "special"
SHARING_KINDS: tuple[str, ...] = (SHARING_KIND_DEFAULT, SHARING_KIND_SPECIAL)
DEFAULT_SHARING_ACCESS_LEVELS: tuple[str, ...] = (ACCESS_OPEN, ACCESS_SHARED)
DEFAULT_SHARING_FIELD_CLASSES: tuple[str, ...] = (FIELD_OPEN, FIELD_DEFAULT_SHARED)

#: What a request states (Decree 47/2020 Art. 35(1-2)).
REQUEST_ITEMS: tuple[str, ...] = (
    "requester_identifier", "application", "purpose", "intended_use", "items", "service", "frequency",
)
#: What a special-request agreement contains (Decree 47/2020 Arts. 36-38).
AGREEMENT_ITEMS: tuple[str, ...] = (
    "parties", "items", "purpose", "start_date", "end_date", "methods", "frequency", "limits_of_use",
    "protection_commitment", "security_measures", "retention_deletion", "special_reason",
)
#: Ways data travels under an agreement: an API through the national platforms (NDXP, NDOP) or
#: the province's LGSP, a file transfer, a direct query (Decree 47/2020 Art. 38; Decree 278/2025).
SHARING_METHODS: tuple[str, ...] = ("api_ndxp", "api_ndop", "api_lgsp", "file_transfer", "direct_query")
SHARING_FREQUENCIES: tuple[str, ...] = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "once")

#: The provider approves (opens a connection) or refuses in writing with reasons and the legal
#: basis within 2 working days (Decree 47/2020 Art. 35(3) as amended by Decree 194/2025 Art. 40).
ANSWER_DEADLINE = Period(2, "working_days")
#: A provider publishes each sharing service within 1 working day of putting it into operation
#: (Decree 47/2020 Arts. 25-26).
SERVICE_PUBLISH_DEADLINE = Period(1, "working_days")
#: Planned suspension for maintenance is announced at least 7 working days ahead; a consumer that
#: breaks the terms is told within 1 day (Decree 47/2020 Art. 43).
MAINTENANCE_NOTICE = Period(7, "working_days")
BREACH_NOTICE = Period(1, "days")
SUSPENSION_REASONS: tuple[str, ...] = ("maintenance", "breach", "incident")
#: Grounds to end sharing (Decree 47/2020 Art. 44); expiry also ends an agreement by itself.
TERMINATION_GROUNDS: tuple[str, ...] = ("purpose_changed", "unfixable_failure", "authority_order", "expired")
#: Disputes: the provider reconsiders, then the IT unit of the ministry or province, then the
#: minister or the provincial chair; 7 working days at each of the first two steps
#: (Decree 47/2020 Arts. 48-49).
ESCALATION_STEPS: tuple[str, ...] = ("provider", "it_unit", "head")
ESCALATION_DEADLINE = Period(7, "working_days")
#: The default-shared list is reviewed at least every 6 months (Decree 47/2020 Art. 34).
DEFAULT_LIST_REVIEW = Period(6, "months")
#: Sharing between state agencies is free of charge (Decree 47/2020 Art. 5(5)).
SHARING_FREE_OF_CHARGE = True

RULES = (
    *RULES,
    Rule("sharing_kinds", SHARING_KINDS,
         "Nghị định 47/2020/NĐ-CP, Điều 34, 36; Nghị định 194/2025/NĐ-CP, Điều 16",
         note=_l("default sharing for open and shared data; special requests need an agreement")),
    Rule("request_items", REQUEST_ITEMS, "Nghị định 47/2020/NĐ-CP, Điều 35 khoản 1-2"),
    Rule("agreement_items", AGREEMENT_ITEMS, "Nghị định 47/2020/NĐ-CP, Điều 36-38",
         note=_l("the parties, the data, duration, methods, limits of use, protection, security, "
                 "retention and deletion")),
    Rule("sharing_methods", SHARING_METHODS, "Nghị định 47/2020/NĐ-CP, Điều 38; Nghị định 278/2025/NĐ-CP",
         status="verify", note=_l("Decree 278/2025 is reported to route mandatory sharing through NDOP by 31/12/2026")),
    Rule("answer_deadline", _l("2 working days"),
         "Nghị định 47/2020/NĐ-CP, Điều 35 khoản 3, sửa đổi bởi Nghị định 194/2025/NĐ-CP, Điều 40"),
    Rule("service_publish_deadline", _l("1 working day"), "Nghị định 47/2020/NĐ-CP, Điều 25-26"),
    Rule("maintenance_notice", _l("7 working days"), "Nghị định 47/2020/NĐ-CP, Điều 43"),
    Rule("breach_notice", _l("1 day"), "Nghị định 47/2020/NĐ-CP, Điều 43"),
    Rule("termination_grounds", TERMINATION_GROUNDS, "Nghị định 47/2020/NĐ-CP, Điều 44"),
    Rule("request_logs_kept", _l("append-only, hash-chained audit log"), "Nghị định 47/2020/NĐ-CP, Điều 45"),
    Rule("escalation", _l("provider → IT unit → minister/chair, 7 working days per step"),
         "Nghị định 47/2020/NĐ-CP, Điều 48-49"),
    Rule("default_list_review", _l("6 months"), "Nghị định 47/2020/NĐ-CP, Điều 34"),
    Rule("free_of_charge", SHARING_FREE_OF_CHARGE, "Nghị định 47/2020/NĐ-CP, Điều 5 khoản 5"),
    Rule("decree_47_replaced", _l("Decree 278/2025/NĐ-CP (22/10/2025)"),
         "Nghị định 278/2025/NĐ-CP (5 chương, 25 điều)", status="verify",
         note=_l("news reports say it replaces Decree 47/2020; until its articles are read, the 47/2020 procedure "
              "as amended by 194/2025 applies here")),
)


# --- Data quality ("đúng, đủ, sạch, sống, thống nhất, dùng chung") --------------------------------
# The six words are policy wording, not a legal term (RULES.md); the lists below are the catalogue's
# reading of the principles the texts give. The points each check earns live in
# catalog/quality/scoring.py; what counts as present, open, fresh or personal lives here.

#: Fields every dataset should have beyond those needed to publish, per access level (DCAT-AP 3
#: recommended properties; 47/2020 Art. 11(4) asks a database's entry to say how data is updated).
#: Keywords and themes are scored by their own checks, so they are not repeated here.
RECOMMENDED_FIELDS: dict[str, tuple[str, ...]] = {
    ACCESS_OPEN: ("title_en", "description_en", "spatial", "temporal", "update_frequency", "issued", "modified",
                  "contact_email", "landing_page"),
    ACCESS_SHARED: ("spatial", "update_frequency", "issued", "modified", "contact_email", "database"),
    ACCESS_RESTRICTED: ("spatial", "update_frequency", "issued", "modified", "contact_email", "database"),
}

#: Oldest a dataset's last modification may be, in days, for each declared update frequency (EU
#: frequency codes), a grace of about a tenth included. Shared data must be current (47/2020 Art. 5(4));
#: changed open data is updated within 3 months and the open-data list reviewed every 6 months
#: (open-data principles, now E-Transactions Law 2023 Art. 43), hence 183 days for irregular data.
#: NEVER (historical data) is never stale; UNKNOWN or no frequency cannot be judged.
FREQUENCY_MAX_AGE_DAYS: dict[str, int | None] = {
    "CONT": 2, "HOURLY": 2, "DAILY": 2, "WEEKLY": 9, "BIWEEKLY": 16, "MONTHLY": 35, "BIMONTHLY": 68,
    "QUARTERLY": 100, "BIANNUAL": 200, "ANNUAL": 400, "BIENNIAL": 800, "TRIENNIAL": 1200, "QUINQUENNIAL": 2000,
    "IRREG": 183, "NEVER": None,
}

#: Formats a program can read without a person copying values out (open-data principle
#: "machine-processable": E-Transactions Law 2023 Art. 43; Circular 39/2017/TT-BTTTT lists the standards).
MACHINE_READABLE_FORMATS: tuple[str, ...] = (
    "CSV", "TSV", "XLSX", "XLS", "ODS", "JSON", "GEOJSON", "JSON-LD", "JSONL", "XML", "RDF/XML", "TURTLE",
    "PARQUET", "KML", "GML", "SHP", "GPKG", "API",
)
#: Machine-readable formats with an open specification (Circular 39/2017/TT-BTTTT names CSV, JSON,
#: XML, ODF and OOXML among the standards for data exchange); XLS, SHP are vendor formats.
OPEN_FORMATS: tuple[str, ...] = (
    "CSV", "TSV", "XLSX", "ODS", "JSON", "GEOJSON", "JSON-LD", "JSONL", "XML", "RDF/XML", "TURTLE", "PARQUET",
    "KML", "GML", "GPKG",
)

#: Structure of the 12-digit personal identification number (số định danh cá nhân, the CCCD number):
#: 3 digits for the province where the birth was registered, 1 for century and sex, 2 for the year
#: of birth, then 6 random digits (Circular 59/2021/TT-BCA Art. 7, earlier Circular 07/2016/TT-BCA);
#: the province codes are the 63 pre-2025 codes, 001-096.
PERSONAL_ID_PROVINCE_CODES: frozenset[str] = frozenset(
    f"{n:03d}" for n in (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40, 42,
        44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86,
        87, 89, 91, 92, 93, 94, 95, 96,
    )
)

RULES = (
    *RULES,
    Rule(
        "quality_recommended_fields",
        RECOMMENDED_FIELDS,
        "DCAT-AP 3 (thuộc tính khuyến nghị); Nghị định 47/2020/NĐ-CP, Điều 11 khoản 4",
        status="verify",
        note=_l("scored by the quality checks (đủ); not needed to publish"),
    ),
    Rule(
        "quality_frequency_max_age_days",
        {k: ("—" if v is None else v) for k, v in FREQUENCY_MAX_AGE_DAYS.items()},
        "Nghị định 47/2020/NĐ-CP, Điều 5 khoản 4 (dữ liệu chia sẻ phải bảo đảm cập nhật); Luật Giao dịch điện tử "
        "20/2023/QH15, Điều 43 (cập nhật dữ liệu mở trong 3 tháng, rà soát 6 tháng)",
        status="verify",
        note=_l("the 'live' (sống) test: a dataset older than this for its declared frequency is stale"),
    ),
    Rule(
        "quality_machine_readable_formats",
        MACHINE_READABLE_FORMATS,
        "Luật Giao dịch điện tử 20/2023/QH15, Điều 43 (dữ liệu mở ở định dạng máy đọc được); "
        "Thông tư 39/2017/TT-BTTTT",
        status="verify",
    ),
    Rule(
        "quality_open_formats",
        OPEN_FORMATS,
        "Thông tư 39/2017/TT-BTTTT (danh mục tiêu chuẩn kỹ thuật về định dạng dữ liệu)",
        status="verify",
    ),
    Rule(
        "no_personal_data_in_open_data",
        ("citizen_id", "old_id", "phone", "email", "tax_code", "name_with_birth_date"),
        "Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15; Nghị định 13/2023/NĐ-CP; Luật Giao dịch điện tử 20/2023/QH15, "
        "Điều 43 (dữ liệu mở không chứa dữ liệu cá nhân)",
        status="verify",
        note=_l("columns that look like these kinds of personal data are flagged before data is opened"),
    ),
    Rule(
        "personal_id_structure",
        _l("3 digits for the province, 1 for century and sex, 2 for the year of birth, then 6 digits"),
        "Thông tư 59/2021/TT-BCA, Điều 7 (cấu trúc số định danh cá nhân)",
        status="verify",
    ),
)

#: Form of an agency's electronic identifier code, four groups of digits and a letter-led group
#: (e.g. "000.00.00.G01"; Decision 20/2020/QĐ-TTg on electronic identifier codes of agencies).
AGENCY_CODE_PATTERN = r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$"
RULES = (
    *RULES,
    Rule(
        "agency_code_pattern",
        AGENCY_CODE_PATTERN,
        "Quyết định 20/2020/QĐ-TTg (mã định danh điện tử của các cơ quan, tổ chức)",
        status="verify",
        note=_l("the consistency (thống nhất) checks expect a publisher to carry such a code"),
    ),
)


# --- Open data for the public -------------------------------------------------------------------

#: Each agency publishes its open-data list (danh mục dữ liệu mở): the datasets it has opened and
#: those it plans to open, with a planned date, an update frequency and a status; the lists are
#: compiled on the National Data Portal (Data Law 60/2024/QH15; Decree 165/2025/NĐ-CP, Art. 10).
OPEN_DATA_LIST_STATUSES: tuple[str, ...] = ("planned", "in_preparation", "open", "overdue")
#: A planned entry not opened this many days after its planned date is overdue (0: the next day).
OPEN_DATA_OVERDUE_AFTER_DAYS = 0
#: The open-data list is reviewed at least every 6 months (open-data principles of Decree 47/2020,
#: now E-Transactions Law 20/2023/QH15 Art. 43).
OPEN_DATA_LIST_REVIEW = Period(6, "months")
#: Users of open data must name its source (E-Transactions Law 2023 Art. 43; open-data principles):
#: the agency, the title, the year, the address and the day it was consulted.
CITATION_ITEMS: tuple[str, ...] = ("publisher", "title", "year", "url", "accessed")

RULES = (
    *RULES,
    Rule("open_data_list", OPEN_DATA_LIST_STATUSES,
         "Luật Dữ liệu 60/2024/QH15; Nghị định 165/2025/NĐ-CP, Điều 10 (danh mục dữ liệu mở)", status="verify",
         note=_l("each agency lists the data it has opened and plans to open; a planned entry past its date "
                 "is overdue")),
    Rule("open_data_list_review", _l("6 months"),
         "Luật Giao dịch điện tử 20/2023/QH15, Điều 43; nguyên tắc dữ liệu mở của Nghị định 47/2020/NĐ-CP",
         status="verify"),
    Rule("cite_the_source", CITATION_ITEMS,
         "Luật Giao dịch điện tử 20/2023/QH15, Điều 43 (trích dẫn nguồn khi sử dụng dữ liệu mở)", status="verify",
         note=_l("each open dataset's page shows how to cite it")),
)

# --- Publishing open data: the gates, reviews and tombstones ------------------------------------
#: Making a dataset open and published is a request that passes every gate below (services/publishing.py).
#: Each gate names the text it comes from; the numbers are data.

#: Open data may be reused by anyone, commercially too, citing the source (open-data principles of
#: Decree 47/2020 Arts. 17-21, now E-Transactions Law 20/2023/QH15 Art. 43 and Decree 194/2025).
GATE_LICENCE_BASIS = "Luật Giao dịch điện tử 20/2023/QH15, Điều 43; Nghị định 47/2020/NĐ-CP, Điều 18 (đã bãi bỏ)"
#: Open data is machine-processable (E-Transactions Law 2023 Art. 43; Circular 39/2017/TT-BTTTT).
GATE_MACHINE_READABLE_BASIS = "Luật Giao dịch điện tử 20/2023/QH15, Điều 43; Thông tư 39/2017/TT-BTTTT"
#: Required metadata: see REQUIRED_TO_PUBLISH above.
GATE_METADATA_BASIS = "Luật Giao dịch điện tử 20/2023/QH15, Điều 43; Nghị định 194/2025/NĐ-CP, Điều 16; DCAT-AP 3"
#: Open data must be complete, current and accurate (Decree 47/2020 Art. 5(4)); the lowest quality
#: grade accepted is a setting (CATALOG_PUBLISH_MIN_GRADE), C unless changed.
GATE_QUALITY_BASIS = "Nghị định 47/2020/NĐ-CP, Điều 5 khoản 4"
PUBLISH_MIN_GRADE_DEFAULT = "C"
#: Grades from best to worst (catalog/quality/scoring.GRADES gives their thresholds).
GRADE_ORDER: tuple[str, ...] = ("A", "B", "C", "D", "E")
#: No personal data in open data (Personal Data Protection Law 91/2025/QH15; Decree 13/2023/NĐ-CP;
#: E-Transactions Law 2023 Art. 43).
GATE_PERSONAL_DATA_BASIS = "Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15; Nghị định 13/2023/NĐ-CP; " \
    "Luật Giao dịch điện tử 20/2023/QH15, Điều 43"
#: Each data item is classed by who may use it (Decree 47/2020 Art. 11(4)); a public file carries
#: only the items classed open.
GATE_FIELD_CLASSES_BASIS = "Nghị định 47/2020/NĐ-CP, Điều 11 khoản 4"
#: A second person approves: the agency's data steward (its published focal officer, Decree 47/2020
#: Art. 7(1)) answers for what the agency opens; the four-eyes rule is the catalogue's own.
GATE_APPROVAL_BASIS = "Nghị định 47/2020/NĐ-CP, Điều 7 khoản 1 (đầu mối dữ liệu); nguyên tắc hai người"
#: The gates in the order they are shown.
PUBLISH_GATES: tuple[str, ...] = (
    "licence", "machine_readable", "metadata", "quality", "personal_data", "field_classes", "approval",
)

#: Days between reviews of an open dataset, by its update frequency (EU codes). The open-data
#: catalogue is reviewed at least every 6 months and changed data is updated within 3 months
#: (open-data principles, now E-Transactions Law 2023 Art. 43): no interval is longer than 183 days.
REVIEW_INTERVAL_DAYS: dict[str, int] = {
    "CONT": 30, "DAILY": 30, "WEEKLY": 30, "MONTHLY": 60, "QUARTERLY": 92, "BIANNUAL": 183, "ANNUAL": 183,
    "IRREG": 183, "NEVER": 183, "UNKNOWN": 92,
}
#: Interval when no frequency is declared.
REVIEW_INTERVAL_DEFAULT_DAYS = 92
REVIEW_BASIS = "Luật Giao dịch điện tử 20/2023/QH15, Điều 43 (rà soát 6 tháng, cập nhật trong 3 tháng)"
#: A withdrawn open dataset keeps a public page (a tombstone) with the reason, the date and a
#: replacement: users who cite it must find why it went (the citing obligation of Art. 43).
TOMBSTONE_BASIS = "Luật Giao dịch điện tử 20/2023/QH15, Điều 43 (trích dẫn nguồn)"

RULES = (
    *RULES,
    Rule("publish_gate_licence", _l("an open licence (CC BY 4.0, ODC-BY, CC0...)"), GATE_LICENCE_BASIS,
         status="verify"),
    Rule("publish_gate_machine_readable", _l("at least one file in a machine-readable format"),
         GATE_MACHINE_READABLE_BASIS, status="verify"),
    Rule("publish_gate_metadata", REQUIRED_TO_PUBLISH[ACCESS_OPEN], GATE_METADATA_BASIS, status="verify"),
    Rule("publish_gate_quality", _l("quality grade at or above CATALOG_PUBLISH_MIN_GRADE (C by default)"),
         GATE_QUALITY_BASIS),
    Rule("publish_gate_personal_data", _l("no personal-data finding left unresolved"), GATE_PERSONAL_DATA_BASIS,
         status="verify"),
    Rule("publish_gate_field_classes", _l("no field classed above open in a public file"),
         GATE_FIELD_CLASSES_BASIS),
    Rule("publish_gate_approval", _l("approved by a data steward of the agency, not the person who asked"),
         GATE_APPROVAL_BASIS, note=_l("administrators may approve for any agency; every decision is audited")),
    Rule("open_data_review_days", REVIEW_INTERVAL_DAYS, REVIEW_BASIS, status="verify",
         note=_l("days between reviews of an open dataset, by its update frequency")),
    Rule("tombstone", _l("a withdrawn open dataset keeps its page with the reason, date and replacement"),
         TOMBSTONE_BASIS, status="verify"),
)
