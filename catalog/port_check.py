"""Is the port `make run` will serve on free? Run as a plain script before anything is installed.

`make run` installs, migrates, seeds, harvests and checks before it serves; a taken port used to
show only at the very end, as a gunicorn traceback. This check runs first and says what to do.
"""

from __future__ import annotations

import socket
import sys


def port_problem(host: str, port: int) -> str | None:
    """Why the portal cannot listen on host:port, or None when it can (binding as gunicorn does)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return (f"Port {port} on {host} is taken ({exc.strerror}): stop the program using it, "
                    f"or choose another port, e.g. make run PORT={port + 1}")
    return None


def main(argv: list[str]) -> int:
    host, port = argv[1], int(argv[2])
    problem = port_problem(host, port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
