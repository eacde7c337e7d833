"""A callback receiver on 127.0.0.1 that records what it gets and answers from a script."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # statuses to answer, in order; when exhausted, ``default`` is used
    script: list[int] = field(default_factory=list)
    default: int = 200
    redirect_to: str | None = None
    connections: int = 0

    def wait_for(self, count: int, timeout_s: float = 10) -> list[Received]:
        import time

        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                state.received.append(Received(self.path, {k: v for k, v in self.headers.items()}, body))
                status = state.script.pop(0) if state.script else state.default
            if state.redirect_to:
                self.send_response(307)
                self.send_header("Location", state.redirect_to)
            else:
                self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        def get_request(self):  # type: ignore[no-untyped-def]
            state.connections += 1
            return super().get_request()

    server = Server(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/callbacks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
