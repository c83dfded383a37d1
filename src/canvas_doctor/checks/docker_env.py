"""Checklist: the running containers have the environment of the compose file (guide: "Verify
Configuration": `docker exec openwebui env | grep IMAGE_GENERATION`).

`docker compose restart` keeps a container's environment; only `docker compose up -d SERVICE`
recreates it with the file's. So a compose file edited after `up` is not what runs. The image
settings rules of openwebui_settings.py also run on the Open WebUI container's real environment.
Secret values are compared, never shown.
"""
from __future__ import annotations

import re
from canvas_doctor.api import Result, check, failed, passed, skipped
from canvas_doctor.docker_client import Engine
from canvas_doctor.redact import is_secret_name
from canvas_doctor.stack.model import Service, Setting, Stack

from .docker_stack import openwebui_containers, StackContainer, engine_skip, env_of, find_containers
from .openwebui_settings import (automatic_generation, enable_image_generation, image_engine_is_openai,
                                 image_model_is_set, images_api_is_set)
from canvas_doctor.fixes import Fix, OneOf


# -- the fixes this module's rules give (other rules import them from here) ----------------------
CONTAINER_ENV_STALE = Fix(
    id="container-env-stale",
    title="Recreate the container so it gets the environment of the compose file",
    cause=(
        "The running container was created before the compose file (or .env) changed; `docker compose restart` "
        "keeps the old environment."
    ),
    steps=(
        "Recreate it: docker compose up -d {service}",
    ),
    snippet=OneOf(
        "docker exec {container} env | grep IMAGE_GENERATION",
        "docker compose exec {service} env | grep IMAGE_GENERATION",
    ),
    guide_section="Verify Configuration",
    params=("container",),
)

# fixes declared by the rules that give them most (imported after this module's own)
from canvas_doctor.checks.openwebui_settings import (
    OPENWEBUI_IMAGE_MODEL_UNSET, OPENWEBUI_IMAGE_GENERATION_DISABLED, OPENWEBUI_IMAGE_ENGINE_NOT_OPENAI,
    OPENWEBUI_AUTOMATIC_GENERATION_ON, OPENWEBUI_IMAGES_API_BASE_UNSET,
)

# Settings the file checks read, and what else changes how the services behave.
WATCHED = re.compile(r"^(ENABLE_IMAGE_GENERATION|ENABLE_IMAGE_PROMPT_GENERATION|AUTOMATIC_IMAGE_GENERATION|"
                     r"IMAGE_GENERATION_\w+|IMAGES_OPENAI_\w+|OPENAI_\w+|IMAGE_SIZE|IMAGE_URL_RESPONSE_\w+|"
                     r"ENABLE_PERSISTENT_CONFIG|RESET_CONFIG_ON_START|DATA_DIR|DATABASE_URL|WEBUI_SECRET_KEY|"
                     r"AWS_\w+|LITELLM_\w+|CONFIG_FILE_PATH|PORT)$")


def _shown(name: str, value: str | None) -> str:
    if value is None:
        return "not set"
    return "set (secret, not shown)" if is_secret_name(name) else repr(value)


def passed_through(svc: Service) -> set[str]:
    """`- NAME` / `NAME:` entries: Compose copies them from the shell that ran it, unknowable here."""
    env = svc.raw.get("environment") if svc.raw is not None else None
    if isinstance(env, dict):
        names = {str(k) for k, v in env.items() if v is None}
    elif isinstance(env, list):
        names = {str(item).strip() for item in env if "=" not in str(item)}
    else:
        names = set()
    return names - set(svc.env)


def image_defaults(sc: StackContainer) -> dict[str, str]:
    """The ENV of the container's image: values that come from there are not the compose file's."""
    try:
        image = sc.container.client.images.get(sc.attrs.get("Image", ""))
    except Exception:  # image removed or not inspectable: treat nothing as an image default
        return {}
    return env_of(image.attrs)


def env_drift(svc: Service, have: dict[str, str], defaults: dict[str, str]) -> list[tuple[str, str | None, str | None]]:
    """(name, value in the compose file, value in the container) for every variable that differs."""
    skip = passed_through(svc)
    names = set(svc.env) | {n for n, v in have.items() if WATCHED.match(n) and defaults.get(n) != v}
    drift = []
    for name in sorted(names - skip):
        want = svc.env[name].value if name in svc.env else None
        got = have.get(name)
        if want != got:
            drift.append((name, want, got))
    return drift


