"""Rule test cases as data: load tests/rule_cases/<check id>.yaml, build each case's stack, run the CLI, compare.

The format (one file per check id, like sqlfluff's test/fixtures/rules/std_rule_cases/LT09.yml):

    rule: compose.openwebui.image-size
    cases:
      a_size_nova_canvas_refuses:
        base: pre-eol/healthy-nova-canvas        # a folder under fixtures/
        patch:                                   # tests/stack_patch.py
          - env: {service: openwebui, set: {IMAGE_SIZE: 1000x1000}}
        args: [--today, "2025-12-01"]            # extra options of `canvas-doctor run`
        expect:                                  # every warn/fail/error of the whole run
          - {status: fail, fix: image-size-unsupported, file: docker-compose.yml, line: 16, message: "1000x1000"}
      the_healthy_stack_passes:
        base: stacks/healthy
        expect: pass                             # the rule passes; no rule warns or fails
    covered_by: [tests/live/test_x.py::test_y]   # rules that need a live service: the tests that run them

`expect` lists all findings (warn, fail, error) of the run, so a case also says that no other rule
fires; a finding's `check` defaults to the file's rule, `message` is a fragment of the message.
The exit code is checked too: `exit:` if given, else 1 when a finding fails and 0 when none does.
The run is `canvas-doctor run --offline --json --project <copy> --today 2026-12-01 [args]` in a
subprocess, exactly as a user or CI would call it (a case may pass its own `--today`).
"""
from __future__ import annotations

import ast
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpers import REPO, TODAY, CliRun, clean_env, run_cli
from stack_patch import apply_patch

CASES_DIR = REPO / "tests" / "rule_cases"
FIXTURE_ROOT = REPO / "fixtures"
FINDING = ("warn", "fail", "error")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_CASE_KEYS = {"base", "patch", "args", "expect", "exit"}
_FINDING_KEYS = {"check", "status", "fix", "file", "line", "message"}


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    fix: str | None
    file: str | None
    line: int | None
    message: str | None = None

    @property
    def key(self) -> tuple:
        return (self.check, self.status, self.fix, self.file, self.line)


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    base: str
    patch: tuple[dict[str, Any], ...] = ()
    args: tuple[str, ...] = ()
    expect: tuple[Finding, ...] | None = None   # None: `expect: pass`
    exit: int | None = None
    source: Path | None = None

    @property
    def id(self) -> str:
        return f"{self.rule}::{self.name}"

    @property
    def passes(self) -> bool:
        return self.expect is None

    @property
    def fails(self) -> bool:
        """A failing case: the rule itself warns or fails."""
        return any(f.check == self.rule and f.status in ("warn", "fail") for f in self.expect or ())

    def run_key(self, env: dict[str, str] | None = None) -> str:
        return json.dumps([self.base, self.patch, self.args, sorted((env or {}).items())], sort_keys=True)


@dataclass(frozen=True)
class RuleCases:
    rule: str
    cases: tuple[Case, ...]
    covered_by: tuple[str, ...] = ()
    path: Path | None = None


class CaseError(ValueError):
    """A case file that does not follow the format above."""


def _finding(rule: str, raw: Any, where: str) -> Finding:
    if not isinstance(raw, dict) or not {"status", "fix", "file", "line"} <= set(raw) or set(raw) - _FINDING_KEYS:
        raise CaseError(f"{where}: a finding has status, fix, file, line (and optional check, message): {raw!r}")
    return Finding(str(raw.get("check", rule)), str(raw["status"]), raw["fix"], raw["file"], raw["line"],
                   None if raw.get("message") is None else str(raw["message"]))


