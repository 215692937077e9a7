"""The one weights table: every check, its dimension, its points and how to fix a failure.

The six dimensions are the government's words for connected data, "đúng, đủ, sạch, sống, thống
nhất, dùng chung" (correct, complete, clean, live, consistent, shared). Each check yields a
compliance between 0 and 1 (or "not applicable"); it earns `points × compliance`. A dimension's
score is 100 × earned / the points of its applicable checks; the overall score is the mean of the
dimensions that could be measured; the grade follows `GRADES`. Checks about files (distribution
level) give their points in proportion to the files that comply, as data.europa.eu's Metadata
Quality Assessment does. The README's "Data quality" section is generated from this table
(`weights_markdown`), and a test keeps the two identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

DIMENSIONS = ("dung", "du", "sach", "song", "thong_nhat", "dung_chung")

DIMENSION_LABELS = {
    "dung": _l("Correct"),
    "du": _l("Complete"),
    "sach": _l("Clean"),
    "song": _l("Live"),
    "thong_nhat": _l("Consistent"),
    "dung_chung": _l("Shared"),
}
#: The Vietnamese words themselves, shown next to the label in both languages.
DIMENSION_WORDS = {"dung": "đúng", "du": "đủ", "sach": "sạch", "song": "sống", "thong_nhat": "thống nhất",
                   "dung_chung": "dùng chung"}

#: (lowest overall score, grade), best first.
GRADES: tuple[tuple[int, str], ...] = ((85, "A"), (70, "B"), (55, "C"), (40, "D"), (0, "E"))
#: A file with errors of a kind never keeps more than this share of that check's points.
MAX_WITH_ERRORS = 0.9
#: A text column whose values are at least this share of one type (integer, number, date, yes/no)
#: is judged as that type: its few other values count in `data_types` (with or without a schema).
TYPE_CONSISTENCY_SHARE = 0.95


@dataclass(frozen=True)
class Check:
    id: str
    dimension: str
    points: int
    #: dataset: judged once per dataset; files: in proportion to the files that comply
    level: str
    title: Any
    fix: Any


CHECKS: tuple[Check, ...] = (
    # đúng: the values are right
    Check("meta_dates", "dung", 10, "dataset", _l("Dates are coherent"),
          _l("Issued before last modified, the period's start before its end, and no date in the future.")),
    Check("meta_contact", "dung", 10, "dataset", _l("Contact details are well formed"),
          _l("Give an e-mail address (name@agency.gov.vn) and a telephone number in Vietnamese form.")),
    Check("data_types", "dung", 35, "files", _l("Values match their types"),
          _l("Correct the cells listed, or change the field's type in the Table Schema if the values are right.")),
    Check("data_constraints", "dung", 20, "files", _l("Values meet the schema's constraints"),
          _l("Fill required cells and keep values within the schema's limits, patterns, lists and unique fields.")),
    Check("data_primary_key", "dung", 15, "files", _l("Every row has a unique key"),
          _l("Declare a primaryKey in the Table Schema and give every row a key that is filled and not repeated.")),
    Check("data_foreign_keys", "dung", 10, "files", _l("References to other tables resolve"),
          _l("Each foreignKey value must exist in the table it refers to; add the missing rows or fix the values.")),
    # đủ: nothing is missing
    Check("meta_required", "du", 30, "dataset", _l("Required fields are filled"),
          _l("Fill the title, description and contact point (and an open licence for open data).")),
    Check("meta_recommended", "du", 25, "dataset", _l("Recommended fields are filled"),
          _l("Fill the fields listed: they let others find, understand and trust the data.")),
    Check("meta_keywords", "du", 10, "dataset", _l("Keywords are given"),
          _l("Add a few keywords people would search for.")),
    Check("meta_themes", "du", 10, "dataset", _l("Themes are given"),
          _l("Choose at least one theme from the list.")),
    Check("dist_present", "du", 10, "dataset", _l("Data or its structure is described"),
          _l("Add a file, a link or at least the structure (Table Schema) of the data.")),
    Check("data_filled", "du", 15, "files", _l("Cells are filled"),
          _l("Fill empty cells, or leave out columns that are never filled.")),
    # sạch: the file is clean
    Check("data_readable", "sach", 20, "files", _l("Files can be read as tables"),
          _l("Upload a real CSV, XLSX or JSON table (not a renamed or damaged file), and keep links working.")),
    Check("data_header", "sach", 20, "files", _l("The header row is clean"),
          _l("One header row, every column named once, names matching the Table Schema.")),
    Check("data_structure", "sach", 25, "files", _l("Rows are well formed"),
          _l("Remove blank rows; every row needs exactly as many cells as the header.")),
    Check("data_duplicates", "sach", 20, "files", _l("No row is repeated"),
          _l("Remove the rows that repeat an earlier row.")),
    Check("data_encoding", "sach", 15, "files", _l("Text is UTF-8, as declared"),
          _l("Save the file as UTF-8 (in Excel: CSV UTF-8); old TCVN3 or Windows-1258 files garble Vietnamese.")),
    # sống: the data is alive
    Check("meta_frequency", "song", 20, "dataset", _l("An update frequency is declared"),
          _l("Say how often the data is updated (daily, monthly, yearly...).")),
    Check("meta_fresh", "song", 40, "dataset", _l("The data is as recent as its frequency promises"),
          _l("Publish the new data and update the date of last change, or correct the declared frequency.")),
    Check("links_alive", "song", 40, "files", _l("Links and files answer"),
          _l("Fix or replace the addresses that fail; re-upload files that are missing.")),
    # thống nhất: the same codes everywhere
    Check("codes_themes", "thong_nhat", 15, "dataset", _l("Themes come from the theme list"),
          _l("Use only themes of the catalogue's list.")),
    Check("codes_spatial", "thong_nhat", 15, "dataset", _l("Places come from the administrative units list"),
          _l("Use the codes of the 34 provinces and cities (or VN for the whole country).")),
    Check("codes_publisher", "thong_nhat", 15, "dataset", _l("The publisher has an electronic identifier code"),
          _l("The agency's steward adds its identifier code under Decision 20/2020/QĐ-TTg (e.g. 000.00.00.G01).")),
    Check("codes_data_columns", "thong_nhat", 20, "files", _l("Code columns hold valid codes"),
          _l("Columns marked with a codeList must hold codes of that list (e.g. current province codes).")),
    Check("schema_present", "thong_nhat", 20, "files", _l("Tables have a Table Schema that matches them"),
          _l("Give each table a Table Schema (you may adopt the one inferred) and keep it in step with the file.")),
    Check("schema_classified", "thong_nhat", 15, "files", _l("Every data item is classified"),
          _l("Give each field of the schema its class: open, default-shared or special-request.")),
    # dùng chung: others can use it
    Check("licence_open", "dung_chung", 20, "dataset", _l("Open data carries an open licence"),
          _l("Choose an open licence (CC BY 4.0, CC0, ODC-BY...) for open data.")),
    Check("formats_machine_readable", "dung_chung", 20, "files", _l("Formats are machine-readable"),
          _l("Publish tables as CSV, XLSX or JSON rather than PDF or Word.")),
    Check("formats_open", "dung_chung", 15, "files", _l("Formats are open"),
          _l("Prefer open formats (CSV, JSON, XML, ODS, XLSX) to vendor formats (XLS, SHP).")),
    Check("access_declared", "dung_chung", 10, "dataset", _l("The access level is declared"),
          _l("Say whether the data is open, shared among agencies or restricted.")),
    Check("service_available", "dung_chung", 15, "dataset", _l("The data can be reached by machine"),
          _l("Link a data service (API) or a downloadable file; shared data travels through a sharing service.")),
    Check("no_personal_data", "dung_chung", 20, "files", _l("No personal data is exposed"),
          _l("Remove or anonymise the columns listed, or class them special-request and do not open them.")),
)
BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}


@dataclass
class Outcome:
    """A check's result: compliance in [0, 1], or None when the check does not apply."""

    compliance: float | None
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def na(cls, **detail: Any) -> Outcome:
        return cls(None, detail)

    @classmethod
    def of(cls, ok: bool, **detail: Any) -> Outcome:
        return cls(1.0 if ok else 0.0, detail)


