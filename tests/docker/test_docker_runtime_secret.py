"""A key that only the running container holds (the stack was started with another .env) is learned
from Docker at run time, registered in the run context, and masked in every output format."""
from __future__ import annotations

import pytest

from docker_fixtures import DOCKER_FIXTURES, of_service

pytestmark = pytest.mark.docker

RUNTIME_KEY = "container-only-key-5e6f7a8b9c0d"   # in the container's env and logs; in no file, flag or variable
FILE_KEY = "drift-master-key-0123456789"           # fixtures/docker/drift/.env, as it is now


def test_a_key_only_the_container_holds_never_appears(make_stack, tmp_path) -> None:
    stack = make_stack(DOCKER_FIXTURES / "drift", "rtsecret")
    (stack.root / ".env").write_text(f"LITELLM_MASTER_KEY={RUNTIME_KEY}\n")
    stack.up("litellm")
    stack.wait_for("the litellm log line", lambda: b"Invalid model name" in stack.container("litellm").logs())
    (stack.root / ".env").write_text(f"LITELLM_MASTER_KEY={FILE_KEY}\n")   # the files moved on; the container did not
    junit = tmp_path / "junit.xml"
    as_json = stack.doctor("--junit", str(junit))
    human = stack.doctor("-v", "--format", "human")
    logs = [r for r in of_service(as_json, "docker.logs", "litellm") if r["status"] == "warn"]
    assert logs and "api_key=cont…9c0d" in logs[0]["message"], as_json.stdout
    stale = {r["data"]["variable"]: r for r in of_service(as_json, "docker.env", "litellm") if r["status"] == "fail"}
    assert set(stale) == {"LITELLM_MASTER_KEY", "FAKE_LOG"}
    # FAKE_LOG is no secret's name, so docker.env quotes its running value: the key inside it is masked by the
    # final redaction, which reads the secrets the docker input registered in the run context.
    assert "cont…9c0d" in stale["FAKE_LOG"]["message"]
    for out in (as_json.stdout, as_json.stderr, human.stdout, human.stderr, junit.read_text()):
        assert RUNTIME_KEY not in out and RUNTIME_KEY[4:-4] not in out
