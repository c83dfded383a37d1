"""The terminal report: results grouped by area, then "How to fix" for every warning and failure.

Colour and symbols come from rich; with NO_COLOR set or when stdout is not a terminal, the same
text is printed plain (rich turns styling off by itself there). On a terminal (or with COLUMNS
set) long lines wrap at word boundaries to its width, each continuation indented under the text
it continues; piped elsewhere, a finding stays on one line (for grep and CI logs).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO

from rich.console import Console, Group
from rich.padding import Padding
from rich.syntax import Syntax
from rich.text import Text

from ..models import AREAS, CheckSpec, RenderedFix, Report, Result, Status
from .headline import root_cause

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


def wrap_width(console: Console) -> int | None:
    """The width to wrap at: the terminal's (or COLUMNS); None when there is no terminal to fit."""
    if console.is_terminal or os.environ.get("COLUMNS", "").isdigit():
        return console.width
    return None


class Wrapper:
    """Hanging indents: `prefix` then `body`, the body's continuation lines aligned under its start."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.width = wrap_width(console)

    def hang(self, prefix: str | Text, body: str | Text, style: str = "") -> Text:
        head = prefix.copy() if isinstance(prefix, Text) else Text(prefix, style=style)
        text = body.copy() if isinstance(body, Text) else Text(body, style=style)
        indent = head.cell_len
        if self.width is None or indent + text.cell_len <= self.width:
            return head + text
        lines = text.wrap(self.console, max(self.width - indent, 20), overflow="fold")
        out = head
        for i, line in enumerate(lines):
            if i:
                out.append("\n" + " " * indent)
            line.rstrip()
            out.append_text(line)
        return out


def _line(r: Result, verbose: bool, wrapper: Wrapper) -> Text:
    symbol, style = SYMBOL[r.status]
    head = Text("  ")
    head.append(symbol, style=style)
    head.append(" ")
    t = Text()
    t.append(r.title, style="bold" if r.status.is_problem else "")
    if r.message and r.message != r.title:
        t.append(" — ")
        t.append(r.message, style="dim" if r.status in (Status.PASS, Status.SKIP) else "")
    if r.location:
        t.append(f"  ({r.location})", style="cyan")
    if verbose or r.duration_ms >= 500:
        t.append(f"  {r.duration_ms} ms", style="dim")
    return wrapper.hang(head, t)


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


def _snippet(snippet: str, styled: bool, indent: int, wrap: Wrapper | None = None) -> Padding | Text:
    """Syntax-highlighted on a terminal; plain lines (no padding to the width) elsewhere, a long one
    continued under its own indentation."""
    code = snippet.rstrip("\n")
    if not styled:
        lines = code.splitlines()
        if wrap is None:
            return Text("\n".join(" " * indent + line for line in lines))
        return Text("\n").join(wrap.hang(" " * (indent + len(line) - len(line.lstrip(" "))), line.lstrip(" "))
                               for line in lines)
    lexer = "bash" if code.lstrip().startswith(("curl", "docker", "python")) else "yaml"
    return Padding(Syntax(code, lexer, theme="ansi_dark", background_color="default", word_wrap=True),
                   (0, 0, 0, indent))


@dataclass
class FixEntry:
    """One "How to fix" entry: a fix id and every finding that gives it (within one project group)."""

    results: list[Result]

    @property
    def fix(self) -> RenderedFix:
        assert self.results[0].fix is not None
        return self.results[0].fix

    @property
    def status(self) -> Status:
        return Status.FAIL if any(r.status is Status.FAIL for r in self.results) else self.results[0].status

    @property
    def places(self) -> list[str]:
        return list(dict.fromkeys(str(r.location) for r in self.results if r.location))

    def by_steps(self) -> list[list[Result]]:
        """The findings grouped by the steps (and snippet) the fix gives for them, in place order."""
        groups: dict[tuple, list[Result]] = {}
        for r in self.results:
            assert r.fix is not None
            groups.setdefault((r.fix.steps, r.fix.snippet), []).append(r)
        return list(groups.values())


def _place_key(r: Result) -> tuple:
    return (r.location is None, r.location.file if r.location else "", (r.location.line or 0) if r.location else 0)


def fix_entries(results: list[Result]) -> list[FixEntry]:
    """One entry per fix id (per project group): failures first, then by area; each entry's places in file:line order."""
    problems = [r for r in results if r.fix is not None]
    problems.sort(key=lambda r: (r.status is not Status.FAIL, AREAS.index(r.area) if r.area in AREAS else 99))
    grouped: dict[tuple, list[Result]] = {}
    for r in problems:
        grouped.setdefault((r.group, r.fix.id), []).append(r)  # type: ignore[union-attr]
    entries = [FixEntry(sorted(group, key=_place_key)) for group in grouped.values()]
    entries.sort(key=lambda e: e.status is not Status.FAIL)  # stable: a fix that fails anywhere comes first
    return entries


