"""Live, read-only proof of who the running proxy lets in: one free `GET /v1/models` with no key and one
with the guide's `sk-test-1234567890`, where the proxy is reachable beyond loopback (its compose port,
a public load balancer, or a URL that is not this machine's loopback). Nothing is generated.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from canvas_doctor.api import Result, check, failed, passed, skipped, warned
from canvas_doctor.checks.exposure import SERVICE_EXPOSED
from canvas_doctor.checks.litellm_live import REACHABLE
from canvas_doctor.checks.litellm_service import LITELLM_MASTER_KEY_UNSAFE
from canvas_doctor.http import ProbeError
from canvas_doctor.litellm_client import LiteLLM, Target
from canvas_doctor.stack.access import GUIDE_KEYS
from canvas_doctor.stack.exposure import LOOPBACK_ADDRESSES, PUBLIC, widest
from canvas_doctor.stack.model import Stack

GUIDE_KEY = sorted(GUIDE_KEYS)[0]


def _reach(stack: Stack, target: Target) -> tuple[str | None, str]:
    """How far the proxy behind `target` reaches: (scope, how), scope None when loopback only."""
    svc = target.proxy.service if target.proxy is not None else None
    way = widest(stack, svc) if svc is not None else None
    if way is not None:
        return way.scope, way.how
    host = (urlsplit(target.url).hostname or "").lower()
    if host and host not in LOOPBACK_ADDRESSES:
        return "host", f"reached at {target.url}, not on loopback"
    return None, "on loopback only"


def _door(litellm: LiteLLM, stack: Stack, target: Target) -> Result:
    scope, how = _reach(stack, target)
    try:
        open_door = litellm.get(target, "/v1/models", key=None, use_target_key=False)
        guide = litellm.get(target, "/v1/models", key=GUIDE_KEY, use_target_key=False)
    except ProbeError as err:
        return skipped(f"{target.label}: /v1/models did not answer ({err})")
    at = target.key_location
    params = {"service": target.name, "file": at.file if at else ""}
    report = failed if scope == PUBLIC else warned
    if open_door.status == 200:
        if scope is None:
            return passed(f"{target.label} answers /v1/models without a key, but only on loopback")
        return report(f"{target.label} answered /v1/models with no key at all (HTTP 200) and is {how}: anyone "
                      "who reaches it can generate images billed to the stack's AWS account", fix=SERVICE_EXPOSED,
                      at=at, params=params, probe="no key", status=200)
    if guide.status == 200:
        if scope is None:
            return passed(f"{target.label} accepts the guide's key, but only on loopback")
        return report(f"{target.label} accepted the guide's key sk-t…7890 on /v1/models (HTTP 200) and is {how}: "
                      "anyone who has read the guide can generate images on the stack's account",
                      fix=LITELLM_MASTER_KEY_UNSAFE, at=at, params=params, probe="guide key", status=200)
    return passed(f"{target.label} refuses /v1/models with no key ({open_door.status}) and with the guide's key "
                  f"({guide.status})")


@check(id="litellm.live.open-door", area="litellm", title="The running proxy refuses strangers' keys",
       needs=("network",), depends_on=(REACHABLE,), timeout=15,
       fixes=(SERVICE_EXPOSED, LITELLM_MASTER_KEY_UNSAFE))
def proxy_refuses_known_keys(litellm, stack):
    """GET /v1/models (free) with no key and with the guide's `sk-test-1234567890`: a 200 to either on a proxy
    reachable beyond loopback is a warning (a failure behind a public load balancer). Nothing is generated."""
    return litellm.each(lambda t: _door(litellm, stack, t))
