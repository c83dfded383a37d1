"""What bounds the image bill, as the files show it: LiteLLM's limits in its config, and a WAF rate-based
rule on a public load balancer.

LiteLLM 1.108.7 (read in its source): `litellm_settings.max_budget` is enforced only with a database
(proxy_server.py warn_budget_without_db: "the budget will NOT be enforced" without DATABASE_URL);
`rpm` / `tpm` of a deployment are checked before the call only by the usage-based routing strategies
(router.py async_routing_strategy_pre_call_checks; the default simple-shuffle uses them as weights, and
the pre-call filter needs chat messages, which an image request has none of); `max_parallel_requests`
of a deployment and `general_settings.global_max_parallel_requests` cap concurrent calls (with an
image taking seconds, a rate). A virtual key's own budget lives in LiteLLM's database: only a live
check sees it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import Location
from .exposure import of_type, ref_name, resources
from .model import Proxy, Stack
from .queries import image_deployments

USAGE_ROUTING = {"usage-based-routing", "usage-based-routing-v2"}


@dataclass(frozen=True)
class Bound:
    what: str           # "max_budget 50 (litellm_settings)"
    at: Location | None


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _has_database(proxy: Proxy) -> bool:
    gs = proxy.config.section("general_settings") if proxy.config else {}
    return bool(gs.get("database_url")) or bool(proxy.service is not None and proxy.service.get("DATABASE_URL"))


def litellm_bounds(proxy: Proxy) -> tuple[list[Bound], list[str]]:
    """The limits of a proxy's config that bound image requests, and the ones written that do not (why)."""
    if proxy.config is None or proxy.config.data is None:
        return [], []
    cfg = proxy.config
    bounds: list[Bound] = []
    idle: list[str] = []
    ls, gs, rs = cfg.section("litellm_settings"), cfg.section("general_settings"), cfg.section("router_settings")
    if _number(ls.get("max_budget")) > 0:
        if _has_database(proxy):
            bounds.append(Bound(f"max_budget {ls.get('max_budget')} (litellm_settings)", cfg.at(ls.line_of("max_budget"))))
        else:
            idle.append("litellm_settings.max_budget is set but no database is connected: LiteLLM does not enforce it")
    for key in ("global_max_parallel_requests", "max_parallel_requests"):
        if _number(gs.get(key)) > 0:
            bounds.append(Bound(f"{key} {gs.get(key)} (general_settings)", cfg.at(gs.line_of(key))))
    usage = str(rs.get("routing_strategy") or "simple-shuffle") in USAGE_ROUTING
    for dep in image_deployments(proxy):
        if _number(dep.params.get("max_parallel_requests")) > 0:
            bounds.append(Bound(f"max_parallel_requests {dep.params.get('max_parallel_requests')} on "
                                f"{dep.model_name}", dep.at("max_parallel_requests")))
        for key in ("rpm", "tpm"):
            if _number(dep.params.get(key)) > 0:
                if usage:
                    bounds.append(Bound(f"{key} {dep.params.get(key)} on {dep.model_name}", dep.at(key)))
                else:
                    idle.append(f"{key} on {dep.model_name} only weighs the routing under "
                                f"{rs.get('routing_strategy') or 'simple-shuffle'}: set router_settings.routing_strategy: "
                                "usage-based-routing-v2 to enforce it")
    return bounds, idle


def _rate_based(statement: Any) -> bool:
    if not isinstance(statement, dict):
        return False
    if "RateBasedStatement" in statement:
        return True
    return any(_rate_based(v) for v in statement.values() if isinstance(v, dict)) or any(
        _rate_based(s) for v in statement.values() if isinstance(v, list) for s in v)


def waf_rate_rule(stack: Stack, template: str, load_balancer: str) -> Bound | None:
    """An AWS::WAFv2::WebACL with a rate-based rule, associated with `load_balancer` in the same template."""
    res = resources(stack.cfn_templates.get(template))
    acls = {}
    for name, props in of_type(res, "AWS::WAFv2::WebACL"):
        rules = props.get("Rules") or []
        for i, r in enumerate(rules):
            if isinstance(r, dict) and _rate_based(r.get("Statement")):
                acls[name] = Location(template, rules.line_of(i))
                break
    for _, props in of_type(res, "AWS::WAFv2::WebACLAssociation"):
        if ref_name(props.get("ResourceArn")) == load_balancer and ref_name(props.get("WebACLArn")) in acls:
            return Bound(f"the WAF rate-based rule of {ref_name(props.get('WebACLArn'))}",
                         acls[ref_name(props.get("WebACLArn"))])
    return None
