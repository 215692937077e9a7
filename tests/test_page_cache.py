"""The shared anonymous page cache: hits for visitors, never for signed-in users, never a page the
policy would now hide, correct per-reader CSRF tokens, and a change made through one process seen by
another at once."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select, update

from catalog.db import registry_db
from catalog.models import ChangeCounter, Dataset, PageCacheEntry
from catalog.policy import reader_for
from catalog.services import publishing
from catalog.services.actor import Actor
from catalog.web import page_cache
from catalog.web.page_cache import CSRF_PLACEHOLDER, HEADER

from .conftest import build_app
from .helpers import dataset, login, make_user

SEED = "/datasets/don-vi-hanh-chinh-cap-tinh-2025"


def _no_token(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)


def _generation(session) -> int:
    session.expire_all()
    return session.scalar(select(ChangeCounter.generation).where(ChangeCounter.id == 1))


def test_second_anonymous_view_is_served_from_the_shared_cache(client, session):
    first = client.get(SEED)
    assert first.status_code == 200 and first.headers[HEADER] == "miss"
    second = client.get(SEED)
    assert second.headers[HEADER] == "hit"
    # the same page, but for the form's CSRF token, signed afresh for each response
    assert _no_token(second.text) == _no_token(first.text)
    # the security headers are those of any page
    assert "script-src 'self'" in second.headers["Content-Security-Policy"]
    stored = session.scalars(select(PageCacheEntry)).all()
    assert len(stored) == 1 and stored[0].generation == _generation(session)


def test_each_language_has_its_own_page(client):
    vi = client.get(SEED)
    en = client.get(SEED + "?lang=en")
    assert '<html lang="vi">' in vi.text
    assert en.headers[HEADER] == "miss" and '<html lang="en">' in en.text
    assert client.get(SEED + "?lang=en").headers[HEADER] == "hit"


def test_a_write_anywhere_raises_the_counter_and_a_cached_page_is_not_served(client, session):
    assert client.get(SEED).headers[HEADER] == "miss"
    before = _generation(session)
    session.execute(update(Dataset).where(Dataset.slug == "don-vi-hanh-chinh-cap-tinh-2025")
                    .values(title_en="Provinces (renamed)"))
    session.commit()
    assert _generation(session) == before + 1
    again = client.get(SEED + "?lang=en")
    assert again.headers[HEADER] == "miss" and "Provinces (renamed)" in again.text


def test_a_read_only_transaction_does_not_raise_the_counter(session):
    before = _generation(session)
    session.scalar(select(Dataset.id).limit(1))
    session.commit()
    assert _generation(session) == before


def test_access_change_hides_a_cached_page_at_once(client, session):
    ds = dataset(session, "BTC", "open", title_vi="Dữ liệu mở sẽ bị thu hẹp")
    url = f"/datasets/{ds.slug}"
    assert client.get(url).status_code == 200
    assert client.get(url).headers[HEADER] == "hit"
    ds.access_level = "restricted"
    session.commit()
    hidden = client.get(url)
    assert hidden.status_code == 404 and "Dữ liệu mở sẽ bị thu hẹp" not in hidden.text


def test_withdrawal_shows_the_tombstone_at_once(client, session):
    steward = make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"})
    ds = dataset(session, "BTC", "open", title_vi="Dữ liệu sẽ bị rút")
    url = f"/datasets/{ds.slug}"
    client.get(url)
    assert client.get(url).headers[HEADER] == "hit"
    actor = Actor(reader=reader_for(session, steward), label=steward.email, ip=None)
    publishing.withdraw(session, actor, ds, {"reason": "Thay bằng bản mới"})
    session.commit()
    gone = client.get(url)
    assert gone.status_code == 410 and HEADER not in gone.headers
    assert "Thay bằng bản mới" in gone.text


def test_signed_in_users_bypass_the_cache_and_their_pages_are_never_stored(client, session):
    client.get(SEED)
    assert client.get(SEED).headers[HEADER] == "hit"
    make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"})
    login(client, "ed@mof.gov.vn")
    page = client.get(SEED)
    assert HEADER not in page.headers and "Đăng xuất" in page.text  # their own page, with "Sign out"
    for entry in session.scalars(select(PageCacheEntry)).all():
        assert b"\xc4\x90\xc4\x83ng xu\xe1\xba\xa5t" not in entry.body  # "Đăng xuất": no signed-in page stored
    # and the home page rendered for the signed-in user is not kept for visitors
    client.get("/")
    visitor = client.application.test_client()
    home = visitor.get("/")
    assert home.headers[HEADER] == "miss" and "Đăng xuất" not in home.text


def test_bearer_token_requests_bypass_the_cache(client):
    client.get(SEED)
    assert HEADER not in client.get(SEED, headers={"Authorization": "Bearer nothing"}).headers


def test_each_visitor_gets_their_own_csrf_token_on_a_cached_page(seeded_app):
    seeded_app.config["WTF_CSRF_ENABLED"] = True
    one, two = seeded_app.test_client(), seeded_app.test_client()
    first = one.get(SEED)
    second = two.get(SEED)
    assert second.headers[HEADER] == "hit"
    tokens = [re.findall(r'name="csrf_token" value="([^"]+)"', r.text) for r in (first, second)]
    assert tokens[0] and tokens[1] and tokens[0][0] != tokens[1][0]
    assert CSRF_PLACEHOLDER not in second.text
    stored = registry_db(seeded_app).session_factory().scalars(select(PageCacheEntry.body)).all()
    assert all(tokens[0][0].encode() not in body for body in stored)


def test_list_pages_cache_first_pages_only(client):
    client.get("/datasets?page=1")
    assert client.get("/datasets?page=1").headers[HEADER] == "hit"
    assert HEADER not in client.get("/datasets?page=6").headers
    assert HEADER not in client.get("/datasets?q=dat").headers  # filters are rendered every time


def test_a_change_through_one_process_is_seen_by_another_at_once(seeded_app, session):
    """Two app instances on one registry stand for two gunicorn workers."""
    other = build_app(Path(seeded_app.instance_path), DATABASE_URL=registry_db(seeded_app).url)
    try:
        ds = dataset(session, "BTC", "open", title_vi="Dữ liệu hai tiến trình")
        url = f"/datasets/{ds.slug}"
        a, b = seeded_app.test_client(), other.test_client()
        assert a.get(url).headers[HEADER] == "miss"
        assert b.get(url).headers[HEADER] == "hit"  # stored by the first process, read by the second
        with other.app_context():
            s = registry_db(other).session_factory()
            s.execute(update(Dataset).where(Dataset.id == ds.id).values(access_level="restricted"))
            s.commit()
            s.close()
        assert a.get(url).status_code == 404
    finally:
        registry_db(other).engine.dispose()


def test_the_cache_can_be_turned_off(seeded_app):
    seeded_app.config["CATALOG"]["PAGE_CACHE_SECONDS"] = 0
    c = seeded_app.test_client()
    c.get(SEED)
    assert HEADER not in c.get(SEED).headers



def test_local_copies_keep_only_the_newest_counter_value_of_a_registry():
    """A harvest raises the counter with every batch: copies of earlier values must not pile up."""
    copies = page_cache._LocalCopies(size=1000, max_bytes=10**9)
    for generation in range(1, 501):
        for page in ("a", "b", "c"):
            copies.put(("db1", page, generation), (0.0, [], b"x" * 100))
    assert len(copies) == 3 and copies.nbytes == 300
    assert copies.get(("db1", "a", 500)) is not None and copies.get(("db1", "a", 499)) is None
    copies.put(("db2", "a", 7), (0.0, [], b"y"))  # another registry's counter is its own
    assert copies.get(("db1", "a", 500)) is not None and len(copies) == 4


def test_local_copies_are_dropped_when_the_counter_starts_again():
    copies = page_cache._LocalCopies(size=10)
    copies.put(("db", "a", 40), (0.0, [], b"old"))
    copies.put(("db", "b", 2), (0.0, [], b"new"))  # an emptied or restored registry
    assert copies.get(("db", "a", 40)) is None and len(copies) == 1


def test_local_copies_are_capped_in_entries_and_bytes():
    copies = page_cache._LocalCopies(size=5, max_bytes=1000)
    for n in range(50):
        copies.put(("db", f"page-{n}", 1), (0.0, [], b"z" * 150))
    assert len(copies) == 5 and copies.nbytes == 750
    for n in range(50):
        copies.put(("db", f"big-{n}", 1), (0.0, [], b"z" * 240))
    assert copies.nbytes <= 1000 and len(copies) == 4
    copies.put(("db", "huge", 1), (0.0, [], b"z" * 600))  # over a quarter of the cap: not kept locally
    assert copies.get(("db", "huge", 1)) is None


def test_pages_of_earlier_counter_values_leave_the_local_copies(client, session):
    """After many changes, this process holds copies of the current counter value only."""
    for n in range(30):
        assert client.get(SEED).status_code == 200
        assert client.get("/").status_code == 200
        session.execute(update(Dataset).where(Dataset.slug == "don-vi-hanh-chinh-cap-tinh-2025")
                        .values(title_en=f"Provinces ({n})"))
        session.commit()
    assert client.get(SEED).headers[HEADER] == "miss"
    current = _generation(session)
    scope = str(registry_db(client.application).url)
    mine = [key for key in page_cache._local._items if key[0] == scope]
    assert len(mine) == 1 and mine[0][2] == current
