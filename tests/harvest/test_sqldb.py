"""SQL databases: tables and views of SQLite and of the real PostgreSQL, passwords kept encrypted."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalog.http import FetchPolicy
from catalog.models import HarvestSource

from .conftest import datasets_of, make_source, run, session_of


def _sqlite_db(path) -> str:
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE don_vi (ma TEXT PRIMARY KEY, ten TEXT NOT NULL, cap INTEGER);
        CREATE TABLE nhan_vien (id INTEGER PRIMARY KEY, ho_ten TEXT NOT NULL, ngay_sinh DATE, luong NUMERIC,
                                don_vi TEXT REFERENCES don_vi(ma), dang_lam BOOLEAN);
        CREATE VIEW nhan_vien_dang_lam AS SELECT id, ho_ten FROM nhan_vien WHERE dang_lam;
        INSERT INTO don_vi VALUES ('P1', 'Phòng Tổng hợp', 1), ('P2', 'Phòng Dữ liệu', 1);
        INSERT INTO nhan_vien VALUES (1, 'Nguyễn Văn A', '1990-01-01', 10.5, 'P1', 1);
    """)
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def _sql_source(app, url, **kw):
    return make_source(app, protocol="sqldb", url=url, organization="BTC", database="TC",
                       default_access_level="restricted", default_licence=None, **kw)


