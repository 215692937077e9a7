"""Vietnamese-aware text helpers: folding diacritics (with "đ", which Unicode does not decompose) and slugs."""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def nfc(text: str) -> str:
    """Vietnamese arrives both precomposed and decomposed; store and compare the composed form."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case text without tone marks or other diacritics: "Đất đai" -> "dat dai"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


def slugify(text: str, max_length: int = 80) -> str:
    """An ASCII URL slug: "Dữ liệu dân cư 2025" -> "du-lieu-dan-cu-2025"."""
    slug = _NON_SLUG.sub("-", fold(text)).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "item"
