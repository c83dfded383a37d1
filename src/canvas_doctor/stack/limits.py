"""The stack's own time limits on one image generation: who gives up first, and where that is set.

Facts (read in the sources the test bed runs):
- Open WebUI >= 0.9 sends image requests through one aiohttp session whose total timeout is
  AIOHTTP_CLIENT_TIMEOUT (open_webui/env.py: unset or empty = no timeout, not a number = 300;
  utils/session_pool.py). Before 0.9 it used requests.post with no timeout at all (versions.md O9b).
- LiteLLM's router tries a deployment 1 + num_retries times (litellm_params.num_retries, else
  router_settings.num_retries, else litellm_settings.num_retries, else openai's DEFAULT_MAX_RETRIES = 2),
  each attempt bounded by litellm_params.timeout (else router_settings.timeout, else
  litellm_settings.request_timeout, else 6000 s): router.py 1.108.7.
- An AWS load balancer closes a request idle longer than its idle_timeout.timeout_seconds (default 60).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..models import Location
from ..versions import OPENWEBUI, VersionInPlay, holds
from .model import Deployment, Proxy, Service, Stack

LITELLM_DEFAULT_RETRIES = 2          # openai.DEFAULT_MAX_RETRIES, the router's fallback
LITELLM_DEFAULT_TIMEOUT = 6000.0     # litellm.request_timeout
OPENWEBUI_BAD_TIMEOUT = 300.0        # AIOHTTP_CLIENT_TIMEOUT that is not a number
ALB_DEFAULT_IDLE = 60.0


@dataclass(frozen=True)
class Limit:
    """One point where the stack stops waiting for the image."""

    who: str                      # "Open WebUI", "LiteLLM", "the load balancer"
    seconds: float
    setting: str                  # "AIOHTTP_CLIENT_TIMEOUT=20", "timeout: 10 with num_retries 2 (the default)"
    location: Location | None = None
    attempts: int = 1

    def describe(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"{self.who} gives up after {self.seconds:g} s ({self.setting}){where}"


def _number(value: object) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def openwebui_limit(svc: Service, version: VersionInPlay | None) -> Limit | None:
    """Open WebUI's limit on the image request, or None where it waits forever."""
    if not holds("openwebui.image-timeout-setting", version):
        return None  # before 0.9: requests.post without a timeout
    setting = svc.env.get("AIOHTTP_CLIENT_TIMEOUT")
    if setting is None or not str(setting.value).strip():
        return None
    seconds = _number(setting.value)
    if seconds is None:
        return Limit("Open WebUI", OPENWEBUI_BAD_TIMEOUT,
                     f"AIOHTTP_CLIENT_TIMEOUT={setting.value!r} is not a number, so Open WebUI uses 300",
                     setting.location)
    return Limit("Open WebUI", seconds, f"AIOHTTP_CLIENT_TIMEOUT={setting.value}", setting.location)


def litellm_limit(proxy: Proxy | None, dep: Deployment | None) -> Limit | None:
    """LiteLLM's limit on one image request to this deployment: per attempt x attempts."""
    if proxy is None or proxy.config is None or proxy.config.data is None:
        return None
    router = proxy.config.section("router_settings")
    settings = proxy.config.section("litellm_settings")
    params = dep.params if dep is not None else {}
    timeout, where_t = None, None
    for source, key, at in ((params, "timeout", dep.at("timeout") if dep else None),
                            (router, "timeout", proxy.config.at(router.line_of("timeout")) if "timeout" in router
                             else None),
                            (settings, "request_timeout", proxy.config.at(settings.line_of("request_timeout"))
                             if "request_timeout" in settings else None)):
        if key in source and _number(source.get(key)) is not None:
            timeout, where_t = _number(source.get(key)), at
            label = f"{key}: {source.get(key)}"
            break
    retries, retries_label = LITELLM_DEFAULT_RETRIES, f"num_retries {LITELLM_DEFAULT_RETRIES} (LiteLLM's default)"
    for source in (params, router, settings):
        if "num_retries" in source:
            try:
                retries = max(0, int(str(source.get("num_retries"))))
                retries_label = f"num_retries: {retries}"
                break
            except ValueError:
                continue
    if timeout is None:
        return None  # 6000 s per attempt: never the limit that bites
    attempts = retries + 1
    return Limit("LiteLLM", timeout * attempts, f"{label} per attempt, {retries_label}: {attempts} attempts",
                 where_t, attempts)


def load_balancer_limits(stack: Stack) -> list[Limit]:
    """Each CloudFormation load balancer's idle timeout (production only)."""
    out = []
    for file, template in stack.cfn_templates.items():
        resources = template.get("Resources") if hasattr(template, "get") else None
        if not hasattr(resources, "items"):
            continue
        for name, res in resources.items():
            if not hasattr(res, "get") or res.get("Type") != "AWS::ElasticLoadBalancingV2::LoadBalancer":
                continue
            seconds, line = ALB_DEFAULT_IDLE, getattr(res, "line_of", lambda _k: None)("Type")
            props = res.get("Properties") if hasattr(res.get("Properties"), "get") else {}
            for attr in props.get("LoadBalancerAttributes") or []:
                if hasattr(attr, "get") and attr.get("Key") == "idle_timeout.timeout_seconds":
                    seconds = _number(attr.get("Value")) or ALB_DEFAULT_IDLE
                    line = attr.line_of("Value") if hasattr(attr, "line_of") else line
            label = "idle_timeout.timeout_seconds" + ("" if seconds != ALB_DEFAULT_IDLE else " (60 by default)")
            out.append(Limit(f"the load balancer {name}", seconds, label, Location(file, line)))
    return out


def first_to_give_up(limits: list[Limit | None]) -> Limit | None:
    found = [lim for lim in limits if lim is not None]
    return min(found, key=lambda lim: lim.seconds) if found else None


__all__ = ["Limit", "OPENWEBUI", "first_to_give_up", "litellm_limit", "load_balancer_limits", "openwebui_limit"]
