"""`canvas-doctor fix`: apply the config-file fixes, only after showing the diff.

1. Discover the stack and run the offline config checks (the same registry and runner as `run`).
2. Plan a change for every finding whose fix is mechanical (:mod:`.edits.planner`); list the rest
   as "not automatic".
3. Work out each file's new text (:mod:`.edits.document`: only the edited lines change, proven
   by parsing the result again) and show one unified diff per file, secrets masked by the run's
   redactor (the run context's, as for `run`: canvas_doctor.redact is the one place).
   A fix with a real choice (two candidate models) is asked on a terminal, or answered with
   `--choose FIX_ID=VALUE`; unanswered, it is listed as an open choice and nothing is planned for it.
4. Ask "Apply these changes? [y/N]" (not with --yes; never without a terminal; --dry-run stops
   before), write each file atomically, run the checks again and say what is fixed.

Exit status: 0 when nothing is left to fix (or all that is left is warnings); 1 when changes
are pending (--dry-run, declined, no terminal to ask on) or failures remain; 2 for usage errors
(typer). A write that fails (changed meanwhile, permission) leaves that file alone and exits 1.
"""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .models import ExitCode, Result, Status
from .redact import Redactor

if TYPE_CHECKING:
    from .edits.document import Change, FileEdit
    from .edits.planner import Choice, Plan
    from .run_context import RunContext
    from .stack.model import Stack

FIX_COMMAND = "canvas-doctor fix --yes --project {project}"


@dataclass
class Diagnosis:
    """One offline config run: the stack, its (unredacted) results and its run context (the secrets)."""

    stack: Stack
    results: list[Result]
    context: RunContext

    def problems(self) -> list[Result]:
        return [r for r in self.results if r.status in (Status.WARN, Status.FAIL, Status.ERROR)]

    def failing(self) -> bool:
        return any(r.status in (Status.FAIL, Status.ERROR) for r in self.results)


def diagnose(project: Path) -> Diagnosis:
    """The config checks, files only: exactly what `canvas-doctor run --offline` runs (not `--only config`,
    which opts the image-path rules in on a stack that sets up no image generation)."""
    from .registry import load_registry
    from .runner import Runner
    from .app import carry_discovery_error
    from .settings import Settings
    from .stack.guarded import discover_guarded

    settings = Settings(project=project, offline=True)
    stack = discover_guarded(project)
    runner = Runner(load_registry(), settings, stack)
    results = runner.run().results
    carry_discovery_error(results, stack)
    return Diagnosis(stack, results, runner.context)


def _finding_key(r: Result) -> tuple:
    """Identity of a finding across two runs (its line may move when lines above it change)."""
    p = r.fix_params
    return (r.check, r.fix_id, r.location.file if r.location else None, p.get("service"), p.get("model"),
            p.get("var"))


class Screen:
    """Everything `fix` prints: redacted, styled on a terminal, plain otherwise."""

    def __init__(self, redactor: Redactor):
        from .report.human import make_console
        self.console = make_console()
        self.redactor = redactor

    def say(self, text: str = "", style: str = "") -> None:
        from rich.text import Text
        self.console.print(Text(self.redactor.text(text), style=style))

    def diff(self, text: str) -> None:
        from rich.text import Text
        for line in text.splitlines():
            style = ("bold" if line.startswith(("---", "+++")) else "cyan" if line.startswith("@@")
                     else "green" if line.startswith("+") else "red" if line.startswith("-") else "")
            self.console.print(Text(self.redactor.diff_line(line), style=style))


def _group(planned: list) -> dict[str, list[Change]]:
    """The planned changes by file, each distinct change once (two findings may ask for the same)."""
    by_file: dict[str, list[Change]] = {}
    seen: set = set()
    for p in planned:
        key = (p.change.file, p.change.steps)
        if key in seen:
            continue
        seen.add(key)
        by_file.setdefault(p.change.file, []).append(p.change)
    return by_file


def _path(stack: Stack, display: str) -> Path:
    p = Path(display)
    return p if p.is_absolute() else stack.root / p


def _show_manual(screen: Screen, plan: Plan, refused: list[tuple[Change, str]], broken: list[Result]) -> None:
    for r in broken:
        screen.say(f"Could not check: {r.check}: {r.message}", "magenta")
    rows = [(m.finding, m.reason) for m in plan.manual]
    rows += [(p.finding, reason) for p in plan.planned for change, reason in refused if change is p.change]
    if not rows:
        return
    screen.say("Not automatic:", "bold")
    for finding, reason in rows:
        screen.say(f"  {finding.check}: {finding.message}")
        if reason:
            screen.say(f"    why: {reason}", "dim")
        screen.say(f"    not automatic: see canvas-doctor explain {finding.fix_id}", "dim")


def _show_open(screen: Screen, plan: Plan, project: Path) -> None:
    """The choices nobody answered, and the --choose that answers each."""
    if not plan.open:
        return
    screen.say("Open choices (nothing planned for them):", "bold")
    for item in plan.open:
        screen.say(f"  {item.finding.check}: {item.choice.question}")
        screen.say(f"    choose one of: {', '.join(item.choice.options)}", "dim")
        screen.say(f"    e.g. canvas-doctor fix --project {shlex.quote(str(project))} "
                   f"--choose {item.finding.fix_id}={shlex.quote(item.choice.options[0])}", "dim")


