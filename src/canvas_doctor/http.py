"""Bounded HTTP for the live probes and the AWS calls: every call has one total deadline (connect,
headers and body together), a size cap that holds after decompression too, and no redirect is ever
followed; every failure becomes a :class:`ProbeError` with a readable reason.

httpx's timeouts apply per socket operation, so a server that trickles its headers (slowloris), drips
its body, or sends chunks without end would hold a call forever. Here every socket operation of a
call gets at most what is left of the call's deadline (a network backend under httpcore's
connection pool), and the body is read raw and decompressed here, incrementally and capped, so a
gzip bomb never expands in memory.
"""
from __future__ import annotations

import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable

from .clients import Inputs

MAX_BODY = 4 * 1024 * 1024      # an image answer (b64 PNG) fits; anything bigger is hostile
MESSAGE_LIMIT = 300             # error texts are cut to a readable length
ACCEPT_ENCODING = "gzip, deflate"  # what the doctor can decode with a cap (no br, no zstd)


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_bytes(body: bytes, limit: int = 120) -> str:
    """The start of a body as a quoted, one-line excerpt (the redactor masks secrets in it later)."""
    return repr(shorten(body[: limit * 4].decode("utf-8", errors="replace"), limit))


class ProbeError(Exception):
    """A request that got no usable answer: refused, timed out, too large, not HTTP ..."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # refused | timeout | dns | closed | too-large | protocol | redirect | invalid-url | answer


# ---------------------------------------------------------------- the deadline under httpcore


@dataclass
class _Call:
    """The call in flight on this thread: when it must end, and how many bytes came back so far."""

    deadline: float
    received: int = 0


_calls = threading.local()


def _current() -> _Call | None:
    return getattr(_calls, "call", None)


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """The socket timeout for one operation: the smaller of httpx's and what is left of the call's deadline."""
    call = _current()
    if call is None:
        return timeout
    left = call.deadline - time.monotonic()
    if left <= 0:
        raise error("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    """An httpcore network stream whose every read and write ends by the call's deadline."""

    def __init__(self, inner: Any):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        data = self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))
        call = _current()
        if call is not None:
            call.received += len(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore

        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        import httpcore

        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend:
    """httpcore's network backend, with the call's deadline applied to connecting and to every stream."""

    def __init__(self, inner: Any):
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> _DeadlineStream:
        import httpcore

        return _DeadlineStream(self._inner.connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout),
                                                       local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> _DeadlineStream:
        import httpcore

        return _DeadlineStream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout),
                                                               socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bound_transports(client: Any) -> int:
    """Put the deadline backend under every connection pool of an httpx client (httpcore 1.x keeps its
    backend in `_network_backend`); returns how many pools were bound."""
    import httpcore

    bound = 0
    for transport in [client._transport, *client._mounts.values()]:
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            inner = pool._network_backend
            if not isinstance(inner, _DeadlineBackend):
                pool._network_backend = _DeadlineBackend(inner if inner is not None else httpcore.SyncBackend())
            bound += 1
    return bound


# ---------------------------------------------------------------- bounded decompression


class _TooLarge(Exception):
    pass


class _Decoder:
    """Content-Encoding undone incrementally (gzip, deflate, in any chain), each stage capped at `cap`
    bytes of output: a bomb stops at cap + 1 bytes, never expands whole."""

    WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}

    def __init__(self, encodings: list[str], cap: int):
        self.cap = cap
        self.names = encodings
        self._stages = [[zlib.decompressobj(self.WBITS[e]), 0, e] for e in reversed(encodings)]

    @classmethod
    def unknown(cls, encodings: list[str]) -> list[str]:
        return [e for e in encodings if e not in cls.WBITS]

    def _stage(self, stage: list, data: bytes) -> bytes:
        obj, produced, name = stage
        room = self.cap + 1 - produced
        try:
            out = obj.decompress(data, room)
        except zlib.error:
            if name == "deflate" and produced == 0:
                stage[0], stage[2] = zlib.decompressobj(-zlib.MAX_WBITS), "deflate-raw"   # deflate without zlib header
                return self._stage(stage, data)
            raise
        stage[1] = produced + len(out)
        if stage[1] > self.cap or obj.unconsumed_tail:
            raise _TooLarge()
        return out

    def feed(self, data: bytes) -> bytes:
        for stage in self._stages:
            if not data:
                break
            data = self._stage(stage, data)
        return data

    def flush(self) -> bytes:
        data = b""
        for stage in self._stages:
            out = self._stage(stage, data) if data else b""
            tail = stage[0].flush()
            stage[1] += len(tail)
            if stage[1] > self.cap:
                raise _TooLarge()
            data = out + tail
        return data


