"""The CI formats (`--format sarif|github|markdown`) through the real CLI on the bundled stacks.

SARIF is validated against the official SARIF 2.1.0 schema (tests/data/sarif-schema-2.1.0.json, OASIS
errata01, as published in oasis-tcs/sarif-spec) and against GitHub's ingestion rules; every format is
compared finding by finding with the JSON report of the same run, and none shows a secret.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest

from helpers import FIXTURES, REPO, TODAY, clean_env, run_cli

GUIDE = FIXTURES / "guide-as-written"
HEALTHY = FIXTURES / "healthy"
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
ANNOTATION = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _env(**extra: str) -> dict[str, str]:
    return clean_env(CANVAS_DOCTOR_TODAY=TODAY, **extra)


def _findings(stack: Path, cwd: Path = REPO) -> list[dict]:
    report = run_cli("--offline", "--json", "--project", str(stack), env=_env(), cwd=cwd).json
    return [r for r in report["results"] if r["status"] in ("warn", "fail")]


def _sarif(stack: Path, cwd: Path = REPO, project: str | None = None):
    run = run_cli("--offline", "--format", "sarif", "--project", project or str(stack), env=_env(), cwd=cwd)
    return run, json.loads(run.stdout)


def _valid_sarif(log: dict) -> None:
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(log)]
    assert not problems, problems[:5]


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def _annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    out = []
    for line in stdout.splitlines():
        m = ANNOTATION.match(line)
        if m:
            props = dict(p.split("=", 1) for p in m.group(2).split(",")) if m.group(2) else {}
            out.append((m.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(m.group(3))))
    return out


# --- SARIF -----------------------------------------------------------------------------------------

def test_sarif_of_the_guides_stack_is_valid_sarif_2_1_0_and_follows_githubs_ingestion_rules() -> None:
    run, log = _sarif(GUIDE)
    assert run.code == 1, run.stderr  # the same exit status as every other format: the stack has faults
    _valid_sarif(log)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    sarif_run = log["runs"][0]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "canvas-doctor" and driver["version"]
    rules = driver["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids)), "one rule per check"
    for rule in rules:
        assert re.fullmatch(r"[a-z0-9][a-z0-9.\-]*", rule["id"]), rule["id"]
        assert urlparse(rule["helpUri"]).scheme == "https"
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
    results = sarif_run["results"]
    assert results
    for res in results:
        assert res["level"] in ("error", "warning", "note")
        assert ids[res["ruleIndex"]] == res["ruleId"]
        (loc,) = res["locations"]
        artifact = loc["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not urlparse(artifact["uri"]).scheme and not artifact["uri"].startswith("/"), artifact["uri"]
        assert (REPO / artifact["uri"]).is_file(), f"{artifact['uri']} is not a file of the checkout"
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
    assert sarif_run["invocations"][0]["executionSuccessful"] is True


def test_sarif_gives_every_finding_of_the_json_report_at_its_file_and_line_with_its_fix() -> None:
    expected = sorted((r["check"], "error" if r["status"] == "fail" else "warning",
                       f"fixtures/stacks/guide-as-written/{r['location']['file']}", r["location"]["line"],
                       r["fix"]["id"]) for r in _findings(GUIDE))
    _, log = _sarif(GUIDE)
    got = sorted((res["ruleId"], res["level"], res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  res["locations"][0]["physicalLocation"]["region"]["startLine"], res["properties"]["fixId"])
                 for res in log["runs"][0]["results"])
    assert got == expected
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    stream = rules["litellm.config.image-stream"]
    assert "litellm-stream-key-rejected" in stream["help"]["text"]
    assert "Delete" in stream["help"]["text"] or "Remove" in stream["help"]["text"], stream["help"]["text"]
    assert stream["defaultConfiguration"]["level"] == "error"
    assert "bedrock-model-end-of-life" in rules["litellm.config.model-lifecycle"]["properties"]["fixes"]


def test_sarif_run_in_the_stacks_folder_names_files_relative_to_the_project(tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    shutil.copytree(GUIDE, stack)
    _, log = _sarif(stack, cwd=stack, project=".")
    _valid_sarif(log)
    uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in log["runs"][0]["results"]}
    assert uris == {"docker-compose.yml", "litellm-config.yaml", "infrastructure/bedrock-image-chat-stack.yaml"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == stack.as_uri() + "/"


def test_sarif_of_the_healthy_stack_is_valid_and_has_no_failure() -> None:
    run, log = _sarif(HEALTHY)
    _valid_sarif(log)
    levels = [res["level"] for res in log["runs"][0]["results"]]
    assert "error" not in levels and run.code == 0, levels
    assert len(levels) == len(_findings(HEALTHY))


# --- github ----------------------------------------------------------------------------------------

def test_github_format_is_one_annotation_per_finding_at_its_file_and_line(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    run = run_cli("--offline", "--format", "github", "--project", str(GUIDE), env=_env(GITHUB_STEP_SUMMARY=str(summary)))
    assert run.code == 1
    found = _findings(GUIDE)
    annotations = _annotations(run.stdout)
    assert len(annotations) == len(found)
    expected = sorted(("error" if r["status"] == "fail" else "warning",
                       f"fixtures/stacks/guide-as-written/{r['location']['file']}", str(r["location"]["line"]),
                       r["message"]) for r in found)
    got = sorted((kind, props["file"], props["line"], message.split("\n\nFix [")[0]) for kind, props, message in annotations)
    assert got == expected
    # A title with a comma survives GitHub's property escaping; the fix's steps are in the message.
    titled = [a for a in annotations if a[1]["title"].startswith("Open WebUI sends image requests to LiteLLM, with a key")]
    assert titled and "%2C" in run.stdout
    assert all("\n\nFix [openwebui-images-api-base-unset]: " in a[2] for a in titled)
    assert all("\n" not in line[2:] or not line.startswith("::") for line in run.stdout.splitlines())
    # The job summary: the Markdown report, appended after what an earlier step wrote.
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and "canvas-doctor: 11 failed" in text
    assert "| `fixtures/stacks/guide-as-written/litellm-config.yaml:8` |" in text


def test_github_format_without_a_step_summary_writes_only_stdout(tmp_path: Path) -> None:
    run = run_cli("--offline", "--format", "github", "--project", str(HEALTHY), env=_env(), cwd=tmp_path)
    assert run.code == 0 and not list(tmp_path.iterdir())
    assert not [a for a in _annotations(run.stdout) if a[0] == "error"]


def test_github_escaping_follows_the_toolkits_rules() -> None:
    from canvas_doctor.report.github import command
    line = command("error", "100% done\r\nnext: a,b", file="a,b:c.yml", line=3, title="50%: x, y")
    assert line == "::error file=a%2Cb%3Ac.yml,line=3,title=50%25%3A x%2C y::100%25 done%0D%0Anext: a,b"


# --- markdown --------------------------------------------------------------------------------------

def test_markdown_report_has_the_summary_a_table_of_findings_and_each_fix_once_with_its_steps() -> None:
    run = run_cli("--offline", "--format", "markdown", "--project", str(GUIDE), env=_env())
    assert run.code == 1
    report = run_cli("--offline", "--json", "--project", str(GUIDE), env=_env()).json
    s = report["summary"]
    first = run.stdout.splitlines()[0]
    assert first.startswith("## ") and f"{s['fail']} failed, {s['warn']} warnings, {s['pass']} passed" in first
    found = _findings(GUIDE)
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and ("fail |" in line or "warn |" in line)]
    assert len(rows) == len(found)
    for r in found:
        where = f"`fixtures/stacks/guide-as-written/{r['location']['file']}:{r['location']['line']}`"
        assert any(where in row and f"`{r['fix']['id']}`" in row for row in rows), where
    headings = re.findall(r"^#### \d+\. .* \(`([a-z0-9-]+)`\)$", run.stdout, flags=re.M)
    assert sorted(headings) == sorted({r["fix"]["id"] for r in found})
    stream_fix = next(r["fix"] for r in found if r["fix"]["id"] == "litellm-stream-key-rejected")
    assert f"1. {stream_fix['steps'][0]}" in run.stdout.replace("\\[", "[").replace("\\]", "]")
    assert "**Where:** `fixtures/stacks/guide-as-written/litellm-config.yaml:8`, " \
           "`fixtures/stacks/guide-as-written/litellm-config.yaml:15`" in run.stdout


def test_markdown_of_the_healthy_stack_says_so() -> None:
    run = run_cli("--offline", "--format", "markdown", "--project", str(HEALTHY), env=_env())
    found = _findings(HEALTHY)
    assert run.code == 0 and run.stdout.startswith("## ✅ " if not found else "## ⚠️ ")
    assert "❌" not in run.stdout
    assert ("No warnings or failures." in run.stdout) == (not found)


def test_markdown_names_the_saved_image_and_escapes_what_came_from_the_files() -> None:
    from canvas_doctor.models import Location, RenderedFix, Report, Result, Status
    from canvas_doctor.report.markdown import to_markdown
    fix = RenderedFix("litellm-api-base-invalid", "Remove the api_base", ("Delete it",))
    report = Report(project=".", duration_ms=5, version="0.1.0", results=[
        Result(Status.FAIL, "api_base is <img src=x> | [x](http://evil)", check="c", area="config", title="t",
               location=Location("litellm-config.yaml", 9), fix=fix),
        Result(Status.PASS, "a 512x512 PNG; saved to out/image.png", check="generate.image", area="generate",
               title="g", data={"saved": "out/image.png"})])
    text = to_markdown(report)
    assert "### Generated image" in text and "Saved to `out/image.png`" in text
    assert "<img" not in text and not re.search(r"(?<!\\)\]\(", text)  # no HTML, no link
    assert "&lt;img src=x&gt; \\| \\[x\\](http://evil)" in text


# --- secrets ---------------------------------------------------------------------------------------

def test_no_format_shows_a_secret_of_the_stack(tmp_path: Path) -> None:
    """The sample .env's Bedrock key, pasted where a finding quotes the value (api_base), is masked in
    every format and in the job summary; so are the keys of the healthy stack's .env."""
    stack = tmp_path / "stack"
    shutil.copytree(GUIDE, stack)
    (secret,) = [line.split("=", 1)[1] for line in (stack / ".env").read_text().splitlines() if line.startswith("AWS_")]
    config = stack / "litellm-config.yaml"
    config.write_text(config.read_text().replace("api_base: bedrock-runtime", f"api_base: {secret}"))
    healthy_secrets = [line.split("=", 1)[1] for line in (HEALTHY / ".env").read_text().splitlines()
                       if "=" in line and not line.startswith("#")]
    for fmt in ("human", "json", "junit", "sarif", "github", "markdown"):
        summary = tmp_path / f"{fmt}-summary.md"
        run = run_cli("--offline", "--format", fmt, "--project", str(stack), env=_env(GITHUB_STEP_SUMMARY=str(summary)))
        shown = run.stdout + run.stderr + (summary.read_text() if summary.exists() else "")
        assert secret not in shown, fmt
        assert f"{secret[:4]}…{secret[-4:]}" in run.stdout, f"{fmt}: the finding that quotes the key is missing"
        healthy = run_cli("--offline", "--format", fmt, "--project", str(HEALTHY), env=_env(GITHUB_STEP_SUMMARY=str(summary)))
        shown = healthy.stdout + healthy.stderr + (summary.read_text() if summary.exists() else "")
        assert not [s for s in healthy_secrets if s in shown], fmt


