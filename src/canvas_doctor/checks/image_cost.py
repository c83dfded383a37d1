"""What bounds the bill: on a stack strangers can reach, something must cap what they can spend on images.

Reachable means a stranger can get to the image path: a LiteLLM proxy published beyond loopback with
no master key or one anyone knows, an Open WebUI published beyond loopback with no login or an open
signup that grants image generation, or a production load balancer open to the internet. Bounds the
doctor reads: LiteLLM's `max_budget` (with a database), `max_parallel_requests`,
`global_max_parallel_requests`, a deployment's `rpm`/`tpm` under usage-based routing (see
stack/bill_bounds.py), and a WAF rate-based rule associated with the public load balancer (the guide's
"Security Best Practices" suggest 100 requests a minute per IP at the ALB). The cost of a minute of
abuse assumes one image a second from one client.
"""
from __future__ import annotations

from canvas_doctor.api import check, passed, skipped, warned
from canvas_doctor.facts import IMAGE_MODELS, ImageModel
from canvas_doctor.fixes import Fix, Variant
from canvas_doctor.stack.access import auth_disabled, key_lets_strangers_in, master_key, signup_grants_images
from canvas_doctor.stack.bill_bounds import Bound, litellm_bounds, waf_rate_rule
from canvas_doctor.stack.exposure import PUBLIC, Exposure, widest
from canvas_doctor.stack.model import Stack
from canvas_doctor.stack.queries import bedrock_image_deployments

ASSUMED_IMAGES_PER_MINUTE = 60   # one request a second from one client (the guide: 5-7 s an image, so ~7 in flight)
FALLBACK_MODEL = "amazon.nova-canvas-v1:0"  # the guide's model, when no config names one the doctor knows

IMAGE_COST_UNBOUNDED = Fix(
    id="image-cost-unbounded",
    title="Cap what the image path can spend",
    cause=(
        "Strangers can reach the image path and nothing caps it: no LiteLLM budget or rate limit, no WAF rate rule "
        "on the load balancer. Every image is billed to the stack's AWS account, as fast as requests come."
    ),
    steps=(
        "Give the image deployment a concurrency cap in {file}: max_parallel_requests under its litellm_params",
        "Or a budget: litellm_settings.max_budget with budget_duration (LiteLLM enforces it only with a database, "
        "DATABASE_URL)",
        "Or give Open WebUI a virtual key with its own max_budget / rpm_limit (POST /key/generate) instead of the "
        "master key",
        "{restart_proxy}",
    ),
    snippet=(
        "model_list:\n"
        "  - model_name: {model}\n"
        "    litellm_params:\n"
        "      model: {litellm_model}\n"
        "      max_parallel_requests: 2\n"
        "general_settings:\n"
        "  global_max_parallel_requests: 10\n"
    ),
    guide_section="Security Best Practices",
    params=("file", "model", "litellm_model"),
    variants={"cloudformation": Variant(
        steps=(
            "Add a WAF web ACL with a rate-based rule (the guide suggests 100 requests a minute per IP) to {file} "
            "and associate it with the load balancer",
            "Cap the proxy too: max_parallel_requests on the image deployment of the LiteLLM config",
            "{recreate}",
        ),
        snippet=(
            "RateLimitAcl:\n"
            "  Type: AWS::WAFv2::WebACL\n"
            "  Properties:\n"
            "    Scope: REGIONAL\n"
            "    DefaultAction:\n"
            "      Allow: {{ }}\n"
            "    VisibilityConfig:\n"
            "      SampledRequestsEnabled: true\n"
            "      CloudWatchMetricsEnabled: true\n"
            "      MetricName: rate-limit\n"
            "    Rules:\n"
            "      - Name: per-ip\n"
            "        Priority: 0\n"
            "        Action:\n"
            "          Block: {{ }}\n"
            "        Statement:\n"
            "          RateBasedStatement:\n"
            "            Limit: 100\n"
            "            EvaluationWindowSec: 60\n"
            "            AggregateKeyType: IP\n"
            "        VisibilityConfig:\n"
            "          SampledRequestsEnabled: true\n"
            "          CloudWatchMetricsEnabled: true\n"
            "          MetricName: per-ip\n"
            "RateLimitAclAssociation:\n"
            "  Type: AWS::WAFv2::WebACLAssociation\n"
            "  Properties:\n"
            "    ResourceArn: !Ref LoadBalancer\n"
            "    WebACLArn: !GetAtt RateLimitAcl.Arn\n"
        ),
    )},
)


