"""Reading a location for a harvester: the web through the guarded fetcher, or a demo file under seed/."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

from catalog.config import PROJECT_ROOT
from catalog.http import FetchError, Response

from .base import HarvestContext, HarvestFailed


def is_web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def local_path(ctx: HarvestContext, url: str) -> Path:
    """A local demo file: only under the configured folder, never anywhere else on the server."""
    if ctx.file_root is None:
        raise HarvestFailed(f"{url}: only http and https addresses can be harvested", "fetch")
    raw = url[len("file://"):] if url.startswith("file://") else url
    root = ctx.file_root.resolve()
    candidate = Path(raw)
    path = (candidate if candidate.is_absolute() else PROJECT_ROOT / candidate).resolve()
    if root not in path.parents:
        raise HarvestFailed(f"{url}: local files are read only under {root}", "fetch")
    if not path.is_file():
        raise HarvestFailed(f"{url}: no such file", "fetch")
    return path


def read(ctx: HarvestContext, url: str, *, accept: str | None = None, params: dict[str, Any] | None = None,
         conditional: bool = False) -> Response:
    """The body at `url`; with `conditional`, sends the ETag / Last-Modified kept from the last run."""
    if not is_web(url):
        path = local_path(ctx, url)
        size = path.stat().st_size
        if size > ctx.fetcher.policy.max_bytes:
            raise HarvestFailed(f"{url}: larger than the limit of {ctx.fetcher.policy.max_bytes} bytes", "fetch")
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Response(url=str(path), status=200, headers={"content-type": ctype}, content=path.read_bytes())
    etag = ctx.state.get("etag") if conditional else None
    modified = ctx.state.get("last_modified") if conditional else None
    try:
        response = ctx.fetcher.get(url, params=params, accept=accept, etag=etag, last_modified=modified)
    except FetchError as exc:
        raise HarvestFailed(exc.message + f" ({exc.url})", "fetch") from exc
    if conditional and not response.not_modified:
        ctx.state["etag"] = response.etag
        ctx.state["last_modified"] = response.last_modified
    return response


def join_url(base: str, ref: str) -> str:
    """A reference relative to the document it appears in (works for local demo files too)."""
    if is_web(ref) or not base:
        return ref
    if is_web(base):
        return urljoin(base, ref)
    return str(PurePosixPath(base).parent / ref)


def load_json(response: Response) -> Any:
    """JSON, or a readable error saying what came instead (an HTML error page, a truncated body)."""
    try:
        return json.loads(response.content)
    except UnicodeDecodeError as exc:
        raise HarvestFailed(f"{response.url}: the response is not UTF-8 text ({exc.reason})", "parse") from exc
    except ValueError as exc:
        ctype = response.content_type or "unknown"
        hint = f" (content type {ctype})" if "json" not in ctype else ""
        raise HarvestFailed(f"{response.url}: the response is not valid JSON{hint}: {exc}", "parse") from exc
