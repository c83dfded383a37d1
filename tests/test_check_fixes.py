"""Every built-in check declares the fix ids it can give (`@check(fixes=...)`), and the declarations
match the code: an id a check's code can reach but does not declare would turn a real finding into
a "check bug" error at run time; an id it declares but cannot reach would mislead `explain`.

The code is read, not run: the fix-id string literals reachable from each check function through
the functions, classes and tables it names (resolved through each module's imports, across
src/canvas_doctor/). That over-approximates in a few known places, listed below with the reason.
"""
from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from helpers import REPO

from canvas_doctor.error_signatures import ANSWER_SIGNATURES, LOG_SIGNATURES
from canvas_doctor.fixes import catalog
from canvas_doctor.registry import load_registry

# Fix ids of the catalog that no built-in check gives, on purpose (fix id -> why). None today.
UNDECLARED_ON_PURPOSE: dict[str, str] = {}

# Built-in checks that declare no fix id, on purpose (check id -> why). None today: every one can warn or fail.
NO_FIXES_ON_PURPOSE: dict[str, str] = {
    "aws.calls.read-only": "it passes or skips; a call that writes is a doctor bug (an error result), not a stack fault",
}
# Checks that run the registered cloudformation.* rules on the deployed stack (aws_stack/judge.py): they
# declare those rules' fix ids, which the code reaches only through the registry.
FORWARDS_RULES = ("aws.stack.template", "aws.ecs.task-definition")

# Ids the code reaches that the check never puts on a warn/fail (check id -> (ids, why)).
_PROXY_SIDE = frozenset({"litellm-api-base-invalid", "litellm-drop-params-off", "litellm-model-not-found",
                         "litellm-unhealthy", "openwebui-api-key-mismatch"})
_CLASSIFY = ("aws_client.classify calls litellm_errors.diagnose, but maps its proxy-side answers to "
             "bedrock-service-error: Bedrock was called directly")
REACHED_NOT_GIVEN: dict[str, tuple[frozenset[str], str]] = {
    "bedrock.credentials": (_PROXY_SIDE, _CLASSIFY),
    "bedrock.model-access": (_PROXY_SIDE, _CLASSIFY),
    "bedrock.model-lifecycle": (_PROXY_SIDE, _CLASSIFY),
    "bedrock.generate": (_PROXY_SIDE, _CLASSIFY),
}
# Routes whose ids a check never gives (check id -> (functions, why)).
ROUTES_NOT_GIVEN: dict[str, tuple[frozenset[str], str]] = {
    "litellm.live.model-health": (frozenset({"litellm_errors.diagnose", "error_signatures.ANSWER_SIGNATURES",
                                             "error_signatures.MODEL_ID_INVALID"}),
                                  "diagnose() only names the cause (data.cause_fix); the fix is litellm-unhealthy"),
    "openwebui.config-persisted": (frozenset({"openwebui_live.read_image_config", "openwebui_live._unreachable"}),
                                   "a refused token or a vanished Open WebUI is turned into a skip here: "
                                   "openwebui.image-settings reports it once"),
}

# The shared error table (canvas_doctor.error_signatures) holds every path's rows: a name that holds
# one path's rows gives the fix ids of those rows, read from the table itself, not every id the module writes.
TABLE_VIEWS: dict[tuple[str, str], Callable[[], Iterable[str]]] = {
    ("canvas_doctor.error_signatures", "ANSWER_SIGNATURES"): lambda: [r.fix for r in ANSWER_SIGNATURES],
    ("canvas_doctor.error_signatures", "LOG_SIGNATURES"): lambda: [s.fix for s in LOG_SIGNATURES],
}