def load_rule_file(path: Path) -> RuleCases:
    """Read one case file; its name must be its rule's id."""
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("rule"), str):
        raise CaseError(f"{path}: starts with `rule: <check id>`")
    rule = data["rule"]
    if path.stem != rule:
        raise CaseError(f"{path}: a case file is named after its rule: {rule}.yaml")
    cases = []
    for name, raw in (data.get("cases") or {}).items():
        where = f"{path.name}::{name}"
        if not isinstance(raw, dict) or "base" not in raw or "expect" not in raw or set(raw) - _CASE_KEYS:
            raise CaseError(f"{where}: a case has base and expect (and optional patch, args, exit)")
        expect = raw["expect"]
        if expect == "pass":
            findings = None
        elif isinstance(expect, list) and expect:
            findings = tuple(_finding(rule, f, where) for f in expect)
        else:
            raise CaseError(f"{where}: expect is `pass` or a non-empty list of findings")
        cases.append(Case(rule, str(name), str(raw["base"]), tuple(raw.get("patch") or ()),
                          tuple(str(a) for a in raw.get("args") or ()), findings, raw.get("exit"), path))
    covered = tuple(str(t) for t in data.get("covered_by") or ())
    if not cases and not covered:
        raise CaseError(f"{path}: no cases and no covered_by")
    return RuleCases(rule, tuple(cases), covered, path)


def load_all(folder: Path = CASES_DIR) -> list[RuleCases]:
    return [load_rule_file(p) for p in sorted(folder.glob("*.yaml"))]


def build_stack(case: Case, dest: Path) -> Path:
    """Copy the case's base to `dest` and apply its patch; returns the project folder."""
    base = FIXTURE_ROOT / case.base
    if not base.is_dir():
        raise CaseError(f"{case.id}: no base folder fixtures/{case.base}")
    shutil.copytree(base, dest, ignore=shutil.ignore_patterns("expected.yaml", "README.md"))
    apply_patch(dest, list(case.patch))
    return dest


def case_stack(rule: str, name: str, dest: Path) -> Path:
    """The stack of one named case, built at `dest`: for tests that need a faulty stack of their own
    (exit codes, reporters, plugins) without a fixture folder that copies the healthy one."""
    [case] = [c for c in load_rule_file(CASES_DIR / f"{rule}.yaml").cases if c.name == name]
    return build_stack(case, dest)


def run_case(case: Case, project: Path, env: dict[str, str] | None = None, human: bool = False) -> CliRun:
    """`canvas-doctor run --offline --json` on the case's stack (`human`: the terminal report instead)."""
    args = list(case.args)
    if "--today" not in args:
        args += ["--today", TODAY]
    fmt = [] if human else ["--json"]
    return run_cli("run", "--offline", *fmt, "--project", str(project), *args,
                   env=clean_env(**{"COLUMNS": "400", **(env or {})}))


def terminal_problems(case: Case, run: CliRun) -> list[str]:
    """The terminal report of a failing case: each finding's file:line and fix id are shown, no {placeholder}."""
    out = [f"{f.check}: the report does not show {f.file}:{f.line}" for f in case.expect or ()
           if f.file and f.line and f"{f.file}:{f.line}" not in run.stdout]
    out += [f"the report does not name the fix [{f.fix}]" for f in case.expect or ()
            if f.fix and f"[{f.fix}]" not in run.stdout]
    if PLACEHOLDER.search(run.stdout):
        out.append(f"a {{placeholder}} reaches the user: {PLACEHOLDER.search(run.stdout).group()}")
    return out


def _shown(r: dict[str, Any]) -> str:
    loc = r.get("location") or {}
    fix = r["fix"]["id"] if r.get("fix") else None
    return (f"  - {{check: {r['check']}, status: {r['status']}, fix: {fix}, file: {loc.get('file')}, "
            f"line: {loc.get('line')}}}  # {r['message'][:110]}")


