"""The command line a new administrator uses on the first day."""

from __future__ import annotations

from sqlalchemy import select, text

from catalog.db import registry_db
from catalog.models import User


def test_first_admin_grant_and_token(seeded_app):
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Admin@Example.vn", "--name", "Quản trị",
                                 "--password", "mat-khau-du-dai"])
    assert result.exit_code == 0, result.output
    s = registry_db(seeded_app).session_factory()
    user = s.scalar(select(User).where(User.email == "admin@example.vn"))
    assert user.is_admin and user.password_hash.startswith("$argon2id$")
    result = runner.invoke(args=["users", "create", "--email", "x@example.vn", "--name", "X", "--password", "short"])
    assert result.exit_code == 2 and "password" in result.output
    result = runner.invoke(args=["users", "grant", "admin@example.vn", "BTC", "steward"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "token", "admin@example.vn", "--name", "script"])
    token = result.output.splitlines()[0].strip()
    assert result.exit_code == 0 and token.startswith("vdc_")
    client = seeded_app.test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json
    assert me["memberships"] == [{"organization": "BTC", "role": "steward"}]
    listing = runner.invoke(args=["users", "list"])
    assert "admin@example.vn" in listing.output and "BTC:steward" in listing.output
    s.close()


def test_audit_verify_exits_nonzero_on_tampering(seeded_app):
    runner = seeded_app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    engine = registry_db(seeded_app).engine
    with engine.begin() as conn:
        conn.execute(text("update audit_event set action = 'nothing' where id = 3"))
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "event 3" in broken.output


def test_audit_export_filters_by_agency(seeded_app):
    out = seeded_app.test_cli_runner().invoke(args=["audit", "export", "--org", "BNV"]).output
    lines = out.strip().splitlines()
    assert lines[0].startswith("id,at,actor_label")
    # the seed's records, and the opening of its open data by the demo accounts (flask publish demo)
    assert len(lines) > 1 and all("seed" in line or "opendata@example.vn" in line or ",demo," in line
                                  for line in lines[1:] if line[0].isdigit())


def test_seed_load_is_repeatable_from_the_cli(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "load"])
    assert first.exit_code == 0, first.output
    assert "organizations    created 73" in first.output
    second = runner.invoke(args=["seed", "load"])
    assert "created 0, updated 0" in second.output and "created 73" not in second.output


def test_config_hides_secrets(app):
    out = app.test_cli_runner().invoke(args=["config"]).output
    assert "CATALOG_SECRET_KEY" in out and "test-secret" not in out
