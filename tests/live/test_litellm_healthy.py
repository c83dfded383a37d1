"""The healthy stack against the real LiteLLM (the version in play, testbed.versions): every live check passes, with a real PNG."""
from __future__ import annotations

import struct

import pytest

from litellm_fixtures import NOVA, LiveStack, copy_project, doctor, live, user_env

from testbed.versions import litellm_version

pytestmark = [pytest.mark.services, pytest.mark.versioned]

LIVE_CHECKS = ("litellm.live.reachable", "litellm.live.version", "litellm.live.key", "litellm.live.image-model",
               "litellm.live.config-current", "generate.image")


def test_healthy_stack_passes_and_saves_a_real_png(healthy_stack: LiveStack, bedrock, tmp_path):
    image = tmp_path / "out" / "nova.png"
    run = live(healthy_stack, "--save-image", str(image))
    assert run.code == 0, run.explain()
    for check in LIVE_CHECKS:
        assert {r["status"] for r in run.results(check)} == {"pass"}, run.explain()
    assert litellm_version() in run.one("litellm.live.version")["message"]
    running = run.json["stack"]["running_versions"]
    assert [(v["component"], v["version"]) for v in running] == [("litellm", litellm_version())], running
    gen = run.one("generate.image")
    assert "512x512 PNG" in gen["message"] and "$0.04" in gen["message"], gen["message"]
    assert gen["fix"] is None
    # The file is the PNG Bedrock (the emulator) made, of the size Open WebUI asked for.
    data = image.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (512, 512)
    assert str(image) in gen["message"]
    # Exactly one paid call, with the body Open WebUI 0.12.4 sends (size, n, response_format dropped by LiteLLM).
    calls = bedrock.invocations(NOVA)
    assert len(calls) == 1
    assert calls[0].body["taskType"] == "TEXT_IMAGE"
    assert calls[0].body["imageGenerationConfig"]["width"] == 512
    assert calls[0].auth == "bearer"
    # The opt-in paid health probe did not run.
    assert run.one("litellm.live.model-health")["status"] == "skip"


def test_the_compose_file_alone_finds_the_proxy_and_its_master_key(healthy_stack: LiveStack, bedrock):
    """No flags: the URL is the published port of the litellm service, the key its LITELLM_MASTER_KEY (.env)."""
    run = doctor("--json", "--project", str(healthy_stack.project.root), "--only", "litellm", env=user_env())
    assert run.code == 0, run.explain()
    reach = run.one("litellm.live.reachable")
    assert f"localhost:{healthy_stack.proxy.port}" in reach["message"]
    assert reach["location"] == {"file": "docker-compose.yml", "line": reach["location"]["line"]}
    key = run.results("litellm.live.key")
    assert key[0]["status"] == "pass" and key[0]["location"]["file"] == ".env", run.explain()
    assert healthy_stack.key not in run.stdout          # the key itself is never shown
    assert bedrock.invocations() == []                  # --only litellm: nothing paid


def test_titan_image_at_its_own_size(healthy_stack: LiveStack, bedrock, tmp_path):
    """IMAGE_SIZE goes into the request and the PNG's IHDR must match it (Titan v2: a listed size)."""
    bedrock.set_model("amazon.titan-image-generator-v2:0", end_of_life=None, lifecycle="ACTIVE")
    try:
        project = copy_project(healthy_stack, tmp_path / "p", image_model="titan-image", image_size="768x768")
        run = live(healthy_stack, only="generate,litellm.live.image-model,litellm.live.key,litellm.live.reachable",
                   project=project.root)
        assert run.code == 0, run.explain()
        assert "768x768 PNG" in run.one("generate.image")["message"]
    finally:
        bedrock.reset_model("amazon.titan-image-generator-v2:0")
