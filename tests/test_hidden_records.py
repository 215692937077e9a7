"""Hidden datasets are never named, linked or confirmed to exist through services, pages or the API.

Hidden: another agency's drafts, withdrawn records and unlisted restricted datasets (see policy.py).
Whatever a writer submits, a hidden record answers exactly like a missing one.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from catalog.models import DataService

from .helpers import dataset, login, make_user, token_for


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def hidden(session):
    """Three datasets of the Ministry of Public Security (BCA) that the Ministry of Finance cannot see."""
    return {
        "draft": dataset(session, "BCA", "shared", status="draft", slug="bca-ban-nhap", identifier="urn:bca:draft"),
        "withdrawn": dataset(session, "BCA", "shared", status="withdrawn", slug="bca-da-rut",
                             identifier="urn:bca:withdrawn"),
        "unlisted": dataset(session, "BCA", "restricted", unlisted=True, slug="bca-khong-cong-bo",
                            identifier="urn:bca:unlisted"),
    }


@pytest.fixture
def btc(session):
    """A steward of the Ministry of Finance (BTC), with an API token."""
    user = make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    return token_for(session, user)


def _service(session, slugs):
    from catalog.services import dataservices
    from catalog.services.actor import system_actor

    svc = dataservices.create_dataservice(session, system_actor("test"), {
        "title_vi": "Dịch vụ của Bộ Công an", "publisher": "BCA", "endpoint_url": "https://api.bca.gov.vn/x",
        "access_level": "open", "status": "published", "datasets": slugs, "slug": "dich-vu-bca"})
    session.commit()
    return svc


def test_a_service_names_only_the_datasets_the_reader_may_see(client, session, hidden, btc):
    open_ds = dataset(session, "BCA", "open", slug="bca-mo")
    _service(session, ["bca-mo", *(d.slug for d in hidden.values())])
    for headers in ({}, auth(btc)):
        got = client.get("/api/v1/dataservices/dich-vu-bca", headers=headers).json
        assert got["datasets"] == [open_ds.slug], headers
        listed = client.get("/api/v1/dataservices", headers=headers).json["items"]
        assert [s["datasets"] for s in listed if s["slug"] == "dich-vu-bca"] == [[open_ds.slug]]
    page = client.get("/services/dich-vu-bca").get_data(as_text=True)
    assert "bca-mo" in page and not any(d.slug in page for d in hidden.values())
    # the owner sees every linked dataset
    owner = token_for(session, make_user(session, "st@bca.gov.vn", roles={"BCA": "steward"}))
    assert len(client.get("/api/v1/dataservices/dich-vu-bca", headers=auth(owner)).json["datasets"]) == 4


def _link(client, token, key):
    return client.post("/api/v1/dataservices", headers=auth(token), json={
        "title_vi": "Dịch vụ thử", "publisher": "BTC", "endpoint_url": "https://api.mof.gov.vn/x",
        "datasets": [key]})


@pytest.mark.parametrize("which", ["draft", "withdrawn", "unlisted"])
def test_linking_a_hidden_dataset_answers_like_a_missing_one(client, session, hidden, btc, which):
    missing = _link(client, btc, "khong-co-bo-nay")
    for key in (hidden[which].slug, hidden[which].id):
        r = _link(client, btc, key)
        assert r.status_code == missing.status_code == 422
        assert r.json["errors"] == {
            k: [m.replace("khong-co-bo-nay", key) for m in v] for k, v in missing.json["errors"].items()}
    assert session.scalar(select(DataService).where(DataService.title_vi == "Dịch vụ thử")) is None


def test_the_service_form_neither_links_nor_shows_hidden_datasets(client, session, hidden):
    make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    login(client, "st@mof.gov.vn")
    client.get("/")  # shows the "signed in" message once
    form = {"title_vi": "Dịch vụ thử", "publisher": "BTC", "endpoint_url": "https://api.mof.gov.vn/x",
            "access_level": "shared", "status": "draft"}
    missing = client.post("/services/new", data={**form, "datasets": "khong-co-bo-nay"})
    r = client.post("/services/new", data={**form, "datasets": hidden["draft"].slug})
    assert r.status_code == missing.status_code == 400
    # the CSRF token carries its time of issue: two answers a second apart differ there, and only there
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert (token.sub("", r.get_data(as_text=True).replace(hidden["draft"].slug, "X"))
            == token.sub("", missing.get_data(as_text=True).replace("khong-co-bo-nay", "X")))


def test_editing_a_service_keeps_links_the_editor_cannot_see_and_does_not_show_them(client, session, hidden):
    """A BCA service linked to a BTC dataset that BTC later withdrew: the BCA editor neither sees
    the withdrawn dataset in the form nor loses its link by saving."""
    from catalog.services import datasets
    from catalog.services.actor import system_actor

    btc_ds = dataset(session, "BTC", "shared", slug="btc-chia-se")
    svc = _service(session, [btc_ds.slug])
    datasets.update_dataset(session, system_actor("test"), btc_ds, {"status": "withdrawn"})
    session.commit()
    make_user(session, "ed@bca.gov.vn", roles={"BCA": "editor"})
    login(client, "ed@bca.gov.vn")
    page = client.get("/services/dich-vu-bca/edit").get_data(as_text=True)
    assert "btc-chia-se" not in page
    r = client.post("/services/dich-vu-bca/edit", data={
        "title_vi": "Dịch vụ của Bộ Công an (sửa)", "publisher": "BCA", "endpoint_url": "https://api.bca.gov.vn/x",
        "access_level": "open", "status": "published", "datasets": ""})
    assert r.status_code == 302
    session.expire_all()
    svc = session.get(DataService, svc.id)
    assert svc.title_vi.endswith("(sửa)") and [d.slug for d in svc.datasets] == ["btc-chia-se"]


def test_a_dataset_slug_held_by_a_hidden_dataset_is_replaced_quietly(client, session, hidden, btc):
    body = {"title_vi": "Bộ dữ liệu thử", "publisher": "BTC", "access_level": "shared", "status": "draft"}
    r = client.post("/api/v1/datasets", json={**body, "slug": hidden["unlisted"].slug}, headers=auth(btc))
    assert r.status_code == 201, r.json
    assert r.json["slug"] != hidden["unlisted"].slug
    # a slug the writer can see is refused, as before
    mine = dataset(session, "BTC", "shared", slug="btc-cua-toi")
    r = client.post("/api/v1/datasets", json={**body, "slug": mine.slug}, headers=auth(btc))
    assert r.status_code == 422 and "slug" in r.json["errors"]
    # and changing a slug to a hidden one is quiet too
    r = client.patch(f"/api/v1/datasets/{mine.slug}", json={"slug": hidden["draft"].slug}, headers=auth(btc))
    assert r.status_code == 200 and r.json["slug"] not in (hidden["draft"].slug, mine.slug)


def test_a_service_slug_held_by_a_hidden_service_is_replaced_quietly(client, session, btc):
    from catalog.services import dataservices
    from catalog.services.actor import system_actor

    dataservices.create_dataservice(session, system_actor("test"), {
        "title_vi": "Dịch vụ nháp", "publisher": "BCA", "endpoint_url": "https://api.bca.gov.vn/y",
        "status": "draft", "slug": "dich-vu-nhap"})
    session.commit()
    r = client.post("/api/v1/dataservices", headers=auth(btc), json={
        "title_vi": "Dịch vụ thử", "publisher": "BTC", "endpoint_url": "https://api.mof.gov.vn/x",
        "slug": "dich-vu-nhap"})
    assert r.status_code == 201 and r.json["slug"] != "dich-vu-nhap"


@pytest.mark.parametrize("which", ["draft", "withdrawn", "unlisted"])
def test_an_identifier_held_by_a_hidden_dataset_answers_like_a_free_one(client, session, hidden, btc, which):
    body = {"title_vi": "Bộ dữ liệu thử", "publisher": "BTC", "access_level": "shared", "status": "draft"}
    free = client.post("/api/v1/datasets", json={**body, "identifier": "urn:btc:free"}, headers=auth(btc))
    taken = client.post("/api/v1/datasets", json={**body, "identifier": hidden[which].identifier},
                        headers=auth(btc))
    assert free.status_code == taken.status_code == 201, taken.json
    assert taken.json["identifier"] == hidden[which].identifier
    # within the writer's own agency (all of which it sees) a repeated identifier is refused plainly
    again = client.post("/api/v1/datasets", json={**body, "identifier": "urn:btc:free"}, headers=auth(btc))
    assert again.status_code == 422 and "identifier" in again.json["errors"]


def test_moving_a_dataset_to_an_agency_holding_its_identifier_is_refused_plainly(session):
    """The writer registers for both agencies and sees both datasets: a plain field error, no 500."""
    from marshmallow import ValidationError

    from catalog.services import datasets
    from catalog.services.actor import system_actor

    dataset(session, "BCA", "shared", identifier="urn:chung:1", slug="cua-bca")
    mine = dataset(session, "BTC", "shared", identifier="urn:chung:1", slug="cua-btc")
    with pytest.raises(ValidationError) as err:
        datasets.update_dataset(session, system_actor("test"), mine, {"publisher": "BCA"})
    assert "identifier" in err.value.messages
    session.rollback()
    assert datasets.update_dataset(session, system_actor("test"), mine,
                                   {"publisher": "BCA", "identifier": "urn:chung:2"}) == ["identifier", "publisher_id"]


def test_a_blank_identifier_leaves_the_identifier_as_it_was(client, session, btc):
    mine = dataset(session, "BTC", "shared", identifier="urn:btc:giu-nguyen", slug="btc-giu")
    for blank in (None, ""):
        r = client.patch(f"/api/v1/datasets/{mine.slug}", json={"identifier": blank, "title_en": "Kept"},
                         headers=auth(btc))
        assert r.status_code == 200 and r.json["identifier"] == "urn:btc:giu-nguyen", r.json
