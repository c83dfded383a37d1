"""Inputs a check can ask for by parameter name; each is built once, lazily, on first use.

Checks never build their own clients: the runner injects what their signature names. Besides
`settings`, `stack` and `results`, every input is an entry of the `canvas_doctor.inputs` group
(name -> factory; the built-in http, litellm, docker and aws are declared in pyproject.toml), so
the registry knows every name when a plugin loads, and a factory's module (boto3, docker) is
imported only when a check asks for that input.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from . import plugins
from .run_context import RunContext
from .settings import Settings
from .stack.model import Stack

Factory = Callable[["Inputs"], Any]
BUILTIN = ("settings", "stack", "results", "context")

# name -> factory, as loaded from the entry points (or registered in-process with `provides`).
FACTORIES: dict[str, Factory] = {}


def provides(name: str) -> Callable[[Factory], Factory]:
    """Register a factory in-process (kept for older code; inputs are declared as entry points)."""
    def register(factory: Factory) -> Factory:
        FACTORIES[name] = factory
        return factory
    return register


def input_names() -> tuple[str, ...]:
    """Every parameter name a check may have: the run's own values and the inputs group."""
    return tuple(dict.fromkeys((*BUILTIN, *plugins.names(plugins.INPUTS), *FACTORIES)))


def factory_for(name: str) -> Factory | None:
    """The factory of an input, its entry point loaded on first use."""
    if name not in FACTORIES:
        ep = plugins.find(plugins.INPUTS, name)
        if ep is None:
            return None
        FACTORIES[name] = ep.load()
    return FACTORIES[name]


class Inputs:
    """The injectable values of one run: settings, stack, results so far, the run context (where a
    secret learned at run time is registered), and lazy clients."""

    def __init__(self, settings: Settings, stack: Stack, context: RunContext | None = None):
        self.settings = settings
        self.stack = stack
        self.context = context if context is not None else RunContext.for_run(stack, settings)
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
        if name == "context":
            return self.context
        with self._lock:
            if name in self._built:
                return self._built[name]
            factory = factory_for(name)
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
