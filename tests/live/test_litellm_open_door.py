"""Live, read-only proof against the real LiteLLM 1.108.7: does the running proxy let in a caller with no key,
or with the guide's `sk-test-1234567890`? One free GET /v1/models each; nothing is generated."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import pytest

from litellm_fixtures import HEALTHY_SPEC, LiveStack, copy_project, live, start_stack

pytestmark = pytest.mark.services

CHECK = "litellm.live.open-door"


@pytest.fixture(scope="module")
def guide_key_stack(emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """A real proxy whose master key is the guide's own, published as the guide does (HOST:4000, every interface)."""
    spec = replace(HEALTHY_SPEC, master_key="sk-test-1234567890")
    stack = start_stack("guide-key", tmp_path_factory.mktemp("guide-key") / "project", spec, emulator)
    yield stack
    stack.proxy.stop()


def test_a_proxy_with_the_guides_key_lets_the_guides_readers_in(guide_key_stack: LiveStack, bedrock) -> None:
    run = live(guide_key_stack, only=CHECK)
    r = run.one(CHECK)
    assert r["status"] == "warn" and r["fix"]["id"] == "litellm-master-key-unsafe", run.explain()
    assert "accepted the guide's key" in r["message"] and "published on every interface" in r["message"]
    assert "sk-test-1234567890" not in run.stdout  # the key is never printed, not even the guide's
    assert bedrock.invocations() == []                # nothing was generated


def test_a_private_key_refuses_both(healthy_stack: LiveStack, bedrock) -> None:
    run = live(healthy_stack, only=CHECK)
    r = run.one(CHECK)
    assert r["status"] == "pass", run.explain()
    # LiteLLM 1.108.7 answers 401 to no key and 400 to a key it does not know (measured here).
    assert "refuses /v1/models with no key (401) and with the guide's key (400)" in r["message"]
    assert bedrock.invocations() == []


def test_on_loopback_the_guides_key_is_not_reported(guide_key_stack: LiveStack, tmp_path) -> None:
    project = copy_project(guide_key_stack, tmp_path / "loopback")
    compose = project.root / "docker-compose.yml"
    port = guide_key_stack.proxy.port
    compose.write_text(compose.read_text().replace(f'"{port}:4000"', f'"127.0.0.1:{port}:4000"')
                       .replace(f"- {port}:4000", f"- 127.0.0.1:{port}:4000"))
    assert f"127.0.0.1:{port}:4000" in compose.read_text()
    run = live(guide_key_stack, only=CHECK, project=project.root)
    r = run.one(CHECK)
    assert r["status"] == "pass" and "only on loopback" in r["message"], run.explain()
