"""Uploads and downloads through an S3-compatible store (moto's server on loopback), streamed."""

from __future__ import annotations

import hashlib
import io
import tracemalloc

import boto3
import pytest
from marshmallow import ValidationError

from catalog import storage
from catalog.services import distributions, files
from catalog.services.actor import system_actor
from catalog.storage import LocalStorage, S3Storage
from catalog.storage.s3 import MULTIPART_BYTES

from ..helpers import FakeUpload, csv_distribution, dataset

BLOCK = bytes(range(256)) * 256  # 64 KiB


class Chunked(io.RawIOBase):
    """A stream of `size` bytes made on the fly, so the test itself holds no big buffer."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        n = min(len(buf), self.left, len(BLOCK))
        buf[:n] = BLOCK[:n]
        self.digest.update(BLOCK[:n])
        self.left -= n
        return n


def _store(s3_settings) -> S3Storage:
    store = storage.from_config({**s3_settings, "UPLOAD_FOLDER": "/unused"})
    assert isinstance(store, S3Storage)
    return store


def test_the_store_puts_reads_lists_and_deletes_objects(s3_settings):
    store = _store(s3_settings)
    store.put("ab/cd/data.csv", io.BytesIO(b"a,b\n1,2\n"))
    assert store.exists("ab/cd/data.csv") and store.size("ab/cd/data.csv") == 8
    with store.open("ab/cd/data.csv") as body:
        assert body.read() == b"a,b\n1,2\n"
    assert [o.key for o in store.list("ab/")] == ["ab/cd/data.csv"]
    store.delete("ab/cd/data.csv")
    assert not store.exists("ab/cd/data.csv")
    with pytest.raises(FileNotFoundError):
        store.open("ab/cd/data.csv")
    with pytest.raises(ValueError):
        store.put("../escape.csv", io.BytesIO(b"x"))
    store.check()  # the bucket answers


def test_a_missing_bucket_fails_the_check_naming_it(s3_settings):
    store = _store({**s3_settings, "STORAGE_URL": "s3://no-such-bucket-here/x"})
    with pytest.raises(OSError, match="no-such-bucket-here"):
        store.check()


def test_a_large_upload_is_streamed_in_parts_without_holding_the_file(s3_app):
    folder = s3_app.config["CATALOG"]["UPLOAD_FOLDER"]
    size = 48 * 1024 * 1024  # six multipart parts
    source = io.BufferedReader(Chunked(size), buffer_size=1 << 16)
    tracemalloc.start()
    with s3_app.app_context():
        stored = files.store_upload(_Upload("big.bin", source), folder, size + 1)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert stored.byte_size == size
    assert stored.checksum_sha256 == source.raw.digest.hexdigest()  # type: ignore[attr-defined]
    # a few parts in flight, not the file: the bound does not grow with the file's size
    assert peak < 4 * MULTIPART_BYTES < size, f"peak {peak} bytes for a {size}-byte upload"
    store = storage.for_folder(folder)
    assert isinstance(store, S3Storage) and store.size(stored.path) == size
    assert not LocalStorage(folder).exists(stored.path)


class _Upload:
    def __init__(self, name: str, stream) -> None:
        self.filename = name
        self.mimetype = "application/octet-stream"
        self.stream = stream


def test_an_upload_past_the_limit_is_refused_and_nothing_stays_in_the_bucket(s3_app, s3_settings):
    folder = s3_app.config["CATALOG"]["UPLOAD_FOLDER"]
    with s3_app.app_context(), pytest.raises(ValidationError) as err:
        files.store_upload(_Upload("big.bin", io.BufferedReader(Chunked(20 * 1024 * 1024))), folder,
                           10 * 1024 * 1024)
    assert "file" in err.value.messages
    assert list(_store(s3_settings).list()) == []


def test_a_distribution_uploaded_to_s3_downloads_trims_and_previews_from_it(s3_app, s3_settings):
    folder = s3_app.config["CATALOG"]["UPLOAD_FOLDER"]
    from catalog.db import registry_db

    s = registry_db(s3_app).session_factory()
    try:
        with s3_app.app_context():
            ds = dataset(s, "BTC", "open", title_vi="Tệp trên S3")
            dist = csv_distribution(s, ds, folder, "ten,so\r\nHà Nội,1\r\n".encode())
            dist_id, slug, key = dist.id, ds.slug, dist.file_path
    finally:
        s.close()
    bucket, prefix = storage.parse_s3_url(s3_settings["STORAGE_URL"])
    raw = boto3.client("s3", endpoint_url=s3_settings["STORAGE_S3_ENDPOINT"], region_name="us-east-1")
    assert raw.get_object(Bucket=bucket, Key=f"{prefix}/{key}")["Body"].read() == "ten,so\r\nHà Nội,1\r\n".encode()
    assert not (LocalStorage(folder).exists(key))  # nothing on the local disk

    client = s3_app.test_client()
    answer = client.get(f"/distributions/{dist_id}/download")
    assert answer.status_code == 200
    assert answer.get_data() == "ten,so\r\nHà Nội,1\r\n".encode()
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    excel = client.get(f"/distributions/{dist_id}/download/excel")
    assert excel.status_code == 200 and excel.get_data().startswith(files.EXCEL_BOM)
    page = client.get(f"/datasets/{slug}?lang=vi").get_data(as_text=True)
    assert "Hà Nội" in page  # the preview is read from the bucket

    s = registry_db(s3_app).session_factory()
    try:
        from catalog.models import Distribution

        with s3_app.app_context():
            d = s.get(Distribution, dist_id)
            distributions.delete_distribution(s, system_actor("test"), d, distributions.Storage(folder, 1 << 20))
            s.commit()
    finally:
        s.close()
    assert list(_store(s3_settings).list()) == []  # the object went with its record
    assert client.get(f"/distributions/{dist_id}/download").status_code == 404


def test_a_kept_upload_of_a_form_is_kept_in_the_bucket_and_found_again(s3_app, s3_settings):
    folder = s3_app.config["CATALOG"]["UPLOAD_FOLDER"]
    with s3_app.app_context():
        kept = files.keep_pending(FakeUpload("a.csv", b"a,b\n1,2\n"), folder, "user-1", 1 << 20)
        assert [o.key.split("/")[0] for o in _store(s3_settings).list()] == [files.PENDING_FOLDER]
        assert files.take_pending(folder, "user-2", kept.token) is None
        taken = files.take_pending(folder, "user-1", kept.token)
        assert taken is not None and taken.stream.read() == b"a,b\n1,2\n" and taken.byte_size == 8
        files.drop_pending(folder, "user-1", kept.token)
        assert files.take_pending(folder, "user-1", kept.token) is None
        files.keep_pending(FakeUpload("b.csv", b"x\n"), folder, "user-1", 1 << 20)
        assert files.prune_pending(folder, max_age=-1) == 1
    assert list(_store(s3_settings).list()) == []


def test_the_quality_checks_read_a_file_kept_in_the_bucket(s3_app):
    from catalog.quality import service as quality

    from ..quality.conftest import add_file, check, new_dataset

    folder = s3_app.config["CATALOG"]["UPLOAD_FOLDER"]
    seeded = {o.key for o in LocalStorage(folder).list()}  # the seed's own files, loaded before
    ds_id = new_dataset(s3_app)
    add_file(s3_app, ds_id, "bang.csv", b"ma,so\nA1,10\nA2,x\n",
             {"fields": [{"name": "ma", "type": "string"}, {"name": "so", "type": "integer"}]})
    report = quality.check_dataset(s3_app, ds_id)
    assert report.rows_checked == 2  # read from the bucket, through a copy for the run
    assert check(report, "data_types")["status"] != "pass"  # "x" is not an integer: the content was read
    assert {o.key for o in LocalStorage(folder).list()} == seeded  # no copy stayed on the local disk


def test_a_backup_of_an_instance_on_s3_restores_into_a_local_one(s3_app, tmp_path):
    import hashlib

    from catalog.db import registry_db

    from ..conftest import _dispose, build_app

    folder = s3_app.config["CATALOG"]["UPLOAD_FOLDER"]
    s = registry_db(s3_app).session_factory()
    try:
        with s3_app.app_context():
            dist = csv_distribution(s, dataset(s, "BTC", "open"), folder, b"a,b\r\n1,2\r\n")
            key = dist.file_path
    finally:
        s.close()
    archive = tmp_path / "s3.tar"
    result = s3_app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    target = build_app(tmp_path / "local-instance", SCHEDULER=False)
    try:
        result = target.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        local = LocalStorage(target.config["CATALOG"]["UPLOAD_FOLDER"])
        with local.open(key) as body:
            assert hashlib.sha256(body.read()).hexdigest() == hashlib.sha256(b"a,b\r\n1,2\r\n").hexdigest()
        s3_keys = sorted(o.key for o in storage.for_folder(folder).list())
        assert sorted(o.key for o in local.list()) == s3_keys
    finally:
        _dispose(target)
