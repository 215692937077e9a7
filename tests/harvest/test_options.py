"""Each protocol declares its options as a typed schema: checked when a source is saved, listed on
the form with labels; and the runner works with any registered harvester (an in-memory one here,
so a CKAN bug cannot fail the runner's own tests)."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from harvesters import base

from ..helpers import login, make_user
from .conftest import datasets_of, fake_source, make_source, run, session_of


def test_a_misspelt_or_mistyped_option_is_refused_on_save(happ):
    with pytest.raises(ValidationError) as err:
        make_source(happ, url="https://ckan.example.vn", filters={"organisations": ["so-tai-chinh"]})
    assert "organisations" in str(err.value.messages["filters"])
    with pytest.raises(ValidationError) as err:
        make_source(happ, url="https://ckan.example.vn", filters={"rows": 5000})
    assert "rows" in str(err.value.messages["filters"])
    src = make_source(happ, url="https://ckan.example.vn", filters={"rows": "50", "incremental": "false"})
    assert src.filters == {"rows": 50, "incremental": False}  # read as typed; no default written in


def test_an_option_of_another_protocol_is_refused(happ):
    with pytest.raises(ValidationError) as err:
        make_source(happ, protocol="dcat", url="https://data.example.vn/catalog.ttl", filters={"sheet": "A"})
    assert "sheet" in str(err.value.messages["filters"])


def test_the_form_lists_each_protocol_s_options_with_labels(happ):
    s = session_of(happ)
    make_user(s, "st@mof.gov.vn", roles={"BTC": "steward"})
    s.close()
    client = happ.test_client()
    login(client, "st@mof.gov.vn")
    page = client.get("/harvest/new").get_data(as_text=True)
    assert 'id="source-options"' in page and "<code class=\"small\">gateway_url</code>" in page
    assert "Chỉ các tổ chức này của cổng dữ liệu" in page


def test_the_runner_on_an_in_memory_harvester(happ, fake):
    fake.records = [{"remote_id": f"r{n}", "title_vi": f"Bản ghi {n}", "licence": "CC-BY-4.0",
                     "distributions": [{"remote_id": f"f{n}", "download_url": f"https://example.vn/{n}.csv",
                                        "format": "CSV"}]} for n in range(5)]
    src = fake_source(happ)
    first = run(happ, src)
    assert first.status == "succeeded" and first.counts["new"] == 5
    again = run(happ, src)
    assert again.counts["unchanged"] == 5 and again.counts["new"] == 0
    fake.records[0]["title_vi"] = "Bản ghi 0 (sửa)"
    del fake.records[4]
    third = run(happ, src)
    assert (third.counts["updated"], third.counts["withdrawn"], third.counts["unchanged"]) == (1, 1, 3)
    titles = {d.remote_id: (d.title_vi, d.status) for d in datasets_of(happ, src)}
    assert titles["r0"][0] == "Bản ghi 0 (sửa)" and titles["r4"][1] == "withdrawn"


def test_an_unknown_protocol_is_a_clear_failure():
    with pytest.raises(base.HarvestFailed) as err:
        base.harvester_class("gopher")
    assert "gopher" in str(err.value.message)
