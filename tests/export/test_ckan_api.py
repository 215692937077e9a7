"""The CKAN-compatible Action API, driven by the real `ckanapi` client over HTTP, and harvested
back by our own CKAN harvester."""

from __future__ import annotations

import ckanapi
import pytest

from ..harvest.conftest import errors_of, make_source, run
from .conftest import HIDDEN_TITLES
from .test_roundtrip import open_master_dataset, snapshot

OPEN = {"co-cau-to-chuc-chinh-phu-2025", "don-vi-hanh-chinh-cap-tinh-2025", "ngay-nghi-le-tet-bo-luat-lao-dong-2019",
        "don-vi-thuoc-bo-khoa-hoc-va-cong-nghe-2025", "so-hop-nhat-thanh-pho-da-nang-2025"}


@pytest.fixture
def portal(served):
    return ckanapi.RemoteCKAN(served.url, user_agent="catalog-tests")


def test_ckanapi_reads_status_lists_and_packages(portal, served):
    status = portal.action.status_show()
    assert status["site_url"] == served.url and status["ckan_version"].startswith("2.")
    assert set(portal.action.package_list()) == OPEN
    pkg = portal.action.package_show(id="don-vi-hanh-chinh-cap-tinh-2025")
    assert pkg["name"] == "don-vi-hanh-chinh-cap-tinh-2025"
    assert pkg["title_translated"]["vi"] == pkg["title"] and pkg["title_translated"]["en"]
    assert pkg["organization"]["name"] == "BNV" and pkg["license_id"] == "CC-BY-4.0"
    res = pkg["resources"][0]
    assert res["format"] == "CSV" and res["url"].startswith(f"{served.url}/distributions/")
    assert portal.action.resource_show(id=res["id"])["url"] == res["url"]
    same = portal.action.package_show(id=pkg["id"])
    assert same["name"] == pkg["name"]
    assert "BNV" in portal.action.organization_list()
    orgs = {o["name"]: o for o in portal.action.organization_list(all_fields=True)}
    assert orgs["BNV"]["package_count"] == 2
    org = portal.action.organization_show(id="BNV", include_datasets=True)
    assert {p["name"] for p in org["packages"]} <= OPEN and org["package_count"] == 2
    assert "econ" in portal.action.group_list() or portal.action.group_list()
    assert portal.action.tag_list()
    listed = portal.action.current_package_list_with_resources(limit=2)
    assert len(listed) == 2 and all(p["resources"] is not None for p in listed)


def test_package_search_parameters(portal):
    everything = portal.action.package_search(rows=100)
    assert everything["count"] == 5 and {p["name"] for p in everything["results"]} == OPEN
    page = portal.action.package_search(rows=2, start=4, sort="name asc")
    assert [p["name"] for p in page["results"]] == sorted(OPEN)[4:]
    # q folds diacritics, through the search service
    found = portal.action.package_search(q="don vi hanh chinh")
    assert "don-vi-hanh-chinh-cap-tinh-2025" in {p["name"] for p in found["results"]}
    assert found["count"] < 5
    by_org = portal.action.package_search(fq="organization:BNV", rows=10)
    assert by_org["count"] == 2
    by_list = portal.action.package_search(fq='organization:("BNV" OR "VPCP") AND res_format:CSV')
    assert by_list["count"] == 3
    assert portal.action.package_search(fq="metadata_modified:[2999-01-01T00:00:00Z TO *]")["count"] == 0
    facets = portal.action.package_search(**{"facet.field": ["organization", "license_id", "res_format"]})
    assert facets["search_facets"]["organization"]["items"]
    assert facets["facets"]["license_id"] == {"CC-BY-4.0": 4, "CC0-1.0": 1}
    ids = portal.action.package_search(fl="id", rows=3)
    assert all(set(r) == {"id"} for r in ids["results"])


