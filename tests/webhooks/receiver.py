"""A real HTTP receiver on loopback for webhook tests: records every request (headers and body) and answers
with a chosen status, body, redirect, or not at all for a while (`hold` seconds before answering). With
`keep_alive` it speaks HTTP/1.1 and keeps connections open; `connections` counts the connections made."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    status: int = 200
    answer: bytes = b"ok"
    location: str = ""
    hold: float = 0.0
    keep_alive: bool = False
    connections: set = field(default_factory=set)  # the senders' (address, port) pairs
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)  # ends every hold at once

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            @property
            def protocol_version(self) -> str:
                return "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

            def do_POST(self):  # noqa: N802  (the name http.server calls)
                receiver.connections.add(self.client_address)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                receiver.received.append(
                    Received(self.path, {key.lower(): value for key, value in self.headers.items()}, body)
                )
                receiver.arrived.set()
                if receiver.hold:
                    receiver.released.wait(receiver.hold)
                try:
                    self.send_response(receiver.status)
                    if receiver.location:
                        self.send_header("Location", receiver.location)
                    self.send_header("Content-Length", str(len(receiver.answer)))
                    self.end_headers()
                    self.wfile.write(receiver.answer)
                except OSError:
                    pass  # the sender gave up or was killed meanwhile

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
