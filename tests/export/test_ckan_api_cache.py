"""CKAN `package_search` (issue 13): exact totals with a bounded ranking, and anonymous answers of the
Action API served from the shared cache of the anonymous pages, never stale, never a token holder's."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select, text, update

from catalog.db import registry_db
from catalog.models import ChangeCounter, Dataset, PageCacheEntry
from catalog.web.page_cache import HEADER

from ..conftest import build_app
from ..helpers import dataset, make_user, token_for

WORD = "Khoáng sản đặc thù"


def _search(client, q: str, extra: str = "", headers: dict | None = None):
    return client.get(f"/api/3/action/package_search?q={quote(q)}{extra}", headers=headers or {})


def _names(answer) -> list[str]:
    return [p["name"] for p in answer.get_json()["result"]["results"]]


def _stored(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(PageCacheEntry))


def test_a_repeated_anonymous_search_is_served_from_the_shared_cache(client, session):
    dataset(session, "BTC", "open", title_vi=f"{WORD} miền núi")
    first = _search(client, WORD, "&rows=20")
    assert first.status_code == 200 and first.headers[HEADER] == "miss"
    second = _search(client, WORD, "&rows=20")
    assert second.headers[HEADER] == "hit" and second.get_data() == first.get_data()
    assert second.headers["Content-Type"].startswith("application/json")
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    # every query string is its own answer
    other = _search(client, WORD, "&rows=1")
    assert other.headers[HEADER] == "miss" and len(_names(other)) == 1


def test_a_change_to_an_open_dataset_is_seen_at_once_also_by_another_process(seeded_app, session):
    """Two app instances on one registry stand for two gunicorn workers."""
    other = build_app(Path(seeded_app.instance_path), DATABASE_URL=registry_db(seeded_app).url)
    try:
        ds = dataset(session, "BTC", "open", title_vi=f"{WORD} hai tiến trình")
        a, b = seeded_app.test_client(), other.test_client()
        assert _search(a, WORD).headers[HEADER] == "miss"
        cached = _search(b, WORD)
        assert cached.headers[HEADER] == "hit"  # stored by the first process, read by the second
        assert _names(cached) == [ds.slug]
        with other.app_context():  # a change made through the second process...
            s = registry_db(other).session_factory()
            s.execute(update(Dataset).where(Dataset.id == ds.id).values(version="2.0"))
            s.commit()
            s.close()
        fresh = _search(a, WORD)  # ...is seen by the first at its next request
        assert fresh.headers[HEADER] == "miss"
        assert fresh.get_json()["result"]["results"][0]["version"] == "2.0"
        # closing the dataset (the index still lists it as public) hides it from both at once
        session.execute(update(Dataset).where(Dataset.id == ds.id).values(access_level="restricted"))
        session.commit()
        for client in (a, b):
            answer = _search(client, WORD).get_json()["result"]
            assert answer["count"] == 0 and answer["results"] == []
    finally:
        registry_db(other).engine.dispose()


def test_a_restricted_dataset_never_appears_for_anonymous(client, session):
    dataset(session, "BTC", "restricted", title_vi=f"{WORD} dùng riêng")
    dataset(session, "BTC", "shared", title_vi=f"{WORD} dùng chung")
    for _ in range(2):  # rendered, then from the cache
        answer = _search(client, WORD, '&facet.field=["organization","tags"]')
        result = answer.get_json()["result"]
        assert result["count"] == 0 and result["results"] == [] and result["facets"]["organization"] == {}
        assert "dùng riêng" not in answer.get_data(as_text=True)
        assert "dùng chung" not in answer.get_data(as_text=True)
    assert answer.headers[HEADER] == "hit"


def test_a_token_holders_answer_is_never_cached_for_anonymous(client, session):
    dataset(session, "BTC", "open", title_vi=f"{WORD} có khóa")
    token = token_for(session, make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"}))
    before = _stored(session)
    for headers in ({"Authorization": f"Bearer {token}"}, {"X-CKAN-API-Key": token}, {"Authorization": token}):
        answer = _search(client, WORD, headers=headers)
        assert answer.status_code == 200 and HEADER not in answer.headers
        assert HEADER not in _search(client, WORD, headers=headers).headers  # not served from it either
    assert _stored(session) == before  # nothing stored for a token holder
    assert _search(client, WORD).headers[HEADER] == "miss"  # the visitor's own answer, rendered for them


def test_what_is_not_cached(client):
    for _ in range(2):
        assert HEADER not in client.get("/api/3/action/package_search?q=x&cachebuster=1").headers  # unknown parameter
        assert HEADER not in client.post("/api/3/action/package_search", json={"q": "x"}).headers  # a POST
        assert HEADER not in client.get("/api/3/action/package_show?id=khong-co").headers  # an error
        assert HEADER not in client.get("/api/3/action/package_search?rows=zz").headers


def test_the_total_is_exact_and_pages_fill_when_the_registry_drops_the_index_best(client, session):
    """The index ranks only the page's candidates: when the registry's filter (an fq, or a dataset closed
    since it was indexed) leaves too few of them, it ranks more; the total counts every match."""
    made = [dataset(session, "BTC", "open", title_vi=f"{WORD} số {i}") for i in range(30)]
    theirs = [dataset(session, "BNV", "open", description_vi=f"Có nhắc {WORD} trong mô tả {i}.")
              for i in range(6)]
    # closed behind the index's back: the index still ranks these first
    closed = {d.id for d in made[:25]}
    session.execute(update(Dataset).where(Dataset.id.in_(closed)).values(access_level="shared"))
    session.commit()
    everything = _search(client, WORD, "&rows=1000").get_json()["result"]
    assert everything["count"] == 5 + 6 == len(everything["results"])
    assert not closed & {p["id"] for p in everything["results"]}
    # titles rank before descriptions, and paging walks the same order
    assert [p["name"] for p in everything["results"][:5]] == [p["name"] for p in everything["results"]
                                                              if p["name"] in {d.slug for d in made}]
    pages = [_names(_search(client, WORD, f"&rows=4&start={s}")) for s in (0, 4, 8)]
    assert [name for page in pages for name in page] == [p["name"] for p in everything["results"]]
    # the BNV datasets rank last: a filter on them asks the index for more than the first page's worth
    by_org = _search(client, WORD, "&rows=3&fq=organization:BNV").get_json()["result"]
    assert by_org["count"] == 6 and len(by_org["results"]) == 3
    assert {p["name"] for p in by_org["results"]} <= {d.slug for d in theirs}


def test_a_query_with_a_common_table_expression_raises_the_counter_only_when_it_writes(seeded_app, session):
    """The PostgreSQL search is one `WITH ... SELECT`: counted as a write, every search emptied the cache."""
    def generation() -> int:
        session.expire_all()
        value = session.scalar(select(ChangeCounter.generation).where(ChangeCounter.id == 1))
        session.commit()
        return value

    engine = registry_db(seeded_app).engine
    before = generation()
    with engine.begin() as conn:
        conn.execute(text("WITH m AS (SELECT id FROM dataset) SELECT count(*) FROM m"))
    assert generation() == before
    with engine.begin() as conn:
        conn.execute(text("WITH m AS (SELECT id FROM dataset LIMIT 1) "
                          "UPDATE dataset SET version = '9' WHERE id IN (SELECT id FROM m)"))
    assert generation() == before + 1
