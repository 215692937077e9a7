"""A draft open dataset of BTC with a CSV file, its editors and stewards, and an administrator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from catalog import policy
from catalog.models import Dataset, User
from catalog.services.actor import Actor

from ..helpers import csv_distribution, dataset, make_user

CSV = "tinh,so_thu\nHà Nội,10\nĐà Nẵng,7\n".encode()


@dataclass
class World:
    app: Flask
    session: Session
    ds: Dataset
    editor: User
    steward: User
    steward2: User
    other_steward: User
    admin: User

    def actor(self, user: User) -> Actor:
        self.session.refresh(user)
        return Actor(reader=policy.reader_for(self.session, user), label=user.email)

    @property
    def folder(self) -> str:
        return self.app.config["CATALOG"]["UPLOAD_FOLDER"]


@pytest.fixture
def world(seeded_app: Flask, session: Session) -> Iterator[World]:
    with seeded_app.test_request_context():
        ds = dataset(session, "BTC", "open", status="draft", update_frequency="MONTHLY",
                     title_vi="Thu ngân sách theo tỉnh")
        csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], CSV)
        ds.quality_grade = "B"  # the quality gate is tested on its own; elsewhere it passes
        session.commit()
        w = World(
            app=seeded_app, session=session, ds=ds,
            editor=make_user(session, "ed@btc.gov.vn", roles={"BTC": "editor"}),
            steward=make_user(session, "st@btc.gov.vn", roles={"BTC": "steward"}),
            steward2=make_user(session, "st2@btc.gov.vn", roles={"BTC": "steward"}),
            other_steward=make_user(session, "st@hanoi.gov.vn", roles={"HN": "steward"}),
            admin=make_user(session, "admin@catalog.gov.vn", admin=True),
        )
    # no context is held open while the test runs: the test client's requests each need their own
    yield w


@pytest.fixture
def in_context(world: World) -> Iterator[None]:
    """For tests that call the services directly (messages and notifications need an app context)."""
    with world.app.test_request_context():
        yield
