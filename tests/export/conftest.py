"""Fixtures of the feed tests: the app served on a loopback port (harvesters and `ckanapi` talk to
it over real HTTP), a second catalogue to harvest into, and hidden datasets of every kind."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from catalog.config import PROJECT_ROOT
from catalog.db import registry_db
from catalog.services.seed import _code_lists, _databases, _organizations

from ..conftest import _dispose, build_app
from ..helpers import dataset

ROOT = Path(__file__).resolve().parent.parent.parent
SHAPES = ROOT / "tests" / "fixtures" / "shacl" / "dcat-ap_3_shacl_shapes.ttl"


class Served:
    def __init__(self, app: Flask) -> None:
        app.config["SERVER_NAME"] = None  # answer on 127.0.0.1:<port>
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app.config["CATALOG"]["BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served(seeded_app: Flask) -> Iterator[Served]:
    """The seeded catalogue, live on a loopback port; its BASE_URL is that address."""
    live = Served(seeded_app)
    yield live
    live.close()


@pytest.fixture
def second_catalogue(empty_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """Another catalogue with the same agencies, databases and code lists but no datasets, allowed
    to harvest from the loopback server."""
    instance = tmp_path / "second"
    shutil.copytree(empty_template, instance)
    app = build_app(instance)
    app.config["CATALOG"]["ALLOW_PRIVATE_URLS"] = True
    with app.app_context():
        s = registry_db(app).session_factory()
        errors: dict = {}
        _code_lists(s, PROJECT_ROOT / "seed")
        _organizations(s, PROJECT_ROOT / "seed", False, errors)
        _databases(s, PROJECT_ROOT / "seed", False, errors)
        assert not errors
        s.commit()
        s.close()
    yield app
    _dispose(app)


HIDDEN_TITLES = ("Bí mật dùng riêng", "Không liệt kê", "Bản nháp mở", "Đã rút lại", "Dùng chung nội bộ")


@pytest.fixture
def hidden(seeded_app: Flask) -> list[str]:
    """A restricted, an unlisted restricted, a draft open, a withdrawn open and a shared dataset;
    returns their slugs. None of them may appear in any public feed."""
    s = registry_db(seeded_app).session_factory()
    try:
        made = [
            dataset(s, "BTC", "restricted", title_vi=HIDDEN_TITLES[0]),
            dataset(s, "BTC", "restricted", title_vi=HIDDEN_TITLES[1], unlisted=True),
            dataset(s, "BTC", "open", title_vi=HIDDEN_TITLES[2], status="draft"),
            dataset(s, "BTC", "open", title_vi=HIDDEN_TITLES[3], status="withdrawn"),
            dataset(s, "BTC", "shared", title_vi=HIDDEN_TITLES[4]),
        ]
        return [ds.slug for ds in made]
    finally:
        s.close()
