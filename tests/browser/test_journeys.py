"""Journeys through the portal in a real browser, in Vietnamese and English, on a desktop and on a
390-pixel-wide phone screen: screenshots of each step, axe-core on each page, no page wider than
the screen."""

from __future__ import annotations

from ..helpers import PASSWORD, csv_distribution, dataset, make_user


def test_a_steward_uploads_a_csv_and_a_second_steward_publishes_it_through_the_gates(journey, session, tmp_path):
    make_user(session, "steward@mof.gov.vn", roles={"BTC": "steward"})
    make_user(session, "steward2@mof.gov.vn", roles={"BTC": "steward"})
    j = journey("steward")
    j.sign_in("steward@mof.gov.vn", PASSWORD)
    j.shot("signed in")
    j.go("/databases/new")
    j.page.fill("[name=code]", "CSDL-THU-NGHIEM")
    j.page.fill("[name=name_vi]", "Cơ sở dữ liệu thử nghiệm về thuế")
    j.page.select_option("[name=kind]", index=1)
    j.page.select_option("[name=owner]", "BTC")
    for name in ("purpose_vi", "scope_vi", "collection_method_vi", "update_method_vi", "data_sources_vi"):
        j.page.fill(f"[name={name}]", "Nội dung thử nghiệm")
    j.shot("database form")
    j.submit()
    assert "/databases/CSDL-THU-NGHIEM" in j.page.url
    j.shot("database registered")

    j.go("/datasets/new")
    j.page.fill("[name=title_vi]", "Danh sách điểm thu thuế thử nghiệm")
    j.page.fill("[name=description_vi]", "Các điểm thu thuế, mã và địa chỉ.")
    j.page.select_option("[name=publisher]", "BTC")
    j.page.check("[name=access_level][value=open]")
    j.page.select_option("[name=licence]", "CC-BY-4.0")
    j.page.fill("[name=slug]", "diem-thu-thue-thu-nghiem")
    j.shot("dataset form")
    j.submit()
    assert "/datasets/diem-thu-thue-thu-nghiem" in j.page.url
    j.shot("dataset registered")

    upload = tmp_path / "diem_thu.csv"
    upload.write_text("ma,ten,dia_chi\n001,Điểm Hoàn Kiếm,Hà Nội\n002,Điểm Hải Châu,Đà Nẵng\n", encoding="utf-8")
    j.go("/datasets/diem-thu-thue-thu-nghiem/distributions/new")
    j.page.set_input_files("input[name=file]", str(upload))
    j.page.fill("[name=title_vi]", "Tệp CSV")
    j.shot("file form")
    j.submit()
    j.shot("file added")
    j.go("/datasets/diem-thu-thue-thu-nghiem/quality")
    j.submit("form[action$='/quality/run'] button[type=submit]")
    j.page.wait_for_selector("main table")
    j.shot("quality report")
    assert "Hạng" in j.page.locator("main").inner_text() or "hạng" in j.page.locator("main").inner_text()

    # publishing through the gates: each gate is shown with its result and the rule it comes from
    slug = "diem-thu-thue-thu-nghiem"
    j.go(f"/datasets/{slug}")
    gates = j.page.locator("#publish table.gates")
    assert gates.locator("tbody tr").count() == 7
    assert _failing(gates) == ["gate-metadata"]  # no contact was given when the dataset was registered
    assert "contact" in gates.locator("tr.gate-metadata").inner_text()
    j.shot("publication gates, one failing")
    j.submit("#publish form[action$='/publication'] button[type=submit]")
    assert "các điều kiện sau chưa đạt: Đủ thông tin mô tả bắt buộc." in j.page.locator("body").inner_text()
    assert "đang chờ đầu mối dữ liệu" not in j.page.locator("#publish").inner_text()  # no request was made
    j.shot("request refused by the gates")
    # fix the failing gate
    j.go(f"/datasets/{slug}/edit")
    j.page.fill("[name=contact_email]", "dulieu@mof.gov.vn")
    j.shot("contact added")
    j.submit()
    j.go(f"/datasets/{slug}")
    assert _failing(gates) == []
    j.page.fill("#publish-note", "Đã bổ sung đầu mối liên hệ.")
    j.submit("#publish form[action$='/publication'] button[type=submit]")
    panel = j.page.locator("#publish")
    assert "đang chờ đầu mối dữ liệu" in panel.inner_text()
    # the two-person rule: the steward who asked gets no approve button, and a forced approval is refused
    assert "Bạn là người đề nghị công bố" in panel.inner_text()
    assert panel.locator("form[action$='/publication/approve']").count() == 0
    j.shot("request sent, waiting for a second person")
    j.navigate(lambda: j.page.evaluate("""() => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = location.pathname + '/publication/approve';
        const token = document.querySelector('input[name=csrf_token]').cloneNode();
        form.appendChild(token);
        document.body.appendChild(form);
        form.submit();
    }"""))
    assert "Yêu cầu công bố: Không ai tự phê duyệt yêu cầu của mình" in j.page.locator("body").inner_text()
    assert "Bản nháp" in j.page.locator("main").inner_text()
    j.shot("own approval refused")
    j.close()

    visitor = journey("visitor-before")
    assert visitor.page.goto(f"{visitor.base}/datasets/{slug}").status == 404  # a draft: hidden, as if missing
    visitor.shot("not published yet")
    visitor.close()

    second = journey("second-steward")
    second.sign_in("steward2@mof.gov.vn", PASSWORD)
    second.go(f"/datasets/{slug}")
    assert "Do steward@mof.gov.vn đề nghị" in second.page.locator("#publish").inner_text()
    second.shot("request to decide")
    second.submit("#publish form[action$='/publication/approve'] button[type=submit]")
    assert "Đã phê duyệt" in second.page.locator("body").inner_text()
    assert second.page.locator("#publish .gates").count() == 0  # the panel now says it is open
    second.shot("approved and published")
    second.close()

    visitor = journey("visitor-after")
    visitor.go(f"/datasets/{slug}?lang=vi")
    assert "Danh sách điểm thu thuế thử nghiệm" in visitor.page.locator("h1").inner_text()
    assert visitor.page.locator("#for-the-public").count() == 1
    visitor.shot("published dataset, seen by the public")
    with visitor.page.expect_download() as info:
        visitor.page.locator("main a[href$='/download']").first.click()
    assert "Điểm Hoàn Kiếm" in info.value.path().read_text(encoding="utf-8-sig")
    visitor.close()


