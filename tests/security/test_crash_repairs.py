"""The repairs a crash may need, each on its own: `files check`, `search check`, the search journal
and the resumption of a public copy left pending (tests/security/test_crash_uploads.py kills real
processes; these plant what a crash leaves)."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from catalog.models import Distribution, PublicFile
from catalog.search import backend_for, journal
from catalog.search.documents import documents_for
from catalog.services import public_files

from ..helpers import csv_distribution, dataset
from ..tabular.conftest import PROVINCES


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_files_check_removes_old_leftovers_reports_broken_rows_and_spares_young_files(seeded_app, session):
    cfg = seeded_app.config["CATALOG"]
    upload = Path(cfg["UPLOAD_FOLDER"])
    ds = dataset(session, "BTC", "shared")
    dist = csv_distribution(session, ds, cfg["UPLOAD_FOLDER"], PROVINCES)
    orphan = upload / "ab" / ("0" * 32) / "mot-tep.csv"
    part = upload / "cd" / ("1" * 32) / ".mot-tep.csv.0123abcd.part"
    young = upload / "ef" / ("2" * 32) / "dang-ghi.csv"
    for path in (orphan, part, young):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"a,b\n1,2\n")
    _age(orphan, 7200)
    _age(part, 7200)
    stale = Path(cfg["PUBLIC_FILES_FOLDER"]) / dist.id / ".build-x1"
    stale.mkdir(parents=True)
    _age(stale, 7200)
    cli = seeded_app.test_cli_runner()

    listed = cli.invoke(args=["files", "check"])
    assert listed.exit_code == 0, listed.output
    assert "orphan file: ab/" in listed.output and "part file: cd/" in listed.output
    assert "stale conversion: " in listed.output and "dang-ghi" not in listed.output
    assert orphan.exists()  # only listed without --fix

    fixed = cli.invoke(args=["files", "check", "--fix"])
    assert fixed.exit_code == 0 and "(3 removed)" in fixed.output, fixed.output
    assert not orphan.exists() and not part.exists() and not stale.exists() and young.exists()
    assert (upload / dist.file_path).exists()

    # a row whose file changed, or went, is reported and fails the command: a person must look
    (upload / dist.file_path).write_bytes(b"ma_tinh\n99\n")
    changed = cli.invoke(args=["files", "check", "--checksums", "--grace-minutes", "0"])
    assert changed.exit_code == 1 and f"checksum differs: {dist.file_path}" in changed.output, changed.output
    (upload / dist.file_path).unlink()
    missing = cli.invoke(args=["files", "check", "--grace-minutes", "0"])
    assert missing.exit_code == 1 and f"missing file: {dist.file_path}" in missing.output, missing.output


def test_search_check_finds_what_the_index_missed_and_fixes_it(seeded_app, session):
    ds = dataset(session, "BTC", "open", title_vi="Bảng giá đất khongdau")
    backend = backend_for(seeded_app)
    (doc,) = documents_for(session, "dataset", [ds.id])
    backend.update([{**doc, "id": "ghost"}], delete_ids=[ds.id])  # a deletion and a creation it never saw
    cli = seeded_app.test_cli_runner()
    found = cli.invoke(args=["search", "check"])
    assert found.exit_code == 1 and "1 records missing from the index, 1 in the index but not" in found.output
    fixed = cli.invoke(args=["search", "check", "--fix"])
    assert fixed.exit_code == 0 and "(fixed)" in fixed.output
    assert ds.id in backend.ids() and "ghost" not in backend.ids()
    assert cli.invoke(args=["search", "check"]).exit_code == 0


def test_a_committed_change_is_noted_until_indexed_and_an_old_note_is_replayed(seeded_app, session):
    assert journal.waiting(seeded_app) == []  # every commit so far was indexed: its note is gone
    ds = dataset(session, "BTC", "open", title_vi="Danh mục chợ")
    backend = backend_for(seeded_app)
    backend.update([], delete_ids=[ds.id])
    note = journal.folder(seeded_app) / "lost.json"
    note.write_text(f'{{"dataset": ["{ds.id}"]}}', encoding="utf-8")
    assert journal.replay(seeded_app) == 0  # young: it may belong to a commit still in progress
    _age(note, 120)
    health = seeded_app.test_client().get("/healthz").json
    assert health["checks"]["index"]["detail"].endswith("1 commits not yet indexed")
    half = journal.folder(seeded_app) / "killed-mid-write.tmp"
    half.write_text('{"dataset": [', encoding="utf-8")
    _age(half, 120)
    assert journal.replay(seeded_app) == 1
    assert ds.id in backend.ids() and not note.exists() and not half.exists()


def test_a_public_copy_left_pending_is_made_by_the_resumption_once_it_is_old(seeded_app, session):
    seeded_app.config["CATALOG"]["PUBLIC_FILES_INLINE_MB"] = 0  # large files: made after the commit
    ds = dataset(session, "BTC", "open")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], PROVINCES)
    from catalog.tasks import drain

    drain(seeded_app)  # the background run made it
    session.expire_all()
    assert session.get(PublicFile, dist.id).status == "ready"
    record = session.get(PublicFile, dist.id)
    record.status, record.table_name = public_files.PENDING, None  # as a killed run leaves it
    session.commit()
    assert seeded_app.test_client().get(f"/api/v1/distributions/{dist.id}/preview").json["status"] == "not_prepared"
    assert public_files.resume_pending(seeded_app) == 0  # not old enough: its run may still be working
    assert public_files.resume_pending(seeded_app, older_than=timedelta(0)) == 1
    session.expire_all()
    record = session.get(PublicFile, dist.id)
    assert record.status == "ready" and record.row_count == 5 and record.table_name
    assert session.scalars(select(Distribution.id).where(Distribution.id == dist.id)).one() == dist.id
