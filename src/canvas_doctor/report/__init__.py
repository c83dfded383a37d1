"""Reporters: what turns a (redacted) report into text. Each is an entry of the
`canvas_doctor.reporters` group, `--format NAME` picks one, and a plugin adds its own the same way:

    [project.entry-points."canvas_doctor.reporters"]
    codeclimate = "my_package.codeclimate:reporter"

A reporter is a callable ``reporter(report, stream, options)`` that writes the whole report to
`stream` (stdout, or the file of `--junit`) and never probes anything. Its module is imported only
when its format is used.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import IO, Callable

from .. import plugins
from ..models import Report


@dataclass(frozen=True)
class ReportOptions:
    verbose: bool = False


Reporter = Callable[[Report, IO[str], ReportOptions], None]


class ReporterError(Exception):
    """A --format name no reporter has (a usage error), or a reporter that cannot be loaded."""

    def __init__(self, message: str, usage: bool):
        super().__init__(message)
        self.usage = usage


def formats() -> tuple[str, ...]:
    return plugins.names(plugins.REPORTERS)


def load_reporter(name: str) -> Reporter:
    """The reporter of a format, loaded and checked; ReporterError says why not."""
    ep = plugins.find(plugins.REPORTERS, name)
    if ep is None:
        close = difflib.get_close_matches(name, formats(), n=1)
        raise ReporterError(f"{name!r} is not a report format; one of {', '.join(sorted(formats()))}"
                            + (f" (did you mean {close[0]!r}?)" if close else ""), usage=True)
    try:
        reporter = ep.load()
    except Exception as exc:  # a broken reporter plugin is the doctor's problem, not the stack's
        raise ReporterError(f"the reporter {name!r} ({ep.value}) could not be loaded: "
                            f"{type(exc).__name__}: {exc}", usage=False) from None
    if not callable(reporter):
        raise ReporterError(f"the reporter {name!r} ({ep.value}) is not callable", usage=False)
    return reporter