def _terminal_ask(screen: Screen):
    """Ask each choice on the terminal (numbered options; empty or ^C: leave it open)."""
    import click
    import typer

    def ask(finding: Result, choice: Choice) -> str | None:
        screen.say(f"{finding.check}: {choice.question}", "bold")
        for i, option in enumerate(choice.options, 1):
            screen.say(f"  {i}. {option}")
        try:
            answer = typer.prompt(f"Choose 1-{len(choice.options)} (empty: skip)", default="", show_default=False)
        except click.exceptions.Abort:
            return None
        answer = answer.strip()
        if answer.isdigit() and 1 <= int(answer) <= len(choice.options):
            return choice.options[int(answer) - 1]
        return answer if answer in choice.options else None
    return ask


def _next_steps(screen: Screen, written: list[FileEdit]) -> None:
    """What makes the running stack pick the edits up."""
    restart, recreate, cfn = set(), set(), False
    for edit in written:
        for change in edit.applied:
            (recreate if change.recreate else restart).update(change.services)
            cfn = cfn or (change.recreate and not change.services)
    steps = [f"docker compose restart {s}" for s in sorted(restart - recreate)]
    steps += [f"docker compose up -d {s}" for s in sorted(recreate)]
    if cfn:
        steps.append("deploy the changed CloudFormation template (aws cloudformation deploy ...)")
    if recreate or cfn:
        steps.append("Open WebUI 0.10+ keeps the settings it stored at first start: see "
                     "canvas-doctor explain openwebui-config-persisted")
    if steps:
        screen.say("Next:", "bold")
        for step in steps:
            screen.say(f"  {step}")


def _confirm(yes: bool, screen: Screen, project: Path) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        screen.say("Not applied: no terminal to confirm on. To apply, run: "
                   + FIX_COMMAND.format(project=shlex.quote(str(project))), "yellow")
        return False
    import click
    import typer
    try:
        ok = typer.confirm("Apply these changes?", default=False)
    except click.exceptions.Abort:
        ok = False
    if not ok:
        screen.say("Not applied; nothing was written.")
    return ok


def _write(edits: list[FileEdit], screen: Screen) -> tuple[list[FileEdit], bool]:
    from .edits.atomic import ChangedMeanwhile, write_atomic
    written, ok = [], True
    for edit in edits:
        try:
            write_atomic(edit.path, edit.new, expected=edit.original)
        except (ChangedMeanwhile, OSError) as exc:
            ok = False
            why = str(exc) if isinstance(exc, ChangedMeanwhile) else (exc.strerror or str(exc))
            print(f"canvas-doctor fix: {edit.display} not written: {why}", file=sys.stderr)
            continue
        written.append(edit)
    if written:
        screen.say("Wrote " + ", ".join(e.display for e in written) + ".", "green")
    return written, ok


def _report_after(screen: Screen, before: Diagnosis, after: Diagnosis) -> None:
    old = {_finding_key(r): r for r in before.problems()}
    new = {_finding_key(r): r for r in after.problems()}
    fixed = [r for k, r in old.items() if k not in new]
    remaining = list(new.values())
    screen.say(f"Checked again (config checks, offline): {len(fixed)} fixed, {len(remaining)} remaining.", "bold")
    for r in fixed:
        screen.say(f"  fixed: {r.check}: {r.message} [{r.fix_id}]", "green")
    for r in remaining:
        tag = "new: " if _finding_key(r) not in old else ""
        hint = f" — see canvas-doctor explain {r.fix_id}" if r.fix_id else ""
        screen.say(f"  {tag}{r.status.value}: {r.check}: {r.message}{hint}",
                   "red" if r.status is not Status.WARN else "yellow")


def run_fix(project: Path, *, yes: bool, dry_run: bool, choose: dict[str, str] | None = None) -> ExitCode:
    from .edits.document import edit_file
    from .edits.planner import plan as make_plan

    before = diagnose(project)
    stack = before.stack
    screen = Screen(before.context.redactor)
    ask = _terminal_ask(screen) if not yes and sys.stdin.isatty() else None
    plan = make_plan(stack, before.results, choose or {}, ask)
    asked = {f.fix_id for f in before.results if f.fix_id}
    for fix_id in sorted(set(choose or {}) - asked):
        print(f"canvas-doctor fix: --choose {fix_id}=...: no finding has the fix id {fix_id}", file=sys.stderr)
    edits = [edit_file(_path(stack, display), display, changes) for display, changes in _group(plan.planned).items()]
    refused = [item for e in edits for item in e.refused]
    pending = [e for e in edits if e.changed]

    if not pending:
        screen.say("Nothing to change automatically." if before.problems() else
                   "Nothing to fix: the config checks pass.")
    else:
        count = sum(len(e.applied) for e in pending)
        screen.say(f"canvas-doctor fix: {count} change{'s' if count != 1 else ''} in "
                   f"{len(pending)} file{'s' if len(pending) != 1 else ''}", "bold")
        for edit in pending:
            screen.say()
            screen.diff(edit.diff())
        screen.say()
        screen.say("Changes:", "bold")
        for edit in pending:
            for change in edit.applied:
                screen.say(f"  {edit.display}: {change.summary} [{change.fix_id}]")
    _show_manual(screen, plan, refused, [r for r in before.results if r.status is Status.ERROR])
    _show_open(screen, plan, project)
    if not pending:
        return ExitCode.FINDINGS if before.failing() else ExitCode.OK
    if dry_run:
        screen.say("Dry run: nothing written. To apply, run: "
                   + FIX_COMMAND.format(project=shlex.quote(str(project))), "yellow")
        return ExitCode.FINDINGS
    if not _confirm(yes, screen, project):
        return ExitCode.FINDINGS
    written, all_written = _write(pending, screen)
    after = diagnose(project)
    _report_after(screen, before, after)
    _next_steps(screen, written)
    return ExitCode.FINDINGS if after.failing() or not all_written else ExitCode.OK
