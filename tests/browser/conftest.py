"""A real browser (Debian's Chromium driven by Playwright) against the portal served on a local port.

Chromium comes from Debian's packages (`make browser`, which `.ci/run` calls; no browser download).
Without it these tests are skipped with a message saying how to install it, except in CI
(`CATALOG_TEST_REQUIRE_SERVICES=1`), where its absence fails the run. Each step's screenshot is
kept under `CATALOG_TEST_ARTIFACTS` (default `tests/artifacts/browser/`), and every page visited
is checked with axe-core (bundled in the axe-playwright-python package, no CDN).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ..conftest import REQUIRE_SERVICES

ARTIFACTS = Path(os.environ.get("CATALOG_TEST_ARTIFACTS") or Path(__file__).resolve().parent.parent / "artifacts"
                 ) / "browser"
#: axe-core impacts that fail a page
BLOCKING = {"serious", "critical"}


def chromium_path() -> str | None:
    explicit = os.environ.get("CATALOG_TEST_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed: run `make browser` (apt-get install chromium) to run the browser tests"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def live_url(seeded_app: Flask) -> Iterator[str]:
    """The seeded portal served by a real HTTP server on a free local port."""
    seeded_app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, seeded_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


class Journey:
    """A person's visit: one page, its screenshots and an accessibility check of every page seen."""

    def __init__(self, browser: Any, base: str, name: str, *, width: int = 1280, locale: str = "vi") -> None:
        self.base = base
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale,
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.steps = 0
        self.problems: list[str] = []

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        return response

    def shot(self, step: str) -> None:
        """Screenshot the page and check it with axe-core."""
        self.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        self.page.screenshot(path=str(self.folder / f"{self.steps:02d}-{slug}.png"), full_page=True)
        self.problems += [f"{step}: {v}" for v in axe_violations(self.page)]
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.viewport_size["width"]
        if width > viewport:
            self.problems.append(f"{step}: the page is {width}px wide on a {viewport}px screen")

    def navigate(self, action: Any) -> None:
        """Do something that loads another page (a click, Enter) and wait for that page."""
        with self.page.expect_navigation():
            action()
        self.page.wait_for_load_state()

    def submit(self, selector: str = "main form button[type=submit]") -> None:
        self.navigate(lambda: self.page.locator(selector).first.click())

    def sign_in(self, email: str, password: str) -> None:
        self.go("/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", password)
        self.submit()

    def close(self) -> None:
        self.context.close()
        assert self.problems == [], "\n".join(self.problems)


def axe_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s), e.g. {v['nodes'][0]['target']}"
            for v in results.response["violations"] if v.get("impact") in BLOCKING]


@pytest.fixture
def journey(browser: Any, live_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    made: list[Journey] = []

    def start(name: str, **kwargs: Any) -> Journey:
        j = Journey(browser, live_url, f"{request.node.name}-{name}", **kwargs)
        made.append(j)
        return j

    yield start
    for j in made:
        j.context.close()
