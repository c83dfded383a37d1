"""What the checks and inputs of one run share, safe from any of the runner's threads.

Today: the secrets. Discovery, the command line and the environment are registered before the
first check starts (canvas_doctor.secret_sources); a check or an input that learns another one at
run time (a key in a container's environment, the AWS credentials boto3 resolved, a token from a
config read inside a container) registers it here, with :meth:`RunContext.add_secrets`. The run's
one :class:`~canvas_doctor.redact.Redactor` reads from it: the report before any reporter, the
logging filter while checks run, and the diff `canvas-doctor fix` shows.

A check asks for it by the parameter name `context`; an input's factory finds it as
`inputs.context`. Nothing writes to the shared `stack.secrets` after discovery.
"""
from __future__ import annotations

import threading
from typing import Any, Iterable, Mapping

from .redact import Redactor


class RunContext:
    """The secrets of one run (and the one redactor that masks them)."""

    def __init__(self, redactor: Redactor | None = None):
        self._lock = threading.Lock()
        self._redactor = redactor if redactor is not None else Redactor()

    @classmethod
    def for_run(cls, stack: Any, settings: Any = None, environ: Mapping[str, str] | None = None) -> "RunContext":
        """A context holding every secret known before the run: the stack's, the flags', the environment's."""
        from .secret_sources import redactor_for
        return cls(redactor_for(stack, settings, environ))

    def add_secrets(self, values: Iterable[str | None]) -> None:
        """Register secrets learned at run time; masked in every output from now on (thread-safe)."""
        values = [v for v in values if v]
        if not values:
            return
        with self._lock:
            self._redactor.add(values)

    def add_secret(self, value: str | None) -> None:
        self.add_secrets((value,))

    @property
    def secrets(self) -> frozenset[str]:
        with self._lock:
            return self._redactor.secrets

    @property
    def redactor(self) -> Redactor:
        """The run's redactor. Safe to use while other threads register: it swaps whole tables."""
        return self._redactor
