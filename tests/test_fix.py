"""`canvas-doctor fix`: the diff is shown, nothing is written without consent, the edits are
minimal (comments, quoting, order, line endings and file mode survive), and afterwards the
offline checks no longer report the fixed ids. Every stack here is a real broken stack on disk;
every run is the real CLI in a subprocess."""
from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES, PRE_EOL, REPO, TODAY, CliRun, clean_env, in_terminal, run_cli

FIX_FIXTURES = REPO / "fixtures" / "fix"
# The tests of the other fixes run in a world before Nova Canvas's end of life (2026-09-30), so that
# the migration (tested on its own below) does not rename the models they look at.

GUIDE_FIXED_IDS = {
    "litellm-stream-key-rejected", "litellm-api-base-invalid", "litellm-drop-params-off",
    "litellm-provisioned-model-format", "openwebui-image-model-unset", "openwebui-image-generation-disabled",
    "openwebui-images-api-base-unset", "openwebui-automatic-generation-on",
}

GUIDE_CONFIG_AFTER = """\
# Straight from the image-generation guide.
model_list:
  # Image generation models - streaming must be disabled
  - model_name: nova-canvas
    litellm_params:
      model: bedrock/amazon.nova-canvas-v1:0
      aws_region_name: us-east-1
      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK

  - model_name: nova-canvas-provisioned
    litellm_params:
      model: bedrock/amazon.nova-canvas-v1:0
      model_id: arn:aws:bedrock:us-east-1:123456789:provisioned-model/your-id
      aws_region_name: us-east-1
      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK
    model_info:
      mode: image_generation

litellm_settings:
  drop_params: true  # Drop unsupported parameters
  set_verbose: true  # Enable verbose logging
"""

GUIDE_OPENWEBUI_ENV_AFTER = """\
    environment:
      - OPENAI_API_BASE_URL=http://litellm:4000/v1
      - OPENAI_API_KEY=${LITELLM_MASTER_KEY}
      - ENABLE_IMAGE_GENERATION=True   # the guide says True
      - IMAGE_GENERATION_ENGINE=openai
      - WEBUI_SECRET_KEY=${WEBUI_SECRET_KEY}
      - IMAGE_GENERATION_MODEL=nova-canvas
      - IMAGES_OPENAI_API_BASE_URL=http://litellm:4000/v1
      - IMAGES_OPENAI_API_KEY=${LITELLM_MASTER_KEY}
    volumes:
"""


