"""Encodings: UTF-8 with and without a BOM, UTF-16, Windows-1258 and TCVN3 are recognised; a wrong
encoding and a wrong declaration are reported; Vietnamese text comes out composed (NFC)."""

from __future__ import annotations

import unicodedata

import pytest

from catalog.quality import encoding
from catalog.quality.tabular import check_table

TEXT = (
    "ma,ten,ghi_chu\n"
    "01,Thành phố Hà Nội,Thủ đô\n"
    "79,Thành phố Hồ Chí Minh,Đô thị đặc biệt\n"
    "48,Thành phố Đà Nẵng,Miền Trung\n"
    "08,Tỉnh Tuyên Quang,Hợp nhất với Hà Giang\n"
    "46,Thành phố Huế,Cố đô; nghiên cứu; khuyến học; người dân\n"
)


def _write(tmp_path, data: bytes, name: str = "data.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("label", "data", "expected"), [
    ("utf-8", TEXT.encode("utf-8"), "utf-8"),
    ("utf-8 with BOM", b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
    ("utf-16", TEXT.encode("utf-16"), "utf-16"),
    ("windows-1258", encoding.encode_cp1258(TEXT), "cp1258"),
    ("tcvn3", TEXT.encode("tcvn3"), "tcvn3"),
])
def test_each_encoding_is_recognised_and_converted_to_composed_utf8(tmp_path, label, data, expected):
    path = _write(tmp_path, data)
    found = encoding.detect(path)
    assert found.encoding == expected, label
    out = tmp_path / "out.csv"
    encoding.transcode(path, found.encoding, out)
    text = out.read_text(encoding="utf-8-sig")
    assert text == TEXT and unicodedata.is_normalized("NFC", text)


def test_windows_1258_writes_tones_apart_and_is_still_read_composed(tmp_path):
    raw = encoding.encode_cp1258("Nội")
    assert raw == b"N\xf4\xf2i"  # ô, then a combining dot below: the NFD-like form old systems write
    report = check_table(_write(tmp_path, encoding.encode_cp1258(TEXT)), "csv")
    assert report.encoding == "cp1258" and report.rows == 5
    assert {p.code for p in report.problems.values()} >= {"encoding-legacy"}


def test_the_tcvn3_codec_round_trips_every_vietnamese_letter():
    letters = "aàảãáạăằẳẵắặâầẩẫấậđeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵ"
    assert letters.encode("tcvn3").decode("tcvn3") == letters
    assert "ĂÂÊÔƠƯĐ".encode("tcvn3") == bytes(range(0xA1, 0xA8))
    assert encoding.canonical("TCVN-3") == "tcvn3" and encoding.canonical("Windows-1258") == "cp1258"


def test_a_wrong_legacy_decoding_does_not_look_vietnamese():
    assert encoding.vietnamese_score(TEXT)[0] == 1.0
    assert encoding.vietnamese_score(TEXT.encode("tcvn3").decode("cp1258"))[0] < 0.5
    assert encoding.vietnamese_score(encoding.encode_cp1258(TEXT).decode("tcvn3"))[0] < 0.5
    assert encoding.is_vietnamese_syllable("nghiêng") and encoding.is_vietnamese_syllable("Người")
    assert not encoding.is_vietnamese_syllable("Néi") and not encoding.is_vietnamese_syllable("Nụũi")


def test_utf8_passes_the_encoding_check(tmp_path):
    report = check_table(_write(tmp_path, TEXT.encode()), "csv")
    assert report.encoding == "utf-8" and not any(p.check == "data_encoding" for p in report.problems.values())


def test_a_declared_encoding_that_differs_from_the_file_is_reported(tmp_path):
    path = _write(tmp_path, TEXT.encode())
    wrong = check_table(path, "csv", declared_encoding="cp1258")
    assert ("encoding-declared", None) in wrong.problems
    assert wrong.problems[("encoding-declared", None)].params == {"detected": "UTF-8", "declared": "Windows-1258"}
    right = check_table(path, "csv", declared_encoding="utf-8")
    assert ("encoding-declared", None) not in right.problems
    assert encoding.charset_of("text/csv; charset=windows-1258") == "cp1258"


def test_an_unknown_single_byte_encoding_is_reported_and_still_read(tmp_path):
    latin = "ma,ten\n1,Größe\n2,Übermaß\n3,Maßstab\n".encode("latin-1")
    report = check_table(_write(tmp_path, latin), "csv")
    assert report.encoding == "unknown" and ("encoding-unknown", None) in report.problems
    assert report.rows == 3 and report.complete


def test_a_binary_file_named_csv_is_not_read(tmp_path):
    report = check_table(_write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10), "csv")
    assert report.fatal == "binary-file" and not report.complete and report.rows == 0
