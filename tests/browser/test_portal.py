"""The public portal in a real browser, as an anonymous visitor would use it, in Vietnamese and
English, on a desktop and on a 390-pixel-wide phone: the home page's public blocks, a search typed
without diacritics, an open dataset's page (summary, licence, citation, grade, preview, download
counts), the original file and a conversion downloaded and read back, the feedback form, a theme
page and the open-data lists. Every page gets a screenshot, an axe-core check and a check that
nothing is wider than the screen."""

from __future__ import annotations

import csv
import io
import json

import pytest

OPEN = "don-vi-hanh-chinh-cap-tinh-2025"
THEME = "GOVE"

#: What each page must say, in each language (written out: a missing translation must fail).
SAYS = {
    "vi": {"most_downloaded": "Được tải nhiều nhất", "by_theme": "Dữ liệu mở theo lĩnh vực",
           "by_agency": "Dữ liệu mở theo cơ quan", "newest": "Tập dữ liệu mới", "theme": "Chính phủ và khu vực công",
           "lists": "Danh mục dữ liệu mở", "in_short": "Tóm tắt", "cite": "Cách trích dẫn dữ liệu này",
           "licence": "Giấy phép", "quality": "Chất lượng", "preview": "Xem trước các dòng đầu",
           "report": "Phản ánh vấn đề về dữ liệu này",
           "sent": "Phản ánh của bạn đã được gửi tới cơ quan", "reuse": "Bạn được sao chép, chia sẻ và chỉnh sửa",
           "dataset": "[tập dữ liệu]", "accessed": "Truy cập ngày",
           "already_open": "Đã mở"},
    "en": {"most_downloaded": "Most downloaded", "by_theme": "Open data by theme", "by_agency": "Open data by agency",
           "newest": "Newest datasets", "theme": "Government and public sector", "lists": "Open-data lists",
           "in_short": "In short", "cite": "How to cite this data", "licence": "Licence", "quality": "Quality",
           "preview": "Preview of the first rows", "report": "Report a problem with this data",
           "sent": "Your report was sent to the agency", "reuse": "You may copy, share and adapt",
           "dataset": "[dataset]", "accessed": "Accessed on", "already_open": "Already open"},
}


def _downloads_shown(j, dist_id: str, kind: str | None = None) -> int:
    """A file's download count on the page: its total, or that of one form ("file", "json", ...)."""
    which = f"[data-kind='{kind}']" if kind else ":not([data-kind])"
    text = j.page.locator(f"table.downloads td[data-dist='{dist_id}']{which}").inner_text()
    return int("".join(ch for ch in text if ch.isdigit()) or 0)


