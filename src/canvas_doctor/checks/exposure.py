"""Exposure: who can reach each LiteLLM proxy and Open WebUI, and whether that matters.

A port others can reach matters when nothing stands between them and the Bedrock bill: a LiteLLM
proxy with no master key or one anyone knows (LiteLLM's `sk-1234`, the guide's `sk-test-1234567890`,
a short one), an Open WebUI with WEBUI_AUTH=False, or, in production, a load balancer listener
without TLS (the key and every password cross the internet in clear). Reachable behind a private
key and a login is said, not reported.
"""
from __future__ import annotations

from canvas_doctor.api import Result, check, failed, passed, skipped, warned
from canvas_doctor.fixes import Fix, OneOf, Variant
from canvas_doctor.stack.access import auth_disabled, key_lets_strangers_in
from canvas_doctor.stack.exposure import PUBLIC, Exposure, exposures
from canvas_doctor.stack.model import Service, Stack

SERVICE_EXPOSED = Fix(
    id="service-exposed",
    title="Keep the image path off the network unless it is guarded",
    cause=(
        "LiteLLM or Open WebUI is reachable beyond this machine with nothing to stop a stranger: no master key or "
        "a known one, no login, or plain HTTP on a public load balancer. Every image it makes is billed to the "
        "stack's AWS account."
    ),
    steps=(
        OneOf("Bind the port of {service} to loopback in {file} (127.0.0.1:{published}), or remove the "
              "published port if only other containers need it (Open WebUI reaches LiteLLM over the compose network)",
              "Bind the published port to loopback in {file} (127.0.0.1:HOST:CONTAINER), or remove it if only other "
              "containers need it (Open WebUI reaches LiteLLM over the compose network)"),
        "Give the service a private key or its login back (see the other findings of this run)",
        "{recreate}",
    ),
    snippet=OneOf('ports:\n  - "127.0.0.1:{published}"\n', 'ports:\n  - "127.0.0.1:HOST:CONTAINER"\n'),
    guide_section="Security Best Practices",
    params=("file", "published"),
    variants={
        "cloudformation": Variant(
            steps=(
                "Serve the load balancer over HTTPS: an HTTPS listener with an ACM certificate, and port 80 only "
                "redirecting to it",
                "Put LiteLLM behind no public listener: Open WebUI reaches it on localhost inside the task",
                "Narrow the security group's 0.0.0.0/0 ingress to the networks that need it, where you can",
                "{recreate}",
            ),
            snippet=(
                "HttpsListener:\n"
                "  Type: AWS::ElasticLoadBalancingV2::Listener\n"
                "  Properties:\n"
                "    LoadBalancerArn: !Ref LoadBalancer\n"
                "    Protocol: HTTPS\n"
                "    Port: 443\n"
                "    Certificates:\n"
                "      - CertificateArn: !Ref CertificateArn\n"
                "    DefaultActions:\n"
                "      - Type: forward\n"
                "        TargetGroupArn: !Ref TargetGroup\n"
            ),
        ),
    },
)

NAMES = {"openwebui": "Open WebUI", "litellm": "LiteLLM"}


def _targets(services: list[Service]) -> list[Service]:
    return [s for s in services if s.is_openwebui or s.is_litellm]


def _unguarded(stack: Stack, svc: Service) -> str | None:
    """What lets a stranger in once they reach `svc` (None: a private key or a login guards it)."""
    if svc.is_litellm:
        weak = key_lets_strangers_in(stack, svc)
        return f"its master key is {weak}" if weak and weak != "no master key" else (
            "it has no master key" if weak else None)
    if auth_disabled(svc) and not _draws_through_litellm(stack):
        return "WEBUI_AUTH=False: there is no login, everyone is its admin"
    return None  # on an image stack, compose/cloudformation.openwebui.access says it (one finding, not two)


def _draws_through_litellm(stack: Stack) -> bool:
    intent = stack.image_intent
    return intent is None or intent.kind == "litellm"


def _what_strangers_spend(stack: Stack) -> str:
    if _draws_through_litellm(stack):
        return "anyone on the network can generate images billed to the stack's AWS account"
    return "anyone on the network can use it, and the models it reaches, at the stack's cost"


def _judge(stack: Stack, svc: Service, way: Exposure) -> Result:
    name = f"{svc.name} ({NAMES['openwebui' if svc.is_openwebui else 'litellm']})"
    hole = _unguarded(stack, svc)
    params = {"service": svc.name, "file": svc.file, **({"published": way.published} if way.published else {})}
    if way.scope == PUBLIC:
        reasons = [r for r in (hole, "its listener is plain HTTP: keys and passwords cross the internet in clear"
                               if way.plain_http else None) if r]
        if reasons:
            return failed(f"{name} is reachable from the internet, {way.how}, and {'; '.join(reasons)}",
                          fix=SERVICE_EXPOSED, at=way.at, params=params, scope=way.scope)
        return passed(f"{name}: reachable from the internet, {way.how}, over TLS and behind its "
                      f"{'master key' if svc.is_litellm else 'login'}", at=way.at, scope=way.scope)
    if hole:
        return warned(f"{name} is reachable beyond this machine: {way.how}, and {hole}; {_what_strangers_spend(stack)}",
                      fix=SERVICE_EXPOSED, at=way.at,
                      params=params, scope=way.scope)
    return passed(f"{name}: {way.how}, behind its {'master key' if svc.is_litellm else 'login'}", at=way.at,
                  scope=way.scope)


def _judge_all(stack: Stack, services: list[Service], none_reached: str) -> list[Result]:
    out: list[Result] = []
    for svc in services:
        ways = exposures(stack, svc)
        wide = [w for w in ways if w.beyond_loopback]
        if not wide:
            how = ways[0].how if ways else none_reached
            out.append(passed(f"{svc.name}: {how}", at=ways[0].at if ways else svc.at(), scope="loopback"))
            continue
        out += [_judge(stack, svc, w) for w in wide]
    return out


@check(id="compose.exposure", area="config", title="LiteLLM and Open WebUI are reachable only where they are guarded",
       fixes=(SERVICE_EXPOSED,))
def compose_exposure(stack: Stack):
    """Each published port of a LiteLLM or Open WebUI service: `4000:4000` binds every interface of the host
    (anyone on the network reaches it), `127.0.0.1:4000:4000` loopback only. A warning where the service
    reached that way has no master key or a known one (LiteLLM) or no login (WEBUI_AUTH=False)."""
    services = _targets(list(stack.compose_services.values()))
    if not services:
        return skipped("no LiteLLM or Open WebUI service in the compose file")
    return _judge_all(stack, services, "no published port: reachable only on the compose network")


@check(id="cloudformation.exposure", area="config",
       title="Production's load balancers expose LiteLLM and Open WebUI only over TLS and behind auth",
       fixes=(SERVICE_EXPOSED,))
def cloudformation_exposure(stack: Stack):
    """The load balancers and security groups a template puts in front of each container: an ECS service's
    target group, its listeners and their load balancer (Scheme internet-facing, the default, with a security
    group open to 0.0.0.0/0 or ::/0). A failure where a public listener is plain HTTP or the container behind it
    has no master key / no login."""
    services = _targets(stack.cfn_services)
    if not services:
        return skipped("no LiteLLM or Open WebUI container in the CloudFormation templates")
    return _judge_all(stack, services, "no public load balancer or security group of the template reaches it")
