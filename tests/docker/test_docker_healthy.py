"""The bundled healthy sample stack, run for real with docker-compose: the Docker area is green;
editing its compose file without recreating is container-env-stale; `up -d` makes it green again."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from docker_fixtures import TOKEN, ComposeStack, of_service, problems
from helpers import FIXTURES, clean_env, run_cli

pytestmark = pytest.mark.docker


def substitute(root: Path, openwebui_image: str, litellm_image: str) -> None:
    """The sample with the test images, no host ports (other tests may own 8080/4000/4100) and
    container names unique to this session."""
    compose = root / "docker-compose.yml"
    text = compose.read_text()
    text, n_ow = re.subn(r"(?m)^(\s+image:\s*)ghcr\.io/open-webui/open-webui:\S+", rf"\g<1>{openwebui_image}", text)
    text, n_ll = re.subn(r"(?m)^(\s+image:\s*)ghcr\.io/berriai/litellm:\S+", rf"\g<1>{litellm_image}", text)
    text, n_ports = re.subn(r'(?m)^(\s+- )"\d+:(\d+)"', r'\g<1>"\g<2>"', text)
    text = re.sub(r"(?m)^(\s+container_name:\s*)(\S+)", rf"\g<1>\g<2>-{TOKEN}", text)
    assert (n_ow, n_ll, n_ports) == (1, 2, 3), "the healthy sample changed shape: update this test"
    compose.write_text(text)


@pytest.fixture(scope="module")
def healthy(docker_client, test_images, tmp_path_factory) -> ComposeStack:
    import shutil
    root = tmp_path_factory.mktemp("docker") / f"cdtest-healthy-{TOKEN}"
    shutil.copytree(FIXTURES.parent / "pre-eol" / "healthy-nova-canvas", root)  # Nova Canvas, clock before its end of life
    substitute(root, test_images.openwebui, test_images.litellm)
    stack = ComposeStack(root, docker_client)
    try:
        stack.up()
        yield stack
    finally:
        stack.down()


def test_healthy_sample_is_green_then_an_edit_is_a_stale_container(healthy: ComposeStack) -> None:
    run = healthy.doctor()
    assert run.code == 0, run.stdout + run.stderr
    assert problems(run) == [], problems(run)
    passed = {r["check"] for r in run.results(status="pass")}
    assert {"docker.available", "docker.containers", "docker.env", "docker.litellm.config", "docker.logs",
            "docker.openwebui.settings", "docker.openwebui.stored-settings"} <= passed
    found = {r["data"]["service"]: r for r in run.results("docker.containers")}
    assert set(found) == {"openwebui", "litellm", "litellm-image"}
    assert all("compose labels" in r["data"]["found_by"] for r in found.values())

    healthy.edit("docker-compose.yml", "IMAGE_GENERATION_MODEL=nova-canvas", "IMAGE_GENERATION_MODEL=titan-image")
    line = healthy.line_of("docker-compose.yml", "IMAGE_GENERATION_MODEL=")
    run = healthy.doctor()
    stale = [r for r in run.results("docker.env", "fail")]
    assert len(stale) == 1, stale
    [r] = stale
    assert r["fix"]["id"] == "container-env-stale"
    assert r["location"] == {"file": "docker-compose.yml", "line": line}
    assert "IMAGE_GENERATION_MODEL is 'titan-image' in docker-compose.yml" in r["message"]
    assert "'nova-canvas' in the openwebui container" in r["message"]
    assert "docker compose up -d openwebui" in " ".join(r["fix"]["steps"])
    assert run.code == 1

    healthy.up("openwebui")  # recreate, as the fix says: the container gets the file's environment
    run = healthy.doctor()
    assert [r["status"] for r in of_service(run, "docker.env", "openwebui")] == ["pass"]
    assert problems(run) == []


def test_a_copy_of_the_project_elsewhere_finds_the_containers_by_container_name(healthy: ComposeStack,
                                                                                  tmp_path: Path) -> None:
    import shutil
    elsewhere = tmp_path / "another-checkout"
    shutil.copytree(healthy.root, elsewhere)  # other folder: other project name, other working_dir label
    run = run_cli("run", "--only", "docker.containers", "--json", "--project", str(elsewhere), env=clean_env())
    found = {r["data"]["service"]: r for r in run.results("docker.containers")}
    assert {s: r["status"] for s, r in found.items()} == {"openwebui": "pass", "litellm": "pass", "litellm-image": "pass"}
    assert found["openwebui"]["data"]["found_by"] == f"its name 'openwebui-{TOKEN}'"
