"""Fixtures of the server-mode tests: a local S3 server (moto) started by the test, on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ..conftest import _dispose, build_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server as a separate process on a free loopback port (its memory is not ours, so a
    test can measure what the catalogue itself holds)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail("moto's S3 server did not start")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("moto's S3 server did not answer within 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def s3_settings(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Settings of a fresh bucket on the local S3 server."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"catalog-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return {"STORAGE_URL": f"s3://{bucket}/uploads", "STORAGE_S3_ENDPOINT": s3_endpoint,
            "STORAGE_S3_REGION": "us-east-1"}


@pytest.fixture
def s3_app(seeded_template: Path, tmp_path: Path, s3_settings: dict[str, Any]) -> Iterator[Flask]:
    """A seeded app whose uploads go to the local S3 server."""
    import shutil

    instance = tmp_path / "instance"
    shutil.copytree(seeded_template, instance)
    app = build_app(instance, **s3_settings)
    yield app
    _dispose(app)
