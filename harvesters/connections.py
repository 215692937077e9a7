"""Database connection URLs of SQL sources: the password is never stored in clear text or shown.

A source keeps its URL without the password; the password is kept apart, encrypted with Fernet
(AES-128-CBC + HMAC-SHA256) under a key derived with HKDF from the app's SECRET_KEY. Pages and the
API show the URL with `***` in place of the password. If the secret key changes, the stored
passwords can no longer be read: the job says so and a steward enters the password again.
"""

from __future__ import annotations

import base64
import ipaddress
import socket
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from catalog.http import address_allowed

from .base import HarvestFailed

MASK = "***"
#: Drivers an SQL source may use (read-only introspection through SQLAlchemy).
DIALECTS = ("postgresql", "sqlite", "mysql", "mariadb", "mssql", "oracle")


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"vn-data-catalog harvest connection passwords").derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def parse(url: str) -> URL:
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise ValueError("not a database URL (e.g. postgresql+psycopg://user:password@host/database)") from exc
    if parsed.get_backend_name() not in DIALECTS:
        raise ValueError(f"unsupported database kind {parsed.get_backend_name()!r}")
    return parsed


def split(url: str, secret_key: str) -> tuple[str, str | None]:
    """(URL without the password, the encrypted password or None)."""
    parsed = parse(url)
    password = parsed.password
    bare = parsed._replace(password=None).render_as_string(hide_password=False)  # set() ignores None
    if password in (None, "", MASK):
        return bare, None
    return bare, _fernet(secret_key).encrypt(str(password).encode("utf-8")).decode("ascii")


def with_password(url: str, secret: str | None, secret_key: str) -> str:
    """The URL to connect with (the password decrypted); only the runner asks for it."""
    parsed = parse(url)
    if not secret:
        return parsed.render_as_string(hide_password=False)
    try:
        password = _fernet(secret_key).decrypt(secret.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise HarvestFailed("the stored database password cannot be read (the secret key changed?); "
                            "enter the password again on the source's form", "source") from exc
    return parsed.set(password=password).render_as_string(hide_password=False)


def masked(url: str, has_secret: bool) -> str:
    """What pages and the API show."""
    try:
        parsed = parse(url)
    except ValueError:
        return url
    bare = parsed._replace(password=None).render_as_string(hide_password=False)
    if not has_secret or not parsed.username or "@" not in bare:
        return bare
    scheme, rest = bare.split("://", 1)
    user, _sep, tail = rest.partition("@")
    return f"{scheme}://{user}:{MASK}@{tail}"


def same_target(old_url: str, new_url: str) -> bool:
    """Whether a new URL points at the same server and account (then a masked password keeps the old one)."""
    try:
        a, b = parse(old_url), parse(new_url)
    except ValueError:
        return False
    return (a.drivername, a.username, a.host, a.port, a.database) == (b.drivername, b.username, b.host, b.port,
                                                                      b.database)


#: Connection options (the URL's query string) each database kind may carry. Any other (a service or
#: option file, a socket, an ODBC string, a password file...) could make the driver connect somewhere
#: the address guard never saw, or read local files; such URLs are refused. Compared in lower case.
ACCEPTED_OPTIONS: dict[str, frozenset[str]] = {
    "postgresql": frozenset({"host", "hostaddr", "port", "sslmode", "application_name", "target_session_attrs",
                             "client_encoding", "connect_timeout"}),
    "mysql": frozenset({"host", "port", "charset", "connect_timeout"}),
    "mariadb": frozenset({"host", "port", "charset", "connect_timeout"}),
    "mssql": frozenset({"driver", "encrypt", "trustservercertificate"}),
    "oracle": frozenset({"service_name"}),
    "sqlite": frozenset({"mode"}),
}
#: Driver arguments that name where to connect (after SQLAlchemy turned the URL into them).
_ADDRESS_ARGS = ("hostaddr", "host", "unix_socket", "named_pipe", "dsn")


def refused_option(url: URL) -> str | None:
    """Why a URL's options are refused, or None."""
    accepted = ACCEPTED_OPTIONS.get(url.get_backend_name(), frozenset())
    refused = sorted(k for k in url.query if k.lower() not in accepted)
    if refused:
        return (f"the connection option {', '.join(refused)} is not accepted (it could lead the driver to "
                f"another server or to local files); accepted: {', '.join(sorted(accepted)) or 'none'}")
    if url.get_backend_name() == "mssql" and not url.database:
        return "name the database in the address (ODBC data source names are not accepted)"
    if url.get_backend_name() == "oracle" and not url.host:
        return "name the server in the address (TNS aliases are not accepted)"
    return None


def targets(url: URL, driver_args: dict[str, Any]) -> list[str]:
    """Every host, address or socket the driver will connect to, from the arguments it is given."""
    if url.get_backend_name() == "postgresql":
        # libpq connects to hostaddr when given (host then only names the server), else to each host
        value = driver_args.get("hostaddr") or driver_args.get("host")
        items = [value] if value else []
    else:
        items = [driver_args.get(k) for k in _ADDRESS_ARGS if driver_args.get(k)] or [url.host]
    out: list[str] = []
    for item in items:
        for part in (str(item).split(",") if item else [""]):
            out.append(part.strip())
    return out or [""]


def check_targets(url: URL, driver_args: dict[str, Any], *, allow_private: bool,
                  allow_loopback: bool) -> list[str]:
    """The same address guard as web fetching, for every place the driver will connect to: no internal
    host, address or local socket unless the configuration allows them. Returns, for each target, the
    checked address the driver is then told to use (so a second DNS answer cannot differ)."""
    pinned: list[str] = []
    for target in targets(url, driver_args):
        if not target or target.startswith(("/", "@")):
            if not (allow_private or allow_loopback):
                where = target or "the default local socket"
                raise HarvestFailed(f"refused: the database would be reached through a local socket ({where}); "
                                    "set CATALOG_ALLOW_PRIVATE_URLS to reach internal servers", "fetch")
            pinned.append("")
            continue
        host = target.strip("[]")
        try:
            ipaddress.ip_address(host)
            addresses = [host]
        except ValueError:
            try:
                addresses = sorted({info[4][0] for info in socket.getaddrinfo(host, url.port or 0)})
            except OSError as exc:
                raise HarvestFailed(f"the database host {host} cannot be resolved", "fetch") from exc
        for addr in addresses:
            if not address_allowed(addr, allow_private=allow_private, allow_loopback=allow_loopback):
                raise HarvestFailed(f"refused: the database host {host} is a non-public address ({addr}); "
                                    "set CATALOG_ALLOW_PRIVATE_URLS to reach internal servers", "fetch")
        pinned.append(addresses[0])
    return pinned

