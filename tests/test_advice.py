"""Advice in the language of the file: what the user reads in a fix fits the file and the deployment.

A CloudFormation finding gets Name/Value and "update the stack", a compose finding compose text,
a LiteLLM config finding the proxy's restart the way the proxy runs; snippets carry the stack's own
model, region and port; no `{placeholder}` ever reaches the user.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import FIXTURES, clean_env, run_cli

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
STACKS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.yaml").exists())
GUIDE = FIXTURES / "guide-as-written"


def _fix_texts(fix: dict) -> list[str]:
    return [fix["title"], *fix["steps"], fix["snippet"] or ""]


def _findings(run, check: str) -> list[dict]:
    found = [r for r in run.json["results"] if r["check"] == check and r["status"] in ("warn", "fail")]
    assert found, run.stdout
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_no_placeholder_reaches_the_user_on_any_sample_stack(stack: str) -> None:
    run = run_cli("run", "--offline", "--json", "--project", str(FIXTURES / stack))
    for r in run.json["results"]:
        if r["status"] in ("warn", "fail"):
            for text in _fix_texts(r["fix"]):
                assert not PLACEHOLDER.search(text), (r["check"], text)
    human = run_cli("run", "--offline", "--project", str(FIXTURES / stack), env=clean_env(COLUMNS="400"))
    assert not PLACEHOLDER.search(human.stdout), human.stdout  # title, cause ("why:"), steps, snippet


def test_explain_renders_every_fix_and_every_variant_without_placeholders() -> None:
    from canvas_doctor.fixes import catalog, render_generic, variants
    for fix_id in catalog():
        for lang in [None, *variants(fix_id)]:
            fix = render_generic(fix_id, lang)
            for text in (fix.title, fix.cause or "", *fix.steps, fix.snippet or ""):
                assert not PLACEHOLDER.search(text), (fix_id, lang, text)
    out = run_cli("explain", "openwebui-images-api-base-unset").stdout
    assert "for a finding in a CloudFormation template" in out and "- Name: IMAGES_OPENAI_API_BASE_URL" in out


@pytest.mark.parametrize("lang,runs", [(None, None), ("compose", "compose"), ("cloudformation", "ecs"),
                                       ("litellm", "compose"), ("litellm", "ecs"), ("litellm", "other"),
                                       ("env", "compose")])
def test_a_missing_param_renders_readable_text_not_braces(lang, runs) -> None:
    from canvas_doctor.fixes import catalog, render
    for fix_id in catalog():
        fix = render(fix_id, {"lang": lang, "runs": runs})
        for text in (fix.title, fix.cause or "", *fix.steps, fix.snippet or ""):
            assert not PLACEHOLDER.search(text), (fix_id, lang, runs, text)
            assert "{}" not in text, (fix_id, text)


def test_missing_values_take_the_alternative_written_without_them() -> None:
    from canvas_doctor.fixes import render
    bare = render("litellm-stream-key-rejected", {})
    assert bare.steps == ("Delete the line `stream: ...` from the image model deployment in the file shown above",
                          "Restart the proxy: docker compose restart")
    assert bare.snippet == "# no `stream` key in the litellm_params of an image model"
    no_region = render("litellm-stream-key-rejected", {"model": "titan-image", "service": "litellm",
                                                       "litellm_model": "bedrock/amazon.titan-image-generator-v2:0",
                                                       "aws_region_name": None, "file": "litellm-config.yaml"})
    assert "aws_region_name" not in no_region.snippet
    assert "model: bedrock/amazon.titan-image-generator-v2:0" in no_region.snippet
    assert render("bedrock-region-unsupported", {}).snippet is None  # no region to offer: no snippet at all


def test_every_text_can_render_without_any_param() -> None:
    """The catalog lint: the last alternative of every text needs only values with a plain-noun fallback."""
    from canvas_doctor.fixes import FALLBACK, _alternatives, _names, catalog, phrases
    def lint(where: str, text) -> None:
        alts = _alternatives(text)
        if alts and alts[-1] is not None:
            missing = _names(alts[-1]) - FALLBACK.keys() - phrases().keys()
            assert not missing, (where, alts[-1], missing)
    for fix_id, entry in catalog().items():
        for part in [entry.fields(None), *(v.fields() for v in entry.variants.values())]:
            for field in ("title", "cause", "snippet"):
                lint(f"{fix_id}.{field}", part.get(field))
            for step in part.get("steps") or ():
                lint(f"{fix_id}.steps", step)
    for name, by_runs in phrases().items():
        for runs, text in by_runs.items():
            lint(f"_phrases.{name}.{runs}", text)


def test_guide_cloudformation_findings_are_written_as_cloudformation() -> None:
    run = run_cli("run", "--offline", "--json", "--project", str(GUIDE))
    template = "infrastructure/bedrock-image-chat-stack.yaml"
    for check in ("cloudformation.openwebui.images-api", "cloudformation.task-role.bedrock"):
        for r in _findings(run, check):
            text = "\n".join(_fix_texts(r["fix"]))
            assert "docker compose" not in text, text
            assert not re.search(r"^- [A-Z_]+=", r["fix"]["snippet"], re.M), r["fix"]["snippet"]
            assert f"aws cloudformation deploy --template-file {template}" in text, text
    images = _findings(run, "cloudformation.openwebui.images-api")[0]["fix"]
    assert "- Name: IMAGES_OPENAI_API_BASE_URL\n    Value: \"http://localhost:4000/v1\"" in images["snippet"]
    assert "- Name: IMAGES_OPENAI_API_KEY\n    ValueFrom:" in images["snippet"]
    role = _findings(run, "cloudformation.task-role.bedrock")[0]["fix"]
    assert "Type: AWS::IAM::Role" in role["snippet"] and "TaskRoleArn: !GetAtt TaskRole.Arn" in role["snippet"]
    assert "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0" in role["snippet"]
    assert "--capabilities CAPABILITY_IAM" in " ".join(role["steps"])

    compose = _findings(run, "compose.openwebui.images-api")[0]["fix"]  # the same fault in compose: compose text
    assert "- IMAGES_OPENAI_API_BASE_URL=http://litellm:4000/v1" in compose["snippet"]
    assert "Recreate the container: docker compose up -d openwebui" in compose["steps"]


def test_guide_titan_stream_fix_shows_titan_not_nova() -> None:
    run = run_cli("run", "--offline", "--json", "--project", str(GUIDE))
    by_line = {r["location"]["line"]: r["fix"] for r in _findings(run, "litellm.config.image-stream")}
    titan, nova = by_line[15], by_line[8]
    assert "- model_name: titan-image" in titan["snippet"]
    assert "model: bedrock/amazon.titan-image-generator-v2:0" in titan["snippet"]
    assert "nova" not in titan["snippet"] and "stream:" not in titan["snippet"]
    assert "model: bedrock/amazon.nova-canvas-v1:0" in nova["snippet"]
    assert titan["steps"][-1] == "Restart the proxy: docker compose restart litellm"


COMPOSE_4321 = """\
services:
  proxy:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml", "--port", "4321"]
    environment:
      - LITELLM_MASTER_KEY=sk-a-private-key-for-this-test-only
      - AWS_BEARER_TOKEN_BEDROCK=${AWS_BEARER_TOKEN_BEDROCK}
    volumes:
      - ./litellm-config.yaml:/app/config.yaml:ro
  webui:
    image: ghcr.io/open-webui/open-webui:0.12.4
    environment:
      - OPENAI_API_BASE_URL=http://proxy:4321/v1
      - OPENAI_API_KEY=sk-a-private-key-for-this-test-only
      - ENABLE_IMAGE_GENERATION=True
      - IMAGE_GENERATION_ENGINE=openai
      - IMAGE_GENERATION_MODEL=canvas-eu