def _failing(gates) -> list[str]:
    """The class names of the gates that fail (`tr.gate-<key>` with a red badge)."""
    return [row.get_attribute("class") for row in gates.locator("tbody tr:has(.badge.restricted)").all()]


def test_an_officer_asks_for_restricted_data_and_the_owner_approves(journey, seeded_app, session):
    from ..sharing.conftest import FULL_SPECIAL, PEOPLE_CSV, PEOPLE_SCHEMA

    make_user(session, "officer@stc.hanoi.gov.vn", roles={"HN-STC": "member"})
    make_user(session, "steward@c06.gov.vn", roles={"BCA-C06": "steward"})
    people = dataset(session, "BCA-C06", "restricted", title_vi="Thông tin hộ tịch điện tử", slug="ho-tich-dien-tu")
    csv_distribution(session, people, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PEOPLE_CSV, PEOPLE_SCHEMA)

    officer = journey("officer", width=390)
    officer.sign_in("officer@stc.hanoi.gov.vn", PASSWORD)
    officer.go("/search?q=thong+tin+ho+tich")  # typed without diacritics
    officer.shot("search without diacritics")
    officer.navigate(lambda: officer.page.locator("a[href*='/datasets/ho-tich-dien-tu']").first.click())
    officer.shot("restricted dataset")
    officer.navigate(lambda: officer.page.locator("a[href*='/sharing/requests/new']").first.click())
    page = officer.page
    page.check("input[name=kind][value=special]")
    page.check("input[name=columns_ho-tich-dien-tu][value=ho_ten]")
    for name in ("application", "contact_email", "start_date", "end_date"):
        page.fill(f"#f-{name}", FULL_SPECIAL[name])
    for name in ("purpose", "intended_use", "special_reason", "limits_of_use", "security_measures",
                 "retention_deletion"):
        page.fill(f"#f-{name}", FULL_SPECIAL[name])
    page.select_option("#f-frequency", FULL_SPECIAL["frequency"])
    if page.locator("#f-requester_identifier").is_editable():  # the agency's record may not have its code
        page.fill("#f-requester_identifier", FULL_SPECIAL["requester_identifier"])
    page.check("input[name=methods][value=api_lgsp]")
    page.check("input[name=protection_commitment]")
    officer.shot("request form")
    officer.submit("form.stacked button[name=action][value=submit]")
    officer.shot("request sent")
    assert "/sharing/requests/" in page.url and "/new" not in page.url, "the request was not sent"
    request_url = page.url.split(officer.base, 1)[1]
    officer.close()

    owner = journey("owner")
    owner.sign_in("steward@c06.gov.vn", PASSWORD)
    owner.go(request_url)
    owner.shot("request received")
    owner.submit("form#approve button[type=submit]")
    owner.shot("approved")
    assert owner.page.locator("a[href*='/sharing/agreements/']").count() > 0
    owner.close()
