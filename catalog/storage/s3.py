"""Files in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage…) through boto3.

Uploads are streamed with `upload_fileobj` (multipart past `MULTIPART_BYTES`, so at most a few
parts are held in memory); downloads are streamed from the object's body through the app, so that
the access policy, column trimming and type checks apply to every byte exactly as for local files.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .base import CHUNK, StoredObject, check_key

#: Objects larger than this go up in parts of this size (S3's minimum part is 5 MiB).
MULTIPART_BYTES = 8 * 1024 * 1024


class _Body(io.RawIOBase):
    """botocore's streaming body as a real file object (text wrappers and csv need one)."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        chunk = self.body.read(len(buf))
        buf[:len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self.body.close()
        super().close()


class S3Storage:
    """A store under `s3://bucket/prefix`; `client` is a boto3 S3 client."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, key: str) -> str:
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, stream: IO[bytes]) -> None:
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES,
                                max_concurrency=2, use_threads=True)
        # parts read ahead of the network: with the two in flight, at most ~3 parts are in memory
        config.max_in_memory_upload_chunks = 1
        # an error while reading the stream aborts the multipart upload: nothing half-written stays
        self.client.upload_fileobj(stream, self.bucket, self._key(key), Config=config)

    def open(self, key: str) -> IO[bytes]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(key) from exc
        return io.BufferedReader(_Body(answer["Body"]), buffer_size=CHUNK)  # type: ignore[arg-type]

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, key: str) -> bool:
        try:
            return self._head(key) is not None
        except ValueError:
            return False

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except ValueError:
            return

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        base = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=base + prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield StoredObject(item["Key"][len(base):], int(item["Size"]), item["LastModified"])

    def download_to(self, key: str, target: Path) -> Path:
        if not self.exists(key):
            raise FileNotFoundError(key)
        self.client.download_file(self.bucket, self._key(key), str(target))
        return target

    def check(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"bucket {self.bucket} cannot be reached: {type(exc).__name__}") from exc

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")
