"""Tiny servers on 127.0.0.1 that answer badly on purpose: a LiteLLM look-alike whose routes a test
sets one by one (a huge body, invalid JSON, HTML, a drip, silence, a redirect, a gzip bomb, trickled
headers ...), and a socket that accepts connections and never answers. Nothing here ever connects
anywhere: an off-machine redirect only names an address (TEST-NET-3, RFC 5737).

    with FakeLiteLLM({"/health/liveliness": huge()}) as fake:
        doctor(..., "--litellm-url", fake.url)
"""
from __future__ import annotations

import gzip
import io
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


def _stopping(h: BaseHTTPRequestHandler, seconds: float) -> bool:
    return h.server.stopping.wait(seconds)  # type: ignore[attr-defined]


def redirect(location: str | None = None, status: int = 302) -> Route:
    """A redirect to `location`, or to the request's own path (a loop)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("location", location or h.path)
        h.send_header("content-length", "0")
        h.end_headers()
    return route


OFF_MACHINE = "http://203.0.113.9/elsewhere"   # TEST-NET-3: documentation only, never routed


_BOMB: dict[int, bytes] = {}


def gzip_bomb(megabytes: int = 256) -> Route:
    """200 JSON whose gzip body (about 0.5 MB) expands to `megabytes` MiB of blanks."""
    if megabytes not in _BOMB:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as z:
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                z.write(block)
        _BOMB[megabytes] = buf.getvalue()
    return answer(200, _BOMB[megabytes], headers={"content-encoding": "gzip"})


def giant(gigabytes: int = 1, *, chunked: bool = False) -> Route:
    """A body of `gigabytes` GiB, generated lazily as fast as the client reads (never materialised)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        size = gigabytes << 30
        h.send_response(200)
        h.send_header("content-type", "application/json")
        h.send_header("transfer-encoding" if chunked else "content-length", "chunked" if chunked else str(size))
        h.end_headers()
        block = b" " * (1 << 16)
        framed = b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
        try:
            for _ in range(size // len(block)):
                if h.server.stopping.is_set():  # type: ignore[attr-defined]
                    return
                h.wfile.write(framed)
        except OSError:
            pass
    return route


def endless_chunks(every: float = 0.05) -> Route:
    """Chunked encoding that never sends its last chunk: one small chunk every `every` seconds."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("content-type", "application/json")
        h.send_header("transfer-encoding", "chunked")
        h.end_headers()
        try:
            while not _stopping(h, every):
                h.wfile.write(b"1\r\n \r\n")
        except OSError:
            pass
    return route


def http10_unbounded(every: float = 0.05) -> Route:
    """An HTTP/1.0 answer without a length (it ends when the server closes), which never closes."""
    def route(h: BaseHTTPRequestHandler) -> None:
        try:
            h.wfile.write(b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n")
            while not _stopping(h, every):
                h.wfile.write(b" ")
        except OSError:
            pass
        h.close_connection = True
    return route


def slowloris(every: float = 0.1) -> Route:
    """A status line, then the headers one byte at a time, never finished."""
    def route(h: BaseHTTPRequestHandler) -> None:
        try:
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while not _stopping(h, every):
                h.wfile.write(b"x")
        except OSError:
            pass
        h.close_connection = True
    return route


def close_at_once() -> Route:
    """Read the request, then close the connection without a byte."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return route


CREDENTIAL_HEADERS = ("x-amz-security-token", "authorization")


def echo_headers() -> Route:
    """200 JSON holding every request header, the credentials first (where an excerpt shows them)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        sent = {k.lower(): v for k, v in h.headers.items()}
        first = {k: sent.pop(k) for k in CREDENTIAL_HEADERS if k in sent}
        answer(200, {**first, **sent})(h)
    return route


HTML = answer(200, "<!doctype html><html><head><title>Open WebUI</title></head><body></body></html>", "text/html")
NOT_JSON = answer(200, "{\"status\": tru", "application/json")
WRONG_SHAPE = answer(200, {"unexpected": ["a", "list"], "status": "maybe"})

# STS GetCallerIdentity as AWS answers it (query protocol, XML): lets the Bedrock checks reach the
# control plane and the runtime while a hostile route serves everything else.
STS_IDENTITY = answer(200, '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                           "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/doctor</Arn>"
                           "<UserId>AIDAEXAMPLEUSERID</UserId><Account>123456789012</Account>"
                           "</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId>"
                           "</ResponseMetadata></GetCallerIdentityResponse>", "text/xml",
                      headers={"x-amzn-requestid": "r-1"})

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
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        self.server.seen.append(path)  # type: ignore[attr-defined]
        if self.server.sts and self.command == "POST" and b"Action=GetCallerIdentity" in body:  # type: ignore[attr-defined]
            STS_IDENTITY(self)
            return
        route = self.server.routes.get(path, self.server.default)  # type: ignore[attr-defined]
        if route is None:
            answer(404, {"detail": "Not Found"})(self)
            return
        route(self)

    do_GET = do_POST = _route


class FakeLiteLLM:
    """A look-alike proxy whose routes the test chooses (unknown paths: `default`, else 404). With
    `sts`, STS GetCallerIdentity answers as AWS does, whatever the routes."""

    def __init__(self, routes: dict[str, Route], default: Route | None = None, *, sts: bool = False):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.routes = routes  # type: ignore[attr-defined]
        self.server.default = default  # type: ignore[attr-defined]
        self.server.sts = sts  # type: ignore[attr-defined]
        self.server.handle_error = lambda *a: None  # a client that hangs up is what these tests expect
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
