"""Finds the rules through the `canvas_doctor.checks` entry-point group and validates them at load.

An entry point names a module of rules, a package (every module in it is loaded with pkgutil:
the built-in rules are the one entry `builtin = canvas_doctor.checks`, so a new rule is a new
file in src/canvas_doctor/checks/), or a single `@check` function. Every function marked by
``@check`` is a check; every :class:`~canvas_doctor.fixes.Fix` a module declares (at its top, or
in a check's `fixes=`) joins the fix catalog.

A run takes the rules from the registry's cache when it holds (canvas_doctor.registry_cache):
every check's declaration without importing a module, and then it imports only the modules of
the checks it runs (:meth:`Registry.loaded`). The full load, here, is what builds that cache.

A module that fails to load becomes a :class:`LoadError`, reported as an ``error`` result by the
runner, never a crash. So does a module whose checks name a fix id no loaded rule declares, or
ask for an input (a parameter) that neither the run nor the `canvas_doctor.inputs` group
provides: a typo is caught when the plugin loads, not on the day the check first runs.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import threading
import traceback
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import ModuleType

from . import plugins, registry_cache
from .api import CHECK_ATTR
from .fixes import Fix
from .models import AREAS, CheckSpec
from .plugins import Entry

GROUP = plugins.CHECKS
BUILTIN = "canvas_doctor.checks"


@dataclass(frozen=True)
class LoadError:
    """A plugin entry point (or one module of a package) that could not be loaded."""

    name: str
    value: str
    error: str
    traceback: str


@dataclass(frozen=True)
class Registry:
    checks: tuple[CheckSpec, ...]
    errors: tuple[LoadError, ...]
    fixes: dict[str, Fix] = field(default_factory=dict)  # the catalog: fix id -> declaration, in rule order
    aliases: dict[str, str] = field(default_factory=dict)  # a check's former id -> its id

    def by_id(self) -> dict[str, CheckSpec]:
        return {c.id: c for c in self.checks}

    def resolve(self, check_id: str) -> tuple[CheckSpec | None, str | None]:
        """The check an id (or a former id) names, and its former id when it was renamed."""
        checks = self.by_id()
        if check_id in checks:
            return checks[check_id], None
        if check_id in self.aliases:
            return checks[self.aliases[check_id]], check_id
        return None, None

    def loaded(self, spec: CheckSpec) -> CheckSpec:
        """The check ready to run: its function and its fixes (here, loaded already)."""
        return spec

    def fix(self, fix_id: str) -> Fix | None:
        """The declaration of a fix id, or None."""
        return self.fixes.get(fix_id)


def _not_loaded(**_inputs):
    raise RuntimeError("this check comes from the registry's cache: run it through Registry.loaded")


@dataclass(frozen=True)
class IndexedRegistry(Registry):
    """The built-in rules as the registry's cache declares them: a check's module is imported when
    the check is :meth:`loaded` to run, a fix's when its declaration is asked for. `fixes` holds
    only what has been loaded so far; the whole catalog is :func:`default_registry`'s."""

    fix_modules: dict[str, str] = field(default_factory=dict)
    _modules: dict[str, tuple[dict[str, CheckSpec], dict[str, Fix]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _module(self, name: str) -> tuple[dict[str, CheckSpec], dict[str, Fix]]:
        with self._lock:
            if name not in self._modules:
                specs, fixes = _specs_in(importlib.import_module(name), name)
                self._modules[name] = ({s.id: s for s in specs}, {f.id: f for f in fixes})
                self.fixes.update(self._modules[name][1])
            return self._modules[name]

    def loaded(self, spec: CheckSpec) -> CheckSpec:
        specs, own = self._module(spec.source)
        real = specs.get(spec.id)
        if real is None:  # the cache no longer matches the module (cannot happen while its key holds)
            raise LookupError(f"{spec.source} no longer declares the check {spec.id!r}")
        # the fixes its module holds; one written elsewhere is imported when a finding carries it (fix)
        return replace(real, source=spec.source, fix_decls=tuple(own[f] for f in real.fixes if f in own))

    def fix(self, fix_id: str) -> Fix | None:
        module = self.fix_modules.get(fix_id)
        if module is None:
            return None
        try:
            return self._module(module)[1].get(fix_id)
        except Exception:  # its module no longer imports: the full catalog decides (and reports the load error)
            return None


@dataclass
class _Loaded:
    """What one module (or function) declares."""

    name: str
    value: str
    specs: list[CheckSpec]
    fixes: list[Fix]


def _specs_in(obj: object, source: str) -> tuple[list[CheckSpec], list[Fix]]:
    if isinstance(obj, ModuleType):
        values = list(vars(obj).values())
        marks = [getattr(v, CHECK_ATTR) for v in values if hasattr(v, CHECK_ATTR)]
        fixes = [v for v in values if isinstance(v, Fix)]
    elif hasattr(obj, CHECK_ATTR):
        marks, fixes = [getattr(obj, CHECK_ATTR)], []
    else:
        raise TypeError(f"{source} is neither a module of checks nor a @check function")
    found = [s for m in marks for s in (m if isinstance(m, tuple) else (m,))]  # a mark may hold several specs
    specs = [replace(s, source=source) for s in found]
    fixes += [f for s in specs for f in s.fix_decls]
    return specs, list({id(f): f for f in fixes}.values())


def _modules_of(package: ModuleType) -> list[str]:
    """Every module of a package, in name order (sub-packages too)."""
    return sorted(m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
                  if not m.ispkg)


def _load_target(name: str, value: str, target: Entry | str, errors: list[LoadError]) -> list[_Loaded]:
    """The declarations of one entry point: one module, one function, or every module of a package."""
    try:
        obj = target.load() if isinstance(target, Entry) else importlib.import_module(target)
    except Exception as exc:  # a broken plugin must not break the run
        errors.append(LoadError(name, value, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        return []
    if not (isinstance(obj, ModuleType) and hasattr(obj, "__path__")):
        try:
            return [_Loaded(name, value, *_specs_in(obj, value))]
        except Exception as exc:
            errors.append(LoadError(name, value, f"{type(exc).__name__}: {exc}", ""))
            return []
    out = []
    for module in _modules_of(obj):  # the built-in package's modules are named by their file
        label = module.rsplit(".", 1)[-1] if obj.__name__ == "canvas_doctor.checks" else f"{name}.{module}"
        try:
            out.append(_Loaded(label, module, *_specs_in(importlib.import_module(module), module)))
        except Exception as exc:
            errors.append(LoadError(label, module, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    return out


def _close(name: str, known) -> str:
    import difflib
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def undeclarable_fixes(specs: list[CheckSpec], known: set[str] | dict) -> str | None:
    """Why these checks cannot be loaded (a declared fix id no loaded rule declares), or None."""
    problems = []
    for spec in specs:
        for fix_id in spec.fixes:
            if fix_id not in known:
                problems.append(f"check {spec.id!r} declares the unknown fix id {fix_id!r}" + _close(fix_id, known))
    return "; ".join(problems) or None


def unknown_inputs(specs: list[CheckSpec], known: tuple[str, ...]) -> str | None:
    """Why these checks cannot run (a parameter no input provides), or None."""
    problems = []
    for spec in specs:
        try:
            params = inspect.signature(spec.func).parameters
        except (TypeError, ValueError):
            continue
        for name in params:
            if name not in known:
                problems.append(f"check {spec.id!r} asks for the input {name!r}, which nothing provides "
                                f"(inputs: {', '.join(known)})" + _close(name, known))
    return "; ".join(problems) or None


def _targets(extra_modules: tuple[str, ...]) -> list[tuple[str, str, Entry | str]]:
    targets: list[tuple[str, str, Entry | str]] = [(ep.name, ep.value, ep) for ep in plugins.group(GROUP)]
    targets += [(m, m, m) for m in extra_modules]
    return sorted(targets, key=lambda t: (t[1] != BUILTIN, t[0]))  # the built-in rules first: their ids win


def load_registry(extra_modules: tuple[str, ...] = ()) -> Registry:
    """Every rule of the entry-point group (plus modules named explicitly, for tests)."""
    if not extra_modules:
        return default_registry()
    return _build(_targets(extra_modules))


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The installed rules, loaded once per process (`list`, `explain`, `fix` and the catalog)."""
    registry = _build(_targets(()))
    if _only_builtin() and not registry.errors and registry_cache.read() is None:
        registry_cache.write(_index_of(registry))
    return registry


def run_registry() -> Registry:
    """The rules for a run: from the registry's cache when it holds, else the full load (which
    writes the cache when only the built-in rules are installed and all of them loaded)."""
    index = registry_cache.read()
    if index is not None and _only_builtin():
        return _from_index(index)
    return default_registry()


def _only_builtin() -> bool:
    return [(ep.name, ep.value) for ep in plugins.group(GROUP)] == [("builtin", BUILTIN)]


def _index_of(registry: Registry) -> registry_cache.Index:
    return registry_cache.Index(
        entry_points=plugins.scanned(),
        checks=tuple({f: getattr(s, f) for f in registry_cache.CHECK_FIELDS} for s in registry.checks),
        fix_modules={fix_id: _home(fix, registry) for fix_id, fix in registry.fixes.items()})


def _home(fix: Fix, registry: Registry) -> str:
    """The module to import for a fix: where it is written, when it sits at that module's top;
    else the module of a check that gives it."""
    import sys
    written_in = sys.modules.get(fix.module)
    if written_in is not None and any(v is fix for v in vars(written_in).values()):
        return fix.module
    return next((s.source for s in registry.checks if any(d is fix for d in s.fix_decls)), fix.module)


def _aliases(checks: dict[str, CheckSpec]) -> dict[str, str]:
    """A renamed check's former id -> its id (a former id that is another check's id stays that check's)."""
    return {a: c.id for c in checks.values() for a in c.aliases if a not in checks}


def _from_index(index: registry_cache.Index) -> IndexedRegistry:
    checks = tuple(CheckSpec(func=_not_loaded, **c) for c in index.checks)
    return IndexedRegistry(checks, (), {}, _aliases({c.id: c for c in checks}), fix_modules=dict(index.fix_modules))


def _build(targets: list[tuple[str, str, Entry | str]]) -> Registry:
    from .clients import input_names

    errors: list[LoadError] = []
    loaded = [item for name, value, target in targets for item in _load_target(name, value, target, errors)]
    fixes: dict[str, Fix] = {}
    for item in loaded:  # every declared Fix, before any string id is resolved against them
        for fix in item.fixes:
            other = fixes.setdefault(fix.id, fix)
            if other is not fix:
                errors.append(LoadError(item.name, item.value, f"fix id {fix.id!r} is declared twice "
                                        f"(also by a module loaded before {item.value})", ""))
                item.specs = []
                break
    inputs = input_names()
    checks: dict[str, CheckSpec] = {}
    for item in loaded:
        problem = undeclarable_fixes(item.specs, fixes) or unknown_inputs(item.specs, inputs)
        if problem is not None:
            errors.append(LoadError(item.name, item.value, problem, ""))
            continue
        for spec in item.specs:
            spec = replace(spec, fix_decls=tuple(fixes[f] for f in spec.fixes))
            if spec.id in checks and checks[spec.id].func is not spec.func:
                errors.append(LoadError(item.name, item.value, f"duplicate check id {spec.id!r} "
                                        f"(already provided by {checks[spec.id].source})", ""))
                continue
            checks[spec.id] = spec
    depth = _depths(checks)
    ordered = tuple(sorted(checks.values(), key=lambda s: _order(s, depth.get(s.id, 0))))
    return Registry(ordered, tuple(errors), _catalog_order(ordered, fixes), _aliases(checks))


def _catalog_order(checks: tuple[CheckSpec, ...], fixes: dict[str, Fix]) -> dict[str, Fix]:
    """The catalog in the order of the rules that give each fix (then the fixes no check names)."""
    ids = [f for c in checks for f in c.fixes if f in fixes]
    return {i: fixes[i] for i in dict.fromkeys([*ids, *fixes])}


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