def problems(case: Case, run: CliRun) -> list[str]:
    """What differs between the case and the run: empty when the case holds."""
    try:
        results = run.json["results"]
    except (json.JSONDecodeError, KeyError):
        return [f"no JSON report (exit {run.code}): {run.stdout[-400:]} {run.stderr[-400:]}"]
    found = [r for r in results if r["status"] in FINDING]
    got = Counter(Finding(r["check"], r["status"], r["fix"]["id"] if r.get("fix") else None,
                          (r.get("location") or {}).get("file"), (r.get("location") or {}).get("line")).key
                  for r in found)
    want = Counter(f.key for f in case.expect or ())
    out: list[str] = []
    if got != want:
        out.append("findings differ; the run gave:\n" + ("\n".join(_shown(r) for r in found) or "  (none)")
                   + f"\n  missing: {sorted(want - got, key=str)}\n  unexpected: {sorted(got - want, key=str)}")
    for f in case.expect or ():
        if f.message and not any(f.message in r["message"] for r in found if _key_of(r) == f.key):
            out.append(f"no {f.check} finding at {f.file}:{f.line} says {f.message!r}")
    if case.passes:
        own = [r["status"] for r in results if r["check"] == case.rule]
        if not own or set(own) != {"pass"}:
            out.append(f"{case.rule} should pass; its results: {own or 'none (is the rule loaded?)'}")
    exit_code = case.exit if case.exit is not None else (1 if any(f.status == "fail" for f in case.expect or ()) else 0)
    if run.code != exit_code:
        out.append(f"exit code {run.code}, expected {exit_code}")
    for r in found:
        for text in (r["fix"]["title"], *r["fix"]["steps"], r["fix"]["snippet"] or "") if r.get("fix") else ():
            if PLACEHOLDER.search(text):
                out.append(f"{r['check']}: a {{placeholder}} reaches the user: {text!r}")
    return out


def _key_of(r: dict[str, Any]) -> tuple:
    loc = r.get("location") or {}
    return (r["check"], r["status"], r["fix"]["id"] if r.get("fix") else None, loc.get("file"), loc.get("line"))


@dataclass
class Runner:
    """Runs cases, once per distinct (base, patch, args): the many `expect: pass` cases on one base share a run."""
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    _runs: dict[tuple[str, bool], CliRun] = field(default_factory=dict)
    _stacks: dict[str, Path] = field(default_factory=dict)

    def run(self, case: Case, human: bool = False) -> CliRun:
        key = case.run_key(self.env)
        if key not in self._stacks:
            self._stacks[key] = build_stack(case, self.workdir / f"stack-{len(self._stacks)}")
        if (key, human) not in self._runs:
            self._runs[key, human] = run_case(case, self._stacks[key], self.env, human)
        return self._runs[key, human]


# --- completeness ----------------------------------------------------------------------------------

def names_a_test(ref: str, root: Path = REPO) -> bool:
    """Whether `tests/x/test_y.py::test_name` (or `::Class::test_name`) names a test function in that file."""
    path, _, name = ref.partition("::")
    file = root / path
    if not name or not file.is_file():
        return False
    parts = name.split("[", 1)[0].split("::")
    nodes: list[ast.AST] = ast.parse(file.read_text()).body
    for part in parts:
        match = next((n for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and n.name == part), None)
        if match is None:
            return False
        nodes = match.body if isinstance(match, ast.ClassDef) else []
    return parts[-1].startswith("test")




def incomplete(checks: list[dict[str, Any]], rule_files: list[RuleCases], root: Path = REPO) -> list[str]:
    """Every rule (from `canvas-doctor list --json`) without the cases it must have, with the reason.

    A rule that needs only files has a failing and a passing case; a rule that needs a live service
    (network, docker, aws) has those cases or names, in covered_by, existing tests that run it."""
    by_rule = {rc.rule: rc for rc in rule_files}
    out = []
    for c in checks:
        rc = by_rule.get(c["id"])
        if rc is None:
            out.append(f"{c['id']}: no case file tests/rule_cases/{c['id']}.yaml")
            continue
        has_fail = any(case.fails for case in rc.cases)
        has_pass = any(case.passes for case in rc.cases)
        missing_tests = [t for t in rc.covered_by if not names_a_test(t, root)]
        if missing_tests:
            out.append(f"{c['id']}: covered_by names tests that do not exist: {missing_tests}")
        offline = set(c["needs"]) <= {"files"}
        if offline or not rc.covered_by:
            if not has_fail:
                out.append(f"{c['id']}: no failing case (one where the rule warns or fails)")
            if not has_pass:
                out.append(f"{c['id']}: no passing case (`expect: pass`)")
    known = {c["id"] for c in checks}
    out += [f"{rc.path}: rule {rc.rule} is not in the registry (renamed? keep its alias or rename the file)"
            for rc in rule_files if rc.rule not in known]
    return out
