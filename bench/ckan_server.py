"""A CKAN-style `package_search` served from pages written beforehand, for bench_harvest.

    python -m bench.ckan_server DIR PORT

Answers /api/3/action/package_search?start=S&rows=R with DIR/page-S.json (R is fixed when the pages are
written), so the harvest under test, not the server, is what costs. The pages are read again when a
harvest starts over (start=0) after DIR/count changed: bench_mixed rewrites them for each round.
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

EMPTY = b'{"success": true, "result": {"count": 0, "results": []}}'


def _read(directory: Path) -> tuple[float, dict[int, bytes], bytes]:
    stamp = (directory / "count").stat().st_mtime
    pages = {int(p.stem.split("-")[1]): p.read_bytes() for p in directory.glob("page-*.json")}
    return stamp, pages, (directory / "count").read_text().strip().encode()


def serve(directory: Path, port: int) -> None:
    state = [_read(directory)]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            start = int(query.get("start", ["0"])[0])
            if start == 0 and (directory / "count").stat().st_mtime != state[0][0]:
                state[0] = _read(directory)
            _stamp, pages, total = state[0]
            body = pages.get(start) or EMPTY.replace(b'"count": 0', b'"count": ' + total)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
