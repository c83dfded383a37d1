"""Bounded HTTP for the live probes: every call has a connect timeout, a read timeout, an overall
deadline and a size cap, and every failure becomes a :class:`ProbeError` with a readable reason.

Hostile or broken servers (huge bodies, a server that accepts and never answers, a slow drip,
HTML instead of JSON) give a clear finding within the timeout, never a hang or a traceback.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from .clients import Inputs, provides

MAX_BODY = 4 * 1024 * 1024      # an image answer (b64 PNG) fits; anything bigger is hostile
MESSAGE_LIMIT = 300             # error texts are cut to a readable length


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ProbeError(Exception):
    """A request that got no usable answer: refused, timed out, too large, not HTTP ..."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # refused | timeout | dns | too-large | protocol | invalid-url


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


class Http:
    """One bounded client shared by the live checks of a run."""

    def __init__(self, connect_timeout: float = 2.0, read_timeout: float = 10.0):
        import httpx  # here, not at module level: an offline run never pays for it (about 90 ms)

        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._client = httpx.Client(follow_redirects=False, trust_env=False,
                                    timeout=httpx.Timeout(read_timeout, connect=connect_timeout))

    def request(self, method: str, url: str, *, key: str | None = None, json_body: Any = None,
                timeout: float | None = None, headers: dict[str, str] | None = None,
                max_body: int = MAX_BODY) -> Answer:
        """Send one request; the whole exchange must finish within `timeout` (default: read timeout)."""
        import httpx

        total = timeout or self.read_timeout
        hdrs = {"accept": "application/json", **(headers or {})}
        if key:
            hdrs["authorization"] = f"Bearer {key}"
        t0 = time.monotonic()
        deadline = t0 + total
        try:
            with self._client.stream(method, url, json=json_body, headers=hdrs,
                                     timeout=httpx.Timeout(min(total, self.read_timeout * 10),
                                                           connect=self.connect_timeout)) as resp:
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > max_body:
                        raise ProbeError("too-large", f"{url} sent more than {max_body // 1024} KiB; stopped reading")
                    if time.monotonic() > deadline:
                        raise ProbeError("timeout", f"{url} did not finish answering within {total:g} s")
                    chunks.append(chunk)
                return Answer(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, b"".join(chunks),
                              int((time.monotonic() - t0) * 1000), url)
        except ProbeError:
            raise
        except httpx.ConnectTimeout:
            raise ProbeError("timeout", f"{url}: no connection within {self.connect_timeout:g} s") from None
        except httpx.TimeoutException:
            raise ProbeError("timeout", f"{url}: no answer within {total:g} s") from None
        except httpx.ConnectError as exc:
            text = str(exc)
            kind = "dns" if "Name or service not known" in text or "nodename" in text else "refused"
            reason = "the host name does not resolve" if kind == "dns" else "connection refused: nothing listens there"
            raise ProbeError(kind, f"{url}: {reason}") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ProbeError("invalid-url", f"{url}: not a usable URL ({exc})") from None
        except (httpx.HTTPError, OSError) as exc:
            raise ProbeError("protocol", f"{url}: {type(exc).__name__}: {shorten(str(exc), 160)}") from None

    def get(self, url: str, **kw: Any) -> Answer:
        return self.request("GET", url, **kw)

    def post(self, url: str, body: Any, **kw: Any) -> Answer:
        return self.request("POST", url, json_body=body, **kw)

    def close(self) -> None:
        self._client.close()


@provides("http")
def _http(inputs: Inputs) -> Http:
    s = inputs.settings
    return Http(connect_timeout=s.connect_timeout, read_timeout=s.read_timeout)
