"""Search text: Vietnamese-aware tokens, the query language, and highlighted snippets.

Both backends fold text the same way (`catalog.text.fold`: tone marks off, "đ" to "d"), so a
query typed without diacritics finds accented text and the other way round; the accented form
is kept next to it so that an accented query can rank exact matches first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from ..text import fold, nfc

WORD = re.compile(r"\w+", re.UNICODE)
_QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')


def words(text: str) -> list[str]:
    """Folded words of a text, in order."""
    return WORD.findall(fold(nfc(text)))


def has_diacritics(text: str) -> bool:
    folded = fold(text)
    return folded != text.lower()


@dataclass
class ParsedQuery:
    """A user's query: loose words and quoted phrases, each as accented and folded words."""

    raw: str
    #: each unit is a list of words: one word, or several for a quoted phrase
    units: list[list[str]] = field(default_factory=list)
    exact_units: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.units

    @property
    def accented(self) -> bool:
        return has_diacritics(self.raw)

    def folded_words(self) -> list[str]:
        return [w for unit in self.units for w in unit]

    def title_forms(self) -> list[str]:
        """The folded titles this query would equal (documents' `name`): as typed, and word by word.

        A record whose title is exactly the query ranks first, with or without diacritics.
        """
        if self.empty:
            return []
        typed = " ".join(fold(self.raw.replace('"', " ")).split())[:120]
        spaced = " ".join(self.folded_words())[:120]
        return sorted({typed, spaced})

    def phrase_words(self) -> list[str]:
        """All the query's words in order, when there are several: found together in a title,
        they outrank the same words scattered ("dan cu": "dân cư" before "dân ... cũ")."""
        found = self.folded_words()
        return found if len(found) > 1 else []


MAX_QUERY_UNITS = 12


def parse_query(raw: str | None) -> ParsedQuery:
    """Split on spaces; text in double quotes is a phrase ("đất đai" means those syllables in a row).

    Vietnamese writes one syllable per space, so a quoted phrase is how a reader asks for a
    multi-syllable word rather than its syllables anywhere in the text.
    """
    raw = nfc((raw or "").strip())[:500]
    parsed = ParsedQuery(raw=raw)
    for phrase, word in _QUERY_PART.findall(raw):
        text = phrase if phrase else word
        exact = WORD.findall(text.lower())
        folded = [fold(w) for w in exact]
        if folded:
            parsed.units.append(folded)
            parsed.exact_units.append(exact)
        if len(parsed.units) >= MAX_QUERY_UNITS:
            break
    return parsed


def snippet(text: str | None, query: ParsedQuery, width: int = 220) -> Markup:
    """A window of `text` around the first query match, matched words wrapped in <mark>.

    Matching is on folded words and on word prefixes (an English stem such as "popul"
    highlights "population"), so the highlight agrees with what the search matched.
    """
    if not text:
        return Markup("")
    text = nfc(" ".join(text.split()))
    targets = set(query.folded_words())
    spans = []
    if targets:
        for m in WORD.finditer(text):
            w = fold(m.group())
            if w in targets or any(len(t) >= 4 and w.startswith(t) for t in targets):
                spans.append((m.start(), m.end()))
    start = 0
    if len(text) > width:
        if spans:
            start = max(0, spans[0][0] - width // 4)
            if start:
                space = text.find(" ", start)
                start = space + 1 if 0 <= space < spans[0][0] else start
        end = min(len(text), start + width)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start + width // 2 else end
    else:
        end = len(text)
    out = [Markup("…") if start else Markup("")]
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)
