"""Earlier files of a distribution in the REST API, its OpenAPI document and the CKAN Action API:
date, checksum, size and stable address, never who replaced it, and never a file the policy hides."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from catalog.models import DistributionVersion
from catalog.services import distributions, publishing

from ..helpers import FakeUpload, login, token_for
from .conftest import CSV

NEW = "tinh,so_thu\nHà Nội,12\n".encode()


def _replace_and_open(world) -> str:
    """Replace the CSV once (version 1 kept), then open the dataset through the procedure."""
    s = world.session
    dist = world.ds.distributions[0]
    with world.app.test_request_context():
        distributions.update_distribution(s, world.actor(world.editor), dist, {},
                                          distributions.Storage(world.folder, 10 << 20), FakeUpload("thu.csv", NEW))
        publishing.submit(s, world.actor(world.editor), world.ds)
        publishing.approve(s, world.actor(world.steward), world.ds)
        s.commit()
    return dist.id


def test_dataset_and_distribution_outputs_list_the_earlier_file(world):
    dist_id = _replace_and_open(world)
    old_sum = hashlib.sha256(CSV).hexdigest()
    client = world.app.test_client()
    body = client.get(f"/api/v1/datasets/{world.ds.slug}").json
    [version] = body["distributions"][0]["versions"]
    assert version["number"] == 1 and version["checksum_sha256"] == old_sum
    assert version["byte_size"] == len(CSV) and version["format"] == "CSV"
    assert datetime.fromisoformat(version["valid_from"]) <= datetime.fromisoformat(version["replaced_at"])
    # who replaced it, and where it is stored, are not public
    assert set(version) == {"number", "file_name", "format", "media_type", "byte_size", "checksum_sha256",
                            "valid_from", "replaced_at", "download_url"}
    path = urlsplit(version["download_url"]).path
    assert path == f"/distributions/{dist_id}/versions/1/download"
    fetched = client.get(path)
    assert fetched.status_code == 200 and hashlib.sha256(fetched.data).hexdigest() == old_sum
    # the current file is not among its own versions
    assert body["distributions"][0]["checksum_sha256"] == hashlib.sha256(NEW).hexdigest()
    assert client.get(f"/api/v1/distributions/{dist_id}").json["versions"] == [version]
    listed = client.get("/api/v1/datasets", query_string={"organization": "BTC", "per_page": 100}).json["items"]
    mine = next(d for d in listed if d["slug"] == world.ds.slug)
    assert mine["distributions"][0]["versions"] == [version]


def test_the_openapi_document_declares_the_versions(world):
    doc = world.app.test_client().get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    versions = schemas["Distribution"]["properties"]["versions"]
    assert versions["type"] == "array"
    assert versions["items"]["$ref"] == "#/components/schemas/DistributionVersion"
    declared = schemas["DistributionVersion"]["properties"]
    assert {"number", "checksum_sha256", "byte_size", "valid_from", "replaced_at", "download_url"} <= set(declared)
    assert not {"replaced_by", "file_path"} & set(declared)


def test_ckan_resource_dicts_carry_the_versions(world):
    dist_id = _replace_and_open(world)
    client = world.app.test_client()
    resource = client.get("/api/3/action/resource_show", query_string={"id": dist_id}).json["result"]
    [version] = resource["versions"]
    assert version["hash"] == f"sha256:{hashlib.sha256(CSV).hexdigest()}" and version["size"] == len(CSV)
    assert version["url"].endswith(f"/distributions/{dist_id}/versions/1/download") and version["created"]
    package = client.get("/api/3/action/package_show", query_string={"id": world.ds.slug}).json["result"]
    assert package["resources"][0]["versions"] == [version]


def test_a_version_the_reader_may_not_download_never_appears(world):
    """Restricted data: another agency sees the dataset's entry but may not fetch its files, so it
    sees no version at all; the owner's steward sees it. An earlier file in a format that cannot be
    trimmed is hidden from a reader who may receive only some columns."""
    s = world.session
    dist_id = _replace_and_open(world)
    world.ds.access_level = "restricted"
    s.commit()
    other = {"Authorization": f"Bearer {token_for(s, world.other_steward)}"}
    owner = {"Authorization": f"Bearer {token_for(s, world.steward)}"}
    client = world.app.test_client()
    url = f"/api/v1/distributions/{dist_id}"
    assert client.get(url, headers=other).json["versions"] == []
    assert [v["number"] for v in client.get(url, headers=owner).json["versions"]] == [1]
    assert client.get(f"/distributions/{dist_id}/versions/1/download", headers=other).status_code in (403, 404)
    pages = world.app.test_client()
    login(pages, world.other_steward.email)
    assert "Phiên bản 1" not in pages.get(f"/datasets/{world.ds.slug}?lang=vi").text  # nor on the page
    login(pages, world.steward.email)
    assert "Phiên bản 1" in pages.get(f"/datasets/{world.ds.slug}?lang=vi").text

    # open again, with one column the public may not receive: the CSV version is trimmed and listed,
    # an XLSX version (which cannot be trimmed) is not
    world.ds.access_level = "open"
    dist = world.ds.distributions[0]
    dist.table_schema = {"fields": [{"name": "tinh", "type": "string", "classification": "open"},
                                    {"name": "so_thu", "type": "integer", "classification": "special_request"}]}
    first = s.get(DistributionVersion, dist.versions[0].id)
    s.add(DistributionVersion(distribution_id=dist.id, number=2, file_path=first.file_path, file_name="thu.xlsx",
                              format="XLSX", byte_size=10, checksum_sha256="0" * 64, valid_from=first.replaced_at))
    s.commit()
    anonymous = world.app.test_client()
    body = anonymous.get(url).json
    assert body["readable_columns"] == ["tinh"]
    assert [v["number"] for v in body["versions"]] == [1]
    assert "0" * 64 not in anonymous.get(f"/api/v1/datasets/{world.ds.slug}").text
    resource = anonymous.get("/api/3/action/resource_show", query_string={"id": dist_id}).json["result"]
    assert [v["number"] for v in resource["versions"]] == [1]
    assert anonymous.get(f"/distributions/{dist_id}/versions/2/download").status_code == 403
    trimmed = anonymous.get(f"/distributions/{dist_id}/versions/1/download")
    assert trimmed.status_code == 200 and trimmed.data.decode().splitlines()[0] == "tinh"
    assert [v["number"] for v in anonymous.get(url, headers=owner).json["versions"]] == [2, 1]
