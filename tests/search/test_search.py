"""Search behaviour, run on both backends (see conftest: `corpus` is parametrized)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from catalog import policy
from catalog.db import registry_db
from catalog.models import Dataset, Organization
from catalog.search import backend_for
from catalog.search.indexer import reindex
from catalog.search.service import SearchParams, search, suggest
from catalog.services import datasets, organizations
from catalog.services.actor import system_actor

from .conftest import A, B, C, Corpus


def run(corpus: Corpus, q: str = "", reader: policy.Reader | None = None, **args: str | list[str]):
    params = SearchParams.from_args(MultiDict({"q": q, "per_page": "100", **args}))
    s = registry_db(corpus.app).session_factory()
    try:
        return search(s, reader or policy.ANONYMOUS, params)
    finally:
        s.close()


def found(corpus: Corpus, q: str, reader: policy.Reader | None = None, **args: str) -> list[str]:
    """Corpus keys of the results, in order (seed records appear as their ids)."""
    by_id = {v: k for k, v in corpus.ids.items()}
    return [by_id.get(r.record.id, r.record.id) for r in run(corpus, q, reader, **args).results]


# --- Vietnamese text ------------------------------------------------------------------------------


def test_query_without_diacritics_finds_accented_text(corpus):
    assert "dancu" in found(corpus, "du lieu dan cu lao cai")
    assert "title_hit" in found(corpus, "khoang san tay nguyen")


def test_accented_query_finds_text_typed_without_diacritics(corpus):
    assert found(corpus, "bản đồ đất đai Hà Giang") == ["nodiacritics"]


def test_d_with_stroke_folds_to_d(corpus):
    assert "duongbo" in found(corpus, "duong bo quoc gia")
    assert "duongbo" in found(corpus, "ĐƯỜNG BỘ")


def test_accented_query_ranks_exact_accents_first(corpus):
    assert set(found(corpus, "ca bien quang ninh")) == {"ca_fish", "ca_shift"}
    assert found(corpus, "cá biển Quảng Ninh")[0] == "ca_fish"
    assert found(corpus, "ca biển Quảng Ninh")[0] == "ca_shift"


def test_quoted_syllables_match_as_a_phrase(corpus):
    assert set(found(corpus, "dat dai ha nam")) == {"phrase", "apart"}
    assert found(corpus, '"dat dai" ha nam') == ["phrase"]
    assert found(corpus, '"đất đai" "hà nam"') == ["phrase"]


def test_english_fields_are_stemmed(corpus):
    assert "dancu" in found(corpus, "populations statistic")


def test_title_match_ranks_above_description_match(corpus):
    assert found(corpus, "khoang san")[:2] == ["title_hit", "desc_hit"]


def test_keywords_and_publisher_names_count(corpus):
    assert "keyword" in found(corpus, "thuy loi")
    by_publisher = found(corpus, "bo nong nghiep va moi truong tuoi tieu")
    assert by_publisher == ["keyword"]


def test_other_kinds_are_searchable(corpus):
    orgs = run(corpus, "bo tai chinh", type="organization")
    assert orgs.results[0].record.code == "BTC"
    assert orgs.kinds["organization"] >= 1


# --- access policy ------------------------------------------------------------------------------


def test_public_sees_open_published_datasets_only(corpus):
    page = run(corpus, "muong khuong")
    assert page.results == [] and page.total == 0
    assert page.kinds["dataset"] == 0
    all_open = run(corpus, "")
    assert {r.record.access_level for r in all_open.results} == {"open"}
    assert corpus.ids["draft"] not in {r.record.id for r in all_open.results}
    assert [fv.value for fv in all_open.facets["access"]] == ["open"]


def test_other_agencies_find_shared_and_listed_restricted_but_not_unlisted(corpus):
    officer = corpus.reader(C)
    assert set(found(corpus, "muong khuong", officer)) == {"shared", "restricted"}
    page = run(corpus, "muong khuong", officer)
    assert page.total == 2
    assert {fv.value: fv.count for fv in page.facets["access"]} == {"shared": 1, "restricted": 1}


def test_unlisted_dataset_is_found_by_its_agency_and_by_agreement_holders(corpus, grant_provider):
    assert "unlisted" in found(corpus, "urani muong khuong", corpus.reader(B))
    assert "unlisted" not in found(corpus, "urani muong khuong", corpus.reader(C))
    granted = corpus.reader(C, grants={corpus.ids["unlisted"]: None})
    assert found(corpus, "urani muong khuong", granted) == ["unlisted"]


def test_drafts_stay_out_of_search_even_for_their_agency(corpus):
    assert "draft" not in found(corpus, "ban nhap", corpus.reader(A))


def _expected_facets(corpus: Corpus, reader: policy.Reader) -> dict[str, Counter]:
    s = registry_db(corpus.app).session_factory()
    try:
        rows = s.scalars(select(Dataset).where(policy.dataset_visibility(reader), Dataset.status == "published"))
        expected: dict[str, Counter] = {f: Counter() for f in ("organization", "theme", "access", "licence", "format")}
        for ds in rows:
            expected["organization"][ds.publisher.code] += 1
            expected["access"][ds.access_level] += 1
            expected["theme"].update(ds.themes)
            if ds.licence_code:
                expected["licence"][ds.licence_code] += 1
            expected["format"].update(ds.formats)
        return expected
    finally:
        s.close()


@pytest.mark.parametrize("who", ["public", "officer", "admin"])
def test_facet_counts_equal_direct_counts(corpus, who):
    reader = {"public": policy.ANONYMOUS, "officer": corpus.reader(C), "admin": corpus.reader(admin=True)}[who]
    page = run(corpus, "", reader)
    expected = _expected_facets(corpus, reader)
    assert page.total == sum(expected["access"].values())
    for facet, counts in expected.items():
        assert {fv.value: fv.count for fv in page.facets[facet]} == dict(counts), facet


def test_filters_combine_and_narrow_facets(corpus):
    officer = corpus.reader(C)
    page = run(corpus, "", officer, organization=A, theme="AGRI")
    assert [r.record.id for r in page.results] == [corpus.ids["ca_fish"]]
    assert {fv.value: fv.count for fv in page.facets["organization"]} == {A: 1}
    several = run(corpus, "", officer, theme=["AGRI", "TRAN"])  # type: ignore[arg-type]
    assert {r.record.id for r in several.results} == {corpus.ids["ca_fish"], corpus.ids["duongbo"]}


def test_sorts_and_paging(corpus):
    names = [r.title for r in run(corpus, "tay nguyen", sort="name").results]
    assert names == ["Báo cáo môi trường Tây Nguyên", "Khoáng sản Tây Nguyên"]
    first = run(corpus, "", per_page="3", page="1", sort="name")
    second = run(corpus, "", per_page="3", page="2", sort="name")
    assert len(first.results) == 3 and first.total == second.total
    assert not {r.record.id for r in first.results} & {r.record.id for r in second.results}


def test_quality_grade_filters_and_sorts(corpus):
    s = registry_db(corpus.app).session_factory()
    for key, grade, score in (("title_hit", "A", 92), ("desc_hit", "C", 55)):
        ds = s.get(Dataset, corpus.ids[key])
        ds.quality_grade, ds.quality_score = grade, score
    s.commit()
    s.close()
    assert found(corpus, "tay nguyen", sort="quality") == ["title_hit", "desc_hit"]
    assert found(corpus, "", grade="C") == ["desc_hit"]


# --- following the registry ---------------------------------------------------------------------


def test_index_follows_edits_withdrawals_and_deletions(corpus):
    s = registry_db(corpus.app).session_factory()
    actor = system_actor("test")
    ds = s.get(Dataset, corpus.ids["duongbo"])
    datasets.update_dataset(s, actor, ds, {"title_vi": "Mạng lưới đường sắt quốc gia"})
    s.commit()
    assert "duongbo" in found(corpus, "duong sat")
    assert "duongbo" not in found(corpus, '"duong bo" quoc gia')
    ds = s.get(Dataset, corpus.ids["duongbo"])
    datasets.update_dataset(s, actor, ds, {"status": "withdrawn"})
    s.commit()
    assert "duongbo" not in found(corpus, "duong sat", corpus.reader(admin=True))
    uploads = corpus.app.config["CATALOG"]["UPLOAD_FOLDER"]
    datasets.delete_dataset(s, actor, s.get(Dataset, corpus.ids["ca_shift"]), uploads)
    s.commit()
    s.close()
    assert found(corpus, "ca bien quang ninh") == ["ca_fish"]
    assert corpus.ids["ca_shift"] not in backend_for(corpus.app).ids()


def test_renaming_an_agency_reindexes_its_datasets(corpus):
    s = registry_db(corpus.app).session_factory()
    org = s.get(Organization, corpus.org_ids[A])
    organizations.update_organization(s, system_actor("test"), org, {"name_vi": "Bộ Thủy văn Hải đảo"})
    s.commit()
    s.close()
    assert "keyword" in found(corpus, "thuy van hai dao tuoi tieu")


def _snapshot(corpus: Corpus) -> list:
    out = []
    for q, reader in (("", policy.ANONYMOUS), ("dat dai", corpus.reader(C)), ("muong khuong", corpus.reader(B)),
                      ("khoang san", policy.ANONYMOUS), ("bo", corpus.reader(admin=True))):
        page = run(corpus, q, reader)
        # the same records (records with equal scores or dates may come in either order)
        out.append((q, page.total, sorted(r.record.id for r in page.results), page.kinds,
                    {f: {fv.value: fv.count for fv in v} for f, v in page.facets.items()}))
    return out


def test_reindex_gives_the_same_results_as_incremental_updates(corpus):
    before = _snapshot(corpus)
    count = reindex(corpus.app)
    assert count >= len(corpus.ids)
    assert _snapshot(corpus) == before


def test_a_crash_during_rebuild_leaves_the_index_in_service(corpus, monkeypatch):
    before = _snapshot(corpus)

    def broken(_session):
        yield from ()
        raise RuntimeError("the registry went away")

    monkeypatch.setattr("catalog.search.indexer.all_documents", broken)
    with pytest.raises(RuntimeError):
        reindex(corpus.app)
    assert _snapshot(corpus) == before


# --- help with queries --------------------------------------------------------------------------


def test_did_you_mean_offers_a_correction_the_reader_can_use(corpus):
    page = run(corpus, "khoang sab")
    assert page.total == 0
    assert page.did_you_mean == "khoang san"
    assert run(corpus, "khoang san").did_you_mean is None


def test_did_you_mean_never_reveals_hidden_words(corpus):
    # "urani" appears only in an unlisted dataset; the public gets no correction towards it
    assert run(corpus, "uranu").did_you_mean is None
    assert run(corpus, "uranu", corpus.reader(B)).did_you_mean == "urani"


def test_suggestions_complete_titles_the_reader_may_see(corpus):
    titles = [h.title for h in suggest(policy.ANONYMOUS, "khoang s")]
    assert "Khoáng sản Tây Nguyên" in titles
    assert suggest(policy.ANONYMOUS, "ho so cap phep") == []
    assert [h.title for h in suggest(corpus.reader(C), "ho so cap phep")] == ["Hồ sơ cấp phép xây dựng Mường Khương"]
