"""Checklist: Docker answers, and the stack's containers are up (guide: "Model not found", step 3).

States read from the engine's container inspect (Docker Engine API 1.41): State.Status is one of
created, running, paused, restarting, removing, exited, dead; State.Health.Status is starting,
healthy or unhealthy, with the last probe outputs in State.Health.Log.
"""
from __future__ import annotations

import re

from canvas_doctor.api import Result, check, failed, passed, skipped, warned
from canvas_doctor.docker_client import Engine
from canvas_doctor.stack.model import Stack

from .docker_stack import StackContainer, engine_skip, find_containers, last_lines, shorten
from canvas_doctor.fixes import Fix, OneOf, Variant


# -- the fixes this module's rules give (other rules import them from here) ----------------------
DOCKER_UNAVAILABLE = Fix(
    id="docker-unavailable",
    title="Docker is not reachable; container checks were skipped",
    cause="No Docker engine answered (DOCKER_HOST, the current context or the default socket).",
    steps=(
        "Start Docker, or set DOCKER_HOST to the engine that runs the stack",
        "Or skip these checks: --skip docker",
    ),
)

CONTAINER_NOT_RUNNING = Fix(
    id="container-not-running",
    title="Start the container",
    cause="The container is missing, stopped or restarting, so its service is not there.",
    steps=(
        "Read why: docker compose logs --tail 50 {service}",
        "Start it: docker compose up -d {service}",
    ),
    guide_section='Error: "Model not found: nova-canvas"',
    params=("cluster", "ecs_service", "log_group"),
    variants={
        # a deployed ECS service (--aws-stack): its tasks stop, or fewer run than it wants
        "cloudformation": Variant(
            cause=OneOf(
                (
                    "ECS runs fewer tasks than the service wants, or its tasks keep stopping: the {service} "
                    "container is not there to answer."
                ),
                "ECS runs fewer tasks than the service wants, or its tasks keep stopping: its container is not there.",
            ),
            steps=(
                OneOf(
                    (
                        "Read why the tasks stopped: aws ecs describe-tasks --cluster {cluster} --tasks <task-arn> "
                        "(stoppedReason, each container's exitCode and reason), and the container's log in "
                        "CloudWatch ({log_group})"
                    ),
                    (
                        "Read why the tasks stopped: aws ecs describe-tasks --cluster <cluster> --tasks <task-arn> "
                        "(stoppedReason, each container's exitCode and reason), and the container's CloudWatch log"
                    ),
                ),
                OneOf(
                    (
                        "Fix what the reason names (the image, a secret, the health check, the command), then start "
                        "new tasks: aws ecs update-service --cluster {cluster} --service {ecs_service} "
                        "--force-new-deployment"
                    ),
                    (
                        "Fix what the reason names (the image, a secret, the health check, the command), then start "
                        "new tasks: aws ecs update-service --cluster <cluster> --service <ecs-service> "
                        "--force-new-deployment"
                    ),
                ),
            ),
        ),
    },
)

# Lines that usually say why a process ended (the rest of a log tail is noise).
_TELLING = re.compile(r"error|exception|traceback|fatal|refused|denied|invalid|unable|cannot|can't|failed|"
                      r"not found|no such|killed|panic", re.IGNORECASE)


@check(id="docker.available", area="docker", title="A Docker engine answers", needs=("docker",), timeout=5,
       fixes=(DOCKER_UNAVAILABLE,))
def engine_answers(docker: Engine):
    """DOCKER_HOST, the current context or the default socket reaches an engine."""
    if not docker.available:
        return warned(f"no Docker engine answers at {docker.describe()}: {docker.error}; "
                      "the container checks are skipped", fix="docker-unavailable",
                      endpoint=docker.endpoint, source=docker.source)
    version = f"Docker {docker.server_version}" if docker.server_version else "a Docker engine"
    return passed(f"{version} (API {docker.api_version}) at {docker.describe()}",
                  endpoint=docker.endpoint, source=docker.source, server_version=docker.server_version)


