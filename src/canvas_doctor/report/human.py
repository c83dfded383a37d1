"""The terminal report: results grouped by area, then "How to fix" for every warning and failure.

Colour and symbols come from rich; with NO_COLOR set or when stdout is not a terminal, the same
text is printed plain (rich turns styling off by itself there).
"""
from __future__ import annotations

from typing import IO

from rich.console import Console, Group
from rich.markup import escape
from rich.padding import Padding
from rich.syntax import Syntax
from rich.text import Text

from ..models import AREAS, CheckSpec, RenderedFix, Report, Result, Status

SYMBOL = {
    Status.PASS: ("✓", "green"),
    Status.WARN: ("!", "yellow"),
    Status.FAIL: ("✗", "red"),
    Status.SKIP: ("–", "dim"),
    Status.ERROR: ("E", "bold magenta"),
}
AREA_TITLE = {
    "config": "Config files",
    "litellm": "LiteLLM proxy",
    "openwebui": "Open WebUI",
    "docker": "Docker containers",
    "bedrock": "AWS Bedrock",
    "generate": "Live generation",
}


def make_console(stream: IO[str] | None = None) -> Console:
    return Console(file=stream, highlight=False, soft_wrap=True, emoji=False)


def _line(r: Result, verbose: bool) -> Text:
    symbol, style = SYMBOL[r.status]
    t = Text("  ")
    t.append(symbol, style=style)
    t.append(" ")
    t.append(r.title, style="bold" if r.status.is_problem else "")
    if r.message and r.message != r.title:
        t.append(" — ")
        t.append(r.message, style="dim" if r.status in (Status.PASS, Status.SKIP) else "")
    if r.location:
        t.append(f"  ({r.location})", style="cyan")
    if verbose or r.duration_ms >= 500:
        t.append(f"  {r.duration_ms} ms", style="dim")
    return t


def _offline_skip(r: Result) -> bool:
    return r.status is Status.SKIP and r.message.startswith("skipped: --")


def _compact(results: list[Result], verbose: bool) -> list[Result]:
    """Without -v, a check whose results all passed shows as one line."""
    if verbose:
        return results
    out: list[Result] = []
    by_check: dict[str, list[Result]] = {}
    for r in results:
        by_check.setdefault(r.check, []).append(r)
    quiet_skips = 0
    for check_results in by_check.values():
        if all(r.status is Status.SKIP and not r.message.startswith("skipped:") for r in check_results):
            quiet_skips += 1  # not applicable to this stack: counted, listed with -v
            continue
        if len(check_results) > 1 and all(r.status is Status.PASS for r in check_results):
            first = check_results[0]
            out.append(Result(Status.PASS, f"{len(check_results)} items", check=first.check, area=first.area,
                              title=first.title, duration_ms=max(r.duration_ms for r in check_results)))
        else:
            out.extend(check_results)
    if quiet_skips:
        out.append(Result(Status.SKIP, "", title=f"{quiet_skips} check{'s' if quiet_skips > 1 else ''} "
                          "not applicable to this stack (-v lists them)"))
    return out


def _snippet(snippet: str, styled: bool, indent: int) -> Padding | Text:
    """Syntax-highlighted on a terminal; plain lines (no padding to the width) elsewhere."""
    code = snippet.rstrip("\n")
    if not styled:
        return Text("\n".join(" " * indent + line for line in code.splitlines()))
    lexer = "bash" if code.lstrip().startswith(("curl", "docker", "python")) else "yaml"
    return Padding(Syntax(code, lexer, theme="ansi_dark", background_color="default", word_wrap=True),
                   (0, 0, 0, indent))