@pytest.mark.parametrize("fmt", ["sarif", "github", "markdown"])
def test_the_formats_are_listed_in_the_reporters_group(fmt: str) -> None:
    from canvas_doctor.report import formats, load_reporter
    assert fmt in formats() and callable(load_reporter(fmt))


def test_sarif_places_a_finding_without_a_file_and_reports_a_broken_check_as_a_notification() -> None:
    """A live probe's finding (no file) sits on the stack's first file, line 1; a check that broke (exit 3)
    is the doctor's problem: a tool execution notification, not an alert about the stack."""
    from canvas_doctor.models import RenderedFix, Report, Result, Status
    from canvas_doctor.report.github import annotations
    from canvas_doctor.report.sarif import to_sarif
    fix = RenderedFix("litellm-unreachable", "Start the proxy", ("docker compose up -d litellm",))
    report = Report(project="fixtures/stacks/healthy", duration_ms=5, version="0.1.0",
                    stack={"files": ["docker-compose.yml", ".env"]}, results=[
                        Result(Status.FAIL, "litellm does not answer", check="litellm.live.reachable", area="litellm",
                               title="LiteLLM answers", fix=fix),
                        Result(Status.ERROR, "TimeoutError: took 10 s", check="bedrock.access", area="bedrock",
                               title="Bedrock access")])
    log = to_sarif(report)
    _valid_sarif(log)
    run = log["runs"][0]
    (res,) = run["results"]
    assert res["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "fixtures/stacks/healthy/docker-compose.yml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1}}
    assert "placed on the stack's first file" in res["message"]["text"]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert run["invocations"][0]["executionSuccessful"] is False and "bedrock.access" in note["message"]["text"]
    lines = annotations(report)
    assert lines[0].startswith("::error file=fixtures/stacks/healthy/docker-compose.yml,title=") and ",line=" not in lines[0]
    assert lines[1].startswith("::error title=canvas-doctor could not finish bedrock.access::")
