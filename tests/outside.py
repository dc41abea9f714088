"""Stand-ins for the outside world in tests of outbound requests (portal/outbound.py and its users): a real
HTTP server on loopback, and a resolver that answers chosen addresses for chosen names."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REAL_GETADDRINFO = socket.getaddrinfo
PUBLIC = "93.184.215.14"


def resolving(monkeypatch, answers: dict[str, list[str]]) -> None:
    """The resolver answers `answers[host]` (a list that may change between calls) for the names given."""

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in answers[host]]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@contextmanager
def serving(routes: dict, seen: list | None = None):
    """An HTTP server on loopback answering `routes` (path -> (status, headers, body or callable)) to GET and
    POST; yields its base URL. Each request is noted in `seen` as (method, path, Host header)."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if seen is not None:
                seen.append((self.command, self.path, self.headers["Host"]))
            status, headers, body = routes.get(self.path, (404, {}, b"missing"))
            if callable(body):
                body = body()
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up meanwhile

        do_GET = do_POST = _answer  # noqa: N815  (the names http.server calls)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