# ---------------------------------------------------------------- answers


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: int
    url: str
    _json: Any = field(default=None, repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def describe(self) -> str:
        """What came back, for a finding: `200 text/html: '<!doctype html>…'`."""
        return f"{self.status} {self.content_type or 'without a content type'}: {first_bytes(self.body)}" \
            if self.body else f"{self.status} {self.content_type or 'without a content type'} with an empty body"

    def json(self) -> Any:
        """The body as JSON, or ProbeError("protocol") saying what came instead."""
        if self._json is None:
            try:
                self._json = json.loads(self.body)
            except ValueError:
                what = "an HTML page" if "html" in self.content_type or self.text.lstrip()[:1] == "<" else \
                    f"{self.content_type or 'a body'} that is not JSON"
                raise ProbeError("protocol", f"{self.url} answered {self.status} with {what}: "
                                             f"{shorten(self.text, 120)!r}") from None
        return self._json

    def error_message(self) -> str:
        """The error text of an OpenAI/LiteLLM-style error body, else the body, cut short."""
        try:
            data = self.json()
        except ProbeError:
            return shorten(self.text) or f"HTTP {self.status}"
        if isinstance(data, dict):
            err = data.get("error", data.get("detail", data))
            if isinstance(err, dict):
                return shorten(str(err.get("message") or err))
            return shorten(str(err))
        return shorten(str(data))


def _kib(n: int) -> str:
    return f"{n // 1024} KiB" if n >= 1024 else f"{n} bytes"


class Http:
    """One bounded client shared by the live checks of a run (and, with trust_env, by the AWS calls)."""

    def __init__(self, connect_timeout: float = 2.0, read_timeout: float = 10.0, *, trust_env: bool = False,
                 verify: Any = True):
        import httpx  # here, not at module level: an offline run never pays for it (about 90 ms)

        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._client = httpx.Client(follow_redirects=False, trust_env=trust_env, verify=verify,
                                    timeout=httpx.Timeout(read_timeout, connect=connect_timeout))
        if not _bound_transports(self._client):
            raise RuntimeError("httpx/httpcore changed: the call deadline cannot be applied")

    def request(self, method: str, url: str, *, key: str | None = None, json_body: Any = None,
                timeout: float | None = None, headers: dict[str, str] | None = None,
                max_body: int = MAX_BODY) -> Answer:
        """Send one request; the whole exchange must finish within `timeout` (default: read timeout)."""
        hdrs = {"accept": "application/json", **(headers or {})}
        if key:
            hdrs["authorization"] = f"Bearer {key}"
        content = None
        if json_body is not None:
            content = json.dumps(json_body).encode()
            hdrs.setdefault("content-type", "application/json")
        return self.exchange(method, url, headers=hdrs, content=content, timeout=timeout, max_body=max_body)

    def exchange(self, method: str, url: str, *, headers: dict[str, str], content: bytes | None = None,
                 timeout: float | None = None, max_body: int = MAX_BODY) -> Answer:
        """One request and its whole answer within `timeout` seconds, at most `max_body` bytes after
        decompression, no redirect followed. Every failure is a ProbeError."""
        import httpx

        total = timeout or self.read_timeout
        t0 = time.monotonic()
        call, previous = _Call(t0 + total), _current()
        _calls.call = call
        state = {"headers": False}
        try:
            return self._exchange(method, url, headers, content, total, max_body, t0, state)
        except ProbeError:
            raise
        except httpx.TimeoutException as exc:
            raise self._timeout(exc, url, total, call, state["headers"]) from None
        except httpx.ConnectError as exc:
            text = str(exc)
            kind = "dns" if "Name or service not known" in text or "nodename" in text else "refused"
            reason = "the host name does not resolve" if kind == "dns" else "connection refused: nothing listens there"
            if kind == "refused" and ("SSL" in text or "CERTIFICATE" in text):
                reason = f"TLS failed ({shorten(text, 160)})"
            elif kind == "refused" and "refused" not in text.lower():
                reason = f"cannot connect ({shorten(text, 160)})"
            raise ProbeError(kind, f"{url}: {reason}") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ProbeError("invalid-url", f"{url}: not a usable URL ({exc})") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if state["headers"]:
                why = f"the answer broke off ({shorten(str(exc), 120)})"
            elif call.received == 0:
                raise ProbeError("closed", f"{url}: the server closed the connection without answering") from None
            else:
                why = f"the server sent no valid HTTP answer ({shorten(str(exc), 120)})"
            raise ProbeError("protocol", f"{url}: {why}") from None
        except (httpx.HTTPError, OSError, ValueError) as exc:
            raise ProbeError("protocol", f"{url}: {type(exc).__name__}: {shorten(str(exc), 160)}") from None
        finally:
            _calls.call = previous

    def _timeout(self, exc: Exception, url: str, total: float, call: _Call, headers: bool) -> ProbeError:
        import httpx

        if headers:
            return ProbeError("timeout", f"{url} did not finish answering within {total:g} s")
        if isinstance(exc, httpx.ConnectTimeout):
            return ProbeError("timeout", f"{url}: no connection within {min(self.connect_timeout, total):g} s")
        if call.received:
            return ProbeError("timeout", f"{url}: sent {call.received} bytes but no complete headers within "
                                         f"{total:g} s (it trickles them: a hung or hostile server)")
        return ProbeError("timeout", f"{url}: no answer within {total:g} s")

    def _exchange(self, method: str, url: str, headers: dict[str, str], content: bytes | None, total: float,
                  max_body: int, t0: float, state: dict[str, bool]) -> Answer:
        import httpx

        hdrs = {"accept-encoding": ACCEPT_ENCODING, **headers}
        timeout = httpx.Timeout(total, connect=min(self.connect_timeout, total))
        with self._client.stream(method, url, content=content, headers=hdrs, timeout=timeout) as resp:
            state["headers"] = True
            status = resp.status_code
            if 300 <= status < 400 and status != 304:
                where = resp.headers.get("location") or "nowhere (no Location header)"
                raise ProbeError("redirect", f"{url} answered {status}, a redirect to {shorten(where, 120)}; the "
                                             "doctor follows no redirect: give it the address that answers")
            length = resp.headers.get("content-length", "").strip()
            if length.isdigit() and int(length) > max_body:
                raise ProbeError("too-large", f"{url} sent more than {_kib(max_body)} (Content-Length {length}); "
                                              "stopped reading")
            encodings = [e.strip().lower() for e in resp.headers.get("content-encoding", "").split(",")
                         if e.strip() and e.strip().lower() != "identity"]
            unknown = _Decoder.unknown(encodings)
            if unknown:
                raise ProbeError("protocol", f"{url} answered {status} with Content-Encoding {', '.join(unknown)}, "
                                             f"which the doctor did not ask for ({ACCEPT_ENCODING})")
            body = self._read(resp, url, total, max_body, t0 + total, _Decoder(encodings, max_body)
                              if encodings else None)
            out_headers = {k.lower(): v for k, v in resp.headers.items()}
            if encodings:
                out_headers.pop("content-encoding", None)
                out_headers["content-length"] = str(len(body))
            return Answer(status, out_headers, body, int((time.monotonic() - t0) * 1000), url)

    @staticmethod
    def _read(resp: Any, url: str, total: float, max_body: int, deadline: float, decoder: _Decoder | None) -> bytes:
        chunks: list[bytes] = []
        raw = size = 0
        too_large = ProbeError("too-large", f"{url} sent more than {_kib(max_body)}; stopped reading")
        try:
            for chunk in resp.iter_raw():
                raw += len(chunk)
                if raw > max_body:
                    raise too_large
                if time.monotonic() > deadline:
                    raise ProbeError("timeout", f"{url} did not finish answering within {total:g} s")
                if decoder is not None:
                    chunk = decoder.feed(chunk)
                size += len(chunk)
                if size > max_body:
                    raise too_large
                chunks.append(chunk)
            if decoder is not None:
                tail = decoder.flush()
                if size + len(tail) > max_body:
                    raise too_large
                chunks.append(tail)
        except _TooLarge:
            raise ProbeError("too-large", f"{url} sent more than {_kib(max_body)} once decompressed "
                                          f"({', '.join(decoder.names) if decoder else ''}); stopped reading") from None
        except zlib.error as exc:
            raise ProbeError("protocol", f"{url} sent a body that is not valid "
                                         f"{', '.join(decoder.names) if decoder else ''} ({exc})") from None
        return b"".join(chunks)

    def get(self, url: str, **kw: Any) -> Answer:
        return self.request("GET", url, **kw)

    def post(self, url: str, body: Any, **kw: Any) -> Answer:
        return self.request("POST", url, json_body=body, **kw)

    def close(self) -> None:
        self._client.close()


def http_input(inputs: Inputs) -> Http:
    s = inputs.settings
    return Http(connect_timeout=s.connect_timeout, read_timeout=s.read_timeout)
