"""The request log: what clients sent, for tests to assert on. Never holds a secret."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# Headers never recorded (credentials).
SECRET_HEADERS = {"authorization", "x-amz-security-token"}


@dataclass
class RecordedRequest:
    method: str
    path: str  # as sent (still URL-encoded), without the query
    query: dict[str, list[str]]
    operation: str | None  # "InvokeModel", "Converse", "ListFoundationModels", ... or None (unknown route)
    model_id: str | None  # decoded, as the client named it (id, profile id or ARN)
    resolved_model_id: str | None  # the catalog model behind it, when resolution succeeded
    body: Any  # parsed JSON, or the text when it is not JSON, or None
    headers: dict[str, str]  # minus Authorization and X-Amz-Security-Token
    auth: str | None  # "sigv4" | "bearer" | None | "other"
    auth_region: str | None = None  # SigV4 credential scope region
    auth_service: str | None = None
    status: int | None = None  # the status answered (None: connection dropped)
    error_code: str | None = None
    time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []
        self._changed = threading.Condition(self._lock)

    def add(self, item: RecordedRequest) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def finish(self, item: RecordedRequest, status: int | None, error_code: str | None = None) -> None:
        with self._changed:
            item.status = status
            item.error_code = error_code
            self._changed.notify_all()

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def wait(self, count: int, timeout: float) -> list[RecordedRequest]:
        """Wait until at least `count` requests have been answered (or timeout); return the log."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(1 for i in self._items if i.status is not None) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return list(self._items)