@dataclass
class _Module:
    top: dict[str, ast.AST] = field(default_factory=dict)
    imports: dict[str, tuple[str, ...]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _modules() -> dict[str, _Module]:
    paths = {}
    for p in (REPO / "src" / "canvas_doctor").rglob("*.py"):
        parts = [x for x in p.relative_to(REPO / "src" / "canvas_doctor").with_suffix("").parts if x != "__init__"]
        paths[".".join(["canvas_doctor", *parts])] = p
    mods: dict[str, _Module] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text())
        mod = mods[name] = _Module()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                mod.top[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(t, ast.Name):
                        mod.top[t.id] = node
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                src = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
                for a in node.names:
                    full = f"{src}.{a.name}"
                    mod.imports[a.asname or a.name] = ("mod", full) if full in paths else ("name", src, a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    mod.imports[a.asname or a.name] = ("mod", a.name)
    return mods


def _walk(node: ast.AST):
    """The nodes of a definition without its decorators (a check's own `fixes=` must not count)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        parts = [*node.body, *([node.args] if not isinstance(node, ast.ClassDef) else [])]
        for part in parts:
            yield from ast.walk(part)
    else:
        yield from ast.walk(node)


def _named(mod_name: str, node: ast.AST) -> list[tuple[str, str]]:
    mods = _modules()
    mod = mods[mod_name]
    out = []
    for n in _walk(node):
        if isinstance(n, ast.Name):
            if n.id in mod.top:
                out.append((mod_name, n.id))
            elif mod.imports.get(n.id, ("",))[0] == "name" and mod.imports[n.id][1] in mods:
                out.append(mod.imports[n.id][1:])
        elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
            imp = mod.imports.get(n.value.id)
            if imp and imp[0] == "mod" and imp[1] in mods:
                out.append((imp[1], n.attr))
    return out


def reachable_fixes(mod_name: str, func_name: str) -> dict[str, set[str]]:
    """Fix id -> the functions (module.name) whose literals give it, reachable from one check function."""
    mods, ids = _modules(), set(catalog())
    via: dict[str, set[str]] = {}
    seen: set[tuple[str, str]] = set()
    todo = [(mod_name, func_name)]
    while todo:
        m, name = todo.pop()
        node = mods[m].top.get(name)
        if node is None:  # a name re-exported by that module
            imp = mods[m].imports.get(name)
            if imp and imp[0] == "name" and imp[1] in mods:
                todo.append((imp[1], imp[2]))
            continue
        if (m, name) in seen:
            continue
        seen.add((m, name))
        if (m, name) in TABLE_VIEWS:
            for fix in TABLE_VIEWS[(m, name)]():
                via.setdefault(fix, set()).add(f"{m.rsplit('.', 1)[-1]}.{name}")
            continue
        for c in _walk(node):
            if isinstance(c, ast.Constant) and c.value in ids:
                via.setdefault(c.value, set()).add(f"{m.rsplit('.', 1)[-1]}.{name}")
        todo += _named(m, node)
    return via


def _builtin_checks():
    return [c for c in load_registry().checks if c.source.startswith("canvas_doctor.checks.")]


def test_every_builtin_check_declares_its_fixes() -> None:
    checks = _builtin_checks()
    assert len(checks) >= 40
    bare = [c.id for c in checks if not c.fixes and c.id not in NO_FIXES_ON_PURPOSE]
    assert not bare, f"built-in checks without fixes=(...): {bare}"


def test_every_catalog_fix_id_is_declared_by_a_check() -> None:
    declared = {f for c in _builtin_checks() for f in c.fixes}
    orphans = sorted(set(catalog()) - declared - set(UNDECLARED_ON_PURPOSE))
    assert not orphans, f"fix ids no built-in check declares: {orphans}"
    assert not set(UNDECLARED_ON_PURPOSE) & declared, "an exception that no longer applies"


def test_declared_fixes_match_what_the_code_can_give() -> None:
    problems = []
    for spec in _builtin_checks():
        func = inspect.unwrap(spec.func)  # a @rule over targets wraps the function that judges one target
        via = reachable_fixes(func.__module__, func.__name__)
        ids_skipped = REACHED_NOT_GIVEN.get(spec.id, (frozenset(), ""))[0]
        routes_skipped = ROUTES_NOT_GIVEN.get(spec.id, (frozenset(), ""))[0]
        given = {f for f, routes in via.items() if f not in ids_skipped and routes - routes_skipped}
        if given - set(spec.fixes):
            problems.append(f"{spec.id} can give {sorted(given - set(spec.fixes))} but does not declare them")
        if spec.id in FORWARDS_RULES:
            from canvas_doctor.aws_stack.judge import rule_fixes
            via = {**{f: {"judge.rules"} for f in rule_fixes()}, **via}
        if set(spec.fixes) - set(via):
            problems.append(f"{spec.id} declares {sorted(set(spec.fixes) - set(via))} that its code never gives")
    assert not problems, "\n".join(problems)


def test_the_reading_of_the_code_finds_what_it_should() -> None:
    """The analysis itself: the error table read per path, a classifier in doctor/ and a helper."""
    logs = reachable_fixes("canvas_doctor.checks.docker_logs", "logs_clean")
    assert "error_signatures.LOG_SIGNATURES" in logs["litellm-master-key-unsafe"]
    assert "litellm-drop-params-off" not in logs  # a row of the answer paths only
    generate = reachable_fixes("canvas_doctor.checks.generate", "live_generation")
    assert "error_signatures.ANSWER_SIGNATURES" in generate["bedrock-throttled"]
    assert "litellm_errors.diagnose" in generate["bedrock-model-end-of-life"]  # SPECIAL: the dated end of life
    assert "litellm-master-key-unsafe" not in generate  # a row of the log path only
    mounted = reachable_fixes("canvas_doctor.checks.litellm_service", "config_is_mounted")
    assert set(mounted) == {"litellm-config-not-mounted"}
