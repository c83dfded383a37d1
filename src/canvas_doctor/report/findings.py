"""What the CI formats (sarif, github, markdown) share: the findings of a report, each placed in the repository.

A finding is a `warn` or `fail` result. CI tools place it by a path relative to the repository root
(GitHub resolves every relative SARIF URI and every annotation's `file=` against the checkout), which
is the working directory of the job. The report's locations are relative to the project, so a finding
of `--project deploy` at `docker-compose.yml:19` is `deploy/docker-compose.yml:19` here. A result that
names no file (a live probe: the proxy does not answer) is placed on the stack's first file, line 1,
and says so, because code scanning shows no result without a location.

Everything here reads the report only (already redacted): nothing is probed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..models import Report, Result, Status

PROBLEMS = (Status.FAIL, Status.WARN)


@dataclass(frozen=True)
class Finding:
    """One warn/fail result and where CI should show it."""

    result: Result
    path: str | None       # '/'-separated, relative to the working directory; absolute when outside it; None: no file at all
    line: int              # 1-based; 1 when the result names no line
    placed: bool = False   # True: the result names no file, `path` is the stack's first file

    @property
    def where(self) -> str:
        """`file:line` as a person reads it (the line left out when the result named none)."""
        if self.path is None:
            return ""
        if self.placed or self.result.location is None or self.result.location.line is None:
            return self.path
        return f"{self.path}:{self.line}"


def project_root(report: Report) -> Path:
    return Path(report.project)


def repo_path(report: Report, file: str) -> str:
    """A report location's file as a path relative to the working directory ('/'-separated), when inside it."""
    path = Path(file)
    if not path.is_absolute():
        path = project_root(report) / path
    absolute = Path(os.path.abspath(path))
    cwd = Path(os.path.abspath(os.getcwd()))
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return absolute.as_posix()


def first_stack_file(report: Report) -> str | None:
    """The first file discovery read (the compose file, usually), relative to the project."""
    stack = report.stack or {}
    groups = stack.get("groups")
    summaries = list(groups.values()) if isinstance(groups, dict) else [stack]
    for summary in summaries:
        for f in summary.get("files") or []:
            return str(f)
    return None


def findings(report: Report) -> list[Finding]:
    """The report's warn/fail results in report order, each with its place in the repository."""
    fallback = first_stack_file(report)
    out: list[Finding] = []
    for r in report.results:
        if r.status not in PROBLEMS:
            continue
        if r.location is not None:
            out.append(Finding(r, repo_path(report, r.location.file), r.location.line or 1))
        elif fallback is not None:
            out.append(Finding(r, repo_path(report, fallback), 1, placed=True))
        else:
            out.append(Finding(r, None, 1, placed=True))
    return out


def errors(report: Report) -> list[Result]:
    """Results where the doctor itself broke (exit 3): not findings about the stack."""
    return [r for r in report.results if r.status is Status.ERROR]


def summary_line(report: Report) -> str:
    """`11 failed, 6 warnings, 30 passed, 26 skipped`: the counts a person reads first."""
    s = report.summary()
    parts = [f"{s['fail']} failed" if s["fail"] else "", f"{s['error']} errors" if s["error"] else "",
             f"{s['warn']} warning{'s' if s['warn'] != 1 else ''}" if s["warn"] else "", f"{s['pass']} passed",
             f"{s['skip']} skipped" if s["skip"] else ""]
    return ", ".join(p for p in parts if p)


def saved_images(report: Report) -> list[str]:
    """The paths `--save-image` wrote a generated image to (from the generation results' data)."""
    return list(dict.fromkeys(str(r.data["saved"]) for r in report.results
                              if isinstance(r.data, dict) and r.data.get("saved")))


DEFAULT_DOCS = "https://github.com/canvas-doctor/canvas-doctor"


def docs_url() -> str:
    """Where the doctor's documentation lives: the distribution's `Documentation` project URL
    (pyproject's [project.urls]), else the repository; fix and check anchors go after '#'."""
    from importlib.metadata import PackageNotFoundError, metadata
    try:
        for entry in metadata("canvas-doctor").get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("documentation", "homepage", "repository") and url.strip():
                return url.strip().split("#")[0]
    except PackageNotFoundError:
        pass
    return DEFAULT_DOCS


def help_uri(fix_id: str | None) -> str:
    """The README's fix catalog (the fix ids are listed there)."""
    return f"{docs_url()}#fix-catalog" if fix_id else f"{docs_url()}#checks"
