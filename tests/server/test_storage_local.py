"""The local store: keys cannot escape its folder, a failed write leaves nothing, lists by prefix."""

from __future__ import annotations

import io

import pytest

from catalog import storage
from catalog.storage import LocalStorage


class Broken(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        raise OSError("the client went away")


def test_keys_stay_inside_the_folder_and_a_failed_write_leaves_nothing(tmp_path):
    store = LocalStorage(tmp_path / "up")
    for key in ("../x", "/etc/passwd", "a/../../x", "", "a//b"):
        with pytest.raises(ValueError):
            store.put(key, io.BytesIO(b"x"))
        assert store.exists(key) is False
    with pytest.raises(OSError):
        store.put("ab/cd/f.csv", Broken())
    assert list((tmp_path / "up").rglob("*")) == []  # no part file, no empty folder
    store.put("ab/cd/f.csv", io.BytesIO(b"1"))
    store.put(".pending/u/ab/ef/g.csv", io.BytesIO(b"22"))
    assert [o.key for o in store.list(".pending/")] == [".pending/u/ab/ef/g.csv"]
    assert sorted(o.key for o in store.list()) == [".pending/u/ab/ef/g.csv", "ab/cd/f.csv"]
    assert store.size("ab/cd/f.csv") == 1
    store.delete("ab/cd/f.csv")
    assert not (tmp_path / "up" / "ab").exists()  # emptied folders go too
    store.check()


def test_a_folder_under_a_registered_root_maps_to_the_same_store(tmp_path):
    root = tmp_path / "uploads"
    store = storage.configure({"UPLOAD_FOLDER": str(root), "STORAGE_URL": ""})
    assert isinstance(store, LocalStorage)
    sub = storage.for_folder(root / ".pending" / "u1")
    assert isinstance(sub, LocalStorage) and sub.root.resolve() == (root / ".pending" / "u1").resolve()
    with pytest.raises(ValueError, match="s3://"):
        storage.parse_s3_url("https://bucket/x")


def test_a_storage_url_that_is_not_s3_is_refused_at_start():
    from catalog.config import load_config

    with pytest.raises(ValueError, match="CATALOG_STORAGE_URL"):
        load_config({"CATALOG_STORAGE_URL": "ftp://files.example/x"})
