"""The `litellm` input of the live checks: which proxies to probe, with which key, and the calls.

Targets (contract, "Command line"): the chat proxy at --litellm-url, else the published port of
the service OPENAI_API_BASE_URL names, else http://localhost:4000; the image proxy at
--litellm-image-url, else the published port of the service IMAGES_OPENAI_API_BASE_URL names,
else the chat URL. One URL is probed once, whatever roles it has. The key is --litellm-key,
else the proxy's master key from the files (general_settings.master_key or LITELLM_MASTER_KEY).

Endpoints (LiteLLM proxy 1.108.7, measured on the real proxy):
  GET /health/liveliness          no auth, `"I'm alive!"`, cheap
  GET /health/readiness/details   auth; {"litellm_version": "1.108.7", ...}
  GET /v1/models                  auth; {"data": [{"id": ...}]}; wrong key and no database:
                                  400 "No connected db."; no key: 401; no key and no prisma:
                                  a plain-text 500 "Internal Server Error"
  GET /model/info                 auth; each deployment's litellm_params, credentials removed
  POST /v1/images/generations     auth; paid
Never GET /health without ?model=: it makes a billable call per model.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from .clients import Inputs
from .http import Answer, Http, ProbeError
from .models import Location
from .settings import Settings
from .stack.model import Proxy, Setting, Stack

DEFAULT_URL = "http://localhost:4000"
LIVELINESS_TIMEOUT = 5.0    # a live proxy answers in milliseconds; a hung one must not hold the run

T = TypeVar("T")


@dataclass
class Target:
    """One proxy URL to probe, the roles it plays for Open WebUI, and the key to send."""

    url: str
    url_origin: str                 # "--litellm-url", "published port of the litellm service", "default"
    roles: tuple[str, ...]          # ("chat",), ("image",) or both
    proxy: Proxy | None             # the stack's proxy behind this URL, if known
    key: str | None
    key_origin: str                 # "--litellm-key", "the master key of litellm from the files", ...
    key_setting: Setting | None = None   # where the master key was found, when it came from the files

    @property
    def key_from_flag(self) -> bool:
        return self.key_origin == "--litellm-key"

    @property
    def key_location(self) -> Location | None:
        return self.key_setting.location if self.key_setting is not None else None

    @property
    def label(self) -> str:
        role = " and ".join(self.roles)
        name = f"{self.proxy.name} " if self.proxy is not None else ""
        return f"the {role} proxy {name}at {self.url}"

    @property
    def name(self) -> str:
        return self.proxy.name if self.proxy is not None else "litellm"

    def endpoint(self, path: str) -> str:
        return self.url.rstrip("/") + path


def _master_key(proxy: Proxy | None) -> Setting | None:
    key = proxy.master_key() if proxy is not None else None
    return key if key is not None and key.value else None


def _key_for(settings: Settings, proxy: Proxy | None) -> tuple[str | None, str, Setting | None]:
    if settings.litellm_key:
        return settings.litellm_key, "--litellm-key", None
    key = _master_key(proxy)
    if key is None:
        return None, "no key (none given, no master key in the files)", None
    return key.value, f"the master key of {proxy.name if proxy else 'the proxy'} from the files", key


def resolve_targets(settings: Settings, stack: Stack) -> list[Target]:
    """The proxies to probe: chat first, then images when it is elsewhere."""
    chat = stack.chat_proxy
    image = stack.image_proxy or chat
    if settings.litellm_url:
        chat_url, chat_origin = settings.litellm_url, "--litellm-url"
    elif chat is not None and chat.host_url:
        chat_url, chat_origin = chat.host_url, f"the published port of the {chat.name} service"
    else:
        chat_url, chat_origin = DEFAULT_URL, "the default"
    if settings.litellm_image_url:
        image_url, image_origin = settings.litellm_image_url, "--litellm-image-url"
    elif image is not None and image is not chat and image.host_url:
        image_url, image_origin = image.host_url, f"the published port of the {image.name} service"
    else:
        image_url, image_origin = chat_url, chat_origin
    if image_url.rstrip("/") == chat_url.rstrip("/"):
        key, origin, setting = _key_for(settings, image)
        return [Target(chat_url, chat_origin, ("chat", "image"), image, key, origin, setting)]
    out = []
    for url, origin, role, proxy in ((chat_url, chat_origin, "chat", chat), (image_url, image_origin, "image", image)):
        key, key_origin, setting = _key_for(settings, proxy)
        out.append(Target(url, origin, (role,), proxy, key, key_origin, setting))
    return out


@dataclass
class LiteLLM:
    """Bounded calls to the stack's LiteLLM proxies; successful JSON answers are shared by the checks."""

    http: Http
    targets: list[Target]
    _cache: dict[tuple[str, str | None], Answer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def image_target(self) -> Target:
        return next(t for t in self.targets if "image" in t.roles)

    def each(self, fn: Callable[[Target], T]) -> list[T]:
        """fn for every target, concurrently (two hung proxies cost one timeout, not two)."""
        if len(self.targets) == 1:
            return [fn(self.targets[0])]
        with ThreadPoolExecutor(max_workers=len(self.targets)) as pool:
            return list(pool.map(fn, self.targets))

    def liveliness(self, target: Target) -> Answer:
        return self.http.get(target.endpoint("/health/liveliness"),
                             timeout=min(LIVELINESS_TIMEOUT, self.http.read_timeout))

    def get(self, target: Target, path: str, key: str | None = None, *, use_target_key: bool = True) -> Answer:
        """GET an authenticated route; 200 answers are cached per (url, key) for the other checks."""
        key = key if key is not None or not use_target_key else target.key
        cache_key = (target.endpoint(path), key)
        with self._lock:
            hit = self._cache.get(cache_key)
        if hit is not None:
            return hit
        answer = self.http.get(target.endpoint(path), key=key)
        if answer.status == 200:
            with self._lock:
                self._cache[cache_key] = answer
        return answer

    def generate(self, target: Target, body: dict[str, Any], *, timeout: float, max_body: int) -> Answer:
        """POST /v1/images/generations: the paid call."""
        return self.http.post(target.endpoint("/v1/images/generations"), body, key=target.key,
                              timeout=timeout, max_body=max_body)

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
        self.http.close()


def litellm_input(inputs: Inputs) -> LiteLLM:
    # Its own Http: Inputs builds inputs under a lock, so a factory cannot ask for another input.
    s = inputs.settings
    return LiteLLM(Http(connect_timeout=s.connect_timeout, read_timeout=s.read_timeout),
                   resolve_targets(s, inputs.stack))


__all__ = ["LiteLLM", "Target", "ProbeError", "resolve_targets", "DEFAULT_URL"]
