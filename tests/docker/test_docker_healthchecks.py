"""compose.healthcheck.runnable against the real engine: every test it flags stays unhealthy under
Docker, every test it passes turns healthy, and a service waiting for a flagged one never starts."""
from __future__ import annotations

import pytest

from docker_fixtures import DOCKER_FIXTURES, ComposeStack
from helpers import CliRun, clean_env, run_cli

pytestmark = pytest.mark.docker

FLAGGED = ("shell-list", "cmd-line", "shell-no-command")
RIGHT = ("right", "right-exec")


@pytest.fixture(scope="module")
def probes(make_stack) -> tuple[ComposeStack, dict[str, str], CliRun]:
    stack = make_stack(DOCKER_FIXTURES / "healthchecks", "healthchecks")
    stack.up(*FLAGGED, *RIGHT)
    containers = {name: stack.container(name) for name in FLAGGED + RIGHT}

    def health() -> dict[str, str]:
        out = {}
        for name, c in containers.items():
            c.reload()
            out[name] = c.attrs["State"].get("Health", {}).get("Status", "none")
        return out

    stack.wait_for("every health check to settle", lambda: "starting" not in health().values(), timeout=40)
    run = run_cli("run", "--offline", "--json", "--only", "compose.healthcheck.*", "--project", str(stack.root),
                  env=clean_env())
    return stack, health(), run


def test_docker_agrees_with_every_verdict(probes) -> None:
    _, health, run = probes
    flagged = {r["data"]["service"] for r in run.results("compose.healthcheck.runnable", "fail")}
    assert flagged == set(FLAGGED)
    assert {name for name, status in health.items() if status == "unhealthy"} == set(FLAGGED), health
    assert {name for name, status in health.items() if status == "healthy"} == set(RIGHT), health


def test_the_dependant_named_in_the_message_never_starts(probes) -> None:
    stack, _, run = probes
    [finding] = [r for r in run.results("compose.healthcheck.runnable", "fail") if r["data"]["service"] == "shell-list"]
    assert "and waiter (depends_on ... condition: service_healthy) never starts" in finding["message"]
    up = stack.compose("up", "-d", "--no-build", "waiter", check=False)
    assert up.returncode != 0 and "unhealthy" in (up.stdout + up.stderr).lower(), up.stdout + up.stderr
    waiters = stack.client.containers.list(all=True, filters={"label": [f"com.docker.compose.project={stack.project}",
                                                                        "com.docker.compose.service=waiter"]})
    assert all(c.status != "running" for c in waiters)
