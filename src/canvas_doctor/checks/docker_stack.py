"""Which running containers are the stack's: shared by the docker_* check modules (no checks here).

A compose service's container is found the way Docker Compose labels it (read on docker-compose
1.29.2 and Compose v2): ``com.docker.compose.project`` (COMPOSE_PROJECT_NAME, else the folder
name lower-cased without characters other than a-z 0-9 _ -) and ``com.docker.compose.service``.
A stack started with ``-p NAME`` is still found by its service label plus
``com.docker.compose.project.working_dir``. Then the service's ``container_name``, then its
service name, then the usual names ``openwebui`` and ``litellm``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from canvas_doctor.api import Location, Result, skipped
from canvas_doctor.docker_client import Engine
from canvas_doctor.redact import Redactor, is_secret_name
from canvas_doctor.run_context import RunContext
from canvas_doctor.stack.model import Proxy, Service, Stack

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
WORKDIR_LABEL = "com.docker.compose.project.working_dir"
ONEOFF_LABEL = "com.docker.compose.oneoff"

OPENWEBUI, LITELLM = "openwebui", "litellm"


def engine_skip(docker: Engine) -> Result | None:
    """The skip result of every docker check when no engine answered (docker.available warns once)."""
    if docker.available:
        return None
    return skipped("skipped: no Docker engine answers (see docker.available)")


def openwebui_containers(docker: Engine, stack: Stack) -> list[StackContainer] | Result:
    """The stack's Open WebUI containers, or the skip result that says why there are none."""
    skip = engine_skip(docker)
    if skip:
        return skip
    found = [sc for sc in find_containers(docker, stack) if sc.target.role == OPENWEBUI and sc.container is not None]
    return found or skipped("no Open WebUI container found (docker.containers says why)")


def compose_project_name(stack: Stack, environ: dict[str, str] | None = None) -> str:
    """The project name Compose gives the stack: COMPOSE_PROJECT_NAME (also from .env), then the
    compose file's top-level `name:` (Compose v2), then the folder's name."""
    environ = os.environ if environ is None else environ
    name = environ.get("COMPOSE_PROJECT_NAME")
    if not name and stack.env_file is not None and not getattr(stack.env_file, "error", None):
        name = stack.env_file.values.get("COMPOSE_PROJECT_NAME")
    if not name:
        name = stack.compose_name
    if not name:
        name = stack.root.name
    return re.sub(r"[^a-z0-9_-]", "", name.lower()).lstrip("_-")


@dataclass(frozen=True)
class Target:
    """A container the stack needs: a compose service, or (without a compose file) a usual name."""

    name: str                    # compose service name, or the container name looked for
    role: str                    # OPENWEBUI or LITELLM
    service: Service | None = None
    proxy: Proxy | None = None

    @property
    def required(self) -> bool:
        """A compose service must have a container; a guessed name need not exist."""
        return self.service is not None

    def at(self) -> Location | None:
        return Location(self.service.file, self.service.line) if self.service else None


def targets(stack: Stack) -> list[Target]:
    """The Open WebUI service and every LiteLLM proxy service of the compose file."""
    out: list[Target] = []
    if stack.openwebui is not None:
        out.append(Target(stack.openwebui.name, OPENWEBUI, stack.openwebui))
    for proxy in stack.proxies.values():
        if proxy.service is not None:
            out.append(Target(proxy.service.name, LITELLM, proxy.service, proxy))
    if not stack.compose_services:
        out += [Target(OPENWEBUI, OPENWEBUI), Target(LITELLM, LITELLM, proxy=stack.chat_proxy)]
    return out


@dataclass
class StackContainer:
    """A target and the container found for it (None: none found; `looked_for` says where)."""

    target: Target
    container: Any | None
    found_by: str = ""
    looked_for: str = ""
    context: RunContext | None = None   # the run's (from the docker input): where its secrets are registered

    @property
    def attrs(self) -> dict[str, Any]:
        return self.container.attrs if self.container is not None else {}

    @property
    def name(self) -> str:
        return str(self.attrs.get("Name", "")).lstrip("/") or self.target.name

    @property
    def state(self) -> dict[str, Any]:
        return self.attrs.get("State") or {}

    @property
    def status(self) -> str:
        return str(self.state.get("Status") or "missing")

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def env(self) -> dict[str, str]:
        return env_of(self.attrs)

    @property
    def started_at(self) -> datetime | None:
        return parse_time(self.state.get("StartedAt"))

    def label(self) -> str:
        svc = self.target.service
        return f"the {svc.name} container ({self.name})" if svc and self.name != svc.name else f"the {self.name} container"

    def params(self, **extra: Any) -> dict[str, Any]:
        svc = self.target.service
        return {"service": self.target.name, "container": self.name, "file": svc.file if svc else "", **extra}

    def data(self, **extra: Any) -> dict[str, Any]:
        """Evidence for a result's `data`: which service, which container, its state (no None values)."""
        out = {"service": self.target.name, "container": self.name if self.container is not None else None,
               "status": self.status, **extra}
        return {k: v for k, v in out.items() if v is not None}

    def own_secrets(self) -> list[str]:
        """The values of the secret-named variables of its environment."""
        return sorted(v for k, v in self.env.items() if is_secret_name(k) and v)

    def redactor(self, stack: Stack) -> Redactor:
        """The run's redactor, with the container's own secrets registered in the run context (an old key
        may differ from the files'), so the final redaction of every output format masks them too."""
        own = self.own_secrets()
        if self.context is None:  # a container found outside a run (a unit test)
            return Redactor(own + sorted(stack.secrets))
        self.context.add_secrets(own)
        return self.context.redactor