"""
CONFIG_EU = """\
model_list:
  - model_name: nova-eu
    litellm_params:
      model: bedrock/amazon.nova-canvas-v1:0
      aws_region_name: eu-west-1
      stream: false
litellm_settings:
  drop_params: true
"""


def test_snippets_carry_the_stacks_own_port_and_region(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_4321)
    (tmp_path / "litellm-config.yaml").write_text(CONFIG_EU)
    (tmp_path / ".env").write_text("AWS_BEARER_TOKEN_BEDROCK=bedrock-key-for-tests\n")
    run = run_cli("run", "--offline", "--json", "--project", str(tmp_path))
    assert run.code == 1, run.stdout + run.stderr
    images = _findings(run, "compose.openwebui.images-api")[0]["fix"]
    assert "- IMAGES_OPENAI_API_BASE_URL=http://proxy:4321/v1" in images["snippet"]
    assert "docker compose up -d webui" in " ".join(images["steps"])
    stream = _findings(run, "litellm.config.image-stream")[0]["fix"]
    assert "aws_region_name: eu-west-1" in stream["snippet"] and "- model_name: nova-eu" in stream["snippet"]
    assert stream["steps"][-1] == "Restart the proxy: docker compose restart proxy"
    served = _findings(run, "litellm.config.image-model-served")[0]["fix"]
    assert "- model_name: canvas-eu" in served["snippet"] and "aws_region_name: eu-west-1" in served["snippet"]
    for r in run.json["results"]:
        if r["fix"]:
            text = "\n".join(_fix_texts(r["fix"]))
            assert "4000" not in text and "us-east-1" not in text, (r["check"], text)


def test_a_config_without_a_known_runtime_is_not_told_to_use_docker_compose(tmp_path: Path) -> None:
    (tmp_path / "litellm-config.yaml").write_text(CONFIG_EU)
    run = run_cli("run", "--offline", "--json", "--project", str(tmp_path))
    stream = _findings(run, "litellm.config.image-stream")[0]["fix"]
    assert stream["steps"][-1] == "Restart the proxy (however it runs) so it reads litellm-config.yaml again"
    assert "docker compose" not in "\n".join(_fix_texts(stream))


def test_an_ecs_proxy_is_redeployed_not_restarted_with_compose() -> None:
    from canvas_doctor.fixes import render
    fix = render("litellm-stream-key-rejected", {"lang": "litellm", "runs": "ecs", "service": "litellm",
                                                 "model": "nova-canvas", "file": "litellm-config.yaml"})
    assert "aws ecs update-service" in fix.steps[-1] and "docker compose" not in fix.steps[-1]
    fix = render("openwebui-image-model-unset", {"lang": "cloudformation", "service": "openwebui",
                                                 "model": "nova-canvas", "file": "infra/stack.yaml",
                                                 "template": "infra/stack.yaml"})
    assert fix.snippet == '- Name: IMAGE_GENERATION_MODEL\n  Value: "nova-canvas"\n'
    assert fix.steps[1].endswith("aws cloudformation deploy --template-file infra/stack.yaml --stack-name <stack-name>")


def test_the_mount_snippet_keeps_the_proxys_own_port(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_4321.replace(
        "    volumes:\n      - ./litellm-config.yaml:/app/config.yaml:ro\n", ""))
    (tmp_path / ".env").write_text("AWS_BEARER_TOKEN_BEDROCK=bedrock-key-for-tests\n")
    run = run_cli("run", "--offline", "--json", "--project", str(tmp_path))
    mount = _findings(run, "compose.litellm.config-mounted")[0]["fix"]
    assert mount["snippet"].startswith('proxy:\n  command: ["--config", "/app/config.yaml", "--port", "4321"]')
    assert "Recreate the container: docker compose up -d proxy" in mount["steps"]
