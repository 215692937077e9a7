"""Migration 0006: tokens made before scopes keep every scope their owner may hold, and no expiry."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from catalog import migrate
from catalog.db import registry_db

from ..conftest import build_app


def test_existing_tokens_get_their_owners_scopes(tmp_path):
    app = build_app(tmp_path / "instance")
    migrate.upgrade(app, "0005_sharing")
    registry_db(app).engine.dispose()
    engine = create_engine(app.config["CATALOG"]["DATABASE_URL"])
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(text("insert into organization (id, code, name_vi, kind, created_at, updated_at) "
                          "values ('o1', 'BTC', 'Bộ Tài chính', 'ministry', :now, :now)"), {"now": now})
        for uid, admin in (("u-admin", True), ("u-steward", False), ("u-member", False)):
            conn.execute(text("insert into user_account (id, email, name, is_admin, active, created_at, updated_at) "
                              "values (:id, :email, 'x', :admin, true, :now, :now)"),
                         {"id": uid, "email": f"{uid}@example.vn", "admin": admin, "now": now})
            conn.execute(text("insert into api_token (id, user_id, name, prefix, token_hash, created_at) "
                              "values (:id, :uid, 't', 'vdc_', :hash, :now)"),
                         {"id": f"t-{uid}", "uid": uid, "hash": uid.ljust(64, "0"), "now": now})
        conn.execute(text("insert into membership (id, user_id, organization_id, role, created_at, updated_at) "
                          "values ('m1', 'u-steward', 'o1', 'steward', :now, :now), "
                          "('m2', 'u-member', 'o1', 'member', :now, :now)"), {"now": now})
    migrate.upgrade(app)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("select user_id, scopes from api_token")).all())
        expiries = set(conn.execute(text("select expires_at from api_token")).scalars())
        forced = set(conn.execute(text("select must_change_password from user_account")).scalars())
    assert rows == {"u-admin": "read write harvest admin", "u-steward": "read write harvest admin",
                    "u-member": "read write harvest"}
    assert expiries == {None} and forced == {0}
    engine.dispose()
    registry_db(app).engine.dispose()
