"""Writes the spreadsheet template and the demo inventory of this folder (run it after editing them):

    .venv/bin/python seed/harvest/build_spreadsheets.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent

#: (heading, what to write) in the order of the template; README.md explains each column.
HEADINGS = [
    ("Mã tập dữ liệu", "Mã do cơ quan đặt, không trùng trong bảng kê (để trống: lấy tên làm mã)"),
    ("Tên tập dữ liệu", "Bắt buộc"),
    ("Tên tiếng Anh", ""),
    ("Mô tả", "Nội dung, phạm vi, mục đích"),
    ("Mã cơ quan", "Mã của cơ quan hoặc đơn vị trực thuộc trong danh mục (ví dụ HN-SKHCN)"),
    ("Mã cơ sở dữ liệu", "Mã cơ sở dữ liệu hoặc hệ thống thông tin đã đăng ký"),
    ("Mức độ chia sẻ", "mở / dùng chung / dùng riêng"),
    ("Lĩnh vực", "Mã hoặc tên lĩnh vực, cách nhau bởi dấu ;"),
    ("Từ khóa", "Cách nhau bởi dấu ;"),
    ("Phạm vi địa lý", "Toàn quốc, hoặc tên tỉnh, thành phố"),
    ("Tần suất cập nhật", "Hằng ngày / hằng tuần / hằng tháng / hằng quý / 6 tháng / hằng năm / không định kỳ"),
    ("Giấy phép", "CC-BY-4.0, CC0-1.0, ODC-BY-1.0, ODbL-1.0 (dữ liệu mở)"),
    ("Người liên hệ", "Đơn vị hoặc cán bộ đầu mối"),
    ("Thư điện tử", ""),
    ("Điện thoại", ""),
    ("Trang thông tin", "Địa chỉ http(s)"),
    ("Đường dẫn tải về", "Địa chỉ http(s) của tệp dữ liệu, nếu có"),
    ("Định dạng", "CSV, XLSX, JSON..."),
    ("Ngày ban hành", "dd/mm/yyyy"),
    ("Ngày cập nhật", "dd/mm/yyyy"),
    ("Dữ liệu chủ", "có / không"),
    ("Nguồn gốc dữ liệu", "Thu thập từ đâu, bằng cách nào"),
]

EXAMPLE = ["VD-01", "Danh sách tổ chức khoa học và công nghệ", "Science and technology organisations",
           "Tên, địa chỉ, lĩnh vực hoạt động của các tổ chức khoa học và công nghệ đã đăng ký.", "HN-SKHCN", "",
           "dùng chung", "TECH", "khoa học; công nghệ", "Hà Nội", "Hằng quý", "", "Phòng Quản lý khoa học",
           "", "", "", "", "", "01/03/2025", "15/10/2025", "không", "Hồ sơ đăng ký hoạt động"]

DEMO_TITLE = "DANH MỤC DỮ LIỆU CỦA SỞ KHOA HỌC VÀ CÔNG NGHỆ THÀNH PHỐ HÀ NỘI (bản minh họa)"
DEMO_ROWS = [
    ["KHCN-01", "Danh sách tổ chức khoa học và công nghệ đã đăng ký hoạt động",
     "Registered science and technology organisations",
     "Tên tổ chức, địa chỉ, lĩnh vực hoạt động và số giấy chứng nhận đăng ký hoạt động khoa học và công nghệ.",
     "HN-SKHCN", "", "dùng chung", "Khoa học và công nghệ", "tổ chức khoa học; đăng ký hoạt động", "Hà Nội",
     "Hằng quý", "", "Phòng Quản lý khoa học", "", "", "https://hanoi.gov.vn", "", "", "01/03/2025", "15/10/2025",
     "không", "Hồ sơ đăng ký hoạt động do tổ chức nộp tại Sở"],
    ["KHCN-02", "Doanh nghiệp khoa học và công nghệ được chứng nhận", "Certified science and technology enterprises",
     "Tên doanh nghiệp, mã số doanh nghiệp, sản phẩm hình thành từ kết quả khoa học và công nghệ, "
     "ngày cấp giấy chứng nhận.",
     "HN-SKHCN", "", "mở", "TECH; ECON", "doanh nghiệp khoa học công nghệ", "Hà Nội", "Hằng tháng", "CC-BY-4.0",
     "Phòng Quản lý công nghệ và thị trường khoa học công nghệ", "", "", "https://hanoi.gov.vn", "", "", "01/03/2025",
     "01/11/2025", "không", "Hồ sơ đề nghị chứng nhận doanh nghiệp khoa học và công nghệ"],
    ["KHCN-03", "Nhiệm vụ khoa học và công nghệ cấp thành phố", "City-level science and technology projects",
     "Tên nhiệm vụ, tổ chức chủ trì, chủ nhiệm, thời gian thực hiện, kinh phí và kết quả nghiệm thu.",
     "HN-SKHCN", "", "dùng chung", "Khoa học và công nghệ", "nhiệm vụ khoa học; đề tài", "Hà Nội", "6 tháng", "",
     "Phòng Quản lý khoa học", "", "", "", "", "", "15/01/2025", "30/06/2025", "không", "Quyết định giao nhiệm vụ"],
    ["KHCN-04", "Hồ sơ cấp phép tiến hành công việc bức xạ", "Radiation work licences",
     "Thông tin cơ sở, thiết bị bức xạ, nhân viên bức xạ và giấy phép đã cấp; "
     "có thông tin cá nhân nên chỉ chia sẻ theo yêu cầu.",
     "HN-SKHCN", "", "dùng riêng", "Khoa học và công nghệ; Y tế", "an toàn bức xạ; giấy phép", "Hà Nội",
     "không định kỳ", "", "Phòng Quản lý chuyên ngành", "", "", "", "", "", "01/03/2025", "01/09/2025", "không",
     "Hồ sơ đề nghị cấp giấy phép"],
    ["", "", "", "Dòng này thiếu tên tập dữ liệu: báo lỗi kèm số dòng.", "HN-SKHCN", "", "mở", "", "", "", "", "", "",
     "", "", "", "", "", "", "", "", ""],
    ["KHCN-05", "Điểm phát Wi-Fi công cộng miễn phí", "Free public Wi-Fi spots",
     "Vị trí và đơn vị quản lý các điểm truy cập Internet không dây công cộng miễn phí.",
     "HN-SKHCN", "", "mở", "TECH", "wifi; hạ tầng số", "Hà Nội", "Hằng quý", "ODC-BY-1.0",
     "Phòng Bưu chính, viễn thông", "", "", "https://hanoi.gov.vn", "", "", "01/07/2025", "01/10/2025", "không", ""],
]


def _sheet(book: Workbook, title: str, rows: list[list[str]], banner: str | None) -> None:
    ws = book.active
    ws.title = title
    if banner:
        ws.append([banner])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([])
    ws.append([h for h, _ in HEADINGS])
    head = ws.max_row
    for cell in ws[head]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(row)
    for n, (_, hint) in enumerate(HEADINGS, start=1):
        column = ws.cell(row=head, column=n).column_letter
        ws.column_dimensions[column].width = 18 if n != 4 else 40
        if hint:
            from openpyxl.comments import Comment

            ws.cell(row=head, column=n).comment = Comment(hint, "vn-data-catalog")
    levels = DataValidation(type="list", formula1='"mở,dùng chung,dùng riêng"', allow_blank=True)
    ws.add_data_validation(levels)
    levels.add(f"G{head + 1}:G1000")
    ws.freeze_panes = ws.cell(row=head + 1, column=1)


def main() -> None:
    template = Workbook()
    _sheet(template, "Danh mục dữ liệu", [EXAMPLE], None)
    template.save(HERE / "mau_danh_muc_du_lieu.xlsx")
    with open(HERE / "mau_danh_muc_du_lieu.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([h for h, _ in HEADINGS])
        writer.writerow(EXAMPLE)
    demo = Workbook()
    _sheet(demo, "Danh mục", DEMO_ROWS, DEMO_TITLE)
    demo.save(HERE / "danh_muc_du_lieu_so_khcn_ha_noi.xlsx")


if __name__ == "__main__":
    main()
