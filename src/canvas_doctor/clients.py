"""Inputs a check can ask for by parameter name; each is built once, lazily, on first use.

Checks never build their own clients: the runner injects what their signature names. Heavy
libraries (boto3, docker) are imported only inside the factory that needs them.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from .settings import Settings
from .stack.model import Stack

Factory = Callable[["Inputs"], Any]

# name -> factory; later modules add theirs with `provides`.
FACTORIES: dict[str, Factory] = {}


def provides(name: str) -> Callable[[Factory], Factory]:
    """Register a factory for an injectable input (used by client modules, not by checks)."""
    def register(factory: Factory) -> Factory:
        FACTORIES[name] = factory
        return factory
    return register


class Inputs:
    """The injectable values of one run: settings, stack, results so far, and lazy clients."""

    def __init__(self, settings: Settings, stack: Stack):
        self.settings = settings
        self.stack = stack
        self.results: dict[str, list[Any]] = {}
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()  # a factory may ask for another input
        self._closers: list[Callable[[], None]] = []

    def get(self, name: str) -> Any:
        if name == "settings":
            return self.settings
        if name == "stack":
            return self.stack
        if name == "results":
            return self.results
        with self._lock:
            if name in self._built:
                return self._built[name]
            factory = FACTORIES.get(name)
            if factory is None:
                _load_client_modules()
                factory = FACTORIES.get(name)
            if factory is None:
                raise LookupError(f"no input named {name!r} can be injected")
            value = factory(self)
            self._built[name] = value
            close = getattr(value, "close", None)
            if callable(close):
                self._closers.append(close)
            return value

    def close(self) -> None:
        for close in self._closers:
            try:
                close()
            except Exception:  # closing must never break a report
                pass


# Modules that register client factories; imported only when a check asks for a client.
CLIENT_MODULES: list[str] = ["canvas_doctor.http", "canvas_doctor.litellm_client", "canvas_doctor.docker_client",
                             "canvas_doctor.aws_client", "canvas_doctor.aws_stack.reader"]


def _load_client_modules() -> None:
    import importlib
    for module in CLIENT_MODULES:
        importlib.import_module(module)