def _messages(results: list[Result], first_prefix: str, wrap: Wrapper) -> list[Text]:
    messages = list(dict.fromkeys(r.message for r in results))
    return [wrap.hang(first_prefix if i == 0 else " " * len(first_prefix), m) for i, m in enumerate(messages)]


def _steps(fix: RenderedFix, styled: bool, wrap: Wrapper) -> list:
    parts: list = [wrap.hang(f"   {chr(96 + i)}) ", step) for i, step in enumerate(fix.steps, start=1)]
    if fix.snippet:
        parts.append(_snippet(fix.snippet, styled, indent=5, wrap=wrap))
    return parts


def _fix_block(n: int, entry: FixEntry, styled: bool, wrap: Wrapper) -> Group:
    """The fix once; where it applies; what was found; then its steps (per place, when they differ)."""
    fix = entry.fix
    symbol, style = SYMBOL[entry.status]
    head, title = Text(f"{n}. "), Text()
    head.append(symbol, style=style)
    head.append(" ")
    title.append(fix.title, style="bold")
    title.append(f"  [{fix.id}]", style="dim")
    parts: list = [wrap.hang(head, title)]
    if entry.places:
        parts.append(wrap.hang(Text("   where: ", style="cyan"), Text(", ".join(entry.places), style="cyan")))
    groups = entry.by_steps()
    one_cause = len({r.fix.cause for r in entry.results if r.fix}) == 1
    if len(groups) == 1:
        parts += _messages(entry.results, "   what:  ", wrap)
    if fix.cause and (one_cause or len(groups) == 1):
        parts.append(wrap.hang("   why:   ", fix.cause, style="dim"))
    for results in groups:
        rendered = results[0].fix
        assert rendered is not None
        if len(groups) > 1:  # each place's own finding (and cause, when it differs), then the steps for it
            places = ", ".join(dict.fromkeys(str(r.location) for r in results if r.location)) or "elsewhere"
            parts.append(wrap.hang(Text("   at ", style="cyan"), Text(places + ":", style="cyan")))
            parts += _messages(results, "   what:  ", wrap)
            if rendered.cause and not one_cause:
                parts.append(wrap.hang("   why:   ", rendered.cause, style="dim"))
        parts += _steps(rendered, styled, wrap)
    if fix.guide_section:
        parts.append(wrap.hang("   guide: ", fix.guide_section, style="dim"))
    parts.append(Text(f"   more:  canvas-doctor explain {fix.id}", style="dim"))
    return Group(*parts)


def reporter(report: Report, stream: IO[str], options) -> None:
    """`--format human` (the default): the terminal report."""
    render(report, make_console(stream), verbose=options.verbose)


def render(report: Report, console: Console, verbose: bool = False) -> None:
    wrap = Wrapper(console)
    console.print(wrap.hang("", Text(f"canvas-doctor {report.version} — {report.project}", style="bold")))
    cause = root_cause(report.results)
    if cause:
        console.print(wrap.hang(Text("First: ", style="bold red"), Text(cause, style="bold")))
    groups: dict[str | None, list[Result]] = {}
    for r in report.results:
        groups.setdefault(r.group, []).append(r)
    for group, results in groups.items():
        if group is not None:
            console.print()
            console.print(Text(f"== {group}", style="bold"))
        _render_areas(results, console, verbose, wrap)
    if verbose and report.stack:
        _render_stack(report.stack, console)
    _render_tail(report, console, verbose, wrap)


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


def _render_areas(results: list[Result], console: Console, verbose: bool, wrap: Wrapper) -> None:
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
            console.print(_line(r, verbose, wrap))
            if verbose and r.data:
                for k, v in r.data.items():
                    console.print(wrap.hang(f"      {k}: ", str(v), style="dim"))
            if r.status is Status.ERROR and r.detail and verbose:
                console.print(Padding(Text(r.detail.rstrip(), style="dim"), (0, 0, 0, 6)))


