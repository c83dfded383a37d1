"""The entry-point groups the doctor is extended through, read once and lazily.

- `canvas_doctor.checks`: a module of rules, a package of rule modules (every module in it is
  loaded: the built-in rules are the one entry `builtin = canvas_doctor.checks`), or one
  `@check` function;
- `canvas_doctor.inputs`: an input a check may ask for by parameter name -> its factory
  (`Inputs -> value`, built once per run, on first use);
- `canvas_doctor.reporters`: a `--format` name -> its reporter (see canvas_doctor.report).

Reading the groups costs a scan of the installed distributions' metadata, so it happens on the
first use, never while `--help` is printed; an entry's module is imported only when it is used.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, EntryPoints, entry_points

CHECKS = "canvas_doctor.checks"
INPUTS = "canvas_doctor.inputs"
REPORTERS = "canvas_doctor.reporters"


@lru_cache(maxsize=1)
def _all() -> EntryPoints:
    return entry_points()  # one scan of the installed metadata for every group


@lru_cache(maxsize=None)
def group(name: str) -> tuple[EntryPoint, ...]:
    """The entry points of one group, the first of each name winning (a name installed twice)."""
    seen: dict[str, EntryPoint] = {}
    for ep in _all().select(group=name):
        seen.setdefault(ep.name, ep)
    return tuple(seen.values())


def names(name: str) -> tuple[str, ...]:
    return tuple(ep.name for ep in group(name))


def find(group_name: str, name: str) -> EntryPoint | None:
    return next((ep for ep in group(group_name) if ep.name == name), None)
