"""Finds checks through the `canvas_doctor.checks` entry-point group.

Built-in checks are registered in pyproject.toml exactly like a third-party plugin would be. An
entry point names a module (or a single function); every function in it marked by ``@check`` is
a check. A plugin that fails to load becomes a :class:`LoadError`, reported as an ``error``
result by the runner, never a crash. So does a plugin whose checks declare a fix id that the fix
catalog lacks: a typo is caught when the plugin loads, not on the day the check first fails.
"""
from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from .api import CHECK_ATTR
from .models import AREAS, CheckSpec

GROUP = "canvas_doctor.checks"


@dataclass(frozen=True)
class LoadError:
    """A plugin entry point that could not be loaded."""

    name: str
    value: str
    error: str
    traceback: str


@dataclass(frozen=True)
class Registry:
    checks: tuple[CheckSpec, ...]
    errors: tuple[LoadError, ...]

    def by_id(self) -> dict[str, CheckSpec]:
        return {c.id: c for c in self.checks}


def _specs_in(obj: object, source: str) -> list[CheckSpec]:
    if isinstance(obj, ModuleType):
        marks = [getattr(v, CHECK_ATTR) for v in vars(obj).values() if hasattr(v, CHECK_ATTR)]
    elif hasattr(obj, CHECK_ATTR):
        marks = [getattr(obj, CHECK_ATTR)]
    else:
        raise TypeError(f"{source} is neither a module of checks nor a @check function")
    # a @rule over targets carries one spec per origin (compose, cloudformation, ...)
    found = [s for m in marks for s in (m if isinstance(m, tuple) else (m,))]
    from dataclasses import replace
    return [replace(s, source=source) for s in found]


def _load(ep: EntryPoint) -> list[CheckSpec]:
    obj = ep.load()
    return _specs_in(obj, ep.value)


def undeclarable_fixes(specs: list[CheckSpec], known: set[str] | dict) -> str | None:
    """Why these checks cannot be loaded (a declared fix id the catalog lacks), or None."""
    import difflib
    problems = []
    for spec in specs:
        for fix_id in spec.fixes:
            if fix_id not in known:
                close = difflib.get_close_matches(fix_id, list(known), n=1)
                problems.append(f"check {spec.id!r} declares the unknown fix id {fix_id!r}"
                                + (f" (did you mean {close[0]!r}?)" if close else ""))
    return "; ".join(problems) or None


def load_registry(extra_modules: tuple[str, ...] = ()) -> Registry:
    """Load every check of the entry-point group (plus modules named explicitly, for tests)."""
    checks: dict[str, CheckSpec] = {}
    errors: list[LoadError] = []
    eps = list(entry_points(group=GROUP))
    targets: list[tuple[str, str, object]] = [(ep.name, ep.value, ep) for ep in eps]
    targets += [(m, m, m) for m in extra_modules]
    from .fixes import catalog
    known = catalog()
    for name, value, target in sorted(targets, key=lambda t: t[0]):
        try:
            specs = _load(target) if isinstance(target, EntryPoint) else _specs_in(
                importlib.import_module(str(target)), str(target))
        except Exception as exc:  # a broken plugin must not break the run
            errors.append(LoadError(name, value, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
            continue
        problem = undeclarable_fixes(specs, known)
        if problem is not None:
            errors.append(LoadError(name, value, problem, ""))
            continue
        for spec in specs:
            if spec.id in checks and checks[spec.id].func is not spec.func:
                errors.append(LoadError(name, value, f"duplicate check id {spec.id!r} "
                                        f"(already provided by {checks[spec.id].source})", ""))
                continue
            checks[spec.id] = spec
    depth = _depths(checks)
    ordered = tuple(sorted(checks.values(), key=lambda s: _order(s, depth.get(s.id, 0))))
    return Registry(ordered, tuple(errors))


_PREFIX_ORDER = ("config", "compose", "litellm", "openwebui", "cloudformation", "docker", "bedrock", "generate")


def _depths(checks: dict[str, CheckSpec]) -> dict[str, int]:
    """How many prerequisites deep each check sits (0: depends on nothing), so roots list first."""
    depth: dict[str, int] = {}

    def of(cid: str, seen: frozenset[str] = frozenset()) -> int:
        if cid in depth:
            return depth[cid]
        spec = checks.get(cid)
        if spec is None or cid in seen:
            return 0
        deps = [d for d in spec.depends_on + spec.after if d in checks]
        depth[cid] = 1 + max((of(d, seen | {cid}) for d in deps), default=-1)
        return depth[cid]

    for cid in checks:
        of(cid)
    return depth


def _order(spec: CheckSpec, depth: int) -> tuple[int, int, int, str]:
    """Area first, then the stack's own order (files, compose, proxy, UI, production), then
    prerequisites before what they unlock, then id."""
    prefix = spec.id.split(".", 1)[0]
    area = AREAS.index(spec.area) if spec.area in AREAS else len(AREAS)
    rank = _PREFIX_ORDER.index(prefix) if prefix in _PREFIX_ORDER else len(_PREFIX_ORDER)
    return area, rank, depth, spec.id
