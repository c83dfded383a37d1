"""`--format github`: GitHub Actions workflow commands, one annotation per finding at its file and line.

    ::error file=docker-compose.yml,line=19,title=...::IMAGES_OPENAI_API_BASE_URL is not set ...

A failure is `::error`, a warning `::warning`, a check that broke `::error` without a file. Values
are escaped as GitHub's toolkit escapes them (actions/toolkit, command.ts): in the message `%`, CR
and LF; in a property also `:` and `,`. With $GITHUB_STEP_SUMMARY set, the Markdown report is
appended to that file, so the job's summary page shows the table and the fixes.
"""
from __future__ import annotations

import os
import sys
from typing import IO

from ..models import Report, Result, Status
from .findings import Finding, errors, findings, summary_line
from .markdown import to_markdown

COMMAND = {Status.FAIL: "error", Status.WARN: "warning", Status.ERROR: "error"}
SUMMARY_LIMIT = 1024 * 1024  # GitHub's limit for one step's summary


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v not in (None, ""))
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _message(r: Result, placed: bool) -> str:
    text = r.message or r.title
    if r.fix is not None:
        text += f"\n\nFix [{r.fix.id}]: {r.fix.title}\n" + "\n".join(f"- {s}" for s in r.fix.steps)
        text += f"\n(canvas-doctor explain {r.fix.id})"
    if placed:
        text += "\n(found by a live check: no file line)"
    return text


def annotation(f: Finding) -> str:
    r = f.result
    title = (f"{r.group}: " if r.group else "") + r.title + (f" [{r.fix.id}]" if r.fix else "")
    return command(COMMAND[r.status], _message(r, f.placed), file=f.path, line=None if f.placed else f.line,
                   title=title)


def annotations(report: Report) -> list[str]:
    lines = [annotation(f) for f in findings(report)]
    lines += [command("error", f"{r.check}: the check could not finish: {r.message} (run with -v for the traceback)",
                      title=f"canvas-doctor could not finish {r.check}") for r in errors(report)]
    return lines


def append_summary(report: Report, path: str) -> None:
    """Append the Markdown report to the step summary file; a failure to write is said on stderr."""
    text = to_markdown(report)
    if len(text.encode()) > SUMMARY_LIMIT:
        text = text.encode()[: SUMMARY_LIMIT - 200].decode(errors="ignore") + "\n\n(truncated: see the job log)\n"
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text + "\n")
    except OSError as exc:
        print(f"canvas-doctor: cannot append to GITHUB_STEP_SUMMARY {path}: {exc.strerror or exc}", file=sys.stderr)


def reporter(report: Report, stream: IO[str], options) -> None:
    """`--format github`: annotations on stdout (the job log turns them into annotations), the summary."""
    for line in annotations(report):
        stream.write(line + "\n")
    stream.write(f"canvas-doctor {report.version}: {summary_line(report)}\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        append_summary(report, summary)
