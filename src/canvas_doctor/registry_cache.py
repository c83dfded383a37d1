"""The registry's cache on disk: what the built-in rules declare, so a run imports only the rule
modules it runs, and the doctor's entry points, so a run reads no distribution metadata.

A cold start imports every rule module (to find its checks and fixes) and scans every installed
distribution; a warm one reads one JSON file. The file is trusted only when its key still holds:
the doctor's version and Python's, the size and modification time of every file of the installed
canvas_doctor package (a new, changed or deleted rule changes it), and the distributions every
sys.path folder holds with the modification time of each one's entry points (installing, removing
or upgrading a distribution, a plugin among them, changes it). It is written only after a full load in which every built-in rule loaded cleanly and no
other rule plugin was installed; anything else (no file, another key, a file that does not parse)
means the full load, as with no cache at all.

Where: `$CANVAS_DOCTOR_CACHE/registry/` (default `~/.cache/canvas-doctor`, or under
`$XDG_CACHE_HOME`); `CANVAS_DOCTOR_NO_CACHE=1` turns it off. It is the only file a run writes,
and a folder it cannot write only means no cache.
"""
from __future__ import annotations

import json
import os
import sys
import zlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from . import __version__
from .models import CheckSpec

FORMAT = 1
MAX_BYTES = 4 * 1024 * 1024  # an index is about 40 KB; a bigger file is not ours
PACKAGE = Path(__file__).resolve().parent


def enabled() -> bool:
    return os.environ.get("CANVAS_DOCTOR_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def folder() -> Path:
    root = os.environ.get("CANVAS_DOCTOR_CACHE")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "canvas-doctor")
    return Path(root) / "registry"


def _file() -> Path:
    """One file per installation of the doctor and import path (`python -m` puts the working folder
    first), so two venvs, or two projects run with `python -m`, never take turns overwriting one."""
    where = "\0".join([str(PACKAGE), *sys.path])
    return folder() / f"index-{zlib.crc32(where.encode()):08x}.json"


def _package_files(top: Path) -> list[list[Any]]:
    out: list[list[Any]] = []
    stack = [top]
    while stack:
        here = stack.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                    continue
                st = entry.stat()
            except OSError:
                continue
            out.append([os.path.relpath(entry.path, top), st.st_size, st.st_mtime_ns])
    return out


def _distributions(entry: str) -> list[list[Any]]:
    """The distributions one sys.path folder holds, each with its entry_points.txt's modification time
    (what importlib.metadata would read there), or the entry's own time when it is a file (a zip)."""
    try:
        if not os.path.isdir(entry or "."):
            return [[entry, os.stat(entry).st_mtime_ns]]
        names = sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
    except OSError:
        return []
    out: list[list[Any]] = []
    for name in names:
        try:
            stamp = os.stat(os.path.join(entry or ".", name, "entry_points.txt")).st_mtime_ns
        except OSError:
            stamp = None
        out.append([name, stamp])
    return out


def key() -> list[Any]:
    """Everything that could change what a full load finds (see the module's docstring)."""
    dists = [[entry, _distributions(entry)] for entry in dict.fromkeys(sys.path)]
    return [FORMAT, __version__, sys.version, str(PACKAGE), _package_files(PACKAGE), dists]


# What the index keeps of a check: everything it declares but its function and its Fix objects
# (its module is imported when it runs, a fix's module when a finding carries it).
CHECK_FIELDS = tuple(f.name for f in fields(CheckSpec) if f.name not in ("func", "fix_decls"))


def _check(entry: dict[str, Any]) -> dict[str, Any]:
    """One check of the file, as CheckSpec takes it (lists back to tuples); a foreign shape raises."""
    if set(entry) != set(CHECK_FIELDS):
        raise ValueError("not a check of this index format")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}


@dataclass(frozen=True)
class Index:
    entry_points: dict[str, list[tuple[str, str]]]  # group -> (name, value), in scan order
    checks: tuple[dict[str, Any], ...]                # CHECK_FIELDS of each check, in registry order
    fix_modules: dict[str, str]                       # fix id -> the module that declares it, in catalog order


_loaded: Index | None = None
_read = False


def read() -> Index | None:
    """The index, when a file holds one whose key still holds (read once per process)."""
    global _loaded, _read
    if _read:
        return _loaded
    _read = True
    if not enabled():
        return None
    try:
        with open(_file(), "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            return None
        data = json.loads(raw)
        if data.get("key") != key():
            return None
        _loaded = Index(
            entry_points={g: [(n, v) for n, v in eps] for g, eps in data["entry_points"].items()},
            checks=tuple(_check(c) for c in data["checks"]),
            fix_modules=dict(data["fix_modules"]),
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        _loaded = None
    return _loaded


def write(index: Index) -> None:
    """Store the index (atomically: a concurrent run reads the old file or the new one, whole)."""
    global _loaded, _read
    _loaded, _read = index, True
    if not enabled():
        return
    target = _file()
    data = {"key": key(), "entry_points": index.entry_points,
            "checks": list(index.checks), "fix_modules": index.fix_modules}
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, target)
        _prune(target)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _prune(kept: Path, days: float = 30) -> None:
    """Remove the index files no run has written for a month (a folder once run with `python -m`)."""
    import time
    cutoff = time.time() - days * 86400
    for old in kept.parent.glob("index-*.json"):
        try:
            if old != kept and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
