"""The JSON report follows the shipped schema; JUnit and the terminal report say the same things."""
from __future__ import annotations

import re
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


GUIDE = FIXTURES / "guide-as-written"


@pytest.mark.parametrize("columns", [80, 120])
def test_human_report_wraps_to_the_width_at_word_boundaries_with_hanging_indents(columns: int) -> None:
    from helpers import clean_env
    wrapped = run_cli("--offline", "--project", str(GUIDE), env=clean_env(COLUMNS=str(columns))).stdout
    one_line = run_cli("--offline", "--project", str(GUIDE)).stdout   # piped, no COLUMNS: a finding per line
    lines = wrapped.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert max(len(line) for line in one_line.splitlines()) > 150
    assert not [line for line in lines if line != line.rstrip()]
    # No word broken: the same words in the same order as the unwrapped report (its timing aside). At 80
    # columns only a snippet's 68-character ARN, deeper in the YAML than it fits, is folded.
    assert "".join(wrapped.split()[:-2]) == "".join(one_line.split()[:-2])
    arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0"
    pieces = set(wrapped.split()[:-2]) - set(one_line.split()[:-2])
    assert (not pieces) if columns == 120 else all(p in arn for p in pieces)
    assert len(lines) > len(one_line.splitlines())
    # A finding's continuation lines sit under its title; a step's under its text.
    i = next(n for n, line in enumerate(lines) if line.startswith("  ! Open WebUI and LiteLLM images name the release"))
    assert lines[i + 1].startswith("    ") and lines[i + 1][4] != " "
    why = next(n for n, line in enumerate(lines) if line.startswith("   why:   LiteLLM (1.108.7) copies any `stream`"))
    assert lines[why + 1].startswith(" " * 10) and lines[why + 1][10] != " "


def test_how_to_fix_gives_each_fix_once_with_all_its_places() -> None:
    run = run_cli("--offline", "--project", str(GUIDE))
    fixes = run_cli("--offline", "--json", "--project", str(GUIDE)).fix_ids()
    how_to_fix = run.stdout.partition("How to fix\n")[2]
    headings = [line for line in how_to_fix.splitlines() if re.match(r"\d+\. [✗!] ", line)]
    assert sorted(h.rsplit("[", 1)[1].rstrip("]") for h in headings) == sorted(fixes)   # one entry per fix id
    assert [h.split(".")[0] for h in headings] == [str(n) for n in range(1, len(fixes) + 1)]
    stream = how_to_fix.partition("[litellm-stream-key-rejected]\n")[2].partition("\n\n")[0]
    assert stream.startswith("   where: litellm-config.yaml:8, litellm-config.yaml:15\n")
    assert "   at litellm-config.yaml:8:\n   what:  nova-canvas has `stream: false`" in stream
    assert "   at litellm-config.yaml:15:\n   what:  titan-image has `stream: false`" in stream
    assert stream.count("   why:   ") == 1 and stream.endswith("   more:  canvas-doctor explain litellm-stream-key-rejected")
    tags = how_to_fix.partition("[image-tag-moving]\n")[2].partition("\n\n")[0]
    assert tags.startswith("   where: docker-compose.yml:3, docker-compose.yml:15, "
                           "infrastructure/bedrock-image-chat-stack.yaml:9, infrastructure/bedrock-image-chat-stack.yaml:22\n")


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_headline_when_nothing_listens() -> None:
    """Every service probe finds nothing listening: one line at the top says so, and what to do first."""
    litellm, openwebui = f"http://127.0.0.1:{_free_port()}", f"http://127.0.0.1:{_free_port()}"
    run = run_cli("--no-live", "--timeout", "2", "--skip", "docker", "--project", str(GUIDE),
                  "--litellm-url", litellm, "--openwebui-url", openwebui)
    assert run.code == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("canvas-doctor ")
    assert lines[1] == (f"First: nothing answers at the stack's URLs ({litellm}, {openwebui}): start the stack, or "
                        "point the doctor at it (--litellm-url, --openwebui-url), then run canvas-doctor again (2 of "
                        "the 2 live problems below follow from it).")
    assert sum(line.startswith("First: ") for line in lines) == 1


def test_headline_when_no_container_of_the_stack_runs() -> None:
    """With Docker: no container for the stack's project, nothing listening; start the stack first."""
    litellm, openwebui = f"http://127.0.0.1:{_free_port()}", f"http://127.0.0.1:{_free_port()}"
    run = run_cli("--no-live", "--timeout", "2", "--project", str(GUIDE), "--litellm-url", litellm,
                  "--openwebui-url", openwebui)
    first = run.stdout.splitlines()[1]
    if "✓ A Docker engine answers" in run.stdout:
        assert first == (f"First: none of the stack's containers is running and nothing answers at its URLs ({litellm}, "
                         f"{openwebui}): start the stack (docker compose up -d), then run canvas-doctor again (4 of "
                         "the 4 live problems below follow from it).")
    else:
        assert first.startswith(f"First: no Docker engine answers and nothing listens at the stack's URLs ({litellm}, ")


def test_no_headline_when_no_live_problem_or_the_services_answer() -> None:
    offline = run_cli("--offline", "--project", str(GUIDE))
    assert offline.code == 1 and "First: " not in offline.stdout