def _render_tail(report: Report, console: Console, verbose: bool, wrap: Wrapper) -> None:
    for note in report.notes:
        console.print()
        console.print(wrap.hang("note: ", note, style="dim"))
    entries = fix_entries(report.results)
    if entries:
        console.print()
        console.print(Text("How to fix", style="bold underline"))
        styled = console.is_terminal and not console.no_color
        for n, entry in enumerate(entries, start=1):
            console.print(_fix_block(n, entry, styled, wrap))
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


def render_list(rows: list[dict], errors: list[tuple[str, str, str]], console: Console) -> None:
    """`canvas-doctor list`: each check with its area and needs, then its title, order and fix ids."""
    wrap = Wrapper(console)
    for r in rows:
        head = Text(r["id"], style="bold")
        head.append(f"  ({r['area']}; needs {', '.join(r['needs'])})", style="dim")
        console.print(wrap.hang("", head))
        console.print(wrap.hang("    ", r["title"]))
        if r["depends_on"]:
            console.print(wrap.hang("    depends on: ", ", ".join(r["depends_on"]), style="dim"))
        if r["after"]:
            console.print(wrap.hang("    runs after: ", ", ".join(r["after"]), style="dim"))
        console.print(wrap.hang("    fixes: ", ", ".join(r["fixes"]) or "(none declared)", style="cyan"))
        if r.get("aliases"):
            console.print(wrap.hang("    formerly: ", ", ".join(r["aliases"]), style="dim"))
    console.print()
    console.print(wrap.hang("", "depends on: skipped unless these pass; runs after: waits for these (they may fail). "
                            "`canvas-doctor explain ID` shows a check or a fix in full.", style="dim"))
    for name, value, error in errors:
        console.print(wrap.hang("", f"plugin {name} ({value}) failed to load: {error}", style="magenta"))


def render_explain(fix_id: str, console: Console) -> None:
    """`canvas-doctor explain FIX_ID`: the whole fix with its generic placeholders, and its variants."""
    from ..fixes import VARIANT_NAMES, render_generic, variants
    fix = render_generic(fix_id)
    styled = console.is_terminal and not console.no_color
    console.print(Wrapper(console).hang(f"{fix.id}: ", fix.title, style="bold"))
    if fix.cause:
        console.print()
        console.print(Text("Why", style="bold underline"))
        console.print(Wrapper(console).hang("", fix.cause))
    _explain_steps(fix, console, styled, "Steps")
    for lang in variants(fix_id):
        _explain_steps(render_generic(fix_id, lang), console, styled,
                       f"Steps, for a finding in {VARIANT_NAMES.get(lang, lang)}")
    console.print()
    console.print(Text(f"Guide section: {fix.guide_section or '— (beyond the guide)'}", style="dim"))


def _explain_steps(fix: RenderedFix, console: Console, styled: bool, heading: str) -> None:
    console.print()
    console.print(Text(heading, style="bold underline"))
    wrap = Wrapper(console)
    for i, step in enumerate(fix.steps, start=1):
        console.print(wrap.hang(f"  {i}. ", step))
    if fix.snippet:
        console.print()
        console.print(Text("  Snippet:", style="dim"))
        console.print(_snippet(fix.snippet, styled, indent=2, wrap=wrap))


def render_explain_check(spec: CheckSpec, console: Console) -> None:
    """`canvas-doctor explain CHECK_ID`: what the check looks at and the fixes it can give."""
    import inspect
    from ..fixes import render_generic
    console.print(Wrapper(console).hang(f"{spec.id}: ", spec.title, style="bold"))
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
    width, wrap = max((len(f) for f in spec.fixes), default=0), Wrapper(console)
    for fix_id in spec.fixes:
        fix = render_generic(spec.fix_decl(fix_id) or fix_id)
        console.print(wrap.hang(f"  {fix_id.ljust(width)}  ", fix.title))
        if fix.cause:
            console.print(wrap.hang(" " * (width + 4), fix.cause, style="dim"))
    if spec.fixes:
        console.print()
        console.print(Text("`canvas-doctor explain FIX_ID` shows a fix in full: cause, steps, snippet.", style="dim"))
