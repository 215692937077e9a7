"""A real local HTTP server for tests: static files, scripted answers, hangs and failures.

    def test_x(http_server):
        http_server.route("/a.json", body=b"{}", headers={"Content-Type": "application/json"})
        http_server.sequence("/flaky", [Reply(500), Reply(200, b"ok")])
        http_server.serve_dir("/samples", Path("tests/fixtures"))
        url = http_server.url("/a.json")
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    drip: float = 0.0  # seconds between bytes of the body (a slow-drip server)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Callable[[Seen], Reply]] = {}
        self.requests: list[Seen] = []
        self.dirs: dict[str, Path] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                server.requests.append(seen)
                reply = server.resolve(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if self.command == "HEAD":
                        return
                    if reply.drip:
                        for i in range(len(reply.body)):
                            self.wfile.write(reply.body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_HEAD = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, status: int = 200, body: bytes | str = b"", headers: dict[str, str] | None = None,
              delay: float = 0.0, drip: float = 0.0) -> None:
        data = body.encode() if isinstance(body, str) else body
        reply = Reply(status, data, headers or {}, delay, drip)
        self.routes[path] = lambda _seen: reply

    def handler(self, path: str, fn: Callable[[Seen], Reply]) -> None:
        self.routes[path] = fn

    def sequence(self, path: str, replies: list[Reply]) -> None:
        """Answer with each reply in turn, then keep repeating the last one."""
        queue = list(replies)

        def next_reply(_seen: Seen) -> Reply:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        self.routes[path] = next_reply

    def serve_dir(self, prefix: str, directory: Path, content_type: str | None = None) -> None:
        self.dirs[prefix.rstrip("/")] = (directory, content_type)  # type: ignore[assignment]

    def resolve(self, seen: Seen) -> Reply:
        parts = urlsplit(seen.path)
        for key in (seen.path, parts.path):
            if key in self.routes:
                return self.routes[key](seen)
        for prefix, (directory, content_type) in self.dirs.items():  # type: ignore[misc]
            if parts.path.startswith(prefix + "/"):
                target = (directory / parts.path[len(prefix) + 1:]).resolve()
                if directory.resolve() in target.parents and target.is_file():
                    headers = {"Content-Type": content_type} if content_type else {}
                    return Reply(200, target.read_bytes(), headers)
        return Reply(404, b"not found")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
