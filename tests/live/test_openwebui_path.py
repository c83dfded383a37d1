"""The user's path, end to end (issue 12, item 3): an image made through the real Open WebUI 0.12.4's own image
endpoint, to the real LiteLLM proxy and the emulator, stored by Open WebUI and fetched back.

Open WebUI runs with WEBUI_AUTH=False, so the doctor signs in the way such an instance lets anyone. Its
database holds a wrong IMAGES_OPENAI_API_KEY at first (seeded from its first start's environment), while the
project's files hold the right one: only the path through Open WebUI can find that.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from litellm_fixtures import LiveStack, copy_project, doctor
from openwebui_fixtures import live_openwebui, openwebui_or_skip  # noqa: F401 (a fixture)

from testbed.openwebui import OpenWebUI, start_openwebui

pytestmark = [pytest.mark.services, pytest.mark.timeout(600)]
WRONG_KEY = "sk-only-in-openwebuis-database-000"


@pytest.fixture(scope="module")
def openwebui_no_auth(healthy_stack: LiveStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenWebUI]:
    openwebui_or_skip()
    base = f"{healthy_stack.url}/v1"
    server = start_openwebui(tmp_path_factory.mktemp("owui-path") / "data", {
        "WEBUI_AUTH": "False", "ENABLE_IMAGE_GENERATION": "True", "IMAGE_GENERATION_ENGINE": "openai",
        "IMAGE_GENERATION_MODEL": "nova-canvas", "IMAGE_SIZE": "512x512",
        "IMAGES_OPENAI_API_BASE_URL": base, "IMAGES_OPENAI_API_KEY": WRONG_KEY,
        "OPENAI_API_BASE_URL": base, "OPENAI_API_KEY": healthy_stack.key})
    try:
        yield server
    finally:
        server.stop()


def _run(stack: LiveStack, owui: OpenWebUI, project: Path):
    return doctor("--json", *stack.flags(project=project), "--openwebui-url", owui.url,
                  "--only", "litellm,generate,openwebui.health,openwebui.version")


def _set_key_in_openwebui(owui: OpenWebUI, key: str) -> None:
    token = httpx.post(f"{owui.url}/api/v1/auths/signin", json={"email": "admin@localhost", "password": "admin"}).json()["token"]
    auth = {"authorization": f"Bearer {token}"}
    config = httpx.get(f"{owui.url}/api/v1/images/config", headers=auth).json()
    config["IMAGES_OPENAI_API_KEY"] = key
    httpx.post(f"{owui.url}/api/v1/images/config/update", json=config, headers=auth).raise_for_status()


def test_a_key_only_open_webuis_database_holds_wrong_is_found_then_the_fixed_path_draws(
        healthy_stack: LiveStack, openwebui_no_auth: OpenWebUI, bedrock, tmp_path: Path):
    project = copy_project(healthy_stack, tmp_path / "p").root
    broken = _run(healthy_stack, openwebui_no_auth, project)
    assert broken.one("generate.image")["status"] == "pass", broken.explain()  # LiteLLM alone draws
    gen = broken.one("generate.openwebui")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "openwebui-api-key-mismatch"), broken.explain()
    assert "the IMAGES_OPENAI_API_KEY stored in Open WebUI's database is not the key LiteLLM accepts" in gen["message"]
    assert "[ERROR: Bad Request]" in gen["message"]  # what Open WebUI 0.12 itself says: not enough to act on
    assert WRONG_KEY not in broken.stdout

    _set_key_in_openwebui(openwebui_no_auth, healthy_stack.key)
    fixed = _run(healthy_stack, openwebui_no_auth, project)
    gen = fixed.one("generate.openwebui")
    assert gen["status"] == "pass", fixed.explain()
    assert gen["data"]["size"] == "512x512" and gen["data"]["stored_url"].startswith("/api/v1/files/")
    assert gen["data"]["way_in"] == "the sign-in Open WebUI gives anyone with WEBUI_AUTH=False"
    assert "LiteLLM and Bedrock alone" in gen["message"]
    assert not re.search(r"eyJ[\w-]{10,}\.", fixed.stdout)  # the session token is masked like any secret
    assert fixed.code == 0


def test_without_a_way_in_the_open_webui_hop_is_said_not_walked(healthy_stack: LiveStack, live_openwebui_url,
                                                                tmp_path: Path):
    project = copy_project(healthy_stack, tmp_path / "p").root
    run = doctor("--json", *healthy_stack.flags(project=project), "--openwebui-url", live_openwebui_url,
                 "--only", "litellm,generate,openwebui.health,openwebui.version")
    gen = run.one("generate.openwebui")
    assert gen["status"] == "skip" and "the Open WebUI hop was not walked" in gen["message"], run.explain()
    assert "--openwebui-token" in gen["message"]
    assert run.one("generate.image")["status"] == "pass"


@pytest.fixture
def live_openwebui_url(live_openwebui) -> str:
    return live_openwebui.url