def test_errors_as_ckan_gives_them(portal, served, client):
    with pytest.raises(ckanapi.NotFound):
        portal.action.package_show(id="khong-co")
    with pytest.raises(ckanapi.NotFound):
        portal.action.package_show(id="thong-tin-co-ban-cong-dan")  # shared: not public
    with pytest.raises(ckanapi.ValidationError) as err:
        portal.action.package_show()
    assert "id" in err.value.error_dict
    with pytest.raises(ckanapi.ValidationError) as err:
        portal.action.package_search(rows=5000)
    assert "rows" in err.value.error_dict
    with pytest.raises(ckanapi.ValidationError):
        portal.action.package_search(sort="colour asc")
    with pytest.raises(ckanapi.ValidationError):
        portal.action.package_search(fq="secret_field:1")
    with pytest.raises(ckanapi.NotFound):
        portal.action.resource_show(id="00000000-0000-0000-0000-000000000000")
    answer = client.get("/api/3/action/package_show?id=khong-co")
    assert answer.status_code == 404
    body = answer.get_json()
    assert body["success"] is False and body["error"]["__type"] == "Not Found Error" and "help" in body
    answer = client.get("/api/3/action/package_show")
    assert answer.status_code == 409 and answer.get_json()["error"]["__type"] == "Validation Error"
    answer = client.get("/api/3/action/package_create")
    assert answer.status_code == 400 and answer.get_json()["success"] is False


def test_nothing_hidden_in_the_ckan_api(client, hidden):
    bodies = [client.get(f"/api/3/action/{a}").get_data(as_text=True) for a in (
        "package_list", "package_search?rows=1000", "current_package_list_with_resources?limit=1000",
        "tag_list", "organization_show?id=BTC&include_datasets=true", "package_search?q=*:*&fq=organization:BTC")]
    for body in bodies:
        for title in HIDDEN_TITLES:
            assert title not in body
        for slug in hidden:
            assert slug not in body
    for slug in hidden:
        assert client.get(f"/api/action/package_show?id={slug}").status_code == 404


def test_ckan_harvester_harvests_the_api_back(served, seeded_app, second_catalogue):
    open_master_dataset(seeded_app)
    original = snapshot(seeded_app)
    for code in sorted({v["publisher"] for v in original.values()}):
        source = make_source(second_catalogue, name=f"CKAN {code}", protocol="ckan", organization=code,
                             url=served.url, default_licence=None, filters={"organizations": [code]})
        summary = run(second_catalogue, source)
        assert summary.status == "succeeded", summary
        assert not errors_of(second_catalogue, summary.job_id, "error")
    copied = snapshot(second_catalogue)
    assert set(copied) == set(original)
    for title, before in original.items():
        after = copied[title]
        for key in ("title_vi", "title_en", "description_vi", "description_en", "issued", "modified", "publisher",
                    "licence", "files", "keywords", "temporal"):
            assert after[key] == before[key], (title, key)


def test_get_with_json_lists_and_post_with_a_body(client):
    answer = client.get('/api/3/action/package_search?facet.field=["organization","res_format"]&rows=0')
    assert answer.status_code == 200
    result = answer.get_json()["result"]
    assert result["results"] == [] and result["count"] == 5
    assert result["facets"]["res_format"]["CSV"] == 5
    answer = client.post("/api/action/package_search", json={"fq": "organization:BNV", "rows": 1})
    assert answer.status_code == 200 and answer.get_json()["result"]["count"] == 2
    answer = client.post("/api/action/package_search", data="[1]", content_type="application/json")
    assert answer.status_code == 409 and answer.get_json()["error"]["__type"] == "Validation Error"


def test_help_show_explains_an_action(client):
    answer = client.get("/api/3/action/package_search?rows=0").get_json()
    help_url = answer["help"]
    assert help_url.endswith("/api/3/action/help_show?name=package_search")
    text = client.get("/api/3/action/help_show?name=package_search").get_json()["result"]
    assert "facet.field" in text
    assert client.get("/api/3/action/help_show?name=nope").status_code == 404


def test_organization_filter_takes_ckans_lower_case_names(client):
    """CKAN clients write organisation names in lower case; an unknown agency finds nothing, at once."""
    def count(fq: str) -> int:
        answer = client.get(f"/api/3/action/package_search?rows=20&fq={fq}")
        assert answer.status_code == 200
        return answer.get_json()["result"]["count"]

    assert count("organization:BNV") == 2
    assert count("organization:bnv") == 2
    assert count('organization:("bnv" OR "VPCP")') == count('organization:("BNV" OR "VPCP")') >= 2
    assert count("organization:khong-co") == 0
