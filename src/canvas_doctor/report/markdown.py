"""`--format markdown`: a report for a pull-request comment or a job summary.

A summary line, a table of the findings (file:line, fix id), then each fix once with its steps and
every place it applies to, the notes, and the path of the image the live generation saved. Text
that comes from the stack's files is escaped, so a value in a config cannot add HTML, a link or an
image, or break the table.
"""
from __future__ import annotations

from typing import IO

from ..models import Report, Status
from .findings import Finding, errors, findings, saved_images, summary_line

ICON = {Status.FAIL: "❌ fail", Status.WARN: "⚠️ warn", Status.ERROR: "💥 error"}
# What could change the page: a table cell's end, HTML, a link or an image. The doctor's own `code` stays code.
_ESCAPE = {"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]"}


def inline(text: str) -> str:
    """Text safe inside a table cell or a paragraph: markup escaped, newlines as <br>."""
    out = "".join(_ESCAPE.get(ch, ch) for ch in text)
    return "<br>".join(line for line in out.replace("\r", "").split("\n"))


def code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    text = text.replace("\n", " ").replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence}{' ' if fence == '``' else ''}{text}{' ' if fence == '``' else ''}{fence}"


def _block(snippet: str) -> str:
    fence = "````" if "```" in snippet else "```"
    return f"{fence}\n{snippet.rstrip()}\n{fence}"


def _where(f: Finding) -> str:
    return code(f.where) if f.where else "—"


def _table(found: list[Finding]) -> list[str]:
    grouped = any(f.result.group for f in found)
    head = "| | " + ("project | " if grouped else "") + "check | where | finding | fix |"
    rows = [head, "|---|" + ("---|" if grouped else "") + "---|---|---|---|"]
    for f in found:
        r = f.result
        cells = [ICON[r.status]] + ([inline(r.group or "")] if grouped else []) + [
            f"{inline(r.title)}<br>{code(r.check)}", _where(f), inline(r.message),
            code(r.fix.id) if r.fix else "—"]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _fixes(found: list[Finding]) -> list[str]:
    """Each fix once (failures first), with every place it applies to."""
    by_fix: dict[str, list[Finding]] = {}
    for f in sorted(found, key=lambda f: f.result.status is not Status.FAIL):
        if f.result.fix is not None:
            by_fix.setdefault(f.result.fix.id, []).append(f)
    out = ["### How to fix", ""]
    for n, (fix_id, places) in enumerate(by_fix.items(), start=1):
        fix = places[0].result.fix
        assert fix is not None
        out.append(f"#### {n}. {inline(fix.title)} ({code(fix_id)})")
        out.append("")
        wheres = list(dict.fromkeys(p.where for p in places if p.where))
        if wheres:
            out += ["**Where:** " + ", ".join(code(w) for w in wheres), ""]
        if fix.cause:
            out += [f"**Why:** {inline(fix.cause)}", ""]
        out += [f"{i}. {inline(step)}" for i, step in enumerate(fix.steps, start=1)]
        out.append("")
        if fix.snippet:
            out += [_block(fix.snippet), ""]
        tail = [f"guide: {inline(fix.guide_section)}"] if fix.guide_section else []
        tail.append(f"more: {code('canvas-doctor explain ' + fix_id)}")
        out += [" · ".join(tail), ""]
    return out


def to_markdown(report: Report) -> str:
    found = findings(report)
    s = report.summary()
    verdict = "❌" if s["fail"] else ("💥" if s["error"] else ("⚠️" if s["warn"] else "✅"))
    lines = [f"## {verdict} canvas-doctor: {summary_line(report)}", "",
             f"Project {code(report.project)} · canvas-doctor {report.version} · {report.duration_ms / 1000:.2f} s", ""]
    if found:
        lines += _table(found) + [""] + _fixes(found)
    else:
        lines += ["No warnings or failures.", ""]
    broke = errors(report)
    if broke:
        lines += ["### Checks that could not finish", ""]
        lines += [f"- {code(r.check)}: {inline(r.message)}" for r in broke]
        lines += ["", "Run again with `-v` for the tracebacks.", ""]
    images = saved_images(report)
    if images:
        lines += ["### Generated image", ""] + [f"Saved to {code(p)}" for p in images] + [""]
    if report.notes:
        lines += ["### Notes", ""] + [f"- {inline(n)}" for n in report.notes] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def reporter(report: Report, stream: IO[str], options) -> None:
    """`--format markdown`: the Markdown report on stdout."""
    stream.write(to_markdown(report))
