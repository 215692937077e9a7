"""No JSON-LD context is ever fetched (issue 17, item 3): wherever a context hides (top level, arrays,
`@import`, a term's scoped context, a nested node, a node of `@graph`), it is resolved from the shipped
set or from the folder CATALOG_HARVEST_JSONLD_CONTEXTS, else the record fails with a clear error.
A local server records every request: it must never be asked."""

from __future__ import annotations

import json

import pytest

from .conftest import datasets_of, errors_of, make_source, run

DCT = "http://purl.org/dc/terms/"
CTX_BODY = json.dumps({"@context": {"title": f"{DCT}title", "dcat": "http://www.w3.org/ns/dcat#", "dct": DCT}})


def _dataset(n: int, **extra):
    return {"@id": f"https://example.org/ds/{n}", "@type": "dcat:Dataset",
            "dct:title": {"@value": f"Dữ liệu thử {n}", "@language": "vi"}, **extra}


BASE = {"dcat": "http://www.w3.org/ns/dcat#", "dct": DCT}


def _documents(ctx: str) -> dict[str, dict]:
    """The same catalogue with the remote context `ctx` in each place a context can be."""
    return {
        "top-level": {"@context": ctx, "@graph": [_dataset(1, **{"@type": "http://www.w3.org/ns/dcat#Dataset"})]},
        "array": {"@context": [BASE, ctx], "@graph": [_dataset(1)]},
        "import": {"@context": [{"@import": ctx, **BASE}], "@graph": [_dataset(1)]},
        "scoped-term": {"@context": [BASE, {"publisher": {"@id": f"{DCT}publisher", "@context": ctx}}],
                        "@graph": [_dataset(1, publisher={"@id": "https://ex.org/o", "title": "Cơ quan"})]},
        "type-scoped-nested": {"@context": [BASE, {"Org": {"@id": "http://xmlns.com/foaf/0.1/Organization",
                                                            "@context": [{"@version": 1.1}, ctx]}}],
                               "@graph": [_dataset(1, **{"dct:publisher": {"@type": "Org", "title": "Cơ quan"}})]},
        "nested-node": {"@context": BASE, **_dataset(1, **{"dct:publisher": {"@context": ctx, "@id": "https://ex.org/o",
                                                                             "title": "Cơ quan"}})},
    }


@pytest.fixture
def remote_ctx(http_server):
    http_server.route("/ctx.jsonld", body=CTX_BODY, headers={"Content-Type": "application/ld+json"})
    return http_server.url("/ctx.jsonld")


def _asked(http_server) -> bool:
    return "/ctx.jsonld" in [s.path for s in http_server.requests]


@pytest.mark.parametrize("where", list(_documents("x")))
def test_an_unknown_context_is_never_fetched_and_fails_clearly(happ, http_server, remote_ctx, where):
    doc = _documents(remote_ctx)[where]
    http_server.route("/doc.jsonld", body=json.dumps(doc), headers={"Content-Type": "application/ld+json"})
    src = make_source(happ, protocol="dcat", url=http_server.url("/doc.jsonld"))
    result = run(happ, src)
    assert not _asked(http_server)
    assert datasets_of(happ, src) == []
    assert result.status == "failed", result
    assert remote_ctx in result.message and "CATALOG_HARVEST_JSONLD_CONTEXTS" in result.message


def test_a_context_in_one_graph_node_fails_that_record_only(happ, http_server, remote_ctx):
    doc = {"@context": BASE, "@graph": [_dataset(1), {"@context": remote_ctx, **_dataset(2)}, _dataset(3)]}
    http_server.route("/doc.jsonld", body=json.dumps(doc), headers={"Content-Type": "application/ld+json"})
    src = make_source(happ, protocol="dcat", url=http_server.url("/doc.jsonld"))
    result = run(happ, src)
    assert not _asked(http_server)
    assert result.status == "succeeded" and result.counts["new"] == 2 and result.counts["failed"] == 1
    (error,) = errors_of(happ, result.job_id, "error")
    assert error.startswith("https://example.org/ds/2: ") and remote_ctx in error
    assert "CATALOG_HARVEST_JSONLD_CONTEXTS" in error


@pytest.mark.parametrize("where", list(_documents("x")))
def test_a_context_from_the_configured_folder_is_used_without_fetching(happ, http_server, remote_ctx, tmp_path,
                                                                       where):
    folder = tmp_path / "contexts"
    folder.mkdir()
    (folder / "ctx.json").write_text(CTX_BODY, encoding="utf-8")
    (folder / "index.json").write_text(json.dumps({remote_ctx: "ctx.json"}), encoding="utf-8")
    happ.config["CATALOG"]["HARVEST_JSONLD_CONTEXTS"] = str(folder)
    doc = _documents(remote_ctx)[where]
    http_server.route("/doc.jsonld", body=json.dumps(doc), headers={"Content-Type": "application/ld+json"})
    src = make_source(happ, protocol="dcat", url=http_server.url("/doc.jsonld"))
    result = run(happ, src)
    assert not _asked(http_server)
    assert result.status == "succeeded" and result.counts["new"] == 1, result.message
    assert datasets_of(happ, src)[0].title_vi == "Dữ liệu thử 1"


def test_a_configured_context_that_names_another_remote_context_still_fetches_nothing(happ, http_server, remote_ctx,
                                                                                      tmp_path):
    folder = tmp_path / "contexts"
    folder.mkdir()
    inner = http_server.url("/inner.jsonld")
    http_server.route("/inner.jsonld", body=CTX_BODY, headers={"Content-Type": "application/ld+json"})
    (folder / "ctx.json").write_text(json.dumps({"@context": {"@import": inner, "t": {"@id": "x:t",
                                                                                     "@context": inner}}}))
    (folder / "index.json").write_text(json.dumps({remote_ctx: "ctx.json"}), encoding="utf-8")
    happ.config["CATALOG"]["HARVEST_JSONLD_CONTEXTS"] = str(folder)
    doc = {"@context": [BASE, remote_ctx], "@graph": [_dataset(1)]}
    http_server.route("/doc.jsonld", body=json.dumps(doc), headers={"Content-Type": "application/ld+json"})
    result = run(happ, make_source(happ, protocol="dcat", url=http_server.url("/doc.jsonld")))
    assert not {"/ctx.jsonld", "/inner.jsonld"} & {s.path for s in http_server.requests}
    assert result.status == "failed" and inner in result.message


def test_a_broken_contexts_folder_is_a_clear_job_error(happ, http_server, remote_ctx, tmp_path):
    folder = tmp_path / "contexts"
    folder.mkdir()
    (folder / "index.json").write_text("{not json", encoding="utf-8")
    happ.config["CATALOG"]["HARVEST_JSONLD_CONTEXTS"] = str(folder)
    doc = {"@context": [BASE, remote_ctx], "@graph": [_dataset(1)]}
    http_server.route("/doc.jsonld", body=json.dumps(doc), headers={"Content-Type": "application/ld+json"})
    result = run(happ, make_source(happ, protocol="dcat", url=http_server.url("/doc.jsonld")))
    assert result.status == "failed" and "index.json" in result.message
    assert "CATALOG_HARVEST_JSONLD_CONTEXTS" in result.message
