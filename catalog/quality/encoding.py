"""Which character encoding a text file (CSV, TSV) is in, Vietnamese legacy encodings included.

Agencies still produce files from old systems: Windows-1258 (Python's `cp1258`, which writes tones
as separate combining marks, so its text must be NFC-normalised) and TCVN3 (TCVN 5712:1993, the
"ABC" fonts .VnTime), for which Python has no codec; one is registered here. A file that decodes as
strict UTF-8 is UTF-8 (with or without a byte-order mark). Otherwise each candidate decoding of a
sample is scored by how Vietnamese it looks (the share of its non-ASCII letters that sit in a valid
Vietnamese syllable), because a wrong legacy decoding produces syllables no Vietnamese word has.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
SAMPLE_BYTES = 256 * 1024

# --- the TCVN3 codec --------------------------------------------------------------------------------
# TCVN 5712:1993 (VN3) places the lowercase Vietnamese letters, the seven base capitals and the five
# combining tone marks in 0xA0-0xFF; positions 0x80-0x9F carry capitals of the VN1 variant of the
# same standard (VN3 fonts leave them unused, so decoding them is harmless). The low control range
# is kept as ASCII (VN1 reuses a few C0 positions for capitals; VN3 files never do). The positions
# are those of the published standard's table, the same as GNU libiconv's "TCVN" converter uses for
# this range; written out here as characters, 16 per line.
_TCVN3_HIGH = (
    # 0x80-0x8F
    "\u00c0\u1ea2\u00c3\u00c1\u1ea0\u1eb6\u1eac\u00c8\u1eba\u1ebc\u00c9\u1eb8\u1ec6\u00cc\u1ec8\u0128"
    # 0x90-0x9F
    "\u00cd\u1eca\u00d2\u1ece\u00d5\u00d3\u1ecc\u1ed8\u1edc\u1ede\u1ee0\u1eda\u1ee2\u00d9\u1ee6\u0168"
    # 0xA0-0xAF: NBSP, Ă Â Ê Ô Ơ Ư Đ, ă â ê ô ơ ư đ, Ằ
    "\u00a0\u0102\u00c2\u00ca\u00d4\u01a0\u01af\u0110\u0103\u00e2\u00ea\u00f4\u01a1\u01b0\u0111\u1eb0"
    # 0xB0-0xBF: combining grave, hook, tilde, acute, dot below; à ả ã á ạ ...
    "\u0300\u0309\u0303\u0301\u0323\u00e0\u1ea3\u00e3\u00e1\u1ea1\u1eb2\u1eb1\u1eb3\u1eb5\u1eaf\u1eb4"
    # 0xC0-0xCF
    "\u1eae\u1ea6\u1ea8\u1eaa\u1ea4\u1ec0\u1eb7\u1ea7\u1ea9\u1eab\u1ea5\u1ead\u00e8\u1ec2\u1ebb\u1ebd"
    # 0xD0-0xDF
    "\u00e9\u1eb9\u1ec1\u1ec3\u1ec5\u1ebf\u1ec7\u00ec\u1ec9\u1ec4\u1ebe\u1ed2\u0129\u00ed\u1ecb\u00f2"
    # 0xE0-0xEF
    "\u1ed4\u1ecf\u00f5\u00f3\u1ecd\u1ed3\u1ed5\u1ed7\u1ed1\u1ed9\u1edd\u1edf\u1ee1\u1edb\u1ee3\u00f9"
    # 0xF0-0xFF
    "\u1ed6\u1ee7\u0169\u00fa\u1ee5\u1eeb\u1eed\u1eef\u1ee9\u1ef1\u1ef3\u1ef7\u1ef9\u00fd\u1ef5\u1ed0"
)
_TCVN3_DECODING = "".join(chr(i) for i in range(128)) + _TCVN3_HIGH
assert len(_TCVN3_DECODING) == 256
_TCVN3_ENCODING = codecs.charmap_build(_TCVN3_DECODING)
TCVN3_NAMES = frozenset({"tcvn3", "tcvn_3", "tcvn5712_3", "vn3", "tcvn_5712"})


class _Tcvn3Codec(codecs.Codec):
    def encode(self, text: str, errors: str = "strict") -> tuple[bytes, int]:
        return codecs.charmap_encode(text, errors, _TCVN3_ENCODING)

    def decode(self, data: bytes, errors: str = "strict") -> tuple[str, int]:  # type: ignore[override]
        return codecs.charmap_decode(data, errors, _TCVN3_DECODING)


class _Tcvn3IncrementalDecoder(codecs.IncrementalDecoder):
    def decode(self, data: bytes, final: bool = False) -> str:  # type: ignore[override]
        return codecs.charmap_decode(data, self.errors, _TCVN3_DECODING)[0]


class _Tcvn3IncrementalEncoder(codecs.IncrementalEncoder):
    def encode(self, text: str, final: bool = False) -> bytes:
        return codecs.charmap_encode(text, self.errors, _TCVN3_ENCODING)[0]


class _Tcvn3StreamReader(_Tcvn3Codec, codecs.StreamReader):
    pass


class _Tcvn3StreamWriter(_Tcvn3Codec, codecs.StreamWriter):
    pass


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_").lower() not in TCVN3_NAMES:
        return None
    codec = _Tcvn3Codec()
    return codecs.CodecInfo(
        name="tcvn3", encode=codec.encode, decode=codec.decode,  # type: ignore[arg-type]
        incrementalencoder=_Tcvn3IncrementalEncoder, incrementaldecoder=_Tcvn3IncrementalDecoder,
        streamreader=_Tcvn3StreamReader, streamwriter=_Tcvn3StreamWriter,
    )


codecs.register(_search)

# --- how Vietnamese a text looks ------------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_ONSETS = "ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx]"
_NUCLEI = (
    "iêu|yêu|uyê|uya|uyu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ươ|ưu|yê|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_SYLLABLE = re.compile(rf"^(?:{_ONSETS})?(?:{_NUCLEI})(?:ch|nh|ng|[cmnpt])?$")
_WORD = re.compile(r"[^\W\d_]+")


def is_vietnamese_syllable(word: str) -> bool:
    """A lowercase or capitalised word that is one well-formed Vietnamese syllable (at most one tone)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in decomposed if ch in _TONES)
    if tones > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return bool(_SYLLABLE.match(base))


