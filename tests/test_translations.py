"""Every user-facing string has a Vietnamese translation, with the same placeholders.

The messages are extracted from the code and templates here, so a string added without its
translation (or a stale catalogue) fails the suite instead of showing English to Vietnamese readers.
"""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from catalog.config import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def _extracted() -> set[str]:
    method_map = [("catalog/**.py", "python"), ("harvesters/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        PROJECT_ROOT, method_map=method_map, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def _catalog(lang: str):
    with open(PROJECT_ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def test_every_message_has_a_vietnamese_translation():
    catalog = _catalog("vi")
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        string = message.string[0] if isinstance(message.string, tuple) else message.string
        if string and not message.fuzzy:
            translated[key] = string
    missing = sorted(_extracted() - set(translated))
    assert missing == [], f"untranslated (run `make translations`, then translate): {missing[:20]}"


def test_placeholders_survive_translation():
    wrong = []
    for message in _catalog("vi"):
        if not message.id:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        target = message.string[0] if isinstance(message.string, tuple) else message.string
        if target and sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
            wrong.append(source)
    assert wrong == []


def test_vietnamese_text_is_composed_unicode():
    import unicodedata

    text = (PROJECT_ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text