def _fix_block(n: int, r: Result, others: list[Result], styled: bool) -> Group:
    assert r.fix is not None
    symbol, style = SYMBOL[r.status]
    parts: list = []
    head = Text(f"{n}. ")
    head.append(symbol, style=style)
    head.append(f" {r.fix.title}", style="bold")
    head.append(f"  [{r.fix.id}]", style="dim")
    parts.append(head)
    if r.location:
        parts.append(Text(f"   where: {r.location}", style="cyan"))
    parts.append(Text(f"   what:  {r.message}"))
    for other in others:
        parts.append(Text(f"          {other.message}"))
    if r.fix.cause:
        parts.append(Text(f"   why:   {r.fix.cause}", style="dim"))
    for i, step in enumerate(r.fix.steps, start=1):
        parts.append(Text(f"   {chr(96 + i)}) {step}"))
    if r.fix.snippet:
        parts.append(_snippet(r.fix.snippet, styled, indent=5))
    if r.fix.guide_section:
        parts.append(Text(f"   guide: {r.fix.guide_section}", style="dim"))
    parts.append(Text(f"   more:  canvas-doctor explain {r.fix.id}", style="dim"))
    return Group(*parts)


def reporter(report: Report, stream: IO[str], options) -> None:
    """`--format human` (the default): the terminal report."""
    render(report, make_console(stream), verbose=options.verbose)


def render(report: Report, console: Console, verbose: bool = False) -> None:
    console.print(Text(f"canvas-doctor {report.version} — {report.project}", style="bold"))
    groups: dict[str | None, list[Result]] = {}
    for r in report.results:
        groups.setdefault(r.group, []).append(r)
    for group, results in groups.items():
        if group is not None:
            console.print()
            console.print(Text(f"== {group}", style="bold"))
        _render_areas(results, console, verbose)
    if verbose and report.stack:
        _render_stack(report.stack, console)
    _render_tail(report, console, verbose)


def _render_stack(stack: dict, console: Console) -> None:
    """-v: which file, which service, which role, and why."""
    console.print()
    console.print(Text("Stack", style="bold underline"))
    for group, summary in (stack.get("groups") or {"": stack}).items():
        if group:
            console.print(Text(f"  == {group}", style="bold"))
        for svc in summary.get("services", []):
            where = f"{svc['file']}:{svc['line']}" if svc.get("line") else svc["file"]
            console.print(Text(f"  {svc['name']}: {svc['role']} — {svc['evidence']}  ({where})", style="dim"))
        for key in ("chat_proxy", "image_proxy"):
            p = summary.get(key)
            if p:
                console.print(Text(f"  {key.replace('_', ' ')}: {p['name']} (config {p['config'] or p['config_elsewhere']})",
                                   style="dim"))
        if summary.get("image_path"):
            console.print(Text(f"  image path: {summary['image_path']['reason']}", style="dim"))


def _render_areas(results: list[Result], console: Console, verbose: bool) -> None:
    by_area: dict[str, list[Result]] = {}
    for r in results:
        by_area.setdefault(r.area, []).append(r)
    for area in sorted(by_area, key=lambda a: AREAS.index(a) if a in AREAS else 99):
        shown = [r for r in by_area[area] if verbose or not _offline_skip(r)]
        if not shown:
            continue
        console.print()
        console.print(Text(AREA_TITLE.get(area, area), style="bold underline"))
        for r in _compact(shown, verbose):
            console.print(_line(r, verbose))
            if verbose and r.data:
                for k, v in r.data.items():
                    console.print(Text(f"      {k}: {v}", style="dim"))
            if r.status is Status.ERROR and r.detail and verbose:
                console.print(Padding(Text(r.detail.rstrip(), style="dim"), (0, 0, 0, 6)))


def _render_tail(report: Report, console: Console, verbose: bool) -> None:
    for note in report.notes:
        console.print()
        console.print(Text(f"note: {note}", style="dim"))
    problems = [r for r in report.results if r.fix is not None]
    problems.sort(key=lambda r: (r.status is not Status.FAIL, AREAS.index(r.area) if r.area in AREAS else 99))
    # One entry per fix and place: two findings with the same remedy at the same line read as one.
    grouped: dict[tuple, list[Result]] = {}
    for r in problems:
        grouped.setdefault((r.group, r.fix.id, str(r.location), r.status), []).append(r)  # type: ignore[union-attr]
    if grouped:
        console.print()
        console.print(Text("How to fix", style="bold underline"))
        styled = console.is_terminal and not console.no_color
        for n, group in enumerate(grouped.values(), start=1):
            console.print(_fix_block(n, group[0], group[1:], styled))
            console.print()
    errors = [r for r in report.results if r.status is Status.ERROR]
    if errors and not verbose:
        console.print(Text("Some checks broke (E); run again with -v for the traceback.", style="magenta"))
    s = report.summary()
    parts = [f"{s['fail']} failed" if s["fail"] else "", f"{s['error']} errors" if s["error"] else "",
             f"{s['warn']} warnings" if s["warn"] else "", f"{s['pass']} passed",
             f"{s['skip']} skipped" if s["skip"] else ""]
    verdict_style = "bold red" if s["fail"] or s["error"] else ("bold yellow" if s["warn"] else "bold green")
    console.print(Text(", ".join(p for p in parts if p) + f" in {report.duration_ms / 1000:.2f} s",
                       style=verdict_style))


