"""Configuration from `CATALOG_*` environment variables, with safe embedded defaults.

Every setting has a default that works on a laptop with nothing but Python: a SQLite file
and a Whoosh index under `instance/`. Server mode is switched on by pointing
`CATALOG_DATABASE_URL` at PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: name -> (parser, default); the default may be a callable of the partly-built config.
_BOOL_TRUE = {"1", "true", "yes", "on"}


def _bool(value: str) -> bool:
    return value.strip().lower() in _BOOL_TRUE


def _int(value: str) -> int:
    return int(value.strip())


def _float(value: str) -> float:
    return float(value.strip())


def _str(value: str) -> str:
    return value.strip()


SETTINGS: dict[str, tuple[Any, Any, str]] = {
    # name: (parser, default, one-line description used by the README and `flask config`)
    "INSTANCE_PATH": (_str, str(PROJECT_ROOT / "instance"), "folder for the SQLite file, index, uploads"),
    "DATABASE_URL": (_str, None, "SQLAlchemy URL of the registry (default: SQLite under instance/)"),
    "SEARCH_BACKEND": (_str, "auto", "whoosh, postgres or auto (postgres when the registry is on PostgreSQL)"),
    "SEARCH_INDEX_DIR": (_str, None, "Whoosh index folder (default: instance/search-index)"),
    "SEARCH_CACHE_URL": (_str, "", "redis://… keeps PostgreSQL search answers there a short time, shared by "
                                   "every web process (empty: no cache)"),
    "SEARCH_CACHE_SECONDS": (_int, 30, "how long a cached search answer serves (a change to the index ends it "
                                       "at once)"),
    "SECRET_KEY": (_str, None, "session signing key (default: generated once into instance/secret_key)"),
    "DEFAULT_LOCALE": (_str, "vi", "language of pages when the reader has not chosen one (vi or en)"),
    "UPLOAD_FOLDER": (_str, None, "where uploaded files are stored (default: instance/uploads)"),
    "STORAGE_URL": (_str, "", "s3://bucket/prefix keeps uploads and generated files in an S3-compatible store "
                              "(default: the upload folder)"),
    "STORAGE_S3_ENDPOINT": (_str, "", "address of the S3-compatible service (e.g. http://minio:9000; "
                                      "empty: AWS)"),
    "STORAGE_S3_REGION": (_str, "", "region of the bucket (empty: the S3 client's default)"),
    "STORAGE_S3_ACCESS_KEY": (_str, "", "access key of the store (empty: AWS_ACCESS_KEY_ID or the machine's role)"),
    "STORAGE_S3_SECRET_KEY": (_str, "", "secret key of the store (empty: AWS_SECRET_ACCESS_KEY)"),
    "METRICS_TOKEN": (_str, "", "bearer token that opens /metrics to other machines (empty: loopback only)"),
    "HEALTH_TIMEOUT_SECONDS": (_int, 3, "longest each /healthz check waits for the database, broker or store"),
    "PUBLIC_FILES_FOLDER": (_str, None, "conversions of public tabular files, made once per file version "
                                        "(default: instance/public-files)"),
    "PUBLIC_FILES_INLINE_MB": (_int, 20, "public tabular files up to this size are converted at once when "
                                         "published; larger ones in the background"),
    "MAX_UPLOAD_MB": (_int, 200, "largest accepted upload, in megabytes"),
    "MAX_JSON_KB": (_int, 1024, "largest accepted JSON body, in kilobytes"),
    "PAGE_CACHE_SECONDS": (_int, 600, "anonymous pages (dataset page, home, first list pages) are served from a "
                                      "shared cache until the catalogue changes, at most this long (0: off)"),
    "PAGE_SIZE": (_int, 20, "default page size of lists"),
    "MAX_PAGE_SIZE": (_int, 100, "largest page size a client may ask for"),
    "LOGIN_MAX_FAILURES": (_int, 5, "failed logins per account or address before a pause"),
    "RATELIMIT_ENABLED": (_bool, True, "limit requests per client address (429 with Retry-After past a limit)"),
    "RATELIMIT_STORAGE_URL": (_str, "", "where the counts live: redis://… shares them between processes (default: "
                                        "the Celery broker when it is Redis, else each process's memory)"),
    "RATELIMIT_API": (_str, "600 per minute", "REST API requests per address"),
    "RATELIMIT_SEARCH": (_str, "240 per minute", "searches and suggestions per address (pages and API)"),
    "RATELIMIT_FEEDS": (_str, "240 per minute", "feed, sitemap and CKAN-API requests per address"),
    "RATELIMIT_FEEDBACK": (_str, "10 per hour", "public problem reports and requests to open data per address"),
    "RATELIMIT_SIGNIN": (_str, "30 per minute", "sign-in, password-reset and invitation forms sent per address"),
    "LOGIN_LOCKOUT_MINUTES": (_int, 15, "length of the pause after too many failed logins"),
    "REMEMBER_DAYS": (_int, 14, "how long \"remember me\" keeps a person signed in on a device"),
    "INVITATION_DAYS": (_int, 7, "an invitation link works this many days"),
    "PASSWORD_RESET_MINUTES": (_int, 60, "a password-reset link works this many minutes"),
    "SESSION_COOKIE_SECURE": (_bool, False, "send the session cookie over HTTPS only (set in production)"),
    "TRUSTED_PROXIES": (_int, 0, "reverse proxies in front of the app whose X-Forwarded-* headers are believed"),
    "BASE_URL": (_str, "http://127.0.0.1:5000", "public address of the portal, used in feeds and e-mails"),
    "SITE_NAME_VI": (_str, "Danh mục dữ liệu", "portal name in Vietnamese"),
    "SITE_NAME_EN": (_str, "Data Catalogue", "portal name in English"),
    "DCAT_PROFILES": (_str, "dcat_ap_3,vn", "DCAT profiles the feeds apply, in order (dcat_ap_3, vn)"),
    "FEED_PAGE_SIZE": (_int, 100, "datasets per page of /catalog.ttl|rdf|jsonld and of the CKAN API's lists"),
    "ALLOW_PRIVATE_URLS": (_bool, False, "let harvesters and link checks reach private/loopback addresses"),
    "CELERY_BROKER_URL": (_str, "", "Redis URL of the Celery broker (server mode); empty runs jobs in-process"),
    "CELERY_QUEUE": (_str, "catalog", "name of the Celery queue the web processes send to and the workers read"),
    "SCHEDULER": (_bool, True, "web processes start due periodic jobs (harvests, link checks) once a minute"),
    "SMTP_HOST": (_str, "", "SMTP server for notifications; empty prints e-mails to the log"),
    "SMTP_PORT": (_int, 25, "SMTP port"),
    "SMTP_USER": (_str, "", "SMTP user"),
    "SMTP_PASSWORD": (_str, "", "SMTP password"),
    "MAIL_FROM": (_str, "no-reply@localhost", "sender address of notifications"),
    "LOG_LEVEL": (_str, "INFO", "logging level"),
    "HARVEST_BATCH_SIZE": (_int, 500, "records a harvest writes per transaction"),
    "HARVEST_INDEX_PROCESS": (_bool, False, "a harvest writes the search index in a forked process beside it "
                                           "(a second core), not between its batches"),
    "HARVEST_STALE_MINUTES": (_float, 10, "a running harvest silent this long is taken as dead and can be re-run"),
    "HARVEST_TIMEOUT_MINUTES": (_int, 360, "longest a harvest job may run before it stops as failed"),
    "HARVEST_JSONLD_CONTEXTS": (_str, "", "folder of extra JSON-LD context files for DCAT harvests "
                                          "(index.json maps each context URL to a file); none is ever fetched"),
    "QUALITY_AUTO": (_bool, True, "check a dataset's quality after uploads, edits of its files and harvests"),
    "QUALITY_HARVEST_PER_RUN": (_int, 5000, "harvested datasets the scheduled catch-up job checks per run"),
    "QUALITY_HARVEST_NETWORK": (_bool, False, "the checks after a harvest ask links and read remote files too "
                                              "(default: remembered answers only; the link schedule asks them)"),
    "QUALITY_INLINE_MB": (_int, 2, "files up to this size are checked at once after an upload; larger ones, "
                                   "and every harvested dataset, in a background job with progress"),
    "QUALITY_REMOTE_MAX_MB": (_int, 200, "largest remote file fetched for the data checks"),
    "QUALITY_XLSX_MAX_MB": (_int, 500, "largest uncompressed content of an XLSX file (refuses zip bombs)"),
    "QUALITY_EXAMPLES": (_int, 20, "examples kept per check and file (every error is counted)"),
    "QUALITY_LINK_TIMEOUT": (_int, 15, "seconds a link check waits for an answer"),
    "QUALITY_LINK_RECHECK_HOURS": (_int, 24, "a link's remembered answer is reused this long"),
    "PROBE_INTERVAL_MINUTES": (_int, 5, "how often a connection's health URL is asked (a probe may set its own)"),
    "PROBE_TIMEOUT_SECONDS": (_int, 10, "seconds a probe waits for the whole answer before it counts as failed"),
    "PROBE_CONCURRENCY": (_int, 16, "probes asked at the same time in one round"),
    "PROBE_FAILURES_FOR_INCIDENT": (_int, 3, "failed probes in a row that open an incident"),
    "PROBE_DATA_SERVICES": (_bool, True, "probe rounds also ask each published data service (its OpenAPI "
                                         "document, else its endpoint)"),
    "CONNECTION_LAG_FACTOR": (_int, 2, "an incident opens when a sync is late by this many of its intervals"),
    "PUBLISH_MIN_GRADE": (_str, "C", "lowest quality grade (A-E) a dataset needs to be published as open data"),
}


def load_config(environ: dict[str, str] | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read `CATALOG_*` variables into a dict keyed without the prefix, filling derived defaults."""
    env = os.environ if environ is None else environ
    cfg: dict[str, Any] = {}
    for name, (parse, default, _doc) in SETTINGS.items():
        raw = env.get(f"CATALOG_{name}")
        cfg[name] = parse(raw) if raw not in (None, "") else default
    cfg.update(overrides or {})

    instance = Path(cfg["INSTANCE_PATH"])
    cfg["INSTANCE_PATH"] = str(instance)
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'catalog.db'}"
    if not cfg["SEARCH_INDEX_DIR"]:
        cfg["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    if not cfg["UPLOAD_FOLDER"]:
        cfg["UPLOAD_FOLDER"] = str(instance / "uploads")
    if cfg["STORAGE_URL"] and not cfg["STORAGE_URL"].startswith("s3://"):
        raise ValueError(f"CATALOG_STORAGE_URL must look like s3://bucket/prefix, not {cfg['STORAGE_URL']!r}")
    if not cfg["PUBLIC_FILES_FOLDER"]:
        cfg["PUBLIC_FILES_FOLDER"] = str(instance / "public-files")
    if cfg["DEFAULT_LOCALE"] not in ("vi", "en"):
        raise ValueError(f"CATALOG_DEFAULT_LOCALE must be 'vi' or 'en', not {cfg['DEFAULT_LOCALE']!r}")
    is_pg = cfg["DATABASE_URL"].startswith("postgresql")
    if cfg["SEARCH_BACKEND"] == "auto":
        cfg["SEARCH_BACKEND"] = "postgres" if is_pg else "whoosh"
    if cfg["SEARCH_BACKEND"] not in ("whoosh", "postgres"):
        raise ValueError(f"CATALOG_SEARCH_BACKEND must be whoosh, postgres or auto, not {cfg['SEARCH_BACKEND']!r}")
    if cfg["SEARCH_BACKEND"] == "postgres" and not is_pg:
        raise ValueError("CATALOG_SEARCH_BACKEND=postgres needs the registry on PostgreSQL (CATALOG_DATABASE_URL)")
    cfg["PUBLISH_MIN_GRADE"] = str(cfg["PUBLISH_MIN_GRADE"]).strip().upper()
    if cfg["PUBLISH_MIN_GRADE"] not in ("A", "B", "C", "D", "E"):
        raise ValueError(f"CATALOG_PUBLISH_MIN_GRADE must be one of A-E, not {cfg['PUBLISH_MIN_GRADE']!r}")
    return cfg


def secret_key_for(cfg: dict[str, Any]) -> str:
    """The configured key, or one generated once and kept in the instance folder.

    A generated key survives restarts (sessions stay valid) yet is never shipped in the code.
    """
    if cfg.get("SECRET_KEY"):
        return cfg["SECRET_KEY"]
    path = Path(cfg["INSTANCE_PATH"]) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