def openings(stack: Stack) -> list[tuple[str, Exposure]]:
    """Every way a stranger gets to the image path, said in a few words."""
    out: list[tuple[str, Exposure]] = []
    for svc in list(stack.compose_services.values()) + stack.cfn_services:
        if not (svc.is_litellm or svc.is_openwebui):
            continue
        way = widest(stack, svc)
        if way is None:
            continue
        if way.scope == PUBLIC:
            out.append((f"{svc.name} is {way.how}", way))
        elif svc.is_litellm and key_lets_strangers_in(stack, svc):
            out.append((f"{svc.name} is {way.how} with {key_lets_strangers_in(stack, svc)}", way))
        elif svc.is_openwebui and auth_disabled(svc):
            out.append((f"{svc.name} is {way.how} with no login", way))
        elif svc.is_openwebui and signup_grants_images(svc):
            out.append((f"{svc.name} is {way.how} with an open signup that grants image generation", way))
    return out


def _virtual_key(stack: Stack, ways: list[tuple[str, Exposure]]) -> str | None:
    """Where every opening is an Open WebUI that calls the image proxy with a key that is not its master key: that
    key may be a virtual key with its own budget, which only LiteLLM's database shows (None otherwise)."""
    names = {(w.service, w.at.file) for _, w in ways}
    proxy = stack.image_proxy
    if proxy is None or proxy.service is None:
        return None
    master = master_key(stack, proxy.service)
    if not master.known or not master.value:
        return None
    services = [s for s in stack.openwebui_services if (s.name, s.file) in names]
    if len(services) != len(names):   # a LiteLLM opening, or one the files do not pair with an Open WebUI
        return None
    for svc in services:
        key = (svc.get("IMAGES_OPENAI_API_KEY") or svc.get("OPENAI_API_KEY") or "").strip()
        if not key or key == master.value:
            return None
    return services[0].name


def _priciest(stack: Stack) -> tuple[ImageModel, dict[str, str]]:
    """The priciest image model the configs serve, and where (the proxy, its config, the deployment)."""
    served = sorted(bedrock_image_deployments(stack), key=lambda t: (t[2].price_per_image, t[0] is stack.image_proxy))
    if served:
        proxy, dep, model = served[-1]
        where = {"service": proxy.name, "model": dep.model_name, "litellm_model": dep.model}
        if proxy.config is not None:
            where["file"] = proxy.config.display
        return model, where
    return IMAGE_MODELS[FALLBACK_MODEL], {}


@check(id="config.image-cost", area="config", title="Something caps what strangers can spend on images",
       fixes=(IMAGE_COST_UNBOUNDED,), image_path=True)
def image_cost_bounded(stack: Stack):
    """A stack strangers can reach with no LiteLLM budget or limit and no WAF rate rule on its public load balancer
    is a warning with the cost of a minute of abuse (at one image a second, the model's price)."""
    ways = openings(stack)
    if not ways:
        return passed("no stranger reaches the image path (loopback only, or behind a private key and a login)")
    bounds: list[Bound] = []
    idle: list[str] = []
    for proxy in stack.proxies.values():
        b, i = litellm_bounds(proxy)
        bounds += b
        idle += i
    public = [w for _, w in ways if w.scope == PUBLIC and w.load_balancer]
    wafs = [waf_rate_rule(stack, w.at.file, w.load_balancer) for w in public]
    if public and all(wafs):
        bounds += [b for b in wafs if b]
    if bounds:
        return passed(f"image spending is capped: {'; '.join(b.what for b in bounds)}", at=bounds[0].at)
    virtual = _virtual_key(stack, ways)
    if virtual:
        return skipped(f"{virtual} calls LiteLLM with a key that is not its master key: a virtual key's own max_budget "
                       "and rpm_limit live in LiteLLM's database, which the files do not show")
    if not stack.proxies and not any(s.is_litellm for s in stack.cfn_services) and not stack.openwebui_services:
        return skipped("no LiteLLM proxy or Open WebUI found")
    model, where = _priciest(stack)
    minute = ASSUMED_IMAGES_PER_MINUTE * model.price_per_image
    priced = f"{model.name} at ${model.price_per_image:.3g} an image" + ("" if where else ", the guide's model")
    why_not = f" ({'; '.join(idle)})" if idle else ""
    first = ways[0][1]
    waf = " and no WAF rate-based rule on the load balancer" if public else ""
    return warned(f"{'; '.join(w for w, _ in ways)}, and nothing caps image spending: no LiteLLM budget or rate "
                  f"limit{waf}{why_not}. At an assumed {ASSUMED_IMAGES_PER_MINUTE} images a minute (one a second from "
                  f"one client), a minute of abuse costs ${minute:.2f} ({priced}), an hour ${minute * 60:,.0f}",
                  fix=IMAGE_COST_UNBOUNDED, at=first.at,
                  params={**where, "file": first.at.file} if first.scope == PUBLIC else {"file": first.at.file, **where},
                  cost_per_minute=round(minute, 2), assumed_images_per_minute=ASSUMED_IMAGES_PER_MINUTE,
                  price_per_image=model.price_per_image, model=model.model_id)