def share(good: float, total: float) -> float | None:
    return None if not total else max(0.0, min(1.0, good / total))


def with_errors(clean_share: float, errors: int) -> float:
    """Compliance of one file for a kind of error: its clean share, below full while any error remains."""
    return min(clean_share, MAX_WITH_ERRORS) if errors else clean_share


@dataclass
class Scored:
    checks: list[dict[str, Any]]
    dimensions: dict[str, int | None]
    score: int | None
    grade: str | None


def grade_for(score: int | None) -> str | None:
    if score is None:
        return None
    for lowest, grade in GRADES:
        if score >= lowest:
            return grade
    return GRADES[-1][1]


def score(outcomes: Mapping[str, Outcome]) -> Scored:
    """Points per check, score per dimension, overall score and grade, exactly as documented."""
    rows = []
    earned: dict[str, float] = dict.fromkeys(DIMENSIONS, 0.0)
    possible: dict[str, int] = dict.fromkeys(DIMENSIONS, 0)
    for check in CHECKS:
        outcome = outcomes.get(check.id) or Outcome.na()
        if outcome.compliance is None:
            status, points = "na", None
        else:
            compliance = max(0.0, min(1.0, outcome.compliance))
            points = round(check.points * compliance, 1)
            earned[check.dimension] += check.points * compliance
            possible[check.dimension] += check.points
            status = "pass" if compliance >= 1.0 else ("fail" if compliance <= 0.0 else "partial")
        rows.append({"id": check.id, "dimension": check.dimension, "points": check.points, "earned": points,
                     "status": status, "detail": outcome.detail})
    dimensions: dict[str, int | None] = {
        d: (round(100 * earned[d] / possible[d]) if possible[d] else None) for d in DIMENSIONS
    }
    measured = [v for v in dimensions.values() if v is not None]
    overall = round(sum(measured) / len(measured)) if measured else None
    return Scored(rows, dimensions, overall, grade_for(overall))


def weights_markdown(locale: str = "en") -> str:
    """The README's table of checks (generated from CHECKS, so the two never disagree)."""
    with force_locale(locale):
        lines = ["| dimension | check | points | level | how to fix a failure |", "|---|---|---|---|---|"]
        for check in CHECKS:
            level = "per dataset" if check.level == "dataset" else "in proportion to the files"
            dim = f"{DIMENSION_WORDS[check.dimension]} ({DIMENSION_LABELS[check.dimension]})"
            lines.append(f"| {dim} | `{check.id}`: {check.title} | {check.points} | {level} | {check.fix} |")
        grades = ", ".join(f"**{g}** ≥ {low}" if low else f"**{g}** below {GRADES[-2][0]}" for low, g in GRADES)
        lines.append("")
        lines.append(f"Each dimension totals 100 points. Grades: {grades}.")
        lines.append("")
        lines.append(f"A text column whose filled values are at least {round(TYPE_CONSISTENCY_SHARE * 100)} % "
                     "integers, numbers, dates or yes/no values is judged as that type: its other values count "
                     "against `data_types` and are listed with their rows. A table without a Table Schema is "
                     "not asked for a primary key (`data_primary_key` is not applicable to it).")
    return "\n".join(lines)
