"""records_changed: derived data learns about every committed change, whoever made it."""

from __future__ import annotations

import pytest

from catalog.services import datasets
from catalog.services.actor import system_actor
from catalog.signals import records_changed

from .helpers import csv_distribution, dataset


@pytest.fixture
def heard():
    events = []

    def listener(info, changes, reason):
        events.append((info.get("app"), {k: set(v) for k, v in changes.items()}, reason))

    records_changed.connect(listener)
    yield events
    records_changed.disconnect(listener)


def test_a_commit_announces_the_changed_records(seeded_app, session, heard):
    ds = dataset(session, "BTC")
    assert heard[-1][0] is seeded_app
    assert ds.id in heard[-1][1]["dataset"] and heard[-1][2] == "edit"
    session.info["change_reason"] = "harvest"
    datasets.update_dataset(session, system_actor("test"), ds, {"title_en": "Changed"})
    session.commit()
    assert heard[-1][1]["dataset"] == {ds.id} and heard[-1][2] == "harvest"
    # the reason does not stick to the next commit
    datasets.update_dataset(session, system_actor("test"), ds, {"title_en": "Again"})
    session.commit()
    assert heard[-1][2] == "edit"


def test_a_distribution_change_announces_its_dataset(seeded_app, session, heard):
    ds = dataset(session, "BTC")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], b"a,b\n1,2\n")
    assert dist.id in heard[-1][1]["distribution"] and ds.id in heard[-1][1]["dataset"]


def test_rolled_back_changes_are_not_announced(session, heard):
    ds = dataset(session, "BTC")
    count = len(heard)
    datasets.update_dataset(session, system_actor("test"), ds, {"title_en": "Never saved"})
    session.flush()
    session.rollback()
    session.commit()
    assert len(heard) == count


def test_a_failing_receiver_does_not_break_the_commit(session, heard, caplog):
    def broken(info, changes, reason):
        raise RuntimeError("index is down")

    records_changed.connect(broken)
    try:
        ds = dataset(session, "BTC", title_vi="Vẫn được lưu")
    finally:
        records_changed.disconnect(broken)
    assert ds.id in heard[-1][1]["dataset"]
    assert "index is down" in caplog.text or "receiver of records_changed failed" in caplog.text
