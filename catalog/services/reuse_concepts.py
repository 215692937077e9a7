"""The common data concepts the "typed twice" finder looks for, each with the national database
that holds it as master data and the names agencies give it in their schemas and forms.

A subset of the common data dictionary (Decision 2439/QĐ-TTg, v1.0). The codes are the
catalogue's own; the names are compared after folding diacritics and "đ" and turning every run of
punctuation into one space, so "Số CCCD", "so_cccd" and "SO-CCCD" are one name: list each name
once, written either way.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT = ("string", "integer", "any")
DATES = ("date", "datetime", "string", "any")


@dataclass(frozen=True)
class Concept:
    code: str
    label_vi: str
    label_en: str
    #: The national database that holds it as master data (a `Database` code).
    held_by: str
    #: Names and titles that mean it, written any way (folded and normalised before comparing).
    names: tuple[str, ...]
    types: tuple[str, ...] = TEXT


CONCEPTS: tuple[Concept, ...] = (
    # The population database (Law on Identification 2023; Decree 70/2024/NĐ-CP lists its fields).
    Concept("personal_id", "Số định danh cá nhân", "Personal identification number", "DC",
            ("so dinh danh ca nhan", "so dinh danh", "ma dinh danh ca nhan", "so cccd", "cccd", "so can cuoc",
             "so can cuoc cong dan", "can cuoc cong dan", "so cmnd", "cmnd", "so cmnd cccd", "cmnd cccd",
             "personal id", "personal identification number", "citizen id", "national id", "id number")),
    Concept("full_name", "Họ, chữ đệm và tên", "Full name", "DC",
            ("họ tên", "họ và tên", "ho ten cong dan", "ho ten nguoi nop", "ho chu dem va ten", "hoten",
             "full name", "fullname")),
    Concept("date_of_birth", "Ngày, tháng, năm sinh", "Date of birth", "DC",
            ("ngày sinh", "ngay thang nam sinh", "ngaysinh", "date of birth", "birth date", "birthdate", "dob"),
            DATES),
    Concept("sex", "Giới tính", "Sex", "DC", ("giới tính", "gioitinh", "ma gioi tinh", "sex", "gender")),
    Concept("ethnicity", "Dân tộc", "Ethnicity", "DC", ("dân tộc", "ma dan toc", "dantoc", "ethnicity")),
    Concept("religion", "Tôn giáo", "Religion", "DC", ("tôn giáo", "ma ton giao", "religion")),
    Concept("nationality", "Quốc tịch", "Nationality", "DC",
            ("quốc tịch", "ma quoc tich", "quoctich", "nationality", "citizenship")),
    Concept("place_of_origin", "Quê quán", "Place of origin", "DC",
            ("quê quán", "nguyên quán", "quequan", "place of origin", "hometown")),
    Concept("place_of_birth", "Nơi đăng ký khai sinh", "Place of birth registration", "DC",
            ("nơi sinh", "noi dang ky khai sinh", "place of birth", "birthplace")),
    Concept("permanent_residence", "Nơi thường trú", "Permanent residence", "DC",
            ("nơi thường trú", "dia chi thuong tru", "thuong tru", "ho khau thuong tru", "permanent address",
             "permanent residence")),
    Concept("current_residence", "Nơi ở hiện tại", "Current residence", "DC",
            ("nơi ở hiện tại", "noi o hien nay", "cho o hien nay", "noi cu tru", "dia chi cu tru", "tam tru",
             "dia chi tam tru", "current address", "current residence", "residential address")),
    Concept("address", "Địa chỉ", "Address", "DC",
            ("địa chỉ", "dia chi lien he", "dia chi lien lac", "diachi", "address", "contact address")),
    Concept("household_id", "Số hộ gia đình", "Household number", "DC",
            ("số hộ khẩu", "so so ho khau", "ma ho", "ma ho gia dinh", "ma so ho gia dinh", "so ho gia dinh",
             "household id", "household number")),
    Concept("household_head", "Họ tên chủ hộ", "Head of household", "DC",
            ("chủ hộ", "ho ten chu ho", "ten chu ho", "head of household", "household head")),
    Concept("relation_to_head", "Quan hệ với chủ hộ", "Relationship to the head of household", "DC",
            ("quan hệ với chủ hộ", "quan he chu ho", "relationship to head")),
    Concept("father_name", "Họ tên cha", "Father's name", "DC", ("họ tên cha", "ten cha", "father name")),
    Concept("mother_name", "Họ tên mẹ", "Mother's name", "DC", ("họ tên mẹ", "ten me", "mother name")),
    Concept("marital_status", "Tình trạng hôn nhân", "Marital status", "DC",
            ("tình trạng hôn nhân", "tinhtranghonnhan", "marital status")),
    # The electronic civil status database.
    Concept("birth_registration", "Số đăng ký khai sinh", "Birth registration number", "HTDT",
            ("số giấy khai sinh", "so khai sinh", "so dang ky khai sinh", "so trich luc khai sinh",
             "birth certificate number", "birth registration number")),
    Concept("marriage_registration", "Số đăng ký kết hôn", "Marriage registration number", "HTDT",
            ("số đăng ký kết hôn", "so giay chung nhan ket hon", "so ket hon", "marriage certificate number")),
    Concept("death_registration", "Số đăng ký khai tử", "Death registration number", "HTDT",
            ("số đăng ký khai tử", "so trich luc khai tu", "so khai tu", "death certificate number")),
    # Business registration and tax.
    Concept("enterprise_id", "Mã số doanh nghiệp", "Enterprise code", "DKDN",
            ("ma so doanh nghiep", "ma doanh nghiep", "msdn", "ma so dn", "enterprise code", "enterprise id",
             "business registration number", "so dang ky kinh doanh", "so dkkd")),
    Concept("enterprise_name", "Tên doanh nghiệp", "Enterprise name", "DKDN",
            ("tên doanh nghiệp", "ten doanh nghiep tieng viet", "ten cong ty", "company name", "enterprise name",
             "business name")),
    Concept("legal_representative", "Người đại diện theo pháp luật", "Legal representative", "DKDN",
            ("người đại diện theo pháp luật", "nguoi dai dien phap luat", "nguoi dai dien", "legal representative")),
    Concept("tax_code", "Mã số thuế", "Tax identification number", "ETAX",
            ("mã số thuế", "mst", "ma thue", "tax code", "tax id", "tax identification number")),
    # Land.
    Concept("land_parcel", "Số hiệu thửa đất", "Land parcel number", "DD",
            ("so hieu thua dat", "so thua", "thua dat so", "ma thua dat", "parcel id", "parcel number")),
    Concept("map_sheet", "Số hiệu tờ bản đồ", "Cadastral map sheet number", "DD",
            ("số tờ bản đồ", "so hieu to ban do", "to ban do so", "map sheet", "map sheet number")),
    Concept("land_certificate", "Số phát hành giấy chứng nhận quyền sử dụng đất", "Land use right certificate number",
            "DD", ("số giấy chứng nhận quyền sử dụng đất", "so gcn", "so phat hanh gcn", "so serial gcn",
                   "so gcnqsdd", "so so do", "land certificate number", "land use right certificate")),
    # Insurance.
    Concept("social_insurance_id", "Mã số bảo hiểm xã hội", "Social insurance number", "BH",
            ("ma so bhxh", "ma so bao hiem xa hoi", "so so bhxh", "so bhxh", "social insurance number")),
    Concept("health_insurance_card", "Mã số thẻ bảo hiểm y tế", "Health insurance card number", "BH",
            ("số thẻ bhyt", "ma the bhyt", "ma so bhyt", "so the bao hiem y te", "health insurance card number",
             "health insurance number")),
    # Officials, budget units, travel documents, code lists.
    Concept("civil_servant_code", "Mã số cán bộ, công chức, viên chức", "Civil servant code", "CBCCVC",
            ("mã công chức", "ma so cong chuc", "ma can bo", "ma vien chuc", "so hieu cong chuc",
             "civil servant code", "civil servant id")),
    Concept("budget_unit_code", "Mã số đơn vị có quan hệ với ngân sách", "Budget-related unit code", "MSDVQHNS",
            ("mã đơn vị quan hệ ngân sách", "ma qhns", "ma dvqhns", "ma so dvqhns", "budget unit code")),
    Concept("passport_no", "Số hộ chiếu", "Passport number", "XNC",
            ("số hộ chiếu", "ho chieu so", "passport number", "passport no")),
    Concept("admin_unit_code", "Mã đơn vị hành chính", "Administrative unit code", "TKQG",
            ("mã đơn vị hành chính", "ma dvhc", "ma tinh", "ma xa", "ma phuong xa", "administrative unit code")),
)
