"""Columns that look like personal data, found before a file is opened to the public.

Two kinds of evidence are combined, because either alone is wrong too often: the column's header
(Vietnamese or English, with or without diacritics: "số CCCD", "so_dien_thoai", "Email", "mã số
thuế", "họ và tên", "ngày sinh") and its values (a 12-digit citizen number whose first three digits
are a province code and whose century digit fits the year that follows; Vietnamese mobile numbers;
e-mail addresses; tax codes; Vietnamese personal names). Counter-evidence suppresses a column: a
header naming a product, barcode or company, or values that pass a GTIN/EAN/UPC check digit.

Cost is kept off the hot path: every column is tried on the first `SAMPLE_ROWS` rows only; after
that only the columns chosen (by their header or by their sampled values) are tested, on every
row, so the counts cover the whole file. A finding carries the column, the kind, the count and
one masked example, never a clear value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import rules
from ..text import fold
from .encoding import is_vietnamese_syllable

SAMPLE_ROWS = 1000
KINDS = ("citizen_id", "old_id", "phone", "email", "tax_code", "name_with_birth_date")

#: Share of a column's non-empty values that must match, with and without a header saying so.
WITH_HEADER = 0.3
WITHOUT_HEADER = 0.8
#: Share of 8-14 digit values passing a GTIN check digit above which a column is taken for products.
GTIN_SHARE = 0.6

_SEPARATORS = re.compile(r"[^a-z0-9]+")

# Header words, folded (no diacritics, lower case). Short ones must be whole words; longer ones may
# also appear glued ("soDienThoai" folds to "sodienthoai").
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "identity": ("cccd", "cmnd", "cmt", "can cuoc", "chung minh", "dinh danh", "citizen id", "national id",
                 "id number", "identity", "id card", "so ho chieu", "passport"),
    "phone": ("sdt", "tel", "dien thoai", "di dong", "phone", "mobile", "thue bao", "telephone"),
    "email": ("email", "e mail", "mail", "thu dien tu"),
    "tax_code": ("mst", "ma so thue", "tax code", "tax id"),
    "name": ("ho va ten", "ho ten", "ho chu dem", "full name", "fullname", "ten cong dan", "ten nguoi",
             "ten khai sinh", "person name", "name of person", "nguoi dai dien"),
    "birth": ("ngay sinh", "nam sinh", "sinh ngay", "date of birth", "birth date", "birthdate", "dob",
              "birthday", "ngay thang nam sinh"),
    # counter-evidence: these columns are about goods or organisations, not people
    "product": ("san pham", "ma hang", "hang hoa", "barcode", "ma vach", "gtin", "ean", "upc", "sku",
                "product", "item code", "vat tu"),
    "organisation": ("doanh nghiep", "cong ty", "company", "business", "enterprise", "co quan", "to chuc",
                     "don vi", "organization", "organisation"),
}

_FAMILY_NAMES = frozenset(fold(n) for n in (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lâm", "Mai", "Cao", "Hà", "Tạ", "Lương", "Trương", "Chu", "Kiều",
    "Tô", "Châu", "La", "Quách", "Thái", "Tăng", "Triệu", "Văn", "Đào", "Lưu", "Vương", "Phùng", "Tôn", "Lại",
    "Khúc", "Thân", "Mạc", "Nông", "Lò", "Hứa", "Âu", "Diệp", "Giang", "Kim", "Doãn", "Từ", "Đàm", "Nghiêm",
))

_DIGITS = re.compile(r"\d+")
_PHONE_JUNK = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"(?:\+?84|0)[35789]\d{8}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_TAX = re.compile(r"\d{10}(?:-\d{3})?")


def header_tags(label: str) -> set[str]:
    """Which kinds of content a column header names."""
    words = " " + _SEPARATORS.sub(" ", fold(label or "")).strip() + " "
    glued = words.replace(" ", "")
    tags = set()
    for tag, phrases in _HEADER_WORDS.items():
        for phrase in phrases:
            if f" {phrase} " in words or (len(phrase) >= 6 and phrase.replace(" ", "") in glued):
                tags.add(tag)
                break
    return tags


def gtin_valid(digits: str) -> bool:
    """GTIN-8/12/13/14 (EAN, UPC) check digit: weights 3 and 1 from the right, excluding the check digit."""
    if len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def citizen_id_plausible(digits: str, this_year: int | None = None) -> bool:
    """A 12-digit personal identification number: province of birth registration, then a century and
    sex digit whose century, with the next two digits, gives a year of birth not in the future."""
    if len(digits) != 12 or digits[:3] not in rules.PERSONAL_ID_PROVINCE_CODES:
        return False
    century = int(digits[3]) // 2  # 0,1: 1900s; 2,3: 2000s; 4,5: 2100s ...
    year = 1900 + 100 * century + int(digits[4:6])
    return year <= (this_year or date.today().year)


def person_name(value: str) -> bool:
    """2-5 capitalised Vietnamese syllables starting with a common family name ("Nguyễn Thị Hoa")."""
    parts = value.split()
    if not 2 <= len(parts) <= 5 or fold(parts[0]) not in _FAMILY_NAMES:
        return False
    return all(p[:1].isupper() and is_vietnamese_syllable(p) for p in parts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def mask(kind: str, value: str) -> str:
    """One example, masked enough that it identifies no one ("0012******89")."""
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind == "name_with_birth_date":
        return " ".join(p[:1] + "*" * (len(p) - 1) for p in value.split())
    keep_head = 4 if len(value) >= 12 else 3
    keep_tail = 2
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


@dataclass
class _Candidate:
    index: int
    column: str
    kind: str
    header: bool  # the header names this kind
    nonempty: int = 0
    matches: int = 0
    gtin: int = 0  # values of GTIN length passing the check digit
    gtin_length: int = 0
    example: str | None = None


@dataclass
class PersonalData:
    """Streams rows through `add(cells)`; `findings()` at the end."""

    labels: Sequence[str]
    this_year: int = field(default_factory=lambda: date.today().year)
    rows: int = 0
    _tags: list[set[str]] = field(init=False)
    _sample: list[dict[str, _Candidate]] = field(init=False)
    _active: list[_Candidate] = field(init=False, default_factory=list)
    _has_birth: bool = field(init=False)
    _filled: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self._tags = [header_tags(label) for label in self.labels]
        self._filled = [0] * len(self.labels)
        self._has_birth = any("birth" in t for t in self._tags)
        self._sample = [{} for _ in self.labels]
        for i, label in enumerate(self.labels):
            tags = self._tags[i]
            if "product" in tags:
                continue
            for kind in self._kinds_for(tags):
                self._sample[i][kind] = _Candidate(i, label, kind, header=True)

    def _kinds_for(self, tags: set[str]) -> list[str]:
        kinds = []
        if "identity" in tags:
            kinds += ["citizen_id", "old_id"]
        if "phone" in tags:
            kinds.append("phone")
        if "email" in tags:
            kinds.append("email")
        if "tax_code" in tags and "organisation" not in tags:
            kinds.append("tax_code")
        if "name" in tags and self._has_birth and "organisation" not in tags:
            kinds.append("name_with_birth_date")
        return kinds

    # matching ------------------------------------------------------------------------------------

    def _match(self, cand: _Candidate, raw: Any) -> None:
        text = _text(raw)
        if not text:
            return
        cand.nonempty += 1
        kind = cand.kind
        hit = None
        if kind in ("citizen_id", "old_id", "tax_code"):
            digits = text if text.isdigit() else ""
            if isinstance(raw, int | float) and len(digits) == 11 and kind == "citizen_id":
                digits = "0" + digits  # a spreadsheet number lost its leading zero
            if digits and len(digits) in (8, 12, 13, 14):
                cand.gtin_length += 1
                cand.gtin += gtin_valid(digits)
            if kind == "citizen_id":
                hit = digits if citizen_id_plausible(digits, self.this_year) else None
            elif kind == "old_id":
                hit = digits if len(digits) == 9 else None
            else:
                hit = text if _TAX.fullmatch(text) else None
        elif kind == "phone":
            compact = _PHONE_JUNK.sub("", text)
            if isinstance(raw, int | float) and compact.isdigit() and len(compact) == 9:
                compact = "0" + compact
            hit = compact if _PHONE.fullmatch(compact) else None
        elif kind == "email":
            hit = text if _EMAIL.fullmatch(text) else None
        elif kind == "name_with_birth_date":
            hit = text if person_name(text) else None
        if hit is not None:
            cand.matches += 1
            if cand.example is None:
                cand.example = mask(kind, hit)

    @property
    def scanning(self) -> bool:
        """Whether rows still need to be shown (sampling, or columns chosen for the whole file)."""
        return self.rows < SAMPLE_ROWS or bool(self._active)

    def add(self, cells: Sequence[Any]) -> None:
        self.rows += 1
        if self.rows <= SAMPLE_ROWS:
            self._add_sample(cells)
            if self.rows == SAMPLE_ROWS:
                self._choose()
            return
        n = len(cells)
        for cand in self._active:
            if cand.index < n:
                self._match(cand, cells[cand.index])

    def _add_sample(self, cells: Sequence[Any]) -> None:
        for i, raw in enumerate(cells):
            if i >= len(self._sample):
                break
            text = _text(raw)
            if not text:
                continue
            for kind in self._value_kinds(i, text):
                if kind not in self._sample[i]:
                    # counted from the column's first value, not from the first one that looked like this
                    self._sample[i][kind] = _Candidate(i, self.labels[i], kind, header=False,
                                                       nonempty=self._filled[i])
            self._filled[i] += 1
            for cand in self._sample[i].values():
                self._match(cand, raw)

    def _value_kinds(self, i: int, text: str) -> list[str]:
        """Kinds a value could be by its look alone (only those strong enough without a header)."""
        tags = self._tags[i]
        if "product" in tags:
            return []
        kinds = []
        first = text[:1]
        if first.isdigit() or first == "+":
            if text.isdigit() and len(text) in (11, 12):
                kinds.append("citizen_id")
            compact = _PHONE_JUNK.sub("", text)
            if compact.lstrip("+").isdigit() and len(compact) in (9, 10, 11, 12):
                kinds.append("phone")
        elif "@" in text:
            kinds.append("email")
        elif self._has_birth and " " in text and "birth" not in tags and "organisation" not in tags:
            kinds.append("name_with_birth_date")
        return kinds

    def _choose(self) -> None:
        """After the sample: keep the columns worth testing on every remaining row."""
        self._active = [c for cands in self._sample for c in cands.values() if self._keep(c, final=False)]

    def _keep(self, cand: _Candidate, *, final: bool) -> bool:
        if cand.header:
            return not final or (cand.matches > 0 and self._share(cand) >= WITH_HEADER and not self._goods(cand))
        needed = WITHOUT_HEADER if final else WITHOUT_HEADER / 2
        return cand.matches > 0 and self._share(cand) >= needed and not self._goods(cand)

    @staticmethod
    def _share(cand: _Candidate) -> float:
        return cand.matches / cand.nonempty if cand.nonempty else 0.0

    @staticmethod
    def _goods(cand: _Candidate) -> bool:
        """Digits that are mostly valid GTIN/EAN/UPC codes are products, not people."""
        return cand.kind in ("citizen_id", "old_id", "tax_code") and cand.gtin_length > 0 and \
            cand.gtin / cand.gtin_length >= GTIN_SHARE

    def findings(self) -> list[dict[str, Any]]:
        """[{column, kind, count, checked, example, header}] for the columns that hold personal data."""
        if self.rows < SAMPLE_ROWS:
            self._choose()
        out = []
        seen: set[tuple[int, str]] = set()
        for cand in sorted(self._active, key=lambda c: (c.index, KINDS.index(c.kind))):
            if not self._keep(cand, final=True) or (cand.index, cand.kind) in seen:
                continue
            seen.add((cand.index, cand.kind))
            out.append({"column": cand.column, "kind": cand.kind, "count": cand.matches,
                        "checked": cand.nonempty, "example": cand.example, "header": cand.header})
        # one identity column is either a 12-digit or a 9-digit one: keep the kind with more matches
        best: dict[str, dict[str, Any]] = {}
        for item in out:
            if item["kind"] in ("citizen_id", "old_id"):
                other = best.get(item["column"])
                if other is None or item["count"] > other["count"]:
                    best[item["column"]] = item
        return [i for i in out if i["kind"] not in ("citizen_id", "old_id") or best.get(i["column"]) is i]
