"""Public list totals, home counts and filter choices are kept per change of the registry: a change
made anywhere shows at once, and a signed-in reader's lists are never served from what was kept."""

from __future__ import annotations

from sqlalchemy import select, update

from catalog import policy
from catalog.models import Dataset, Organization
from catalog.services import listing, memo

from .helpers import dataset, login, make_user


def _total(client, **headers) -> int:
    r = client.get("/api/v1/datasets?per_page=1", headers=headers)
    assert r.status_code == 200
    return r.json["total"]


def test_public_total_follows_every_change_at_once(client, session):
    before = _total(client)
    assert _total(client) == before  # kept
    ds = dataset(session, "BTC", "open", title_vi="Một bộ dữ liệu mới")
    assert _total(client) == before + 1
    session.execute(update(Dataset).where(Dataset.id == ds.id).values(access_level="restricted"))
    session.commit()
    assert _total(client) == before


def test_public_count_is_kept_until_a_change(session):
    public = policy.ANONYMOUS
    before = listing.count_visible_datasets(session, public, access_level="open")
    session.commit()
    assert listing.count_visible_datasets(session, public, access_level="open") == before
    dataset(session, "BTC", "open", title_vi="Dữ liệu cho trang chủ")
    assert listing.count_visible_datasets(session, public, access_level="open") == before + 1


def test_a_transaction_that_wrote_is_never_answered_from_what_was_kept(session):
    public = policy.ANONYMOUS
    before = listing.count_visible_datasets(session, public)
    session.commit()
    session.execute(update(Dataset).where(Dataset.status == "published").values(status="draft"))
    assert listing.count_visible_datasets(session, public) == 0 != before
    session.rollback()


def test_a_signed_in_readers_total_is_their_own(client, session):
    public = _total(client)
    dataset(session, "BTC", "shared", title_vi="Dữ liệu dùng chung")
    make_user(session, "o@hn.gov.vn", roles={"HN": "member"})
    login(client, "o@hn.gov.vn")
    assert _total(client) > public  # an officer sees shared data the public does not


def test_filter_choices_follow_a_new_agency(client, session):
    assert "Cơ quan thử nghiệm mới" not in client.get("/datasets").text
    org = session.query(Organization).filter_by(code="BTC").one()
    session.execute(update(Organization).where(Organization.id == org.id).values(name_vi="Cơ quan thử nghiệm mới"))
    session.commit()
    assert "Cơ quan thử nghiệm mới" in client.get("/datasets").text


def test_a_registry_made_again_under_the_same_address_is_not_served_the_old_ones_values(tmp_path):
    """A process keeps values per (registry address, change counter). A registry dropped and made
    again under the same address must not count from where the old one started and meet them."""
    from catalog import migrate
    from catalog.db import registry_db

    from .conftest import _dispose, build_app

    path = tmp_path / "instance" / "catalog.db"
    url = f"sqlite:///{path}"  # the same address twice, on SQLite in both passes of the suite

    def registry_with(code: str) -> tuple[int | None, list[str]]:
        app = build_app(tmp_path / "instance", DATABASE_URL=url)
        migrate.upgrade(app)
        with app.app_context():
            s = registry_db(app).scoped()
            s.add(Organization(code=code, name_vi=f"Cơ quan {code}", name_en=f"Agency {code}", kind="ministry"))
            s.commit()
            codes = memo.kept(s, "test-codes", (), lambda: sorted(s.scalars(select(Organization.code))))
            gen = memo.generation(s)
        _dispose(app)
        return gen, codes

    first_gen, first = registry_with("CU")
    assert first == ["CU"]
    path.unlink()
    second_gen, second = registry_with("MOI")
    assert second_gen != first_gen
    assert second == ["MOI"]


def test_the_public_home_page_asks_the_registry_little_once_warm(seeded_app):
    """The home page's counts, lists and rankings are kept per change of the registry: a second
    visit only reads the counter once and loads the few rows it shows (on a server database each
    statement is a round trip, and the home page is the most visited page)."""
    from sqlalchemy import event

    from catalog.db import registry_db

    seeded_app.config["CATALOG"]["PAGE_CACHE_SECONDS"] = 0  # measure the page's own work, not the cache
    engine = registry_db(seeded_app).engine
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    client = seeded_app.test_client()
    assert client.get("/").status_code == 200
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    counter_reads = [s for s in statements if "change_counter" in s]
    assert len(counter_reads) == 1, counter_reads
    assert not [s for s in statements if "count(" in s.lower()], "a count ran on a warm home page"
    assert 3 < len(statements) <= 12, "\n".join(statements)  # the page was made, not served from the cache


def test_values_of_earlier_counter_values_are_dropped(session):
    """A harvest raises the counter with every batch: what was kept under earlier values must go at
    once (issue 17), so the process keeps the values of the newest counter value only."""
    from catalog.services import memo

    public = policy.ANONYMOUS
    ds = dataset(session, "BTC", "open", title_vi="Dữ liệu đếm lại")
    for n in range(40):
        listing.count_visible_datasets(session, public, access_level="open")
        listing.count_visible_datasets(session, public)
        session.commit()
        session.execute(update(Dataset).where(Dataset.id == ds.id).values(title_en=f"Counted again {n}"))
        session.commit()
    assert memo.size(str(session.get_bind().url)) == 2


def test_a_counter_that_starts_again_drops_every_kept_value(session):
    from catalog.services import memo

    scope = str(session.get_bind().url)
    memo._values[(scope, "total", (), 10**9)] = 12345  # as if kept under a counter value far ahead
    memo._newest[scope] = 10**9
    listing.count_visible_datasets(session, policy.ANONYMOUS)
    session.commit()
    assert (scope, "total", (), 10**9) not in memo._values
