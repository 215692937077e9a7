"""Settings come from CATALOG_* variables with safe embedded defaults."""

from __future__ import annotations

import pytest

from catalog.config import load_config, secret_key_for


def test_embedded_defaults(tmp_path):
    cfg = load_config({"CATALOG_INSTANCE_PATH": str(tmp_path)})
    assert cfg["DATABASE_URL"] == f"sqlite:///{tmp_path}/catalog.db"
    assert cfg["SEARCH_BACKEND"] == "whoosh"
    assert cfg["DEFAULT_LOCALE"] == "vi"
    assert cfg["UPLOAD_FOLDER"] == str(tmp_path / "uploads")


def test_postgres_switches_the_search_backend(tmp_path):
    cfg = load_config({"CATALOG_INSTANCE_PATH": str(tmp_path),
                       "CATALOG_DATABASE_URL": "postgresql+psycopg://u@h/db", "CATALOG_MAX_UPLOAD_MB": "5"})
    assert cfg["SEARCH_BACKEND"] == "postgres" and cfg["MAX_UPLOAD_MB"] == 5


def test_bad_locale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="DEFAULT_LOCALE"):
        load_config({"CATALOG_INSTANCE_PATH": str(tmp_path), "CATALOG_DEFAULT_LOCALE": "fr"})


def test_generated_secret_key_is_kept(tmp_path):
    cfg = load_config({"CATALOG_INSTANCE_PATH": str(tmp_path)})
    first = secret_key_for(cfg)
    assert len(first) > 40 and secret_key_for(cfg) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
