"""The context of a fix, derived once for every finding from where it is (not in each check).

- `lang`: the language of the file the finding points at: `compose` (a compose file), `env` (an
  env file compose reads), `cloudformation` (a template), `litellm` (a LiteLLM proxy config).
  The catalog's `variants` are chosen by it: a template gets Name/Value, never `- NAME=value`.
- `runs`: how the service the fix concerns runs: `compose`, `ecs` (a container of a template) or
  `other` (a proxy known only by its config or URL). The catalog's `_phrases` (restart, recreate,
  logs) are chosen by it: a LiteLLM config of an ECS proxy is not applied with docker compose.
- the deployment's own values the texts use: `template` (the file to deploy), `port` (where the
  proxy listens), `region` and `nova_region` (the proxy's Bedrock region).

A check may pass any of these itself; its values win (the runner only fills what is missing).
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from .facts import image_model
from .models import Location
from .stack.model import Proxy, Service, Stack
from .stack.queries import deployment_region, image_deployments

NOVA_CANVAS = "amazon.nova-canvas-v1:0"
RUNS_OF_KIND = {"compose": "compose", "cloudformation": "ecs", "ecs": "ecs"}


def _compose_files(stack: Stack) -> set[str]:
    files = {f for f in (stack.compose_file, stack.compose_override) if f}
    return files | {s.file for s in stack.compose_services.values()}


def lang_of(stack: Stack, file: str | None) -> str | None:
    """The language of a stack file, by what discovery read it as; None when it is not one."""
    if not file:
        return None
    if file in stack.cfn_files or any(s.file == file for s in stack.cfn_services):
        return "cloudformation"
    if file in _compose_files(stack):
        return "compose"
    if any(p.config is not None and p.config.display == file for p in stack.proxies.values()):
        return "litellm"
    name = PurePosixPath(file).name
    if name == ".env" or name.endswith(".env") or name.startswith(".env."):
        return "env"
    return None


def _proxy(stack: Stack, service: str | None, file: str | None) -> Proxy | None:
    """The proxy a finding concerns: by the service it names, else by the config file it points at."""
    if service and service in stack.proxies:
        return stack.proxies[service]
    for proxy in stack.proxies.values():
        if file and proxy.config is not None and proxy.config.display == file:
            return proxy
    return None


def _service(stack: Stack, name: str | None, file: str | None) -> Service | None:
    """The container definition named `name`, in the file of the finding when several share the name."""
    if not name:
        return None
    candidates = [s for s in stack.compose_services.values() if s.name == name]
    candidates += [s for s in stack.cfn_services if s.name == name]
    return next((s for s in candidates if s.file == file), candidates[0] if candidates else None)


def _runs(service: Service | None) -> str:
    return RUNS_OF_KIND.get(service.kind, "other") if service is not None else "other"


def _region(proxy: Proxy) -> str | None:
    for dep in image_deployments(proxy) or (proxy.config.deployments if proxy.config else []):
        region, _ = deployment_region(dep, proxy)
        if region:
            return region
    return None


def fix_context(stack: Stack | None, location: Location | None, params: dict[str, Any]) -> dict[str, Any]:
    """The params the runner adds to a finding's own (which win): lang, runs and deployment values."""
    if stack is None:
        return {}
    file = location.file if location is not None else params.get("file")
    name = params.get("service")
    lang = lang_of(stack, file)
    proxy = _proxy(stack, name, file)
    if lang == "cloudformation" and (proxy is None or proxy.service is None or proxy.service.kind != "cloudformation"):
        proxy = None  # a compose proxy of the same name is not the template's container
    out: dict[str, Any] = {}
    if lang is not None:
        out["lang"] = lang
    if lang == "cloudformation":
        out["runs"], out["template"] = "ecs", file
    elif lang in ("compose", "env"):
        out["runs"] = "compose"
    elif proxy is not None:
        out["runs"] = _runs(proxy.service)
    elif (svc := _service(stack, name, file)) is not None:
        out["runs"] = _runs(svc)
    if out.get("runs") == "ecs" and "template" not in out:
        svc = proxy.service if proxy is not None else _service(stack, name, file)
        if svc is not None and svc.kind == "cloudformation":
            out["template"] = svc.file
    if proxy is not None:
        if not name and lang == "litellm":
            out["service"] = proxy.name
        out["port"] = proxy.port
        region = _region(proxy)
        if region:
            out["region"] = region
            nova = image_model(NOVA_CANVAS)
            if nova is not None and region in nova.regions:
                out["nova_region"] = region
    return out