@pytest.mark.parametrize(("locale", "width"), [("vi", 1280), ("en", 1280), ("vi", 390), ("en", 390)])
def test_an_anonymous_visitor_uses_the_public_portal(journey, locale, width):
    says = SAYS[locale]
    j = journey(f"portal-{locale}-{width}", width=width, locale=locale)
    page = j.page
    main = page.locator("main")

    j.go(f"/?lang={locale}")
    assert page.locator("html").get_attribute("lang") == locale
    text = main.inner_text()
    for key in ("newest", "most_downloaded", "by_theme", "by_agency"):
        assert says[key] in text, f"home: {says[key]!r} missing"
    assert main.locator("#newest-h + ul.results li").count() > 0
    assert main.locator(".home-public a[href*='/organizations/'][href$='/open-data']").count() > 0
    assert main.locator(".home-public a[href='/open-data']").count() == 1
    assert main.locator(f".home-public a[href$='/themes/{THEME}']").count() == 1
    j.shot("home")

    # the home page's search box, typed without diacritics
    page.fill("main input[name=q]", "don vi hanh chinh")
    j.navigate(lambda: page.keyboard.press("Enter"))
    j.shot("search results")
    j.navigate(lambda: main.locator(f"a[href*='/datasets/{OPEN}']").first.click())
    facts = main.locator("#for-the-public")
    text = facts.inner_text()
    for key in ("in_short", "cite", "licence", "quality"):
        assert says[key] in text, f"dataset page: {says[key]!r} missing"
    assert says["reuse"] in text, "the licence sentence is missing or in the wrong language"
    citation = facts.locator(".citation").inner_text()
    assert says["dataset"] in citation and says["accessed"] in citation and f"/datasets/{OPEN}" in citation
    assert facts.locator(".badge.grade:not(.none)").count() == 1, "no quality grade shown"
    preview = main.locator("table.preview")
    assert says["preview"] in main.inner_text()
    assert preview.locator("tbody tr").count() > 0 and "Hà Nội" in preview.inner_text()
    dist_id = facts.locator("table.downloads td[data-dist]").first.get_attribute("data-dist")
    before = _downloads_shown(j, dist_id)
    before_file, before_json = _downloads_shown(j, dist_id, "file"), _downloads_shown(j, dist_id, "json")
    j.shot("open dataset")

    # the original file
    with page.expect_download() as info:
        main.locator(f"a[href$='/distributions/{dist_id}/download']").first.click()
    original = info.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(original)))
    assert len(rows) > 30 and any("Hà Nội" in cell for row in rows for cell in row)
    # a conversion: JSON, read back with the same rows
    with page.expect_download() as info:
        main.locator(f"a[href$='/distributions/{dist_id}/download/json']").click()
    assert info.value.suggested_filename.endswith(".json")
    converted = json.loads(info.value.path().read_bytes().decode("utf-8"))
    records = converted if isinstance(converted, list) else next(
        v for v in converted.values() if isinstance(v, list))
    assert len(records) == len(rows) - 1
    assert "Hà Nội" in json.dumps(records, ensure_ascii=False)

    j.go(f"/datasets/{OPEN}")
    # the original and the JSON conversion: one each, two in the file's total
    assert _downloads_shown(j, dist_id) == before + 2, "the downloads were not counted"
    assert _downloads_shown(j, dist_id, "file") == before_file + 1
    assert _downloads_shown(j, dist_id, "json") == before_json + 1

    # the feedback form, behind its summary
    page.locator("#feedback summary").click()
    assert says["report"] in page.locator("#feedback").inner_text()
    page.fill("#feedback [name=subject]", "Thiếu mã tỉnh" if locale == "vi" else "Province code missing")
    page.fill("#feedback [name=message]", "Dòng 12 không có mã." if locale == "vi" else "Row 12 has no code.")
    j.shot("feedback form")
    j.submit("#feedback form button[type=submit]")
    assert "/requests/" in page.url
    assert says["sent"] in main.inner_text()
    j.shot("feedback sent")

    j.go("/")
    # the download just made puts the dataset among the most downloaded
    assert main.locator(f"section[aria-labelledby=popular-h] ol a[href$='/datasets/{OPEN}']").count() == 1
    j.navigate(lambda: main.locator(f".home-public a[href$='/themes/{THEME}']").click())
    assert page.locator("h1").inner_text() == says["theme"]
    assert main.locator(f"ul.results a[href*='/datasets/{OPEN}']").count() == 1
    j.shot("theme page")

    j.go("/open-data")
    assert page.locator("h1").inner_text() == says["lists"]
    assert main.locator("table.open-data tbody tr").count() > 0
    j.shot("open-data lists")
    page.select_option("#f-status", "open")
    j.submit("form.filters button[type=submit]")
    rows = main.locator("table.open-data tbody tr")
    assert rows.count() > 0 and rows.count() == main.locator("table.open-data tbody tr.od-open").count()
    assert says["already_open"] in rows.first.inner_text()
    assert main.locator(f"table.open-data a[href$='/datasets/{OPEN}']").count() == 1
    j.shot("open-data lists, open only")
    j.close()