def env_of(attrs: dict[str, Any]) -> dict[str, str]:
    """Config.Env as a mapping."""
    out: dict[str, str] = {}
    for item in (attrs.get("Config") or {}).get("Env") or []:
        name, _, value = str(item).partition("=")
        out[name] = value
    return out


def parse_time(text: str | None) -> datetime | None:
    """Docker's RFC 3339 times with nanoseconds (`2024-05-01T12:00:00.123456789Z`); zero time -> None."""
    if not text or text.startswith("0001-"):
        return None
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$", text)
    if not m:
        return None
    base, frac, tz = m.groups()
    stamp = datetime.fromisoformat(base).replace(microsecond=int((frac or "0")[:6].ljust(6, "0")))
    if tz in (None, "Z"):
        return stamp.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(f"{stamp.isoformat()}{tz}")


def _prefer(containers: list[Any]) -> Any | None:
    """Of several containers for one service: a running one, else the newest."""
    if not containers:
        return None
    running = [c for c in containers if (c.attrs.get("State") or {}).get("Status") == "running"]
    pool = running or containers
    return max(pool, key=lambda c: str(c.attrs.get("Created", "")))


def _by_labels(client: Any, labels: list[str]) -> list[Any]:
    found = client.containers.list(all=True, filters={"label": labels}, ignore_removed=True)
    return [c for c in found if (c.labels or {}).get(ONEOFF_LABEL, "False") != "True"]


def _by_name(client: Any, name: str) -> Any | None:
    from docker.errors import NotFound
    try:
        container = client.containers.get(name)
    except NotFound:
        return None
    return container if str(container.attrs.get("Name", "")).lstrip("/") == name else None


def find_container(docker: Engine, stack: Stack, target: Target, project: str) -> StackContainer:
    client = docker.client
    tried: list[str] = []
    if target.service is not None:
        found = _prefer(_by_labels(client, [f"{PROJECT_LABEL}={project}", f"{SERVICE_LABEL}={target.name}"]))
        if found is not None:
            return StackContainer(target, found, f"compose labels (project {project}, service {target.name})")
        tried.append(f"compose project {project!r}")
        found = _prefer([c for c in _by_labels(client, [f"{SERVICE_LABEL}={target.name}"])
                         if c.labels.get(WORKDIR_LABEL) == str(stack.root)])
        if found is not None:
            return StackContainer(target, found, f"compose labels (service {target.name}, started in {stack.root}, "
                                                 f"project {found.labels.get(PROJECT_LABEL)})")
    names: list[str] = []
    if target.service is not None and target.service.container_name:
        names.append(target.service.container_name)
    names.append(target.name)
    others = set(stack.compose_services) - {target.name}
    if target.role not in others:
        names.append(target.role)
    for name in dict.fromkeys(names):
        found = _by_name(client, name)
        if found is not None:
            return StackContainer(target, found, f"its name {name!r}")
        tried.append(f"name {name!r}")
    return StackContainer(target, None, looked_for=", ".join(dict.fromkeys(tried)))


def find_containers(docker: Engine, stack: Stack) -> list[StackContainer]:
    """The container of every target, in stack order."""
    project = compose_project_name(stack)
    found = [find_container(docker, stack, t, project) for t in targets(stack)]
    for sc in found:
        sc.context = docker.context
        if sc.context is not None and sc.container is not None:  # learned now: masked in every output
            sc.context.add_secrets(sc.own_secrets())
    return found


def last_lines(sc: StackContainer, count: int = 300) -> list[str]:
    """The last `count` log lines (stdout and stderr) of a container, newest last."""
    raw = sc.container.logs(tail=count, stdout=True, stderr=True, timestamps=False)
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    return [line.rstrip("\r") for line in text.splitlines() if line.strip()]


def shorten(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
