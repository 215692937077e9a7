"""Backup and restore time of an instance with many datasets (the real commands, one process each
run in this one): quick mode 2,000 datasets, full 100,000."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent


def _fill(app, count: int) -> None:
    """Copies of one real dataset (made through the service) inserted in bulk with new keys."""
    from sqlalchemy import select

    from catalog.db import registry_db
    from catalog.models import Dataset
    from catalog.services import datasets
    from catalog.services.actor import system_actor

    s = registry_db(app).session_factory()
    try:
        with app.app_context():
            ds = datasets.create_dataset(s, system_actor("bench"), {
                "title_vi": "Bộ dữ liệu mẫu", "description_vi": "Mô tả.", "publisher": "BTC",
                "access_level": "open", "licence": "CC-BY-4.0", "contact_email": "a@example.gov.vn",
                "status": "published"})
            s.commit()
        table = Dataset.__table__
        template = dict(s.execute(select(table).where(table.c.id == ds.id)).one()._mapping)
    finally:
        s.close()
    with registry_db(app).engine.begin() as conn:
        batch = []
        for n in range(count - 1):
            key = uuid.uuid4().hex
            batch.append({**template, "id": str(uuid.UUID(key)), "slug": f"mau-{n}-{key[:6]}",
                          "identifier": f"bench-{n}", "title_vi": f"Bộ dữ liệu mẫu số {n}"})
            if len(batch) == 2000:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)


def run(quick: bool = False) -> list[Figure]:
    from catalog import create_app, migrate
    from catalog.db import registry_db
    from catalog.services import backup
    from catalog.services.seed import load_seed

    count = 2_000 if quick else 100_000
    work = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    apps = []
    try:
        source = create_app({"INSTANCE_PATH": str(work / "source"), "SECRET_KEY": "bench", "SCHEDULER": False,
                             "QUALITY_AUTO": False, "LOG_LEVEL": "WARNING"})
        apps.append(source)
        migrate.upgrade(source)
        with source.app_context():
            s = registry_db(source).session_factory()
            load_seed(s, ROOT / "seed", source.config["CATALOG"])
            s.commit()
            s.close()
        _fill(source, count)
        archive = work / "backup.tar.gz"
        started = time.perf_counter()
        backup.make_backup(source, archive)
        backup_s = time.perf_counter() - started
        target = create_app({"INSTANCE_PATH": str(work / "target"), "SECRET_KEY": "bench", "SCHEDULER": False,
                             "QUALITY_AUTO": False, "LOG_LEVEL": "WARNING"})
        apps.append(target)
        started = time.perf_counter()
        backup.restore(target, archive)
        restore_s = time.perf_counter() - started
        same = backup.registry_counts(target) == backup.registry_counts(source)
        size_mb = archive.stat().st_size / 1e6
    finally:
        for app in apps:
            registry_db(app).engine.dispose()
        shutil.rmtree(work, ignore_errors=True)
    label = f"{count:,} datasets"
    return [
        Figure(f"backup: {label} (SQLite, tar.gz)", backup_s, "s", "informative"),
        Figure(f"restore: {label} (with reindex)", restore_s, "s", "identical counts", same),
        Figure(f"backup archive: {label}", size_mb, "MB"),
    ]