def render_explain(fix_id: str, console: Console) -> None:
    """`canvas-doctor explain FIX_ID`: the whole fix with its generic placeholders, and its variants."""
    from ..fixes import VARIANT_NAMES, render_generic, variants
    fix = render_generic(fix_id)
    styled = console.is_terminal and not console.no_color
    console.print(Text(f"{fix.id}: {fix.title}", style="bold"))
    if fix.cause:
        console.print()
        console.print(Text("Why", style="bold underline"))
        console.print(escape(fix.cause))
    _explain_steps(fix, console, styled, "Steps")
    for lang in variants(fix_id):
        _explain_steps(render_generic(fix_id, lang), console, styled,
                       f"Steps, for a finding in {VARIANT_NAMES.get(lang, lang)}")
    console.print()
    console.print(Text(f"Guide section: {fix.guide_section or '— (beyond the guide)'}", style="dim"))


def _explain_steps(fix: RenderedFix, console: Console, styled: bool, heading: str) -> None:
    console.print()
    console.print(Text(heading, style="bold underline"))
    for i, step in enumerate(fix.steps, start=1):
        console.print(Text(f"  {i}. {step}"))
    if fix.snippet:
        console.print()
        console.print(Text("  Snippet:", style="dim"))
        console.print(_snippet(fix.snippet, styled, indent=2))


def render_explain_check(spec: CheckSpec, console: Console) -> None:
    """`canvas-doctor explain CHECK_ID`: what the check looks at and the fixes it can give."""
    import inspect
    from ..fixes import render_generic
    console.print(Text(f"{spec.id}: {spec.title}", style="bold"))
    facts = [f"area: {spec.area}", f"needs: {', '.join(spec.needs)}"] + ([f"from: {spec.source}"] if spec.source else [])
    facts += [f"formerly: {', '.join(spec.aliases)}"] if spec.aliases else []
    console.print(Text(" · ".join(facts), style="dim"))
    if spec.depends_on:
        console.print(Text(f"Runs when these pass (else it is skipped): {', '.join(spec.depends_on)}"))
    if spec.after:
        console.print(Text(f"Runs after: {', '.join(spec.after)}"))
    doc = inspect.cleandoc(spec.func.__doc__ or "")
    if doc:  # the check's docstring; the title above says the rest
        console.print()
        console.print(Text("What it checks", style="bold underline"))
        console.print(Text(doc))
    module_doc = inspect.cleandoc(getattr(inspect.getmodule(spec.func), "__doc__", None) or "")
    if module_doc:  # the rule module's own explanation: the area of the stack its rules read, and the facts
        console.print()
        console.print(Text("About its rules", style="bold underline"))
        console.print(Text(module_doc))
    console.print()
    console.print(Text("Fixes it can give", style="bold underline"))
    if not spec.fixes:
        console.print(Text("  (none declared)"))
    width = max((len(f) for f in spec.fixes), default=0)
    for fix_id in spec.fixes:
        fix = render_generic(spec.fix_decl(fix_id) or fix_id)
        console.print(Text(f"  {fix_id.ljust(width)}  {fix.title}"))
        if fix.cause:
            console.print(Text(" " * (width + 4) + fix.cause, style="dim"))
    if spec.fixes:
        console.print()
        console.print(Text("`canvas-doctor explain FIX_ID` shows a fix in full: cause, steps, snippet.", style="dim"))
