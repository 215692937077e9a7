"""backup / restore: a seeded instance with files, sharing and audit events comes back identical."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
from sqlalchemy import select

from catalog.db import registry_db
from catalog.models import AuditEvent, Dataset, Distribution
from catalog.services import audit, backup, files, transfer

from ..conftest import _dispose, build_app
from ..sharing.conftest import make_world


def _table_rows(app) -> dict[str, list]:
    with registry_db(app).engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in transfer.tables()}


def _file_digests(app) -> dict[str, str]:
    folder = app.config["CATALOG"]["UPLOAD_FOLDER"]
    from catalog import storage

    store = storage.for_folder(folder)
    out = {}
    for item in store.list():
        with store.open(item.key) as body:
            out[item.key] = hashlib.sha256(body.read()).hexdigest()
    return out


@pytest.fixture
def filled(seeded_app):
    """A seeded instance with datasets, files, a submitted sharing request (audit events)."""
    world = make_world(seeded_app)
    world.request()
    folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
    files.keep_pending(files.PendingUpload("x.csv", "text/csv", io.BytesIO(b"a\n1\n"), "", 0), folder, "u", 1 << 20)
    world.session.close()
    return seeded_app


@pytest.fixture
def fresh(tmp_path):
    made = []

    def build(name: str = "restored"):
        app = build_app(tmp_path / name, SCHEDULER=False)
        made.append(app)
        return app

    yield build
    for app in made:
        _dispose(app)


def test_restore_into_an_empty_instance_gives_identical_rows_files_and_a_verified_chain(filled, fresh, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    result = filled.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    manifest = backup.read_manifest(archive)
    assert manifest["tables"]["dataset"]["rows"] > 0 and manifest["audit"]["events"] > 0
    assert manifest["files"] and not any(f["key"].startswith(".pending") for f in manifest["files"])

    target = fresh()
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert _table_rows(target) == _table_rows(filled)
    source_files = {k: v for k, v in _file_digests(filled).items() if not k.startswith(".pending")}
    assert _file_digests(target) == source_files and source_files
    verified = target.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    with registry_db(target).session_factory() as s:
        assert audit.verify_chain(s).checked == s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        dist = s.scalars(select(Distribution).join(Dataset).where(
            Distribution.file_path.is_not(None), Dataset.access_level == "open",
            Dataset.status == "published")).first()
        dist_id, slug, digest = dist.id, dist.dataset.slug, dist.checksum_sha256
    # the restored instance serves its files and finds its datasets
    client = target.test_client()
    answer = client.get(f"/distributions/{dist_id}/download")
    assert answer.status_code == 200 and hashlib.sha256(answer.get_data()).hexdigest() == digest
    assert client.get(f"/datasets/{slug}?lang=vi").status_code == 200
    from catalog.search import backend_for

    with registry_db(filled).session_factory() as s:
        published = set(s.scalars(select(Dataset.id).where(Dataset.status == "published")))
    assert published <= backend_for(target).ids()  # the index was rebuilt from the restored rows
    assert client.get("/healthz").status_code == 200


def test_restore_refuses_an_instance_with_data_unless_forced(filled, tmp_path):
    archive = tmp_path / "backup.tar"
    assert filled.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    before = _table_rows(filled)
    refused = filled.test_cli_runner().invoke(args=["restore", str(archive)])
    assert refused.exit_code == 1 and "already holds data" in refused.output
    forced = filled.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
    assert forced.exit_code == 0, forced.output
    assert _table_rows(filled) == before


def test_a_damaged_backup_is_refused_before_anything_is_written(filled, fresh, tmp_path):
    archive = tmp_path / "backup.tar"
    assert filled.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as out:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "registry/dataset.jsonl":
                data = data.replace(b'"published"', b'"withdrawn"', 1)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    target = fresh()
    result = target.test_cli_runner().invoke(args=["restore", str(damaged)])
    assert result.exit_code == 1 and "registry/dataset.jsonl does not match its checksum" in result.output
    assert not backup.holds_data(target)
    not_a_backup = tmp_path / "notes.tar"
    with tarfile.open(not_a_backup, "w") as out:
        info = tarfile.TarInfo("notes.txt")
        info.size = 2
        out.addfile(info, io.BytesIO(b"hi"))
    result = target.test_cli_runner().invoke(args=["restore", str(not_a_backup)])
    assert result.exit_code == 1 and "not a catalogue backup" in result.output


def test_a_backup_never_overwrites_an_existing_file(filled, tmp_path):
    archive = tmp_path / "backup.tar"
    archive.write_text("keep me")
    result = filled.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert archive.read_text() == "keep me"
    assert json.loads(json.dumps(transfer.encode({"$datetime": "x"}))) == {"$json": {"$datetime": "x"}}
    assert transfer.decode(transfer.encode({"$datetime": "x"})) == {"$datetime": "x"}


@pytest.fixture
def pg_target(pg_migrated, tmp_path):
    """An empty PostgreSQL registry with its own instance folder (not the SQLite app's)."""
    from ..conftest import truncate_all

    truncate_all(pg_migrated)
    app = build_app(tmp_path / "pg-instance", DATABASE_URL=pg_migrated, SCHEDULER=False)
    yield app
    _dispose(app)


def test_a_sqlite_backup_restores_into_postgresql(filled, pg_target, tmp_path):
    pg_app = pg_target
    archive = tmp_path / "backup.tar"
    assert filled.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    result = pg_app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert _table_rows(pg_app) == _table_rows(filled)
    assert pg_app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    # the sequences moved past the restored keys: a new record and its audit event get new ids
    from ..helpers import dataset

    s = registry_db(pg_app).session_factory()
    try:
        with pg_app.app_context():
            dataset(s, "BTC", "open", title_vi="Sau khi khôi phục")
    finally:
        s.close()
    assert pg_app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
