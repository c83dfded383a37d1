"""The JSON report follows the shipped schema; JUnit and the terminal report say the same things."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from canvas_doctor.report.json_report import schema
from helpers import FIXTURES, run_cli
from rule_case import case_stack

STACKS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.yaml").exists())
CASE_STACKS = {"config-invalid": ("config.files", "a_config_that_is_not_yaml"),
               "production-static-credentials": ("cloudformation.static-credentials", "aws_keys_in_plain_environment"),
               "stream-false": ("litellm.config.image-stream", "stream_false_as_the_guide_says")}


def _stack(name: str, tmp_path: Path) -> Path:
    """A sample stack, or the stack of a rule case (tests/rule_cases) by its old fixture name."""
    return case_stack(*CASE_STACKS[name], tmp_path / name) if name in CASE_STACKS else FIXTURES / name


@pytest.mark.parametrize("stack", ["healthy", "guide-as-written", "config-invalid", "production-static-credentials"])
def test_real_json_output_validates_against_the_shipped_schema(stack: str, tmp_path: Path) -> None:
    run = run_cli("--offline", "--json", "--project", str(_stack(stack, tmp_path)))
    jsonschema.validate(run.json, schema())
    assert run.json["schema_version"] == 1 and run.json["tool"]["name"] == "canvas-doctor"
    summary = run.json["summary"]
    assert sum(summary.values()) == len(run.json["results"])


def test_schema_rejects_a_failure_without_fix(tmp_path: Path) -> None:
    run = run_cli("--offline", "--json", "--project", str(_stack("stream-false", tmp_path)))
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


def test_human_report_groups_by_area_and_explains_each_fix(tmp_path: Path) -> None:
    run = run_cli("--offline", "--project", str(_stack("stream-false", tmp_path)))
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
