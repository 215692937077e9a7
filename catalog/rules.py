"""The legal rule set: every legal category, required item, deadline and interval, with its article.

When a decree changes, this file changes and nothing else. Services read these values; no
other module writes a legal number. Each rule carries its legal basis and whether that basis was
read in the text (`confirmed`) or is reported by a secondary source (`verify`), so that stewards
and auditors can see where a behaviour comes from (the `/rules` page lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
    note: str = ""
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
        note="plus the class of each data item, kept on each distribution's schema fields",
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
        note="the law names principles, not fields: this list is the catalogue's reading of them",
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
         note="default sharing for open and shared data; special requests need an agreement"),
    Rule("request_items", REQUEST_ITEMS, "Nghị định 47/2020/NĐ-CP, Điều 35 khoản 1-2"),
    Rule("agreement_items", AGREEMENT_ITEMS, "Nghị định 47/2020/NĐ-CP, Điều 36-38",
         note="the parties, the data, duration, methods, limits of use, protection, security, retention and deletion"),
    Rule("sharing_methods", SHARING_METHODS, "Nghị định 47/2020/NĐ-CP, Điều 38; Nghị định 278/2025/NĐ-CP",
         status="verify", note="Decree 278/2025 is reported to route mandatory sharing through NDOP by 31/12/2026"),
    Rule("answer_deadline", "2 working days",
         "Nghị định 47/2020/NĐ-CP, Điều 35 khoản 3, sửa đổi bởi Nghị định 194/2025/NĐ-CP, Điều 40"),
    Rule("service_publish_deadline", "1 working day", "Nghị định 47/2020/NĐ-CP, Điều 25-26"),
    Rule("maintenance_notice", "7 working days", "Nghị định 47/2020/NĐ-CP, Điều 43"),
    Rule("breach_notice", "1 day", "Nghị định 47/2020/NĐ-CP, Điều 43"),
    Rule("termination_grounds", TERMINATION_GROUNDS, "Nghị định 47/2020/NĐ-CP, Điều 44"),
    Rule("request_logs_kept", "append-only, hash-chained audit log", "Nghị định 47/2020/NĐ-CP, Điều 45"),
    Rule("escalation", "provider → IT unit → minister/chair, 7 working days per step",
         "Nghị định 47/2020/NĐ-CP, Điều 48-49"),
    Rule("default_list_review", "6 months", "Nghị định 47/2020/NĐ-CP, Điều 34"),
    Rule("free_of_charge", SHARING_FREE_OF_CHARGE, "Nghị định 47/2020/NĐ-CP, Điều 5 khoản 5"),
    Rule("decree_47_replaced", "Decree 278/2025/NĐ-CP (22/10/2025)",
         "Nghị định 278/2025/NĐ-CP (5 chương, 25 điều)", status="verify",
         note="news reports say it replaces Decree 47/2020; until its articles are read, the 47/2020 procedure "
              "as amended by 194/2025 applies here"),
)
