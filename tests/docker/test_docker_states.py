"""docker.containers and docker.logs on containers that are restarting, exited, unhealthy or missing
(fixtures/docker/states), started for real with docker-compose."""
from __future__ import annotations

import pytest

from docker_fixtures import DOCKER_FIXTURES, ComposeStack, of_service
from helpers import CliRun

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def states(make_stack) -> tuple[ComposeStack, CliRun]:
    stack = make_stack(DOCKER_FIXTURES / "states", "states")
    stack.up("openwebui", "litellm", "litellm-exited", "litellm-unhealthy")  # litellm-missing: never
    exited, crashing, sick = (stack.container(s) for s in ("litellm-exited", "litellm", "litellm-unhealthy"))

    def settled() -> bool:
        for c in (exited, crashing, sick):
            c.reload()
        # Docker doubles the pause between restarts (0.1 s, 0.2 s ...): after 5 restarts the
        # container spends over 3 s "restarting" per ms of running, long enough for one doctor run.
        return (exited.status == "exited" and crashing.attrs["RestartCount"] >= 5 and crashing.status == "restarting"
                and sick.attrs["State"].get("Health", {}).get("Status") == "unhealthy")

    stack.wait_for("exited, restarting and unhealthy containers", settled, timeout=45)
    return stack, stack.doctor()


def the(run: CliRun, check: str, service: str) -> dict:
    [result] = of_service(run, check, service)
    return result


def test_running_container_passes(states) -> None:
    _, run = states
    r = the(run, "docker.containers", "openwebui")
    assert r["status"] == "pass"
    assert "is running" in r["message"]


def test_restarting_container_says_how_often_and_why(states) -> None:
    _, run = states
    r = the(run, "docker.containers", "litellm")
    assert r["status"] == "fail" and r["fix"]["id"] == "container-not-running"
    assert "is restarting" in r["message"] and r["data"]["restarts"] >= 5
    assert "(last exit code 1)" in r["message"]
    assert "LiteLLM proxy refused to start" in r["message"]  # the log line that explains it
    assert r["location"]["file"] == "docker-compose.yml" and r["location"]["line"]


def test_exited_container_gives_exit_code_and_last_lines(states) -> None:
    _, run = states
    r = the(run, "docker.containers", "litellm-exited")
    assert r["status"] == "fail" and r["fix"]["id"] == "container-not-running"
    assert "is exited (exit code 3)" in r["message"]
    assert "Unable to locate credentials" in r["message"]
    assert "docker compose logs --tail 50 litellm-exited" in r["fix"]["steps"][0]


def test_unhealthy_container_quotes_its_healthcheck(states) -> None:
    _, run = states
    r = the(run, "docker.containers", "litellm-unhealthy")
    assert r["status"] == "fail" and r["fix"]["id"] == "container-not-running"
    assert "unhealthy" in r["message"]
    assert "health/liveliness: connection refused" in r["message"]


def test_missing_container_says_where_it_looked(states) -> None:
    stack, run = states
    r = the(run, "docker.containers", "litellm-missing")
    assert r["status"] == "fail" and r["fix"]["id"] == "container-not-running"
    assert f"compose project '{stack.project}'" in r["message"]
    assert "docker compose up -d litellm-missing" in " ".join(r["fix"]["steps"])


def test_last_words_of_stopped_containers_map_to_their_fixes(states) -> None:
    _, run = states
    crash = the(run, "docker.logs", "litellm")
    assert (crash["status"], crash["fix"]["id"]) == ("fail", "litellm-master-key-unsafe")
    assert "UnsafeMasterKeyError: LiteLLM proxy refused to start" in crash["message"]
    creds = the(run, "docker.logs", "litellm-exited")
    assert (creds["status"], creds["fix"]["id"]) == ("fail", "aws-credentials-missing")
    assert "NoCredentialsError: Unable to locate credentials" in creds["message"]


def test_no_config_check_on_stopped_proxies(states) -> None:
    _, run = states
    checked = {r["data"].get("service") for r in run.results("docker.litellm.config")}
    assert checked == {"litellm-unhealthy"}  # the only running proxy; the others are docker.containers' finding
    assert run.code == 1


def test_stack_started_with_another_project_name_is_found_by_its_folder(make_stack) -> None:
    stack = make_stack(DOCKER_FIXTURES / "states", "renamed")
    stack.name = f"{stack.project}x"
    stack.up("openwebui")  # docker-compose -p NAME up -d openwebui
    run = stack.doctor("--only", "docker.containers")
    r = the(run, "docker.containers", "openwebui")
    assert r["status"] == "pass"
    assert f"started in {stack.root}" in r["data"]["found_by"] and f"project {stack.project}" in r["data"]["found_by"]
