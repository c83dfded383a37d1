"""Every bundled sample stack gives exactly the findings its expected.yaml lists, through the real CLI."""
from __future__ import annotations

from collections import Counter

import pytest
import yaml

from helpers import FIXTURES, TODAY, run_cli
from rule_case import load_all

STACKS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.yaml").exists())


def _finding(r: dict) -> tuple:
    loc = r["location"] or {}
    return (r["status"], r["fix"]["id"] if r["fix"] else None, r["check"], loc.get("file"), loc.get("line"))


@pytest.mark.parametrize("stack", STACKS)
def test_sample_stack_findings(stack: str) -> None:
    expected = yaml.safe_load((FIXTURES / stack / "expected.yaml").read_text())
    # A stack whose fault needs a world before Nova Canvas's end of life pins the clock (`today:`, with a comment).
    clock = ("--today", str(expected.get("today") or TODAY))
    run = run_cli("run", "--offline", "--json", "--project", str(FIXTURES / stack), *clock)
    assert run.code == expected["exit"], run.stdout + run.stderr
    got = Counter(_finding(r) for r in run.json["results"] if r["status"] in ("warn", "fail", "error"))
    want = Counter((f["status"], f["fix"], f["check"], f["file"], f["line"]) for f in expected["findings"] or [])
    assert got == want
    groups = {f.get("group") for f in expected["findings"] or [] if f.get("group")}
    if groups:  # several projects in one folder: each finding says which one it belongs to
        assert groups <= {r.get("group") for r in run.json["results"]}


def test_every_broken_stack_fails_and_only_healthy_passes() -> None:
    codes = {s: yaml.safe_load((FIXTURES / s / "expected.yaml").read_text())["exit"] for s in STACKS}
    assert codes["healthy"] == 0
    # The field-* stacks that exit 0 are the "must stay quiet" cases of real layouts (issue 8).
    quiet = {s for s, c in codes.items() if c == 0}
    # healthcheck-quiet*: right health checks the health-check rules must not flag.
    assert quiet - {s for s in quiet if s.startswith("field-")} == {"healthy", "healthcheck-quiet", "healthcheck-quiet-ecs"}
    must_stay_quiet = {"field-chat-only", "field-comfyui", "field-databases-named-litellm", "field-env-example-only",
                       "field-host-gateway-openrouter", "field-subfolder-projects", "field-parameters-json",
                       "field-models-in-db", "field-env-empty-value", "field-environment-refs",
                       "field-config-example", "field-litellm-model-flag", "field-openwebui-ollama-only",
                       "field-helm-values", "field-custom-image-server-paths", "field-profiles",
                       "field-compose-file-in-env", "field-custom-openai-client", "field-non-bedrock-image-model"}
    assert must_stay_quiet <= quiet, sorted(must_stay_quiet - quiet)


def test_sample_stacks_and_rule_cases_cover_the_file_fix_ids() -> None:
    """Issue 2's list of file-check fix ids: each one is produced by a sample stack or a rule case
    (tests/rule_cases: the faults that were copies of the healthy stack with a line or two changed)."""
    required = {
        "config-invalid", "litellm-stream-enabled", "litellm-stream-key-rejected", "litellm-provisioned-model-format",
        "bedrock-inference-profile-required", "image-model-in-chat", "openwebui-image-model-unset",
        "litellm-model-not-found", "litellm-config-not-mounted", "openwebui-image-generation-disabled",
        "openwebui-image-engine-not-openai", "openwebui-automatic-generation-on", "openwebui-images-api-base-unset",
        "openwebui-api-base-wrong", "openwebui-api-key-mismatch", "litellm-drop-params-off",
        "litellm-api-base-invalid", "litellm-provider-invalid", "litellm-master-key-unsafe", "image-size-unsupported",
        "aws-credentials-missing", "bedrock-region-unsupported", "production-static-credentials",
        "litellm-healthcheck-billable", "healthcheck-invalid",
    }
    produced = {f.fix for rc in load_all() for case in rc.cases for f in case.expect or ()}
    for s in STACKS:
        produced |= {f["fix"] for f in yaml.safe_load((FIXTURES / s / "expected.yaml").read_text())["findings"] or []}
    assert required <= produced, sorted(required - produced)
