"""The entry-point groups the doctor is extended through, read once and lazily.

- `canvas_doctor.checks`: a module of rules, a package of rule modules (every module in it is
  loaded: the built-in rules are the one entry `builtin = canvas_doctor.checks`), or one
  `@check` function;
- `canvas_doctor.inputs`: an input a check may ask for by parameter name -> its factory
  (`Inputs -> value`, built once per run, on first use);
- `canvas_doctor.reporters`: a `--format` name -> its reporter (see canvas_doctor.report).

Reading the groups costs a scan of the installed distributions' metadata (importlib.metadata),
so it happens on the first use, never while `--help` is printed, and a warm run takes the groups
from the registry's cache (canvas_doctor.registry_cache) instead; an entry's module is imported
only when it is used.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache, reduce
from typing import Any

CHECKS = "canvas_doctor.checks"
INPUTS = "canvas_doctor.inputs"
REPORTERS = "canvas_doctor.reporters"
GROUPS = (CHECKS, INPUTS, REPORTERS)

# importlib.metadata.EntryPoint.pattern: `module`, `module:attr.attr`, optional `[extras]`
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


@dataclass(frozen=True)
class Entry:
    """One entry point of a doctor group (what importlib.metadata's EntryPoint says of it)."""

    name: str
    value: str
    group: str

    def load(self) -> Any:
        """The module or object it names, imported now (as EntryPoint.load does)."""
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"entry point {self.name} = {self.value!r} is not `module` or `module:attr`")
        module = importlib.import_module(match.group("module"))
        return reduce(getattr, filter(None, (match.group("attr") or "").split(".")), module)


def scan() -> dict[str, list[tuple[str, str]]]:
    """The doctor's groups as the installed metadata says them: group -> (name, value), in scan order."""
    from importlib.metadata import entry_points
    found = entry_points()
    return {g: [(ep.name, ep.value) for ep in found.select(group=g)] for g in GROUPS}


@lru_cache(maxsize=1)
def _all() -> dict[str, list[tuple[str, str]]]:
    from . import registry_cache
    index = registry_cache.read()
    return index.entry_points if index is not None else scan()


@lru_cache(maxsize=None)
def group(name: str) -> tuple[Entry, ...]:
    """The entry points of one group, the first of each name winning (a name installed twice)."""
    seen: dict[str, Entry] = {}
    for ep_name, value in _all().get(name, []):
        seen.setdefault(ep_name, Entry(ep_name, value, name))
    return tuple(seen.values())


def scanned() -> dict[str, list[tuple[str, str]]]:
    """The groups as this process read them (for the registry's cache)."""
    return _all()


def names(name: str) -> tuple[str, ...]:
    return tuple(ep.name for ep in group(name))


def find(group_name: str, name: str) -> Entry | None:
    return next((ep for ep in group(group_name) if ep.name == name), None)
