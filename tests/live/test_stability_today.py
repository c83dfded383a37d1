"""Bedrock as it is today, through the real LiteLLM 1.108.7 and the emulator (issue 9).

A stack on stability.stable-image-core-v1:1 in us-west-2 with Open WebUI's default-like IMAGE_SIZE
(512x512): LiteLLM sends `{"prompt": ...}` only and the image comes back 1024x1024; that is the
model's own size, not a fault. And a deployment still on Nova Canvas gets Bedrock's end-of-life
answer, classified as bedrock-model-end-of-life with the way out.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor.stack.envfile import parse_env_file
from testbed.litellm import start_litellm
from testbed.process import free_port
from helpers import FIXTURES, TODAY, clean_env, run_cli

SIGV4 = {"AWS_ACCESS_KEY_ID": "AKIAEMULATOR00000000", "AWS_SECRET_ACCESS_KEY": "emulator-only-secret"}


def _image_stack(tmp_path: Path, emu_url: str, port: int, config: str, size: str) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "healthy", project, ignore=shutil.ignore_patterns("expected.yaml"))
    compose = (project / "docker-compose.yml").read_text().replace('"4100:4100"', f'"{port}:4100"')
    compose = compose.replace("IMAGE_SIZE=1024x1024", f"IMAGE_SIZE={size}")
    if "nova" in config:
        compose = compose.replace("IMAGE_GENERATION_MODEL=stable-image-core", "IMAGE_GENERATION_MODEL=nova-canvas")
    (project / "docker-compose.yml").write_text(compose)
    (project / "litellm-image-config.yaml").write_text(config.format(emu=emu_url))
    return project


STABILITY = """\
model_list:
  - model_name: stable-image-core
    litellm_params:
      model: bedrock/stability.stable-image-core-v1:1
      aws_region_name: us-west-2
      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK
      aws_bedrock_runtime_endpoint: {emu}
    model_info:
      mode: image_generation
litellm_settings:
  drop_params: true
"""
NOVA = STABILITY.replace("stable-image-core", "nova-canvas").replace(
    "bedrock/stability.nova-canvas-v1:1", "bedrock/amazon.nova-canvas-v1:0").replace("us-west-2", "us-east-1")


def _run(tmp_path: Path, config: str, size: str) -> tuple[dict, BedrockEmulator]:
    port = free_port()
    with BedrockEmulator(region="us-west-2", follow_signed_region=True) as emu:
        project = _image_stack(tmp_path, emu.url, port, config, size)
        env = parse_env_file(project / ".env").values
        proxy = start_litellm(project / "litellm-image-config.yaml",
                              {"LITELLM_MASTER_KEY": env["LITELLM_MASTER_KEY"],
                               "AWS_BEARER_TOKEN_BEDROCK": env["AWS_BEARER_TOKEN_BEDROCK"]},
                              port=port, log_path=tmp_path / "litellm.log")
        try:
            run = run_cli("run", "--json", "--project", str(project), "--only", "generate,litellm.live.image-model,"
                          "litellm.config.model-lifecycle", "--bedrock-endpoint", emu.url,
                          env=clean_env(CANVAS_DOCTOR_TODAY=TODAY, **SIGV4), timeout=120)
        finally:
            proxy.stop()
        bodies = [q for q in emu.requests if q.operation == "InvokeModel"]
    return {"run": run, "bodies": bodies}, emu


@pytest.mark.services
def test_stable_image_core_at_its_own_size_passes_whatever_image_size_says(tmp_path: Path) -> None:
    got, _ = _run(tmp_path, STABILITY, "512x512")
    run = got["run"]
    [gen] = run.results("generate.image")
    assert gen["status"] == "pass", run.stdout
    assert re.match(r"stable-image-core: a 1024x1024 PNG", gen["message"]), gen["message"]
    assert not [r for r in run.json["results"] if r["status"] in ("warn", "fail", "error")], run.stdout
    assert run.code == 0


@pytest.mark.services
def test_nova_canvas_today_gets_bedrocks_end_of_life_answer_through_litellm(tmp_path: Path) -> None:
    got, _ = _run(tmp_path, NOVA, "1024x1024")
    run = got["run"]
    [gen] = run.results("generate.image")
    assert gen["status"] == "fail" and gen["fix"]["id"] == "bedrock-model-end-of-life", gen
    assert "end of its life" in gen["message"] or "Nova Canvas reached its end of life" in gen["message"]
    assert "stability.stable-image-core-v1:1" in " ".join(gen["fix"]["steps"])
    assert gen["location"] == {"file": "litellm-image-config.yaml", "line": 4}
    assert not re.search(r"\{[a-z_]+\}", str(gen["fix"])), gen["fix"]
    assert run.code == 1
