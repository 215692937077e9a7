"""The profiles on their own: small graphs, one dataset, the policy deciding download addresses."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from catalog import policy
from catalog.db import registry_db
from catalog.export.profiles import FeedContext, dcat_ap_3, profiles_named, vn
from catalog.services.common import dataset_by_key
from catalog.vocab import DCAT, DCT, RDF, VNCAT, XSD

from ..helpers import csv_distribution, dataset


def test_profiles_named_refuses_an_unknown_profile():
    assert profiles_named("dcat_ap_3, vn") == [dcat_ap_3.dataset_graph, vn.dataset_graph]
    try:
        profiles_named("dcat_ap_3,dcat_us")
    except ValueError as exc:
        assert "dcat_us" in str(exc)
    else:
        raise AssertionError("an unknown profile was accepted")


def test_download_address_only_where_the_policy_lets_the_reader_download(seeded_app):
    with seeded_app.test_request_context():
        s = registry_db(seeded_app).session_factory()
        try:
            ds = dataset(s, "BTC", "shared", title_vi="Dùng chung")
            csv_distribution(s, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], b"a\n1\n")
            ds = dataset_by_key(s, ds.slug)
            member = policy.Reader(user_id="u", roles={"some-other-agency": "editor"})
            for reader, expected in ((policy.ANONYMOUS, 0), (member, 1)):
                g = Graph()
                node = URIRef("http://x/ds")
                dcat_ap_3.dataset_graph(g, node, ds, FeedContext.load(s, reader))
                dist = next(g.objects(node, DCAT.distribution))
                assert len(list(g.objects(dist, DCAT.downloadURL))) == expected
                assert list(g.objects(dist, DCAT.accessURL))  # DCAT-AP requires one either way
        finally:
            s.close()


def test_vn_profile_writes_access_level_master_data_database_and_places(seeded_app):
    with seeded_app.test_request_context():
        s = registry_db(seeded_app).session_factory()
        try:
            ds = dataset(s, "BTC", "open", database="DKDN", is_master_data=True, spatial=["01"])
            ds = dataset_by_key(s, ds.slug)
            g = Graph()
            node = URIRef("http://x/ds")
            vn.dataset_graph(g, node, ds, FeedContext.load(s))
            assert (node, VNCAT.accessLevel, Literal("open")) in g
            assert (node, VNCAT.masterData, Literal(True, datatype=XSD.boolean)) in g
            db = next(g.objects(node, VNCAT.database))
            assert (db, DCT.identifier, Literal("DKDN")) in g and list(g.objects(db, VNCAT.legalBasis))
            place = next(g.objects(node, DCT.spatial))
            assert (place, RDF.type, DCT.Location) in g and (place, DCT.identifier, Literal("01")) in g
        finally:
            s.close()
