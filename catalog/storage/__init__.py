"""Where uploads and generated files live: a local folder by default, an S3-compatible store when
`CATALOG_STORAGE_URL=s3://bucket/prefix` is set.

Services keep naming folders under `CATALOG_UPLOAD_FOLDER` (uploads, kept uploads of a form); the
app registers its upload folder here once, and `for_folder` maps any folder under it to the
configured store, so that worker threads and CLI commands without a request find it too.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .base import CHUNK, Storage, StoredObject, check_key
from .local import LocalStorage
from .s3 import S3Storage

__all__ = ["CHUNK", "LocalStorage", "S3Storage", "Storage", "StoredObject", "check_key", "configure",
           "for_folder", "from_config"]

_ROOTS: dict[Path, Storage] = {}
_LOCK = threading.Lock()


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix")."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"CATALOG_STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
    return parts.netloc, parts.path.strip("/")


def s3_client(cfg: dict[str, Any]) -> Any:
    """A boto3 client from the STORAGE_S3_* settings (keys fall back to boto3's usual sources)."""
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {
        "endpoint_url": cfg.get("STORAGE_S3_ENDPOINT") or None,
        "region_name": cfg.get("STORAGE_S3_REGION") or None,
        "config": Config(signature_version="s3v4", connect_timeout=5, read_timeout=60,
                         retries={"max_attempts": 3}),
    }
    if cfg.get("STORAGE_S3_ACCESS_KEY"):
        options["aws_access_key_id"] = cfg["STORAGE_S3_ACCESS_KEY"]
        options["aws_secret_access_key"] = cfg.get("STORAGE_S3_SECRET_KEY") or ""
    return boto3.session.Session().client("s3", **options)


def from_config(cfg: dict[str, Any]) -> Storage:
    """The store of an app's CATALOG settings: S3 when STORAGE_URL says so, else the upload folder."""
    url = cfg.get("STORAGE_URL") or ""
    if url:
        bucket, prefix = parse_s3_url(url)
        return S3Storage(s3_client(cfg), bucket, prefix)
    return LocalStorage(cfg["UPLOAD_FOLDER"])


def configure(cfg: dict[str, Any]) -> Storage:
    """Register the app's store for its upload folder (called by create_app)."""
    store = from_config(cfg)
    with _LOCK:
        _ROOTS[Path(cfg["UPLOAD_FOLDER"]).resolve()] = store
    return store


def for_folder(folder: str | Path) -> Storage:
    """The store for a folder under a registered upload folder (a sub-folder becomes a key prefix);
    any other folder is a plain local store."""
    path = Path(folder).resolve()
    with _LOCK:
        roots = list(_ROOTS.items())
    for root, store in roots:
        if path == root:
            return store
        if root in path.parents and isinstance(store, S3Storage):
            sub = path.relative_to(root).as_posix()
            return S3Storage(store.client, store.bucket, f"{store.prefix}/{sub}".strip("/"))
    return LocalStorage(path)