def telling_lines(sc: StackContainer, stack: Stack, count: int = 3) -> list[str]:
    """The last log lines that explain a stop: error-looking ones first, else simply the last ones."""
    try:
        lines = last_lines(sc, 50)
    except Exception:  # logs are evidence only; a logging driver without read support has none
        return []
    telling = [line for line in lines if _TELLING.search(line)] or lines
    latest = list(dict.fromkeys(reversed(telling)))[:count]  # a crash loop repeats its last words
    redact = sc.redactor(stack)
    return [redact.text(shorten(line)) for line in reversed(latest)]


def _with_lines(text: str, lines: list[str]) -> str:
    return text + (f"; last log lines: {' | '.join(lines)}" if lines else "; it logged nothing")


def container_state(sc: StackContainer, stack: Stack) -> Result:
    """One result for one target: running (and not unhealthy), or what is wrong."""
    target = sc.target
    if sc.container is None:
        if not target.required:
            return skipped(f"no container named {target.name!r} (no compose file names the stack's containers)")
        return failed(f"no container for the {target.name} service (looked for {sc.looked_for}): "
                      "the stack is not up, or was started from another folder",
                      fix="container-not-running", at=target.at(), params=sc.params(), **sc.data())
    state = sc.state
    status = sc.status
    exit_code = state.get("ExitCode")
    if status == "restarting" or state.get("Restarting"):
        restarts = sc.attrs.get("RestartCount", 0)
        return failed(_with_lines(f"{sc.label()} is restarting: it crashed and was restarted {restarts} times "
                                  f"(last exit code {exit_code})", telling_lines(sc, stack)),
                      fix="container-not-running", at=target.at(), params=sc.params(), restarts=restarts,
                      exit_code=exit_code, **sc.data())
    if status in ("exited", "dead", "created", "removing"):
        why = "was created but never started" if status == "created" else \
            f"is {status} (exit code {exit_code}" + (", killed for lack of memory" if state.get("OOMKilled") else "") + ")"
        if state.get("Error"):
            why += f": {shorten(str(state['Error']))}"
        return failed(_with_lines(f"{sc.label()} {why}", telling_lines(sc, stack)), fix="container-not-running",
                      at=target.at(), params=sc.params(), exit_code=exit_code, **sc.data())
    if status == "paused":
        return failed(f"{sc.label()} is paused: it answers nothing (docker unpause {sc.name})",
                      fix="container-not-running", at=target.at(), params=sc.params(), **sc.data())
    health = state.get("Health") or {}
    if health.get("Status") == "unhealthy":
        probes = health.get("Log") or []
        last = shorten(str(probes[-1].get("Output") or "").strip()) if probes else ""
        streak = health.get("FailingStreak", 0)
        text = f"{sc.label()} runs but is unhealthy: its healthcheck failed {streak} times in a row"
        text += f"; last output: {sc.redactor(stack).text(last)}" if last else "; the check printed nothing"
        return failed(text, fix="container-not-running", at=target.at(), params=sc.params(),
                      failing_streak=streak, **sc.data(health="unhealthy"))
    note = f", health: {health['Status']}" if health.get("Status") else ""
    return passed(f"{sc.label()} is running{note} (found by {sc.found_by})", at=target.at(),
                  **sc.data(found_by=sc.found_by, health=health.get("Status")))


@check(id="docker.containers", area="docker", title="The stack's containers are running",
       needs=("docker",), depends_on=("docker.available",), timeout=20, retry_on_wait=True,
       fixes=(CONTAINER_NOT_RUNNING,))
def containers_running(docker: Engine, stack: Stack):
    """Each compose service of Open WebUI and LiteLLM has a running, not unhealthy container."""
    skip = engine_skip(docker)
    if skip:
        return skip
    found = find_containers(docker, stack)
    if not found:
        return skipped("the compose file has no Open WebUI or LiteLLM service")
    return [container_state(sc, stack) for sc in found]
