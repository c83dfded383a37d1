"""The generation judged against the stack's own time limits (issue 12, item 4), on the real LiteLLM proxy and
the emulator with Bedrock made slow: the doctor stops waiting where the stack would, and names the limit."""
from __future__ import annotations

from pathlib import Path

import pytest
from litellm_fixtures import LiveStack, copy_project, live

pytestmark = pytest.mark.services


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_open_webui_gives_up_first_so_the_doctor_does_too(faults_stack: LiveStack, bedrock, tmp_path: Path):
    """AIOHTTP_CLIENT_TIMEOUT=2 and a 12 s Bedrock: users get an error at 2 s, not a slow image."""
    bedrock.set_model("amazon.nova-canvas-v1:0", latency_s=12)
    project = copy_project(faults_stack, tmp_path / "p", openwebui_env={"AIOHTTP_CLIENT_TIMEOUT": "2"})
    run = live(faults_stack, project=project.root)
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "generation-timeout"), run.explain()
    assert "Open WebUI gives up after 2 s (AIOHTTP_CLIENT_TIMEOUT=2)" in gen["message"]
    assert gen["location"] == {"file": "docker-compose.yml",
                               "line": _line(project.root / "docker-compose.yml", "AIOHTTP_CLIENT_TIMEOUT")}
    assert run.seconds < 10  # it stopped at 2 s + its margin, and did not sit out the 12 s


def test_litellm_gives_up_and_the_doctor_names_its_timeout_and_retries(faults_stack: LiveStack, bedrock):
    """`timeout: 1` on the deployment, `num_retries: 0` in router_settings, a 2.5 s Bedrock."""
    bedrock.set_model("amazon.nova-canvas-v1:0", latency_s=2.5)
    run = live(faults_stack, model="nova-short-timeout")
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "generation-timeout"), run.explain()
    assert "LiteLLM gives up after 1 s (timeout: 1 per attempt, num_retries: 0: 1 attempts)" in gen["message"]
    assert gen["data"]["gave_up"] == "litellm"


def test_an_unset_open_webui_timeout_is_no_limit(faults_stack: LiveStack, bedrock, tmp_path: Path):
    """AIOHTTP_CLIENT_TIMEOUT unset: Open WebUI waits as long as it takes; a 1.3 s image is a success."""
    bedrock.set_model("amazon.nova-canvas-v1:0", latency_s=1.3)
    project = copy_project(faults_stack, tmp_path / "p", openwebui_env={"AIOHTTP_CLIENT_TIMEOUT": ""})
    gen = live(faults_stack, project=project.root).one("generate.image")
    assert gen["status"] == "pass", gen
