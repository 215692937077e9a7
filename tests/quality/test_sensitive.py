"""Personal data: flagged from header and values together, with a count and one masked example;
product codes, company tax codes and ordinary numbers are not flagged."""

from __future__ import annotations

import csv
import io
import random

from catalog.quality.sensitive import PersonalData, citizen_id_plausible, gtin_valid, header_tags, mask, person_name
from catalog.quality.tabular import check_table

RND = random.Random(20261202)
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Đức", "Vũ Thị Hà", "Đặng Quốc Khánh"]


def cccd() -> str:
    province = RND.choice(["001", "031", "048", "079", "096"])
    century = RND.choice("0123")
    year = RND.randint(0, 25) if century in "23" else RND.randint(40, 99)
    return f"{province}{century}{year:02d}{RND.randint(0, 999_999):06d}"


def upc() -> str:
    """A 12-digit UPC-A code with a valid check digit, starting like a Hà Nội citizen number."""
    body = "0010" + "".join(RND.choice("0123456789") for _ in range(7))
    return next(body + d for d in "0123456789" if gtin_valid(body + d))


def scan(labels: list[str], rows: list[list[str]]) -> dict[str, dict]:
    found = PersonalData(labels, this_year=2026)
    for row in rows:
        found.add(row)
    return {f["column"]: f for f in found.findings()}


def test_a_citizen_id_column_is_flagged_with_a_count_and_a_masked_example():
    rows = [[str(i), cccd()] for i in range(1500)]
    found = scan(["stt", "Số CCCD"], rows)
    item = found["Số CCCD"]
    assert item["kind"] == "citizen_id" and item["count"] == 1500 and item["checked"] == 1500
    example = item["example"]
    assert len(example) == 12 and example[4:10] == "******"
    assert example not in {r[1] for r in rows}  # never a clear value


def test_citizen_ids_are_recognised_by_their_structure_without_a_header():
    found = scan(["a", "b"], [[str(i), cccd()] for i in range(300)])
    assert found["b"]["kind"] == "citizen_id" and not found["b"]["header"]


def test_a_12_digit_product_code_column_is_not_taken_for_citizen_ids():
    codes = [upc() for _ in range(1200)]
    assert all(citizen_id_plausible(c, 2026) for c in codes[:50])  # they even look like citizen numbers
    assert scan(["ma_san_pham", "ten_hang"], [[c, "Gạo tẻ"] for c in codes]) == {}
    # the header says nothing, but the check digits do
    assert scan(["ma", "ten_hang"], [[c, "Gạo tẻ"] for c in codes]) == {}


def test_ordinary_12_digit_numbers_and_impossible_birth_years_are_not_citizen_ids():
    invalid_province = [f"{RND.choice(['097', '099', '500', '123'])}{RND.randint(0, 10**9 - 1):09d}"
                        for _ in range(200)]
    assert scan(["ma_ho_so", "so_tien"], [[c, "1000"] for c in invalid_province]) == {}
    assert not citizen_id_plausible("001390123456", 2026)  # century 21, year 2090: not born yet
    assert citizen_id_plausible("001090123456", 2026)


def test_phones_emails_tax_codes_and_names_with_birth_dates():
    labels = ["ho_va_ten", "ngay_sinh", "so_dien_thoai", "Email", "mã số thuế", "ghi_chu"]
    rows = [[RND.choice(NAMES), "1990-05-01", f"09{RND.randint(0, 99_999_999):08d}", f"nguoi{i}@example.vn",
             f"{RND.randint(10**9, 10**10 - 1)}", "Không"] for i in range(50)]
    found = scan(labels, rows)
    assert {c: f["kind"] for c, f in found.items()} == {
        "ho_va_ten": "name_with_birth_date", "so_dien_thoai": "phone", "Email": "email", "mã số thuế": "tax_code"}
    assert found["Email"]["example"].startswith("n***@") and found["ho_va_ten"]["example"].count("*") > 5


def test_names_alone_and_company_tax_codes_are_not_flagged():
    rows = [[RND.choice(NAMES), f"{RND.randint(10**9, 10**10 - 1)}"] for _ in range(50)]
    assert scan(["ho_va_ten", "ma_so_thue_doanh_nghiep"], rows) == {}
    # ten-digit numbers without a header saying "tax code" are just numbers
    assert scan(["ho_va_ten", "so_luong"], rows) == {}


def test_the_count_covers_rows_after_the_sample():
    rows = [[str(i), f"09{i:08d}" if i % 2 else ""] for i in range(5000)]
    found = scan(["stt", "dien_thoai"], rows)
    assert found["dien_thoai"]["count"] == 2500 and found["dien_thoai"]["checked"] == 2500


def test_headers_are_read_with_and_without_diacritics_and_glued():
    assert header_tags("Số CCCD") == {"identity"}
    assert header_tags("so_cmnd") == {"identity"} and header_tags("căn cước") == {"identity"}
    assert header_tags("soDienThoai") == {"phone"} and header_tags("Điện thoại") == {"phone"}
    assert header_tags("Mã sản phẩm") == {"product"} and header_tags("thong tin") == set()
    assert person_name("Nguyễn Thị Hoa") and not person_name("Sở Xây dựng")
    assert not person_name("Thành phố Hà Nội") and not person_name("nguyễn văn an")
    assert mask("citizen_id", "001203012345") == "0012******45"


def test_a_table_check_reports_personal_data_and_masks_its_examples_everywhere(tmp_path):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["stt", "so_cccd", "ho_ten", "ngay_sinh"])
    for i in range(30):
        writer.writerow([i, cccd() if i != 3 else "không rõ", RND.choice(NAMES), "1980-01-01"])
    path = tmp_path / "nguoi.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    schema = {"fields": [{"name": "stt", "type": "integer"}, {"name": "so_cccd", "type": "string",
                                                              "constraints": {"pattern": "[0-9]{12}"}},
                         {"name": "ho_ten", "type": "string"}, {"name": "ngay_sinh", "type": "date"}]}
    report = check_table(path, "csv", schema=schema)
    kinds = {p["column"]: p["kind"] for p in report.personal}
    assert kinds == {"so_cccd": "citizen_id", "ho_ten": "name_with_birth_date"}
    assert report.problems[("personal-data", "so_cccd")].count == 29
    # the constraint error's example sits in a personal column: masked too
    example = report.problems[("constraint-error", "so_cccd")].examples[0]
    assert example["value"] != "không rõ" and "*" in example["value"]
