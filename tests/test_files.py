"""Stored files follow the fate of the transaction that changed their records, and only that one."""

from __future__ import annotations

from sqlalchemy import select

from catalog.models import Dataset
from catalog.services import distributions, files
from catalog.services.actor import system_actor

from .helpers import csv_distribution, dataset


def _path(app, dist):
    return files.resolve(app.config["CATALOG"]["UPLOAD_FOLDER"], dist.file_path)


def test_a_committed_upload_survives_a_later_rollback_of_the_same_session(seeded_app, session):
    ds = dataset(session, "BTC", "open")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], b"a,b\r\n1,2\r\n")
    path = _path(seeded_app, dist)
    assert path.exists()
    session.execute(select(Dataset.id))  # a later transaction of the same long-lived session ...
    session.rollback()  # ... fails
    assert path.exists()


def test_a_rolled_back_deletion_keeps_the_file_even_if_the_session_commits_later(seeded_app, session):
    folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
    ds = dataset(session, "BTC", "open")
    dist = csv_distribution(session, ds, folder, b"a,b\r\n1,2\r\n")
    path = _path(seeded_app, dist)
    distributions.delete_distribution(session, system_actor("test"), dist, distributions.Storage(folder, 1 << 20))
    session.rollback()
    session.commit()
    assert path.exists()


def test_an_upload_that_does_not_commit_leaves_nothing(seeded_app, session):
    folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
    ds = dataset(session, "BTC", "open")
    from .helpers import FakeUpload

    dist = distributions.add_distribution(session, system_actor("test"), ds, {"title_vi": "Tệp"},
                                          distributions.Storage(folder, 1 << 20), FakeUpload("x.csv", b"a\r\n1\r\n"))
    path = _path(seeded_app, dist)
    assert path.exists()
    session.rollback()
    assert not path.exists()
