"""The source form gives each kind's declared options as real fields (labelled, with help, in vi and
en), reads them back typed, refuses a wrong value naming its field, and keeps the JSON text only as
an advanced fallback. Through the test client."""

from __future__ import annotations

from catalog.models import HarvestSource

from ..helpers import login, make_user
from .conftest import make_source, session_of

BASE = {"name": "Cổng dữ liệu thử", "protocol": "ckan", "url": "https://ckan.example.vn", "organization": "BTC",
        "default_access_level": "open", "default_licence": "CC-BY-4.0", "schedule": "manual", "enabled": "on"}


def _steward(happ, email: str = "st@mof.gov.vn", **kw):
    s = session_of(happ)
    make_user(s, email, roles={"BTC": "steward"}, **kw)
    s.close()
    client = happ.test_client()
    login(client, email)
    return client


def _source(happ, slug: str) -> HarvestSource:
    s = session_of(happ)
    try:
        return s.query(HarvestSource).filter_by(slug=slug).one()
    finally:
        s.close()


def test_each_kind_s_options_are_labelled_fields_with_help_in_both_languages(happ):
    client = _steward(happ)
    vi = client.get("/harvest/new?lang=vi").get_data(as_text=True)
    assert 'name="opt-ckan-rows"' in vi and 'type="number"' in vi and 'max="1000"' in vi
    assert 'name="opt-openapi-gateway_url"' in vi and 'name="opt-sqldb-exclude"' in vi
    assert 'name="opt-csw-max_records"' in vi and 'name="opt-spreadsheet-sheet"' in vi
    assert '<label for="f-opt-ckan-organizations">Chỉ các tổ chức này của cổng dữ liệu' in vi
    assert "Mặc định: 100." in vi and "Ngăn cách bằng dấu phẩy." in vi
    assert 'id="options-ckan" data-protocol="ckan" open' in vi  # the chosen kind is unfolded
    # the administrators' option is not offered to a steward
    assert "opt-ckan-delegated_by" not in vi
    en = client.get("/harvest/new?lang=en").get_data(as_text=True)
    assert "Only these organisations of the portal (names)" in en and "Default: 100." in en
    assert "Advanced: the options as JSON" in en


def test_fields_are_saved_typed_and_shown_again_on_the_edit_form(happ):
    client = _steward(happ)
    r = client.post("/harvest/new", data={**BASE, "opt-ckan-organizations": "so-tai-chinh, kho-bac\nthue",
                                          "opt-ckan-rows": "50", "opt-ckan-incremental": "false",
                                          "opt-ckan-q": "", "opt-sqldb-exclude": "ignored_*"})
    assert r.status_code == 302, r.get_data(as_text=True)
    slug = r.headers["Location"].rsplit("/", 1)[-1]
    assert _source(happ, slug).filters == {"organizations": ["so-tai-chinh", "kho-bac", "thue"], "rows": 50,
                                           "incremental": False}  # another kind's fields are not read
    page = client.get(f"/harvest/{slug}/edit").get_data(as_text=True)
    assert 'value="so-tai-chinh, kho-bac, thue"' in page and 'name="opt-ckan-rows" value="50"' in page
    assert '<option value="false" selected>' in page
    # emptying a field removes the option (the harvester's default applies again)
    r = client.post(f"/harvest/{slug}/edit", data={**BASE, "opt-ckan-organizations": "so-tai-chinh",
                                                   "opt-ckan-rows": "", "opt-ckan-incremental": ""})
    assert r.status_code == 302
    assert _source(happ, slug).filters == {"organizations": ["so-tai-chinh"]}


def test_a_wrong_value_is_refused_naming_its_field_and_nothing_is_saved(happ):
    client = _steward(happ)
    before = session_of(happ).query(HarvestSource).count()
    r = client.post("/harvest/new?lang=vi", data={**BASE, "opt-ckan-rows": "5000", "opt-ckan-tags": "a"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'href="#f-opt-ckan-rows">Số bản ghi mỗi trang (1–1000)</a>' in page  # the summary names it
    assert 'id="e-opt-ckan-rows"' in page and 'aria-invalid="true"' in page
    assert 'value="a"' in page  # what was typed is kept
    r = client.post("/harvest/new?lang=en", data={**BASE, "protocol": "openapi", "url": "https://api.example.vn",
                                                  "opt-openapi-gateway_url": "not an address",
                                                  "opt-openapi-subscriptions": "maybe"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'id="e-opt-openapi-gateway_url"' in page and 'id="e-opt-openapi-subscriptions"' in page
    assert "The gateway&#39;s public address</a>" in page
    assert session_of(happ).query(HarvestSource).count() == before


def test_the_json_text_is_an_advanced_fallback_a_field_wins_over(happ):
    client = _steward(happ)
    r = client.post("/harvest/new", data={**BASE, "filters": '{"rows": 20, "tags": ["ngan-sach"]}',
                                          "opt-ckan-rows": "30"})
    assert r.status_code == 302
    slug = r.headers["Location"].rsplit("/", 1)[-1]
    assert _source(happ, slug).filters == {"rows": 30, "tags": ["ngan-sach"]}
    # an option the kind does not take is refused under the JSON text, naming the option
    r = client.post("/harvest/new?lang=en", data={**BASE, "name": "Khác", "filters": '{"sheet": "A"}'})
    assert r.status_code == 400 and 'id="e-filters"' in r.get_data(as_text=True)
    assert "sheet" in r.get_data(as_text=True)


def test_a_steward_saving_keeps_the_delegation_only_an_administrator_sets(happ):
    src = make_source(happ, url="https://ckan.example.vn", filters={"delegated_by": ["HN"], "rows": 10})
    admin = _steward(happ, "admin@catalog.gov.vn", admin=True)
    page = admin.get(f"/harvest/{src.slug}/edit").get_data(as_text=True)
    assert 'name="opt-ckan-delegated_by" value="HN"' in page
    client = _steward(happ)
    r = client.post(f"/harvest/{src.slug}/edit", data={**BASE, "name": src.name, "opt-ckan-rows": "20",
                                                       "opt-ckan-delegated_by": "BTC"})
    assert r.status_code == 302
    assert _source(happ, src.slug).filters == {"delegated_by": ["HN"], "rows": 20}
