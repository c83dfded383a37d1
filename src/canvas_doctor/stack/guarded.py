"""Discovery that cannot break a run silently: an exception becomes the stack's `discovery_error`.

The checks then see an empty stack that says why it is empty, so `config.files` reports an
`error` result with the reason (in every format) instead of a made-up "no stack files".
"""
from __future__ import annotations

import logging
import traceback
from pathlib import Path

from .model import Stack

log = logging.getLogger("canvas_doctor")


def discover_guarded(project: Path, compose_files: tuple[str, ...] = (), display_root: Path | None = None) -> Stack:
    """`discover(project)`, or an empty Stack carrying the reason discovery broke."""
    from .discover import discover
    try:
        return discover(project, compose_files=compose_files, display_root=display_root)
    except Exception as exc:  # discovery must never raise; if it does, the run says so
        try:
            root = project.resolve()
        except (OSError, RuntimeError):
            root = project.absolute()
        stack = Stack(root=root)
        stack.discovery_error = f"{type(exc).__name__}: {exc}"
        stack.discovery_traceback = traceback.format_exc()
        log.debug("discovery failed:\n%s", stack.discovery_traceback)
        return stack
