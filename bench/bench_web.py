"""Requests per second of the dataset page and the API list under gunicorn, next to a bare Flask
"hello" served the same way in the same run (the ceiling on this machine)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .figures import Figure

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
THREADS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def _serve(app_spec: str, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "--no-control-socket", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app_spec],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    _wait(port)
    _ready(port)
    return proc, port


def _ready(port: int, timeout: float = 60) -> None:
    """The port answers before the workers have loaded the app: wait for a first 200 from each."""
    import http.client

    deadline, answered = time.time() + timeout, 0
    while time.time() < deadline and answered < WORKERS * 2:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/")
            answered += conn.getresponse().status == 200
            conn.close()
        except (OSError, http.client.HTTPException):
            time.sleep(0.5)


def _load(port: int, path: str, seconds: float) -> float:
    out = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", "127.0.0.1", str(port), path, str(seconds), str(THREADS)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout)
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} failed requests on {path}")
    return result["rps"]


def _prepare(instance: Path) -> dict[str, str]:
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance), "CATALOG_SECRET_KEY": "bench",
           "CATALOG_LOG_LEVEL": "WARNING"}
    flask = str(Path(sys.executable).parent / "flask")
    # as `make run` does: the seed's open datasets are opened through the publication procedure
    for cmd in (["db", "upgrade"], ["seed", "load"], ["quality", "run", "--offline", "--quiet"], ["publish", "demo"]):
        subprocess.run([flask, "--app", "catalog", *cmd], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def run(quick: bool = False) -> list[Figure]:
    seconds = 2.0 if quick else 8.0
    instance = Path(tempfile.mkdtemp(prefix="bench-web-"))
    try:
        env = _prepare(instance)
        hello, hello_port = _serve("bench.hello_app:app", env)
        try:
            _load(hello_port, "/", 1.0)  # warm up
            ceiling = _load(hello_port, "/", seconds)
        finally:
            hello.terminate()
            hello.wait()
        catalog, port = _serve("catalog:create_app()", env)
        try:
            page = "/datasets/don-vi-hanh-chinh-cap-tinh-2025"
            api = "/api/v1/datasets?per_page=20"
            _load(port, page, 1.0)
            _load(port, api, 1.0)
            page_rps = _load(port, page, seconds)
            api_rps = _load(port, api, seconds)
            # the public portal: the home page (with its most-downloaded, theme and agency blocks)
            # and the country's open-data list
            _load(port, "/", 1.0)
            home_rps = _load(port, "/", seconds)
            lists_rps = _load(port, "/open-data", seconds)
        finally:
            catalog.terminate()
            catalog.wait()
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    return [
        Figure("web: bare Flask hello (ceiling)", ceiling, "req/s", f"{WORKERS} sync workers"),
        Figure("web: dataset page", page_rps, "req/s", ">= 10% of ceiling", page_rps >= 0.10 * ceiling),
        Figure("web: dataset page / ceiling", 100 * page_rps / ceiling, "%"),
        Figure("web: API dataset list (20 per page)", api_rps, "req/s", ">= 10% of ceiling", api_rps >= 0.10 * ceiling),
        Figure("web: API list / ceiling", 100 * api_rps / ceiling, "%"),
        Figure("web: home page", home_rps, "req/s", ">= 10% of ceiling", home_rps >= 0.10 * ceiling),
        Figure("web: open-data list (/open-data)", lists_rps, "req/s", ">= 10% of ceiling",
               lists_rps >= 0.10 * ceiling),
    ]
