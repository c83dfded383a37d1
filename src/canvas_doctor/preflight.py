"""Usage errors found before the run starts: a selection that selects nothing, an output file
that cannot be written. A typo in CI must not pass as a green run (exit 2, never 0)."""
from __future__ import annotations

import difflib
import fnmatch
import os
import tempfile
from pathlib import Path
from typing import Iterable

from .models import AREAS, CheckSpec


class UsageProblem(Exception):
    """A command-line value that cannot work; `option` is the parameter name it belongs to."""

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option
        self.message = message


def _matches(token: str, spec: CheckSpec) -> bool:
    return any(fnmatch.fnmatchcase(key, token) for key in (spec.id, spec.area))


def _hint(token: str, checks: Iterable[CheckSpec]) -> str:
    names = sorted({c.id for c in checks} | {c.area for c in checks})
    close = difflib.get_close_matches(token, names, n=3, cutoff=0.6)
    if close:
        return f" Did you mean: {', '.join(close)}?"
    if token in AREAS:
        return f" No check of the area {token!r} is installed."
    return " `canvas-doctor list` shows every check id and area."


def selection_problem(checks: tuple[CheckSpec, ...], only: tuple[str, ...], skip: tuple[str, ...]) -> UsageProblem | None:
    """Each --only/--skip token must select at least one check, and together they must leave one."""
    for option, tokens in (("only", only), ("skip", skip)):
        for token in tokens:
            if not any(_matches(token, c) for c in checks):
                return UsageProblem(option, f"{token!r} selects no check.{_hint(token, checks)}")
    left = [c for c in checks if (not only or any(_matches(t, c) for t in only))
            and not any(_matches(t, c) for t in skip)]
    if not left:
        what = f"--only {','.join(only)} with --skip {','.join(skip)}" if only else f"--skip {','.join(skip)}"
        return UsageProblem("skip", f"{what} leaves no check to run.")
    return None


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")


def output_file_problem(path: Path) -> str | None:
    """Why `path` cannot be written, or None; probed without changing or leaving any file."""
    shown = str(path)
    if path.is_dir():
        return f"{shown} is a folder, not a file."
    if path.exists():
        if not path.is_file():
            return None  # a device or pipe such as /dev/stdout: opening it to probe could block
        try:
            with open(path, "ab"):  # append mode: nothing is written, nothing truncated
                pass
        except OSError as exc:
            return f"cannot write {shown}: {exc.strerror or exc}."
        return None
    folder = _nearest_existing(path.absolute().parent)
    if not folder.is_dir():
        return f"cannot create {shown}: {folder} is not a folder."
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".canvas-doctor-probe-")
    except OSError as exc:
        return f"cannot create {shown}: cannot write in {folder} ({exc.strerror or exc})."
    os.close(fd)
    os.unlink(probe)
    return None


def output_problems(outputs: dict[str, Path | None]) -> UsageProblem | None:
    """The first output file option (name -> path) whose file cannot be written."""
    for option, path in outputs.items():
        if path is not None:
            problem = output_file_problem(path)
            if problem is not None:
                return UsageProblem(option, problem)
    return None
