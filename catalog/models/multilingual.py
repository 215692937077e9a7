"""Texts kept in every language a source gave, shown Vietnamese first, then English, then the rest.

`title_vi`/`description_vi` hold the Vietnamese text, or (for a harvested record without one) the
record's main text, whose language is `title_lang` or the key of `translations` that holds it;
pages label any text that is not in the page's language.
"""

from __future__ import annotations

from typing import Any

#: The order pages list languages in: ours first, then the others alphabetically.
FIRST_LANGUAGES = ("vi", "en")


class Multilingual:
    """For models with `<name>_vi`, `<name>_en` and a `translations` JSON column."""

    translations: Any

    def _main_language(self, name: str) -> str:
        main = getattr(self, f"{name}_vi", None)
        given = (self.translations or {}).get(name) or {}
        if main and isinstance(given, dict) and given.get("vi") != main:
            for code, text in given.items():
                if text == main:
                    return str(code)
        if main and isinstance(given, dict) and given.get("vi") == main:
            return "vi"
        return str(getattr(self, "title_lang", None) or "vi")

    def text_languages(self, name: str) -> list[tuple[str, str]]:
        """[(language, text)] of one field, Vietnamese, English, then the others by code."""
        out: dict[str, str] = {}
        main = getattr(self, f"{name}_vi", None)
        if main:
            out[self._main_language(name)] = main
        english = getattr(self, f"{name}_en", None)
        if english:
            out.setdefault("en", english)
        given = (self.translations or {}).get(name) or {}
        if isinstance(given, dict):
            for code, text in given.items():
                if isinstance(text, str) and text.strip():
                    out.setdefault(str(code), text)
        first = [(c, out[c]) for c in FIRST_LANGUAGES if c in out]
        return first + sorted((c, t) for c, t in out.items() if c not in FIRST_LANGUAGES)

    def shown_language(self, name: str, locale: str) -> str:
        """The language of the text `title(locale)` / `description(locale)` shows."""
        if locale == "en" and getattr(self, f"{name}_en", None):
            return "en"
        return self._main_language(name)

    def other_languages(self, name: str, locale: str) -> list[tuple[str, str]]:
        shown = self.shown_language(name, locale)
        return [(c, t) for c, t in self.text_languages(name) if c != shown]