def vietnamese_score(text: str) -> tuple[float, int]:
    """(share of non-ASCII characters that belong to valid Vietnamese syllables, number of them)."""
    text = unicodedata.normalize("NFC", text)
    foreign = sum(1 for ch in text if ord(ch) > 127 and not ch.isspace())
    if not foreign:
        return 0.0, 0
    good = 0
    for word in _WORD.findall(text):
        if not word.isascii() and is_vietnamese_syllable(word):
            good += sum(1 for ch in word if ord(ch) > 127)
    return good / foreign, foreign


# --- detection ------------------------------------------------------------------------------------

#: Canonical names used in reports, with what a steward reads.
LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "cp1258": "Windows-1258",
    "tcvn3": "TCVN3 (TCVN 5712:1993)",
    "unknown": "?",
}
_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf_8": "utf-8", "utf-8-sig": "utf-8-sig", "utf8-sig": "utf-8-sig",
    "windows-1258": "cp1258", "cp1258": "cp1258", "windows1258": "cp1258", "x-cp1258": "cp1258",
    "utf-16": "utf-16", "utf16": "utf-16", "utf-16le": "utf-16", "utf-16be": "utf-16",
}


def canonical(name: str | None) -> str | None:
    """A declared charset in our names (None when unknown or not declared)."""
    if not name:
        return None
    key = name.strip().strip('"').lower()
    if key.replace("-", "_") in TCVN3_NAMES:
        return "tcvn3"
    return _ALIASES.get(key, key)


def charset_of(media_type: str | None) -> str | None:
    """The `charset=` parameter of a media type ("text/csv; charset=windows-1258")."""
    for part in (media_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value:
            return canonical(value)
    return None


@dataclass(frozen=True)
class Detected:
    encoding: str  # utf-8, utf-8-sig, utf-16, cp1258, tcvn3, unknown
    is_text: bool = True
    #: How Vietnamese the chosen decoding looks (1.0 for UTF-8); low values mean "a guess".
    confidence: float = 1.0

    @property
    def is_utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")

    @property
    def label(self) -> str:
        return LABELS.get(self.encoding, self.encoding)

    @property
    def python_codec(self) -> str:
        return {"unknown": "utf-8"}.get(self.encoding, self.encoding)


def _valid_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect(path: Path) -> Detected:
    """The encoding of a text file, reading it once (a strict UTF-8 pass) plus a sample."""
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Detected("utf-16")
    if b"\x00" in head[:8192]:
        return Detected("unknown", is_text=False, confidence=0.0)
    if _valid_utf8(path):
        return Detected("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8")
    best, best_score = "unknown", 0.0
    for candidate in ("cp1258", "tcvn3"):
        score, _n = vietnamese_score(head.decode(candidate, errors="replace"))
        if score > best_score:
            best, best_score = candidate, score
    if best_score < 0.5:
        return Detected("unknown", confidence=best_score)
    return Detected(best, confidence=round(best_score, 3))


def transcode(src: Path, encoding: str, dst: Path) -> None:
    """Rewrite a legacy-encoded text file as UTF-8, composed (NFC), line by line (bounded memory)."""
    codec = {"unknown": "utf-8"}.get(encoding, encoding)
    with open(src, encoding=codec, errors="replace", newline="") as inp, \
            open(dst, "w", encoding="utf-8", newline="") as out:
        for line in inp:
            out.write(unicodedata.normalize("NFC", line))


def encode_cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: a precomposed letter where the code page has one, otherwise
    the letter with its vowel mark (â, ơ, ư...) followed by a combining tone. (For tests and samples.)"""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out += (base + tones).encode("cp1258")
    return bytes(out)
