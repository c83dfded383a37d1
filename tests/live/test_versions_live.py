"""Version-dependent facts, on the real services of the version in play (testbed.versions).

Run per release by scripts/matrix.sh; each test reads its expectation from the version it runs on:
    .venv/bin/python -m pytest tests/live/test_versions.py --litellm-version 1.103.11
"""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from litellm_fixtures import doctor, user_env

from testbed.litellm import Deployment, ProxySpec, start_litellm
from testbed.process import TestbedError as ServiceError
from testbed.project import ProjectSpec, write_project
from testbed.versions import LITELLM_REFUSES_WEAK_MASTER_KEY, litellm_has, litellm_version

pytestmark = [pytest.mark.services, pytest.mark.versioned]

WEAK_KEYS = [pytest.param(None, id="no-master-key"), pytest.param("sk-1234", id="sk-1234")]
REFUSAL_SIGNS = ("UnsafeMasterKeyError", "refused to start", "master key")


def weak_settings(spec: ProxySpec, master_key: str | None) -> dict[str, str]:
    settings = {k: v for k, v in spec.environment().items() if k != "LITELLM_MASTER_KEY"}
    if master_key is not None:
        settings["LITELLM_MASTER_KEY"] = master_key
    return settings


@pytest.mark.parametrize("master_key", WEAK_KEYS)
def test_litellm_with_a_weak_master_key_refuses_to_start_or_is_open(master_key, emulator, tmp_path: Path):
    """L12: from 1.104.0 the proxy exits at start; before, it starts and lets in whoever knows the key
    (with none set: any key at all)."""
    spec = ProxySpec([Deployment("nova-canvas")])
    config = tmp_path / "litellm-config.yaml"
    config.write_text(spec.config_text(emulator.url))
    settings = weak_settings(spec, master_key)

    if litellm_has(LITELLM_REFUSES_WEAK_MASTER_KEY):
        with pytest.raises(ServiceError, match="exited") as refused:
            start_litellm(config, settings).stop()
        assert any(sign in str(refused.value) for sign in REFUSAL_SIGNS), str(refused.value)
        return
    proxy = start_litellm(config, settings)
    try:
        caller_key = master_key or "sk-anyone-at-all-000000"
        r = httpx.get(f"{proxy.url}/v1/models", headers={"authorization": f"Bearer {caller_key}"},
                      timeout=30, trust_env=False)
    finally:
        proxy.stop()
    assert r.status_code == 200, r.text[:300]
    assert "nova-canvas" in {m["id"] for m in r.json()["data"]}


@pytest.mark.parametrize("master_key", WEAK_KEYS)
def test_the_doctor_tells_what_this_release_does_with_a_weak_master_key(master_key, tmp_path: Path):
    """The files-only finding must describe the release in the compose file: 'refuses to start' from
    1.104.0, an open proxy before (the fault is real either way)."""
    spec = ProxySpec([Deployment("nova-canvas")])
    env = weak_settings(spec, master_key)
    project = write_project(tmp_path / "project", ProjectSpec(spec.config_text("http://127.0.0.1:9"), env))

    run = doctor("--json", "--project", str(project.root), "--only", "compose.litellm.master-key", env=user_env())

    found = run.one("compose.litellm.master-key")
    assert (found["status"], run.fix("compose.litellm.master-key")) == ("fail", "litellm-master-key-unsafe"), \
        run.explain()
    refuses = "refuses to start" in found["message"]
    assert refuses == litellm_has(LITELLM_REFUSES_WEAK_MASTER_KEY), \
        f"LiteLLM {litellm_version()}: {found['message']}"