def fix(project: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> CliRun:
    """`canvas-doctor fix ARGS --project DIR` with no terminal on stdin (as in CI)."""
    proc = subprocess.run([sys.executable, "-m", "canvas_doctor", "fix", *args, "--project", str(project)],
                          input=stdin if stdin is not None else "", capture_output=True, text=True,
                          env=env or clean_env(CANVAS_DOCTOR_TODAY=PRE_EOL), cwd=REPO, timeout=120)
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


def offline_fix_ids(project: Path, today: str = PRE_EOL) -> tuple[int, set[str]]:
    run = run_cli("--json", "--offline", "--only", "config", "--project", str(project), "--today", today)
    return run.code, run.fix_ids()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_stack(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    return dst


def write_stack(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    return root


@pytest.fixture(scope="module")
def guide_faults() -> set[str]:
    """The pristine guide fixture really has every fault the fix must clear (else the tests prove nothing)."""
    code, ids = offline_fix_ids(FIX_FIXTURES / "guide")
    assert code == 1
    assert GUIDE_FIXED_IDS <= ids
    return ids


def test_dry_run_shows_every_diff_and_writes_nothing(tmp_path, guide_faults):
    project = copy_stack(FIX_FIXTURES / "guide", tmp_path)
    before = snapshot(project)
    run = fix(project, "--dry-run")
    assert run.code == 1, run.stdout + run.stderr  # changes are pending
    out = run.stdout
    assert "--- a/litellm-config.yaml\n+++ b/litellm-config.yaml\n" in out
    assert "--- a/docker-compose.yml\n+++ b/docker-compose.yml\n" in out
    assert "-      stream: false  # ← Critical: Image models don't support streaming\n" in out
    assert "-      api_base: bedrock-runtime\n" in out
    # the account id shares 6+ characters with the guide's key (sk-test-1234567890), so it is masked too
    assert re.search(r"\+      model_id: arn:aws:bedrock:us-east-1:\S*:provisioned-model/your-id\n", out)
    assert "-  drop_params: false  # Drop unsupported parameters\n+  drop_params: true  # Drop unsupported parameters\n" in out
    assert "-      - AUTOMATIC_IMAGE_GENERATION=True\n" in out
    assert "+      - IMAGES_OPENAI_API_KEY=${LITELLM_MASTER_KEY}\n" in out
    assert "not automatic: see canvas-doctor explain image-model-in-chat" in out
    assert "Dry run: nothing written" in out
    assert f"canvas-doctor fix --yes --project {project}" in out
    assert snapshot(project) == before


def test_yes_applies_minimal_edits_and_the_checks_pass_afterwards(tmp_path, guide_faults):
    project = copy_stack(FIX_FIXTURES / "guide", tmp_path)
    compose_before = (project / "docker-compose.yml").read_text()
    run = fix(project, "--yes")
    assert run.code == 0, run.stdout + run.stderr  # only a warning (image-model-in-chat) remains
    assert "Wrote docker-compose.yml, litellm-config.yaml." in run.stdout
    assert "Checked again (config checks, offline): 9 fixed" in run.stdout
    assert "docker compose restart litellm" in run.stdout and "docker compose up -d openwebui" in run.stdout

    assert (project / "litellm-config.yaml").read_text() == GUIDE_CONFIG_AFTER
    compose = (project / "docker-compose.yml").read_text()
    assert GUIDE_OPENWEBUI_ENV_AFTER in compose
    # Nothing outside the openwebui environment moved: the litellm service is byte-identical.
    assert compose.split("  litellm:\n", 1)[1] == compose_before.split("  litellm:\n", 1)[1]
    assert compose.startswith("# The guide's layout: one LiteLLM proxy for chat and images.\n")

    code, ids = offline_fix_ids(project)
    assert code == 0
    assert not ids & GUIDE_FIXED_IDS, ids

    again = fix(project, "--yes")
    assert again.code == 0
    assert "Nothing to change automatically." in again.stdout
    assert (project / "litellm-config.yaml").read_text() == GUIDE_CONFIG_AFTER


def test_without_a_terminal_and_without_yes_nothing_is_written(tmp_path):
    project = copy_stack(FIX_FIXTURES / "guide", tmp_path)
    before = snapshot(project)
    run = fix(project, stdin="y\n")  # a piped "y" is not consent
    assert run.code == 1
    assert "+++ b/litellm-config.yaml" in run.stdout
    assert "Apply these changes?" not in run.stdout
    assert "Not applied: no terminal to confirm on" in run.stdout
    assert f"canvas-doctor fix --yes --project {project}" in run.stdout
    assert snapshot(project) == before


def test_on_a_terminal_it_asks_and_only_yes_writes(tmp_path):
    project = copy_stack(FIX_FIXTURES / "guide", tmp_path)
    before = snapshot(project)
    env = clean_env(TERM="xterm-256color", CANVAS_DOCTOR_TODAY=PRE_EOL)
    env.pop("NO_COLOR", None)
    code, out = in_terminal(["fix", "--project", str(project)], [(b"[y/N]", "n")], env)
    assert "Apply these changes? [y/N]" in out
    assert "\x1b[" in out.split("Apply these changes?")[0]  # the diff is highlighted on a terminal
    assert code == 1
    assert snapshot(project) == before
    code, out = in_terminal(["fix", "--project", str(project)], [(b"[y/N]", "y")], env)
    assert code == 0, out
    assert "Wrote docker-compose.yml, litellm-config.yaml." in out
    assert (project / "litellm-config.yaml").read_text() == GUIDE_CONFIG_AFTER


PLANTED = "plantedSecretValue-9f8e7d6c5b4a"  # no sk-/ABSK shape: only the registered-secret path masks it


def test_a_secret_from_env_never_appears_in_the_printed_diff(tmp_path):
    """Mapping-form environment; OPENAI_API_KEY written literally (so it shows as diff context)."""
    project = write_stack(tmp_path / "stack", {
        ".env": f"LITELLM_MASTER_KEY={PLANTED}\n",
        "docker-compose.yml": f"""\
services:
  openwebui:
    image: ghcr.io/open-webui/open-webui:v0.12.4
    environment:
      OPENAI_API_BASE_URL: http://litellm:4000/v1
      OPENAI_API_KEY: {PLANTED}   # pasted by hand
      ENABLE_IMAGE_GENERATION: "True"
  litellm:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml"]
    environment:
      LITELLM_MASTER_KEY: ${{LITELLM_MASTER_KEY}}
    volumes:
      - ./litellm-config.yaml:/app/config.yaml:ro
""",
        "litellm-config.yaml": """\
model_list:
  - model_name: nova-canvas
    litellm_params:
      model: bedrock/amazon.nova-canvas-v1:0
      aws_region_name: us-east-1
litellm_settings:
  drop_params: true
""",
    })
    dry = fix(project, "--dry-run")
    assert dry.code == 1
    applied = fix(project, "--yes")
    for run in (dry, applied):
        assert PLANTED not in run.stdout + run.stderr
    assert "      OPENAI_API_KEY: plan…5b4a   # pasted by hand\n" in dry.stdout  # shown, masked
    # The key is taken from the proxy's own ${LITELLM_MASTER_KEY}, never copied as a literal.
    assert "+      IMAGES_OPENAI_API_KEY: ${LITELLM_MASTER_KEY}\n" in dry.stdout
    compose = (project / "docker-compose.yml").read_text()
    assert compose.count(PLANTED) == 1
    assert "      IMAGE_GENERATION_MODEL: nova-canvas\n" in compose
    assert "      IMAGES_OPENAI_API_BASE_URL: http://litellm:4000/v1\n" in compose
    code, ids = offline_fix_ids(project)
    assert "openwebui-images-api-base-unset" not in ids and "openwebui-image-model-unset" not in ids


def test_second_image_proxy_is_followed_and_line_endings_and_mode_survive(tmp_path):
    """The layout the guide's project moved to: images on litellm-image (:4100)."""
    project = copy_stack(FIXTURES / "healthy", tmp_path)
    compose = project / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("      - IMAGES_OPENAI_API_BASE_URL=http://litellm-image:4100/v1\n", ""))
    image_cfg = project / "litellm-image-config.yaml"
    text = image_cfg.read_text().replace(
        "      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK\n    model_info:\n      mode: image_generation\n",
        "      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK\n      stream: false\n    model_info:\n"
        "      mode: image_generation\n", 1)
    assert "stream: false" in text
    image_cfg.write_bytes(text.replace("\n", "\r\n").encode())
    image_cfg.chmod(0o640)
    chat_before = (project / "litellm-config.yaml").read_bytes()
    code, ids = offline_fix_ids(project)
    assert {"litellm-stream-key-rejected", "openwebui-images-api-base-unset"} <= ids

    run = fix(project, "--yes")
    assert run.code == 0, run.stdout + run.stderr
    assert "+      - IMAGES_OPENAI_API_BASE_URL=http://litellm-image:4100/v1\n" in run.stdout
    assert "docker compose restart litellm-image" in run.stdout
    after = image_cfg.read_bytes()
    assert after == text.replace("      stream: false\n", "").replace("\n", "\r\n").encode()
    assert stat.S_IMODE(image_cfg.stat().st_mode) == 0o640
    assert (project / "litellm-config.yaml").read_bytes() == chat_before
    code, ids = offline_fix_ids(project)
    assert code == 0 and not ids & {"litellm-stream-key-rejected", "openwebui-images-api-base-unset"}


def test_flow_style_is_rewritten_by_ruamel_and_inference_profile_prefixed(tmp_path):
    project = write_stack(tmp_path / "stack", {"litellm-config.yaml": """\
model_list:
- model_name: nova-canvas   # flow style below
  litellm_params: {model: bedrock/amazon.nova-canvas-v1:0, aws_region_name: us-east-1, stream: false}
- model_name: claude
  litellm_params:
    model: "bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0"
    aws_region_name: eu-west-1
litellm_settings: {drop_params: false}
"""})
    run = fix(project, "--yes")
    assert run.code == 0, run.stdout + run.stderr
    assert (project / "litellm-config.yaml").read_text() == """\
model_list:
- model_name: nova-canvas   # flow style below
  litellm_params: {model: bedrock/amazon.nova-canvas-v1:0, aws_region_name: us-east-1}
- model_name: claude
  litellm_params:
    model: "bedrock/eu.anthropic.claude-3-5-sonnet-20241022-v2:0"
    aws_region_name: eu-west-1
litellm_settings: {drop_params: true}
"""
    code, ids = offline_fix_ids(project)
    assert code == 0 and not ids


def test_cloudformation_environment_and_secret_are_fixed(tmp_path):
    project = copy_stack(FIXTURES / "healthy", tmp_path)
    for name in ("docker-compose.yml", "litellm-config.yaml", "litellm-image-config.yaml", ".env"):
        (project / name).unlink()
    template = project / "infrastructure" / "bedrock-image-chat-stack.yaml"
    healthy = template.read_text()
    broken = (healthy.replace('              Value: "openai"\n', '              Value: "comfyui"\n'
                              '            - Name: AUTOMATIC_IMAGE_GENERATION\n              Value: "True"\n')
              .replace('            - Name: IMAGE_GENERATION_MODEL\n              Value: "stable-image-core"\n', "")
              .replace("            - Name: IMAGES_OPENAI_API_KEY\n"
                       "              ValueFrom: !Ref LiteLLMMasterKeySecretArn\n", ""))
    assert broken.count("\n") == healthy.count("\n") - 2
    template.write_text(broken)
    run = fix(project, "--yes")
    assert run.code == 0, run.stdout + run.stderr
    after = template.read_text()
    assert '            - Name: IMAGE_GENERATION_ENGINE\n              Value: "openai"\n' in after
    assert "AUTOMATIC_IMAGE_GENERATION" not in after
    assert '            - Name: IMAGE_GENERATION_MODEL\n              Value: "nova-canvas"\n' in after
    assert ("            - Name: IMAGES_OPENAI_API_KEY\n"
            "              ValueFrom: !Ref LiteLLMMasterKeySecretArn\n") in after
    assert "deploy the changed CloudFormation template" in run.stdout
    code, ids = offline_fix_ids(project)
    assert code == 0 and not ids


def test_what_is_not_mechanical_is_listed_and_no_key_is_ever_written(tmp_path):
    project = write_stack(tmp_path / "stack", {
        "docker-compose.yml": """\
services:
  openwebui:
    image: ghcr.io/open-webui/open-webui:v0.12.4
    environment:
      - OPENAI_API_BASE_URL=http://litellm:4000/v1
      - OPENAI_API_KEY=sk-literal-in-compose-00001
      - ENABLE_IMAGE_GENERATION=true
      - IMAGE_GENERATION_MODEL=dall-e-3
      - IMAGES_OPENAI_API_BASE_URL=http://litellm:4000/v1
  litellm:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml"]
    environment:
      - LITELLM_MASTER_KEY=sk-literal-in-compose-00001
    volumes:
      - ./litellm-config.yaml:/app/config.yaml:ro
""",
        "litellm-config.yaml": "model_list:\n  - model_name: nova-canvas\n    litellm_params:\n"
                               "      model: bedrock/amazon.nova-canvas-v1:0\n      aws_region_name: us-east-1\n"
                               "litellm_settings:\n  drop_params: true\n",
    })
    before = snapshot(project)
    run = fix(project, "--yes")
    assert run.code == 1
    # The model name is read from the stack (the one image model the proxy serves); the key is not.
    assert "+      - IMAGE_GENERATION_MODEL=nova-canvas\n" in run.stdout
    assert "serves no 'dall-e-3'; it serves the image model 'nova-canvas'" in run.stdout
    assert "not automatic: see canvas-doctor explain openwebui-images-api-base-unset" in run.stdout
    assert "a key is never written into a file" in run.stdout
    assert "sk-literal-in-compose-00001" not in run.stdout + run.stderr
    after = snapshot(project)
    assert after["litellm-config.yaml"] == before["litellm-config.yaml"]
    assert after["docker-compose.yml"] == before["docker-compose.yml"].replace(
        b"IMAGE_GENERATION_MODEL=dall-e-3", b"IMAGE_GENERATION_MODEL=nova-canvas")


def test_an_environment_shared_through_an_anchor_is_left_alone(tmp_path):
    """Appending to an aliased list would change every service that uses it: refused, other files still fixed."""
    project = write_stack(tmp_path / "stack", {
        ".env": "LITELLM_MASTER_KEY=sk-anchor-test-000000001\n",
        "docker-compose.yml": """\
x-openwebui-env: &owenv
  - OPENAI_API_BASE_URL=http://litellm:4000/v1
  - OPENAI_API_KEY=${LITELLM_MASTER_KEY}
  - ENABLE_IMAGE_GENERATION=True
services:
  openwebui:
    image: ghcr.io/open-webui/open-webui:v0.12.4
    environment: *owenv
  openwebui-staging:
    image: ghcr.io/open-webui/open-webui:v0.12.4
    environment: *owenv
  litellm:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml"]
    environment:
      - LITELLM_MASTER_KEY=${LITELLM_MASTER_KEY}
    volumes:
      - ./litellm-config.yaml:/app/config.yaml:ro
""",
        "litellm-config.yaml": "model_list:\n  - model_name: nova-canvas\n    litellm_params:\n"
                               "      model: bedrock/amazon.nova-canvas-v1:0\n      stream: false\n",
    })
    compose_before = (project / "docker-compose.yml").read_bytes()
    run = fix(project, "--yes")
    assert run.code == 1  # the Open WebUI findings remain
    assert "why: docker-compose.yml cannot be edited safely: the value is shared through a YAML anchor" in run.stdout
    assert "not automatic: see canvas-doctor explain openwebui-image-model-unset" in run.stdout
    assert (project / "docker-compose.yml").read_bytes() == compose_before
    assert (project / "litellm-config.yaml").read_text() == (
        "model_list:\n  - model_name: nova-canvas\n    litellm_params:\n      model: bedrock/amazon.nova-canvas-v1:0\n"
        "\nlitellm_settings:\n  drop_params: true\n")


def test_a_file_changed_after_the_diff_is_not_overwritten(tmp_path):
    from canvas_doctor.edits.atomic import ChangedMeanwhile, write_atomic
    target = tmp_path / "litellm-config.yaml"
    target.write_text("a: 1\n")
    with pytest.raises(ChangedMeanwhile):
        write_atomic(target, b"a: 2\n", expected=b"a: 0\n")
    assert target.read_text() == "a: 1\n"
    write_atomic(target, b"a: 2\n", expected=b"a: 1\n")
    assert target.read_text() == "a: 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["litellm-config.yaml"]  # no temp file left behind


# -- a model past its end of life: the migration ----------------------------------------------
def test_the_guides_stack_is_moved_off_its_dead_models_keeping_comments_and_layout(tmp_path):
    """fixtures/stacks/guide-as-written on 2026-12-01: Nova Canvas and Titan Image are past their end of
    life; fix moves both deployments to Stable Image Core in us-west-2, renames the one Open WebUI asks
    for and keeps IMAGE_GENERATION_MODEL / IMAGE_SIZE consistent, in compose and in CloudFormation."""
    project = copy_stack(FIXTURES / "guide-as-written", tmp_path)
    env = clean_env(CANVAS_DOCTOR_TODAY=TODAY)
    code, before = offline_fix_ids(project, TODAY)
    assert "bedrock-model-end-of-life" in before
    dry = fix(project, "--dry-run", env=env)
    assert "+      model: bedrock/stability.stable-image-core-v1:1\n" in dry.stdout
    assert "-  - model_name: nova-canvas\n+  - model_name: stable-image-core\n" in dry.stdout
    assert "Price: $0.04 an image, the same as Nova Canvas" in dry.stdout
    assert "Price: $0.04 an image instead of $0.008 (+$0.032 an image)" in dry.stdout
    assert "(keeps its name: stable-image-core is taken)" in dry.stdout

    run = fix(project, "--yes", env=env)
    config = (project / "litellm-config.yaml").read_text()
    assert config.startswith("model_list:\n  # Image generation models - streaming must be disabled\n"
                             "  - model_name: stable-image-core\n    litellm_params:\n"
                             "      model: bedrock/stability.stable-image-core-v1:1\n      aws_region_name: us-west-2\n"
                             "      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK\n\n  - model_name: titan-image\n"), config
    assert "  # Text chat models - streaming can be enabled\n" in config
    assert "  set_verbose: true  # Enable verbose logging\n" in config
    assert "amazon.nova-canvas" not in config and "titan-image-generator" not in config
    compose = (project / "docker-compose.yml").read_text()
    assert "      - IMAGE_GENERATION_MODEL=stable-image-core\n" in compose
    assert "      - IMAGE_SIZE=1024x1024\n" in compose
    cfn = (project / "infrastructure" / "bedrock-image-chat-stack.yaml").read_text()
    assert '              Value: "stable-image-core"  # ← Production configuration\n' in cfn

    code, after = offline_fix_ids(project, TODAY)
    moved = {"bedrock-model-end-of-life", "litellm-stream-key-rejected", "litellm-api-base-invalid",
             "bedrock-region-unsupported", "image-size-unsupported", "litellm-param-wrong-family",
             "litellm-model-not-found", "bedrock-inference-profile-required"}
    assert not after & moved, after
    # What is left needs a person: the guide's literal key (no ${VAR} to reference), the missing task role, and
    # which release to pin a moving image tag to (a choice: fix never changes the version a stack runs), and who
    # may reach the proxy (the guide's key on 4000:4000: fix never rebinds a port or invents a key).
    assert after <= {"openwebui-images-api-base-unset", "image-model-in-chat", "bedrock-model-access-denied",
                     "image-tag-moving", "service-exposed", "litellm-master-key-unsafe", "image-cost-unbounded"}, after
    assert run.code == 1  # those failures remain


def test_the_migration_moves_the_production_grant_with_the_model(tmp_path):
    """The healthy stack as it was before the end of life (Nova Canvas, a task role granting its ARN)."""
    project = copy_stack(FIXTURES / "healthy", tmp_path)
    (project / "litellm-image-config.yaml").write_text(
        "model_list:\n  - model_name: nova-canvas  # the guide's model\n    litellm_params:\n"
        "      model: bedrock/amazon.nova-canvas-v1:0\n      aws_region_name: us-east-1\n"
        "      quality: standard\n      cfgScale: 7\n    model_info:\n      mode: image_generation\n"
        "litellm_settings:\n  drop_params: true\n")
    compose = project / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("IMAGE_GENERATION_MODEL=stable-image-core",
                                                   "IMAGE_GENERATION_MODEL=nova-canvas"))
    cfn = project / "infrastructure" / "bedrock-image-chat-stack.yaml"
    cfn.write_text(cfn.read_text().replace(
        "                  - arn:aws:bedrock:us-west-2::foundation-model/stability.stable-image-core-v1:1",
        "                  - !Sub arn:aws:bedrock:${AWS::Region}::foundation-model/amazon.nova-canvas-v1:0")
        .replace('Value: "stable-image-core"', 'Value: "nova-canvas"'))
    code, before = offline_fix_ids(project, TODAY)
    assert code == 1 and "bedrock-model-end-of-life" in before
    run = fix(project, "--yes", env=clean_env(CANVAS_DOCTOR_TODAY=TODAY))
    assert run.code == 0, run.stdout + run.stderr
    text = cfn.read_text()
    assert "                  - arn:aws:bedrock:us-west-2::foundation-model/stability.stable-image-core-v1:1\n" in text
    assert "nova-canvas" not in text
    config = (project / "litellm-image-config.yaml").read_text()
    assert "  - model_name: stable-image-core  # the guide's model\n" in config
    assert "cfgScale" not in config and "quality: standard" in config  # quality is an OpenAI parameter: dropped
    code, after = offline_fix_ids(project, TODAY)
    assert code == 0 and not after, after


def test_a_model_still_served_is_not_migrated(tmp_path):
    project = copy_stack(FIXTURES / "healthy", tmp_path)
    before = snapshot(project)
    run = fix(project, "--yes", env=clean_env(CANVAS_DOCTOR_TODAY=TODAY))
    assert run.code == 0 and "Nothing to fix: the config checks pass." in run.stdout, run.stdout
    assert snapshot(project) == before
