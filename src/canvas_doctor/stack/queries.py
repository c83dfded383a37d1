"""Questions checks ask of a stack, answered one way for all of them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..facts import ImageModel, image_model
from ..models import Location
from .model import Deployment, Proxy, Service, Stack, resolve_os_environ

DEFAULT_IMAGE_MODEL = "nova-canvas"


@dataclass(frozen=True)
class WantedModel:
    """The image model under test and where that choice was made."""

    name: str
    origin: str                 # "--model", "IMAGE_GENERATION_MODEL", "default"
    location: Location | None


def wanted_image_model(stack: Stack, model_flag: str | None) -> WantedModel:
    if model_flag:
        return WantedModel(model_flag, "--model", None)
    for svc in stack.openwebui_services:
        s = svc.env.get("IMAGE_GENERATION_MODEL")
        if s and s.value.strip():
            return WantedModel(s.value.strip(), "IMAGE_GENERATION_MODEL", s.location)
    return WantedModel(DEFAULT_IMAGE_MODEL, "default", None)


def image_model_set(stack: Stack) -> bool:
    return any((svc.get("IMAGE_GENERATION_MODEL") or "").strip() for svc in stack.openwebui_services)


def deployment_image_model(dep: Deployment) -> ImageModel | None:
    """The Bedrock image model a deployment calls, if it is one."""
    if dep.provider not in ("bedrock", ""):
        return None
    return image_model(dep.base_model_id) or image_model(dep.provider_model)


def is_image_deployment(dep: Deployment) -> bool:
    mode = str(dep.model_info.get("mode") or "")
    return mode == "image_generation" or deployment_image_model(dep) is not None


def image_deployments(proxy: Proxy | None) -> list[Deployment]:
    if proxy is None or proxy.config is None:
        return []
    return [d for d in proxy.config.deployments if is_image_deployment(d)]


def bedrock_image_deployments(stack: Stack) -> Iterator[tuple[Proxy, Deployment, ImageModel]]:
    """Every deployment of a readable LiteLLM config that calls a Bedrock image model the facts know."""
    for proxy in stack.proxies.values():
        if proxy.config is None or proxy.config.data is None:
            continue
        for dep in image_deployments(proxy):
            model = deployment_image_model(dep)
            if model is not None:
                yield proxy, dep, model


def param(dep: Deployment, key: str, service: Service | None) -> tuple[str | None, bool]:
    """A litellm_params value with LiteLLM's os.environ/NAME resolved against the proxy's env."""
    raw = dep.params.get(key)
    if raw is None:
        return None, False
    return resolve_os_environ(str(raw), service)


def deployment_region(dep: Deployment, proxy: Proxy) -> tuple[str | None, str]:
    """The AWS region a Bedrock deployment calls, and where it came from."""
    value, _ = param(dep, "aws_region_name", proxy.service)
    if value:
        return value, "aws_region_name"
    if proxy.service:
        for name in ("AWS_REGION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION"):
            v = proxy.service.get(name)
            if v:
                return v, name
    return None, ""