def test_sqlite_tables_and_views_become_datasets_of_the_database(happ, tmp_path):
    src = _sql_source(happ, _sqlite_db(tmp_path / "nhan_su.db"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 3
    by_id = {d.remote_id: d for d in datasets_of(happ, src)}
    assert set(by_id) == {"main.don_vi", "main.nhan_vien", "main.nhan_vien_dang_lam"}
    staff = by_id["main.nhan_vien"]
    assert staff.identifier == "TC.main.nhan_vien" and "TC.main.nhan_vien" in staff.keywords
    assert staff.database.code == "TC" and staff.access_level == "restricted"
    schema = staff.distributions[0].table_schema
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types == {"id": "integer", "ho_ten": "string", "ngay_sinh": "date", "luong": "number",
                     "don_vi": "string", "dang_lam": "boolean"}
    assert schema["primaryKey"] == ["id"]
    assert schema["foreignKeys"] == [{"fields": ["don_vi"], "reference": {"resource": "main.don_vi", "fields": ["ma"]}}]
    assert {f["name"]: f.get("constraints") for f in schema["fields"]}["ho_ten"] == {"required": True}
    assert "1 dòng" in staff.distributions[0].description_vi and "about 1 rows" in staff.distributions[0].description_en
    assert by_id["main.don_vi"].distributions[0].description_en.endswith("about 2 rows.")
    assert by_id["main.nhan_vien_dang_lam"].distributions[0].format == "SQL VIEW"
    # nothing changed: nothing rewritten; a new column is a change
    assert run(happ, src).counts["unchanged"] == 3
    conn = sqlite3.connect(tmp_path / "nhan_su.db")
    conn.execute("ALTER TABLE don_vi ADD COLUMN dia_chi TEXT")
    conn.commit()
    conn.close()
    assert run(happ, src).counts["updated"] == 1


def test_sqlite_files_outside_seed_need_the_private_permission(happ, tmp_path):
    src = _sql_source(happ, _sqlite_db(tmp_path / "x.db"))
    result = run(happ, src, policy=FetchPolicy(timeout=2))
    assert result.status == "failed" and "only under the seed folder" in result.message


def test_an_sql_source_needs_its_database(happ, tmp_path):
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as info:
        make_source(happ, protocol="sqldb", url=_sqlite_db(tmp_path / "y.db"), organization="BTC")
    assert "database" in info.value.messages


def test_a_wrong_connection_fails_clearly_without_showing_the_password(happ):
    src = _sql_source(happ, "postgresql+psycopg://reader:Mat-Khau-99@127.0.0.1:1/none")
    result = run(happ, src)
    assert result.status == "failed" and "cannot connect" in result.message
    assert "Mat-Khau-99" not in result.message


@pytest.fixture
def pg_schema(pg_database):
    """A small schema in the session's PostgreSQL test database, dropped afterwards."""
    name = f"hs_{uuid.uuid4().hex[:8]}"
    engine = create_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(text(f"""
            CREATE SCHEMA {name};
            CREATE TABLE {name}.cong_dan (so_dinh_danh varchar(12) PRIMARY KEY, ho_ten text NOT NULL,
                ngay_sinh date, cap_nhat timestamptz, thong_tin jsonb);
            COMMENT ON TABLE {name}.cong_dan IS 'Công dân đã được cấp số định danh
Bảng gốc của cơ sở dữ liệu dân cư (dữ liệu thử)';
            COMMENT ON COLUMN {name}.cong_dan.so_dinh_danh IS 'Số định danh cá nhân';
            CREATE TABLE {name}.cu_tru (id bigserial PRIMARY KEY,
                so_dinh_danh varchar(12) NOT NULL REFERENCES {name}.cong_dan(so_dinh_danh), dia_chi text);
            CREATE VIEW {name}.dan_so_theo_tinh AS SELECT count(*) AS so_nguoi FROM {name}.cong_dan;
            INSERT INTO {name}.cong_dan VALUES ('001090000001', 'Trần Thị B', '1990-05-01', now(), '{{}}');
        """))  # noqa: S608 - the schema name is made up here
    engine.dispose()
    yield pg_database, name
    engine = create_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_introspection_with_an_encrypted_password(happ, pg_schema, client):
    url, schema = pg_schema
    with_password = make_url(url).set(password="Bi-Mat-123").render_as_string(hide_password=False)
    src = _sql_source(happ, with_password, filters={"schemas": [schema]})
    s = session_of(happ)
    stored = s.get(HarvestSource, src.id)
    assert "Bi-Mat-123" not in stored.url and stored.secret and "Bi-Mat-123" not in stored.secret
    s.close()
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 3, result.message
    by_id = {d.remote_id: d for d in datasets_of(happ, src)}
    people = by_id[f"{schema}.cong_dan"]
    assert people.title_vi == "Công dân đã được cấp số định danh"
    assert people.identifier == f"TC.{schema}.cong_dan" and f"TC.{schema}.cong_dan" in people.keywords
    fields = {f["name"]: f for f in people.distributions[0].table_schema["fields"]}
    assert fields["so_dinh_danh"]["type"] == "string"
    assert "Số định danh cá nhân" in fields["so_dinh_danh"]["description"]
    assert fields["ngay_sinh"]["type"] == "date" and fields["cap_nhat"]["type"] == "datetime"
    assert fields["thong_tin"]["type"] == "object"
    assert "khoảng 1 dòng" in people.distributions[0].description_vi
    residence = by_id[f"{schema}.cu_tru"].distributions[0].table_schema
    assert residence["foreignKeys"][0]["reference"] == {"resource": f"{schema}.cong_dan", "fields": ["so_dinh_danh"]}
    # pages and the API show *** in place of the password
    from ..helpers import login, make_user, token_for

    admin = make_user(session_of(happ), "qt@example.gov.vn", admin=True)
    token = token_for(session_of(happ), admin)
    body = client.get(f"/api/v1/harvest-sources/{src.slug}", headers={"Authorization": f"Bearer {token}"}).json
    assert ":***@" in body["url"] and "Bi-Mat-123" not in str(body)
    login(client, "qt@example.gov.vn")
    page = client.get(f"/harvest/{src.slug}").get_data(as_text=True)
    assert ":***@" in page and "Bi-Mat-123" not in page
    form = client.get(f"/harvest/{src.slug}/edit").get_data(as_text=True)
    assert "Bi-Mat-123" not in form
    # saving the form with *** keeps the stored password
    s = session_of(happ)
    secret_before = s.get(HarvestSource, src.id).secret
    s.close()
    masked = body["url"]
    r = client.post(f"/harvest/{src.slug}/edit", data={"name": src.name, "protocol": "sqldb", "url": masked,
                                                       "organization": "BTC", "database": "TC",
                                                       "default_access_level": "restricted", "schedule": "weekly",
                                                       "filters": f'{{"schemas": ["{schema}"]}}', "enabled": "on",
                                                       "auto_publish": "on"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    s = session_of(happ)
    after = s.get(HarvestSource, src.id)
    assert after.secret == secret_before and after.schedule == "weekly"
    s.close()
    assert run(happ, src).counts["unchanged"] == 3


@pytest.mark.postgres
def test_a_private_database_host_is_refused_by_default(happ, pg_schema):
    url, schema = pg_schema
    src = _sql_source(happ, url, filters={"schemas": [schema]})
    result = run(happ, src, policy=FetchPolicy(timeout=2))
    assert result.status == "failed" and "non-public address" in result.message
    assert datasets_of(happ, src) == []


# --- every address the driver will use is checked (issue 17, item 2) ------------------------------

PUBLIC = "93.184.216.34"  # a public address literal: nothing resolves it and nothing connects to it


def _pointed(url: str, query: dict[str, str], netloc_host: str = PUBLIC) -> str:
    """The test database's URL with a public host in its address and `query` as its options."""
    return make_url(url).set(host=netloc_host, query=query).render_as_string(hide_password=False)


@pytest.mark.postgres
@pytest.mark.parametrize("query", [
    {"host": "127.0.0.1"},
    {"hostaddr": "127.0.0.1"},
    {"host": f"{PUBLIC},127.0.0.1"},
    {"host": "/var/run/postgresql"},
], ids=["host", "hostaddr", "several-hosts", "unix-socket"])
def test_the_query_string_cannot_lead_the_driver_to_a_private_server(happ, pg_schema, query):
    url, schema = pg_schema
    src = _sql_source(happ, _pointed(url, query), filters={"schemas": [schema]})
    result = run(happ, src, policy=FetchPolicy(timeout=2))
    assert result.status == "failed"
    assert "non-public address" in result.message or "local socket" in result.message, result.message
    assert "CATALOG_ALLOW_PRIVATE_URLS" in result.message
    assert datasets_of(happ, src) == []


@pytest.mark.postgres
def test_a_query_host_is_used_when_private_addresses_are_allowed(happ, pg_schema):
    url, schema = pg_schema
    src = _sql_source(happ, _pointed(url, {"hostaddr": "127.0.0.1"}, netloc_host="placeholder.invalid"),
                      filters={"schemas": [schema]})
    result = run(happ, src, policy=FetchPolicy(timeout=2, allow_loopback=True))
    assert result.status == "succeeded" and result.counts["new"] == 3, result.message


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://u@db.example.gov.vn/x?service=noi-bo",
    "postgresql+psycopg://u@db.example.gov.vn/x?passfile=/etc/passwd",
    "mysql+pymysql://u@db.example.gov.vn/x?unix_socket=/run/mysqld/mysqld.sock",
    "mysql+pymysql://u@db.example.gov.vn/x?read_default_file=/etc/my.cnf",
    "mssql+pyodbc://u@db.example.gov.vn/x?odbc_connect=SERVER%3D127.0.0.1",
])
def test_options_that_could_redirect_the_driver_are_refused_when_saved(happ, url):
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as info:
        _sql_source(happ, url)
    option = url.split("?")[1].split("=")[0]
    assert option in " ".join(info.value.messages["url"])


def test_options_that_could_redirect_the_driver_are_refused_when_run(happ):
    s = session_of(happ)
    src = _sql_source(happ, f"postgresql+psycopg://u@{PUBLIC}/x")
    s.query(HarvestSource).filter_by(id=src.id).update({"url": f"postgresql+psycopg://u@{PUBLIC}/x?service=a"})
    s.commit()
    s.close()
    result = run(happ, src, policy=FetchPolicy(timeout=2))
    assert result.status == "failed" and "service" in result.message and "not accepted" in result.message
