"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning, GitLab and Azure DevOps.

One run; one rule per check in the report (its id is the check id, its help the fixes it gave);
one result per warning (`warning`) or failure (`error`), with the fix id in its properties and the
finding's file and line as a physical location. URIs are relative to the working directory (the
checkout root in CI, which is what GitHub resolves relative URIs against) with the base id
`%SRCROOT%`; `run.originalUriBaseIds` says where that is, and where the project is within it
(`PROJECTROOT`). A check that broke (an `error` result, exit 3) is a tool execution notification,
not a finding about the stack. The report is the redacted one; nothing is probed.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from ..models import RenderedFix, Report, Result, Status
from .findings import Finding, errors, findings, help_uri, repo_path

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Status.FAIL: "error", Status.WARN: "warning"}
SRCROOT = "%SRCROOT%"
FINGERPRINT = "canvasDoctorFinding/v1"


def _uri(path: str) -> dict[str, str]:
    """An artifactLocation: relative (with its base id) when inside the working directory, else a file URI."""
    if path.startswith("/"):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _dir_uri(path: Path) -> str:
    return path.as_uri().rstrip("/") + "/"


def _fix_text(fix: RenderedFix) -> str:
    lines = [f"{fix.title} [{fix.id}]"]
    if fix.cause:
        lines.append(fix.cause)
    lines += [f"{n}. {step}" for n, step in enumerate(fix.steps, start=1)]
    if fix.snippet:
        lines.append(fix.snippet.rstrip("\n"))
    if fix.guide_section:
        lines.append(f"Guide section: {fix.guide_section}")
    lines.append(f"canvas-doctor explain {fix.id}")
    return "\n".join(lines)


def _fix_markdown(fix: RenderedFix) -> str:
    parts = [f"**{fix.title}** (`{fix.id}`)"]
    if fix.cause:
        parts.append(fix.cause)
    parts.append("\n".join(f"{n}. {step}" for n, step in enumerate(fix.steps, start=1)))
    if fix.snippet:
        parts.append("```\n" + fix.snippet.rstrip("\n") + "\n```")
    if fix.guide_section:
        parts.append(f"Guide section: {fix.guide_section}")
    parts.append(f"`canvas-doctor explain {fix.id}`")
    return "\n\n".join(parts)


def _rules(report: Report) -> list[dict[str, Any]]:
    """One reportingDescriptor per check in the report, in report order; help: the fixes it gave here."""
    by_check: dict[str, list[Result]] = {}
    for r in report.results:
        if r.check:
            by_check.setdefault(r.check, []).append(r)
    rules = []
    for check, results in by_check.items():
        fixes = list({r.fix.id: r.fix for r in results if r.fix is not None}.values())
        worst = max((r.status for r in results if r.status in LEVEL), key=list(LEVEL).index, default=None)
        title = results[0].title or check
        if fixes:
            text = "\n\n".join(_fix_text(f) for f in fixes)
            markdown = "\n\n---\n\n".join(_fix_markdown(f) for f in fixes)
        else:
            text = f"{title}. Nothing to fix in this run. canvas-doctor explain {check}"
            markdown = f"{title}. Nothing to fix in this run. `canvas-doctor explain {check}`"
        rules.append({
            "id": check,
            "name": check,
            "shortDescription": {"text": title},
            "fullDescription": {"text": f"{title} (area: {results[0].area}). canvas-doctor explain {check}"},
            "helpUri": help_uri(fixes[0].id if fixes else None),
            "help": {"text": text, "markdown": markdown},
            "defaultConfiguration": {"level": LEVEL.get(worst, "warning") if worst else "warning"},
            "properties": {"tags": ["canvas-doctor", results[0].area],
                           "fixes": [f.id for f in fixes]},
        })
    return rules


def _result(f: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    r = f.result
    text = r.message or r.title
    if r.fix is not None:
        text += f"\n\nFix [{r.fix.id}]: {r.fix.title}. canvas-doctor explain {r.fix.id}"
    if f.placed:
        text += "\n(Found by a live check: placed on the stack's first file.)"
    out: dict[str, Any] = {
        "ruleId": r.check,
        "ruleIndex": rule_index[r.check],
        "level": LEVEL[r.status],
        "kind": "fail",
        "message": {"text": text},
        "properties": {"status": r.status.value, "area": r.area, "fixId": r.fix.id if r.fix else None,
                       **({"group": r.group} if r.group else {})},
    }
    if f.path is not None:
        out["locations"] = [{"physicalLocation": {"artifactLocation": _uri(f.path), "region": {"startLine": f.line}}}]
        key = "\0".join([r.check, r.fix.id if r.fix else "", r.group or "", f.path, r.message])
        out["partialFingerprints"] = {FINGERPRINT: hashlib.sha256(key.encode()).hexdigest()[:32]}
    return out


def _notification(r: Result, rule_index: dict[str, int]) -> dict[str, Any]:
    note: dict[str, Any] = {"level": "error", "message": {"text": f"{r.check}: the check could not finish: {r.message}"}}
    if r.check in rule_index:
        note["associatedRule"] = {"id": r.check, "index": rule_index[r.check]}
    return note


def to_sarif(report: Report) -> dict[str, Any]:
    rules = _rules(report)
    rule_index = {rule["id"]: i for i, rule in enumerate(rules)}
    cwd = Path(os.path.abspath(os.getcwd()))
    project = repo_path(report, ".")
    base_ids: dict[str, Any] = {SRCROOT: {"uri": _dir_uri(cwd),
                                          "description": {"text": "The working directory (the checkout root in CI)"}}}
    if project.startswith("/"):
        base_ids["PROJECTROOT"] = {"uri": _dir_uri(Path(project)), "description": {"text": "The project (--project)"}}
    else:
        base_ids["PROJECTROOT"] = {"uri": "./" if project in (".", "") else quote(project, safe="/") + "/",
                                   "uriBaseId": SRCROOT, "description": {"text": "The project (--project)"}}
    broke = errors(report)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "canvas-doctor", "version": report.version,
                                "semanticVersion": report.version, "informationUri": help_uri(None).split("#")[0],
                                "rules": rules}},
            "originalUriBaseIds": base_ids,
            "invocations": [{"executionSuccessful": not broke,
                             "toolExecutionNotifications": [_notification(r, rule_index) for r in broke]}],
            "results": [_result(f, rule_index) for f in findings(report)],
            "properties": {"summary": report.summary(), "project": report.project},
        }],
    }


def reporter(report: Report, stream: IO[str], options) -> None:
    """`--format sarif`: the SARIF 2.1.0 log on stdout."""
    stream.write(json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n")