def stale_result(sc: StackContainer, name: str, want: str | None, got: str | None) -> Result:
    svc = sc.target.service
    assert svc is not None
    where = svc.at(name)
    if want is None:
        text = (f"{name} is {_shown(name, got)} in {sc.label()}, but {svc.file} no longer sets it "
                f"(environment at {where})")
    elif got is None:
        text = f"{name} is {_shown(name, want)} in {where}, but {sc.label()} does not have it"
    else:
        text = (f"{name} is {_shown(name, want)} in {where}, but {_shown(name, got)} in {sc.label()}"
                if not is_secret_name(name) else
                f"{name} in {where} differs from the value in {sc.label()} (secret: values compared, not shown)")
    return failed(text + f": the container was created before the change; recreate it with "
                         f"`docker compose up -d {svc.name}`",
                  fix="container-env-stale", at=where, params=sc.params(var=name), **sc.data(variable=name))


@check(id="docker.env", area="docker", title="Running containers have the compose file's environment",
       needs=("docker",), depends_on=("docker.available",), timeout=20,
       fixes=(CONTAINER_ENV_STALE,))
def environment_matches(docker: Engine, stack: Stack):
    """Config.Env of each container against the compose-resolved environment of its service."""
    skip = engine_skip(docker)
    if skip:
        return skip
    out: list[Result] = []
    for sc in find_containers(docker, stack):
        svc = sc.target.service
        if svc is None or sc.container is None:
            continue  # no compose service to compare with, or no container (docker.containers says so)
        drift = env_drift(svc, sc.env, image_defaults(sc))
        if drift:
            out += [stale_result(sc, *d) for d in drift]
        else:
            out.append(passed(f"{sc.label()} has the environment of {svc.file} ({len(svc.env)} variables)",
                              at=svc.at(None), **sc.data()))
    return out or skipped("no container of a compose service to compare")


def container_service(sc: StackContainer) -> Service:
    """The Open WebUI container as a Service, its environment being the container's real one."""
    compose = sc.target.service
    env: dict[str, Setting] = {}
    for name, value in sc.env.items():
        known = compose.env.get(name) if compose else None
        env[name] = Setting(name, value, known.location if known else None, origin="container")
    return Service(name=sc.target.name, kind="container", file=compose.file if compose else sc.name,
                   line=compose.line if compose else None, image=str(sc.attrs.get("Config", {}).get("Image", "")),
                   container_name=sc.name, hostnames=set(compose.hostnames) if compose else {sc.name},
                   env=env, env_line=compose.env_line if compose else None,
                   network_mode=compose.network_mode if compose else None, raw=compose.raw if compose else None)


def container_rules(svc: Service, stack: Stack) -> list[Result]:
    """The Open WebUI image settings rules (checks/openwebui_settings.py) on one environment."""
    out = [enable_image_generation(svc), image_engine_is_openai(svc), image_model_is_set(svc, stack),
           automatic_generation(svc)]
    return out + images_api_is_set(svc, stack)


def _tag(result: Result, sc: StackContainer) -> Result:
    result.data.update(sc.data(source="container environment"))
    result.message += f" (container {sc.name})"
    if sc.target.service is None:
        result.location = None  # no compose file: nothing to point at but the container
    return result


@check(id="docker.openwebui.settings", area="docker",
       title="The running Open WebUI container has the image settings",
       needs=("docker",), depends_on=("docker.available",), timeout=20,
       fixes=(OPENWEBUI_IMAGE_GENERATION_DISABLED, OPENWEBUI_IMAGE_ENGINE_NOT_OPENAI, OPENWEBUI_IMAGE_MODEL_UNSET, OPENWEBUI_AUTOMATIC_GENERATION_ON, OPENWEBUI_IMAGES_API_BASE_UNSET), image_path=True)
def running_openwebui_settings(docker: Engine, stack: Stack):
    """Open WebUI's settings rules, on what the container really runs with (not on the file)."""
    found = openwebui_containers(docker, stack)
    if isinstance(found, Result):
        return found
    # A fault the compose file has too is compose.openwebui.*'s finding (one root cause, one failure);
    # where the container differs from the file, docker.env reports the drift and this the effect.
    in_file = {r.fix_id for r in container_rules(stack.openwebui, stack) if r.fix_id} if stack.openwebui else set()
    out = []
    for sc in found:
        for r in container_rules(container_service(sc), stack):
            if r.fix_id and r.fix_id in in_file:
                r = skipped(f"the compose file has the same fault ({r.fix_id}): reported by the compose checks")
            out.append(_tag(r, sc))
    return out
