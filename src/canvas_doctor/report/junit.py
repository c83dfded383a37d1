"""JUnit XML: one testcase per result, grouped in one testsuite per area."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..models import AREAS, Report, Status


def to_junit(report: Report) -> str:
    suites = ET.Element("testsuites", name="canvas-doctor", time=f"{report.duration_ms / 1000:.3f}")
    by_area: dict[tuple, list] = {}
    for r in report.results:
        by_area.setdefault((r.group or "", r.area), []).append(r)
    for key in sorted(by_area, key=lambda k: (k[0], AREAS.index(k[1]) if k[1] in AREAS else 99)):
        results = by_area[key]
        area = f"{key[0]}.{key[1]}" if key[0] else key[1]
        suite = ET.SubElement(suites, "testsuite", name=f"canvas-doctor.{area}", tests=str(len(results)),
                              failures=str(sum(r.status is Status.FAIL for r in results)),
                              errors=str(sum(r.status is Status.ERROR for r in results)),
                              skipped=str(sum(r.status is Status.SKIP for r in results)))
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=f"canvas-doctor.{area}", name=r.check,
                                 time=f"{r.duration_ms / 1000:.3f}")
            if r.location:
                case.set("file", r.location.file)
                if r.location.line:
                    case.set("line", str(r.location.line))
            body = r.message
            if r.fix:
                body += f"\n\nFix [{r.fix.id}]: {r.fix.title}\n" + "\n".join(f"- {s}" for s in r.fix.steps)
                if r.fix.snippet:
                    body += "\n\n" + r.fix.snippet
            if r.status is Status.FAIL:
                ET.SubElement(case, "failure", message=r.message, type=r.fix.id if r.fix else "fail").text = body
            elif r.status is Status.ERROR:
                ET.SubElement(case, "error", message=r.message, type="error").text = r.detail or r.message
            elif r.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=r.message)
            elif r.status is Status.WARN:
                ET.SubElement(case, "system-out").text = f"WARNING: {body}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def write_junit(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)  # reports/junit.xml in a fresh CI checkout
    path.write_text(to_junit(report), encoding="utf-8")


def reporter(report: Report, stream, options) -> None:
    """`--format junit`: the JUnit XML on stdout (`--junit FILE` writes the same to a file)."""
    stream.write(to_junit(report))
