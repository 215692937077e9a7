"""Issue 18: a dataset registered by a provincial agency covers that province unless told otherwise."""

from __future__ import annotations

from catalog.services.datasets import default_spatial

from .helpers import dataset, login, make_user


def test_a_provincial_agency_defaults_to_its_province_and_a_ministry_to_the_country(session):
    department = dataset(session, "HN-STC", "open")  # Hanoi's Department of Finance, under the city (01)
    ministry = dataset(session, "BTC", "open")
    given = dataset(session, "HN-STC", "open", title_vi="Hai tỉnh", spatial=["01", "79"])
    assert department.spatial == ["01"] and ministry.spatial == ["VN"] and given.spatial == ["01", "79"]
    assert default_spatial(None) == ["VN"]


def test_the_form_proposes_the_province_of_the_only_agency_of_the_user(client, session):
    make_user(session, "ed@stc.hanoi.gov.vn", roles={"HN-STC": "editor"})
    login(client, "ed@stc.hanoi.gov.vn")
    html = client.get("/datasets/new").get_data(as_text=True)
    assert 'name="spatial" type="text" value="01"' in html
    national = client.get("/datasets/new?publisher=BTC").get_data(as_text=True)
    assert 'name="spatial" type="text" value="VN"' in national
