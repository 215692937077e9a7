"""A province table with what breaks conversions: diacritics, "đ", leading-zero codes, numbers, dates."""

from __future__ import annotations

PROVINCES = (
    "ma_tinh,tinh,dan_so,dien_tich,ngay_cap_nhat,ghi_chu\n"
    "01,Hà Nội,8435700,3359.82,2024-12-31,Thủ đô\n"
    "79,Thành phố Hồ Chí Minh,9521800,2095.39,2024-12-31,\n"
    "48,Đà Nẵng,1245000,1284.73,2024-06-30,Đặc biệt: \"ngoặc kép\", dấu phẩy\n"
    "02,Hà Giang,899900,7927.55,2023-12-31,\n"
    "31,Hải Phòng,2105000,1526.52,2024-12-31,Cảng biển\n"
).encode()

#: The same columns typed by a Table Schema whose ma_tinh is text (codes keep their zeros) and
#: whose "ghi_chu" is classed above open (the public never receives it).
SCHEMA = {"fields": [
    {"name": "ma_tinh", "type": "string"},
    {"name": "tinh", "type": "string"},
    {"name": "dan_so", "type": "integer"},
    {"name": "dien_tich", "type": "number"},
    {"name": "ngay_cap_nhat", "type": "date"},
    {"name": "ghi_chu", "type": "string", "classification": "default_shared"},
]}
