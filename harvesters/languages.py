"""Which language a harvested text is in, and where it goes (issue 14).

A tagged text (`"…"@de`, a CKAN `{"de": …}` dictionary) goes to the field of its language. An
untagged text is in the source's declared language (`dct:language`, CKAN `language`) when it
declares exactly one (or several, one of which it plainly is), else it stays a neutral text whose
language is recorded as undetermined (`und`). It is never taken for Vietnamese by default: only a
Vietnamese tag, a Vietnamese declaration, or Vietnamese letters make it so.

The catalogue keeps every language given (`translations`); `title_vi`/`description_vi` hold the
Vietnamese text, or else the main text of the record with its language in `title_lang`, so that
a record with only a German title is stored, listed and found by its German title.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from catalog.vocab import language_from_rdf

from .record import as_text

#: ISO 639-2 "undetermined": a text whose language neither a tag nor the source says.
UNDETERMINED = "und"
#: Letters only Vietnamese uses among the languages sources come in (đ, ơ, ư, ă and the dot-below
#: and hook-above vowels); one of them is enough to call an untagged text Vietnamese.
_VIETNAMESE_LETTERS = frozenset(
    "đơưăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
)


def looks_vietnamese(text: str) -> bool:
    # a set operation in C, not a generator over every character (seven texts per harvested record)
    return not _VIETNAMESE_LETTERS.isdisjoint(text.lower())


def language_code(tag: Any) -> str:
    """A language tag or name ("en-GB", "de", "deu", "English") -> ISO 639-1, else `und`."""
    text = as_text(tag)
    if not text:
        return ""
    code = language_from_rdf(text.replace("_", "-").split("-", 1)[0])
    return code or UNDETERMINED


def declared_languages(values: Iterable[Any]) -> list[str]:
    """The source's declared languages as ISO 639-1 codes, in the order given."""
    out: list[str] = []
    for value in values:
        text = as_text(value)
        if not text:
            continue
        for part in text.replace(";", ",").split(","):
            code = language_from_rdf(part.strip()) if part.strip() else None
            if code and code not in out:
                out.append(code)
    return out


def untagged_language(text: str, declared: list[str], taken: Iterable[str] = ()) -> str:
    """The language of a text that came without a tag."""
    others = [d for d in declared if d not in set(taken)] or declared
    if len(declared) == 1:
        return declared[0]
    if looks_vietnamese(text) and (not declared or "vi" in declared):
        return "vi"
    if others:
        return others[0]
    return UNDETERMINED


def by_language(values: Mapping[str, Any], declared: list[str]) -> dict[str, str]:
    """{tag: text} as given (tag "" for untagged) -> {ISO 639-1 or `und`: text}; the first text of
    a language wins, an untagged one is placed by `untagged_language`."""
    out: dict[str, str] = {}
    tagged = {language_code(k): v for k, v in values.items() if k}
    for code, value in tagged.items():
        text = as_text(value)
        if text and code not in out:
            out[code] = text
    plain = as_text(values.get("")) if "" in values else None
    if plain:
        code = untagged_language(plain, declared, out)
        if code not in out:
            out[code] = plain
        elif out[code] != plain and UNDETERMINED not in out:
            out[UNDETERMINED] = plain
    return out


@dataclass
class Placed:
    """A text in its fields: Vietnamese (or the main text), English, the main text's language."""

    vi: str | None = None
    en: str | None = None
    lang: str | None = None
    every: dict[str, str] = field(default_factory=dict)


def place(values: Mapping[str, str], *, main_lang: str | None = None, declared: Iterable[str] = ()) -> Placed:
    """{language: text} -> the catalogue's fields. The main (non-Vietnamese) text is the one in
    `main_lang` when given (so that title and description agree), else in the source's declared
    language when it declares one, else English, else the first given."""
    if not values:
        return Placed()
    if values.get("vi"):
        return Placed(values["vi"], values.get("en"), None, dict(values))
    # one declared language is the source's own; of several (often listed alphabetically) English
    # is the one our readers share
    declared = list(declared)
    preferred = [main_lang, declared[0], "en"] if len(declared) == 1 else [main_lang, "en", *declared]
    lang = next((c for c in preferred if c and c in values), next(iter(values)))
    return Placed(values[lang], values.get("en"), lang, dict(values))

