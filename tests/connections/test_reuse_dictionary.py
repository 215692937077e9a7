"""The finder's dictionary: the common data concepts retyped across systems, each matched from
names written with or without diacritics, each held by a national database of the seed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import policy
from catalog.models import Database
from catalog.services import reuse
from catalog.services.reuse_concepts import CONCEPTS

from ..helpers import csv_distribution, dataset

CASES = [
    ("personal_id", "Số CCCD", "so_cccd"),
    ("full_name", "Họ và tên", "ho_va_ten"),
    ("date_of_birth", "Ngày sinh", "NGAY_SINH"),
    ("sex", "Giới tính", "gioi-tinh"),
    ("ethnicity", "Dân tộc", "dan_toc"),
    ("religion", "Tôn giáo", "ton_giao"),
    ("nationality", "Quốc tịch", "quoc_tich"),
    ("place_of_origin", "Quê quán", "que_quan"),
    ("place_of_birth", "Nơi sinh", "noi_sinh"),
    ("permanent_residence", "Nơi thường trú", "noi_thuong_tru"),
    ("current_residence", "Nơi ở hiện tại", "noi_o_hien_tai"),
    ("address", "Địa chỉ", "dia_chi"),
    ("household_id", "Số hộ khẩu", "so_ho_khau"),
    ("household_head", "Chủ hộ", "chu_ho"),
    ("relation_to_head", "Quan hệ với chủ hộ", "quan_he_voi_chu_ho"),
    ("father_name", "Họ tên cha", "ten_cha"),
    ("mother_name", "Họ tên mẹ", "ho_ten_me"),
    ("marital_status", "Tình trạng hôn nhân", "tinh_trang_hon_nhan"),
    ("birth_registration", "Số giấy khai sinh", "so_giay_khai_sinh"),
    ("marriage_registration", "Số đăng ký kết hôn", "so_dang_ky_ket_hon"),
    ("death_registration", "Số đăng ký khai tử", "so_dang_ky_khai_tu"),
    ("enterprise_id", "Mã số doanh nghiệp", "ma_so_doanh_nghiep"),
    ("enterprise_name", "Tên doanh nghiệp", "ten_doanh_nghiep"),
    ("legal_representative", "Người đại diện theo pháp luật", "nguoi_dai_dien_theo_phap_luat"),
    ("tax_code", "Mã số thuế", "ma_so_thue"),
    ("land_parcel", "Số thửa", "so_thua"),
    ("map_sheet", "Số tờ bản đồ", "so_to_ban_do"),
    ("land_certificate", "Số giấy chứng nhận quyền sử dụng đất", "so_gcn"),
    ("social_insurance_id", "Mã số BHXH", "ma_so_bhxh"),
    ("health_insurance_card", "Số thẻ BHYT", "so_the_bhyt"),
    ("civil_servant_code", "Mã công chức", "ma_cong_chuc"),
    ("budget_unit_code", "Mã đơn vị quan hệ ngân sách", "ma_qhns"),
    ("passport_no", "Số hộ chiếu", "so_ho_chieu"),
    ("admin_unit_code", "Mã đơn vị hành chính", "ma_dvhc"),
]


def test_the_dictionary_is_broad_and_unambiguous():
    assert len(CONCEPTS) >= 20
    assert len({c.code for c in CONCEPTS}) == len(CONCEPTS)
    seen: dict[str, str] = {}
    for c in CONCEPTS:
        assert c.label_vi and c.label_en and c.label_vi != c.label_en
        for name in (*c.names, c.label_vi, c.label_en):
            key = reuse.normalise(name)
            assert seen.setdefault(key, c.code) == c.code, f"{name!r} means two concepts"
    assert {code for code, _, _ in CASES} == {c.code for c in CONCEPTS}


@pytest.mark.parametrize(("code", "accented", "plain"), CASES)
def test_names_with_and_without_diacritics(code, accented, plain):
    assert reuse.concept_of({"name": "x", "title": accented}).code == code
    assert reuse.concept_of({"name": plain}).code == code


def test_types_and_unrelated_names():
    assert reuse.concept_of({"name": "ngay_sinh", "type": "date"}).code == "date_of_birth"
    assert reuse.concept_of({"name": "ho_ten", "type": "date"}) is None
    for name in ("ghi_chu", "so_luong", "tin_tuc", "ma", "ten"):
        assert reuse.concept_of({"name": name}) is None


def test_every_holder_is_a_seeded_database(world):
    codes = set(world.session.scalars(select(Database.code)))
    assert {c.held_by for c in CONCEPTS} <= codes


def test_a_retyped_household_form_is_found(world, tmp_path):
    """A province's one-stop form that retypes five population-database items yields five findings."""
    s = world.session
    ds = dataset(s, "HN", "shared", title_vi="Tờ khai cư trú", database="HN-TTHC")
    csv_distribution(s, ds, str(tmp_path / "up"), b"ho_va_ten,ngay_sinh,so_ho_khau,chu_ho,dia_chi,ghi_chu\r\n"
                     b"An,2000-01-01,1,B,X,y\r\n", {"fields": [
                         {"name": "ho_va_ten", "type": "string"}, {"name": "ngay_sinh", "type": "date"},
                         {"name": "so_ho_khau", "type": "string"}, {"name": "chu_ho", "type": "string"},
                         {"name": "dia_chi", "type": "string"}, {"name": "ghi_chu", "type": "string"}]})
    s.commit()
    groups = reuse.findings(s, policy.reader_for(s, world.outsider), "HN")
    assert {g.concept.code for g in groups} == {"full_name", "date_of_birth", "household_id", "household_head",
                                               "address"}
    assert all(g.holder.code == "DC" and [f.system.code for f in g.findings] == ["HN-TTHC"] for g in groups)
