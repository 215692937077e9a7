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
