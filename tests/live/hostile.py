"""Tiny servers on 127.0.0.1 that answer badly on purpose: a LiteLLM look-alike whose routes a test
sets one by one (a huge body, invalid JSON, HTML, a drip, silence), and a socket that accepts
connections and never answers.

    with FakeLiteLLM({"/health/liveliness": huge()}) as fake:
        doctor(..., "--litellm-url", fake.url)
"""
from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

# What a route does with the request handler: write an answer (or not).
Route = Callable[[BaseHTTPRequestHandler], None]


def answer(status: int, body: Any, content_type: str = "application/json", headers: dict | None = None) -> Route:
    data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("content-type", content_type)
        h.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)
    return route


def huge(megabytes: int = 64) -> Route:
    """200 with a body far past any cap, sent as fast as the client reads."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(megabytes << 20))
        h.end_headers()
        chunk = b" " * (1 << 16)
        try:
            for _ in range(megabytes << 4):
                h.wfile.write(chunk)
        except OSError:
            pass
    return route


def silent(seconds: float = 60) -> Route:
    """Read the request, then say nothing (until the server stops)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.server.stopping.wait(seconds)  # type: ignore[attr-defined]
    return route


def drip(seconds: float = 60) -> Route:
    """Headers at once, then one byte a second: every read succeeds, the answer never ends."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", "100000")
        h.end_headers()
        try:
            for _ in range(int(seconds)):
                if h.server.stopping.wait(1):  # type: ignore[attr-defined]
                    return
                h.wfile.write(b" ")
                h.wfile.flush()
        except OSError:
            pass
    return route


HTML = answer(200, "<!doctype html><html><head><title>Open WebUI</title></head><body></body></html>", "text/html")
NOT_JSON = answer(200, "{\"status\": tru", "application/json")

# A proxy that looks like LiteLLM 1.108.7 on the free routes (for tests of one bad route).
MODELS = {"data": [{"id": "nova-canvas", "object": "model"}], "object": "list"}


def litellm_routes(version: str = "1.108.7") -> dict[str, Route]:
    return {
        "/health/liveliness": answer(200, '"I\'m alive!"'),
        "/health/readiness/details": answer(200, {"status": "healthy", "db": "Not connected",
                                                  "litellm_version": version}),
        "/v1/models": answer(200, MODELS),
        "/model/info": answer(200, {"data": []}),
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _route(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        self.server.seen.append(path)  # type: ignore[attr-defined]
        route = self.server.routes.get(path)  # type: ignore[attr-defined]
        if route is None:
            answer(404, {"detail": "Not Found"})(self)
            return
        route(self)

    do_GET = do_POST = _route


class FakeLiteLLM:
    """A look-alike proxy whose routes the test chooses (unknown paths: 404)."""

    def __init__(self, routes: dict[str, Route]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.routes = routes  # type: ignore[attr-defined]
        self.server.seen = []  # type: ignore[attr-defined]
        self.server.stopping = threading.Event()  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def seen(self) -> list[str]:
        return list(self.server.seen)  # type: ignore[attr-defined]

    def __enter__(self) -> "FakeLiteLLM":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stopping.set()  # type: ignore[attr-defined]
        self.server.shutdown()
        self.server.server_close()


@dataclass
class BlackHole:
    """Accepts every connection and never reads or answers (a hung process behind a live port)."""

    sock: socket.socket
    conns: list[socket.socket]
    stop: threading.Event

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> "BlackHole":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for c in self.conns:
            c.close()
        self.sock.close()


def black_hole() -> BlackHole:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.settimeout(0.1)
    hole = BlackHole(sock, [], threading.Event())

    def accept() -> None:
        while not hole.stop.is_set():
            try:
                conn, _ = sock.accept()
                hole.conns.append(conn)
            except (socket.timeout, OSError):
                time.sleep(0.01)
    threading.Thread(target=accept, daemon=True).start()
    return hole
