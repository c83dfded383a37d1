"""The JSON report follows the shipped schema; JUnit and the terminal report say the same things."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from canvas_doctor.report.json_report import schema
from helpers import FIXTURES, run_cli

STACKS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.yaml").exists())


@pytest.mark.parametrize("stack", ["healthy", "guide-as-written", "config-invalid", "production-static-credentials"])
def test_real_json_output_validates_against_the_shipped_schema(stack: str) -> None:
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / stack))
    jsonschema.validate(run.json, schema())
    assert run.json["schema_version"] == 1 and run.json["tool"]["name"] == "canvas-doctor"
    summary = run.json["summary"]
    assert sum(summary.values()) == len(run.json["results"])


def test_schema_rejects_a_failure_without_fix() -> None:
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "stream-false"))
    report = run.json
    failing = next(r for r in report["results"] if r["status"] == "fail")
    failing["fix"] = None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema())


def test_junit_has_one_testcase_per_result_with_failures(tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    run = run_cli("--offline", "--json", "--junit", str(out), "--project", str(FIXTURES / "guide-as-written"))
    root = ET.parse(out).getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == len(run.json["results"])
    failures = root.findall(".//failure")
    assert len(failures) == run.json["summary"]["fail"]
    stream = [f for f in failures if f.get("type") == "litellm-stream-key-rejected"]
    assert stream and "Delete the line `stream: ...`" in stream[0].text


def test_human_report_groups_by_area_and_explains_each_fix() -> None:
    run = run_cli("--offline", "--project", str(FIXTURES / "stream-false"))
    out = run.stdout
    assert run.code == 1
    assert "Config files" in out and "How to fix" in out
    assert "litellm-image-config.yaml:9" in out
    assert "[litellm-stream-key-rejected]" in out and "canvas-doctor explain litellm-stream-key-rejected" in out
    assert "\x1b[" not in out  # NO_COLOR / not a TTY: plain text
    assert out.rstrip().splitlines()[-1].startswith("1 failed")


def test_json_mode_prints_only_json_on_stdout() -> None:
    run = run_cli("--json", "--offline", "--project", str(FIXTURES / "healthy"))
    assert run.stdout.lstrip().startswith("{") and run.stdout.rstrip().endswith("}")
    assert run.json["summary"]["fail"] == 0
