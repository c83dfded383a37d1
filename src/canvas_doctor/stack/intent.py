"""Whether the stack means to draw pictures through LiteLLM at all, decided before any image rule runs.

A chat-only stack (no image model in any LiteLLM config, no image setting in Open WebUI) gets one
warning with the whole setup, not four failures; a stack whose Open WebUI draws with another engine
on purpose (ComfyUI, Automatic1111, Gemini, or an OpenAI-compatible URL that is no LiteLLM proxy)
has the LiteLLM/Bedrock image rules skipped, with where its images go.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ..facts import is_true
from ..models import Location
from .model import Service, Stack
from .queries import image_deployments

LITELLM, NONE, OTHER_ENGINE = "litellm", "none", "other-engine"

# Open WebUI settings that show someone set up image generation (open_webui/config.py, 0.5 - 0.12).
IMAGE_SETTINGS = ("IMAGE_GENERATION_MODEL", "IMAGES_OPENAI_API_BASE_URL", "IMAGES_OPENAI_API_KEY", "IMAGE_SIZE",
                  "IMAGE_STEPS")
ENGINE_URLS = {"comfyui": "COMFYUI_BASE_URL", "automatic1111": "AUTOMATIC1111_BASE_URL",
               "gemini": "IMAGES_GEMINI_API_BASE_URL"}
ENGINE_NAMES = {"comfyui": "ComfyUI", "automatic1111": "Automatic1111", "gemini": "Gemini"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal", "host-gateway"}


@dataclass(frozen=True)
class ImageIntent:
    kind: str          # litellm, none, other-engine
    reason: str
    location: Location | None = None


def _served_here(stack: Stack, svc: Service) -> bool:
    """Whether the image model Open WebUI names is a model_name of a LiteLLM proxy of the stack."""
    model = (svc.get("IMAGE_GENERATION_MODEL") or "").strip()
    return bool(model) and any(p.config and p.config.find(model) for p in stack.proxies.values())


def _other_engine(stack: Stack, svc: Service) -> ImageIntent | None:
    """Another engine on purpose: its own URL is set, or the model it names is not one LiteLLM serves here.
    (IMAGE_GENERATION_ENGINE=automatic1111 with a LiteLLM model name is a slip, left to the engine rule.)"""
    engine = (svc.get("IMAGE_GENERATION_ENGINE") or "").strip().lower()
    if engine and engine != "openai":
        name = ENGINE_NAMES.get(engine, engine)
        url_var = ENGINE_URLS.get(engine)
        url = svc.get(url_var) if url_var else None
        images_url = (svc.get("IMAGES_OPENAI_API_BASE_URL") or "").strip()
        if not (url or "").strip() and (_served_here(stack, svc) or (images_url and url_is_litellm(stack, images_url))):
            return None
        where = f" at {url}" if url else ""
        return ImageIntent(OTHER_ENGINE, f"{svc.name} draws with {name}{where} (IMAGE_GENERATION_ENGINE={engine}), "
                           "not through LiteLLM", svc.at("IMAGE_GENERATION_ENGINE"))
    return None


def url_is_litellm(stack: Stack, url: str) -> bool | None:
    """True when a URL reaches a LiteLLM proxy (a stack service, this host, or a host named for LiteLLM);
    False when it plainly goes elsewhere (api.openai.com, OpenRouter ...); None when it cannot be told."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    if not host:
        return None
    if stack.proxy_for_url(url) is not None or "litellm" in host:
        return True
    if host in LOCAL_HOSTS:
        return True if stack.proxies or any(s.is_litellm for s in stack.cfn_services) else None
    known = {h.lower() for s in stack.compose_services.values() for h in s.hostnames}
    if host in known:
        return False  # another service of the stack (a different OpenAI-compatible server)
    if "." in host:
        return False  # a public API (api.openai.com, openrouter.ai ...)
    return None


def image_intent(stack: Stack) -> ImageIntent:
    """Where the stack's images are meant to go."""
    services = stack.openwebui_services
    for svc in services:
        other = _other_engine(stack, svc)
        if other:
            return other
        url = (svc.get("IMAGES_OPENAI_API_BASE_URL") or "").strip()
        if url and url_is_litellm(stack, url) is False and not _served_here(stack, svc):
            return ImageIntent(OTHER_ENGINE, f"{svc.name} sends image requests to {url} "
                               "(IMAGES_OPENAI_API_BASE_URL), which is not a LiteLLM proxy of this stack",
                               svc.at("IMAGES_OPENAI_API_BASE_URL"))
    has_litellm = bool(stack.proxies) or any(s.is_litellm for s in stack.cfn_services) or any(
        url_is_litellm(stack, u) for svc in services for u in svc.api_base_urls())
    for proxy in stack.proxies.values():
        deps = [d for d in image_deployments(proxy) if d.provider in ("bedrock", "")]  # a Bedrock image path
        if deps:
            return ImageIntent(LITELLM, f"{proxy.name} serves the image model {deps[0].model_name}", deps[0].at())
    for svc in services:
        enabled = svc.env.get("ENABLE_IMAGE_GENERATION")
        if enabled is not None and is_true(enabled.value):
            return ImageIntent(LITELLM, f"{svc.name} sets ENABLE_IMAGE_GENERATION={enabled.value}", enabled.location)
        for name in IMAGE_SETTINGS:
            s = svc.env.get(name)
            if s is not None and (s.value.strip() or s.from_reference):
                return ImageIntent(LITELLM, f"{svc.name} sets {name}", s.location)
    if not has_litellm:
        return ImageIntent(NONE, "the stack has no LiteLLM proxy to send image requests to")
    return ImageIntent(NONE, "no LiteLLM config serves a Bedrock image model and Open WebUI has no image setting")
