"""Issue 18: `make run` says at once, before any set-up, that its port is taken, and points the
portal's links at itself unless CATALOG_BASE_URL is set."""

from __future__ import annotations

import os
import socket
import subprocess

from catalog.config import PROJECT_ROOT


def _make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "CATALOG_BASE_URL" and not k.startswith("MAKE")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60, env={**base, **(env or {})})


def test_a_taken_port_stops_make_run_before_any_set_up():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _make("run", f"PORT={port}", "HOST=127.0.0.1")
    assert done.returncode != 0
    assert f"Port {port} on 127.0.0.1 is taken" in done.stderr and f"make run PORT={port + 1}" in done.stderr
    assert "pip" not in done.stdout and "db upgrade" not in done.stdout  # nothing else ran


def test_a_free_port_passes_the_check():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _make("-s", "port-free", f"PORT={port}").returncode == 0


def test_links_point_to_the_running_portal_unless_set():
    shown = _make("-n", "serve-portal", "HOST=127.0.0.1", "PORT=5123").stdout
    assert "links point to http://127.0.0.1:5123" in shown
    everywhere = _make("-n", "serve-portal", "HOST=0.0.0.0", "PORT=8080").stdout
    assert "links point to http://127.0.0.1:8080" in everywhere
    kept = _make("-n", "serve-portal", "PORT=5123", env={"CATALOG_BASE_URL": "https://data.example.gov.vn"}).stdout
    assert "links point to https://data.example.gov.vn" in kept
