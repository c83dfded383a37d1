"""fixtures/test-local.sh, the sample pre-flight script, against a real proxy (Compose replaced by a no-op)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from testbed.process import free_port
from litellm_fixtures import NOVA, REPO, LiveStack, copy_project, user_env

pytestmark = pytest.mark.services

SCRIPT = REPO / "fixtures" / "test-local.sh"


def preflight(stack_dir, **env: str) -> subprocess.CompletedProcess:
    full = user_env(STACK_DIR=str(stack_dir), COMPOSE=":", DOCTOR=f"{sys.executable} -m canvas_doctor",
                    CANVAS_DOCTOR_SKIP="openwebui,docker,bedrock", **env)
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=full, timeout=120)


def test_ready_stack_passes_and_one_image_is_made_on_request(healthy_stack: LiveStack, bedrock, tmp_path):
    project = copy_project(healthy_stack, tmp_path / "stack")
    free = preflight(project.root)
    assert free.returncode == 0, free.stdout + free.stderr
    assert "ready: Open WebUI" in free.stdout
    assert bedrock.invocations(NOVA) == []                     # the default run bills nothing
    paid = preflight(project.root, RUN_LIVE="1")
    assert paid.returncode == 0, paid.stdout + paid.stderr
    assert (project.root / "canvas-doctor-test.png").read_bytes()[:4] == b"\x89PNG"
    assert len(bedrock.invocations(NOVA)) == 1


def test_stack_that_does_not_come_up_stops_the_script(healthy_stack: LiveStack, tmp_path):
    project = copy_project(healthy_stack, tmp_path / "stack")
    dead = f"http://127.0.0.1:{free_port()}"
    run = preflight(project.root, DOCTOR_WAIT="1", CANVAS_DOCTOR_LITELLM_URL=dead, CANVAS_DOCTOR_LITELLM_IMAGE_URL=dead)
    assert run.returncode == 1
    assert "stack is not ready" in run.stderr
    assert "litellm-unreachable" in run.stdout
