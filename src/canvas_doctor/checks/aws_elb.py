"""Checklist: the stack's load balancer: each target group's targets are healthy (with AWS's reasons), a
LiteLLM target group is not health-checked at the billable /health, and the idle timeout leaves room
for an image generation."""
from __future__ import annotations

from typing import Any

from canvas_doctor.api import Fix, Location, Result, check, failed, passed, skipped, warned
from canvas_doctor.aws_client import AwsCallError
from canvas_doctor.aws_stack.containers import ecs_services
from canvas_doctor.aws_stack.reader import DeployedStack
from canvas_doctor.stack.model import Service

from .aws_stack import AWS_STACK_READ_DENIED
from .aws_common import STATUS_CHECK, fix_params, is_denied, not_ready
from .healthchecks import BILLABLE_PATH, LIVELINESS, listen_port


# -- the fixes this module's rules give (other rules import them from here) ----------------------
ELB_TARGET_UNHEALTHY = Fix(
    id="elb-target-unhealthy",
    title="Make the load balancer's targets healthy",
    cause=(
        "The target group {target_group} reports {count} target(s) not healthy ({reason}): the load balancer sends "
        "them no requests, and ECS replaces tasks that fail it."
    ),
    steps=(
        (
            "Read the reason shown above; Target.ResponseCodeMismatch or Target.Timeout: the health check path, port "
            "or matcher does not fit the container"
        ),
        (
            "Check the container answers its health check path inside the task (Open WebUI: /health; LiteLLM: "
            "/health/liveliness), and that the security groups let the load balancer reach the container port"
        ),
    ),
    params=("count", "reason", "target_group"),
)

ELB_IDLE_TIMEOUT_SHORT = Fix(
    id="elb-idle-timeout-short",
    title="Give the load balancer's idle timeout room for an image generation",
    cause=(
        "The load balancer {load_balancer} closes a connection after {idle} s without data; an image generation (Nova "
        "Canvas 5-7 s, more with LiteLLM's retries and throttling) sends nothing until the image is ready, so slow "
        "ones end in a 504."
    ),
    steps=(
        (
            "Raise idle_timeout.timeout_seconds to at least {expected} in the template's LoadBalancerAttributes, and "
            "deploy it"
        ),
    ),
    snippet='LoadBalancerAttributes:\n  - Key: idle_timeout.timeout_seconds\n    Value: "{expected}"\n',
    guide_section='Error: "Request timeout" or "Image generation takes too long"',
    params=("expected", "idle", "load_balancer"),
)


ELB_DEFAULT_IDLE_S = 60   # AWS's default idle_timeout.timeout_seconds for an ALB


def _tg_name(tg: dict) -> str:
    return str(tg.get("TargetGroupName") or str(tg.get("TargetGroupArn")).split("/")[-2])


def _containers(aws_stack: DeployedStack) -> tuple[list[Service], dict[str, str]]:
    """Every running container, and target group ARN -> the container the ECS service registers in it."""
    containers: list[Service] = []
    registered: dict[str, str] = {}
    for svc in aws_stack.ecs_services():
        if svc.task_definition:
            containers += ecs_services(aws_stack.task_definition(svc.task_definition))
        for lb in svc.data.get("loadBalancers") or []:
            if lb.get("targetGroupArn") and lb.get("containerName"):
                registered[str(lb["targetGroupArn"])] = str(lb["containerName"])
    return containers, registered


def _litellm_target(tg: dict, containers: list[Service], registered: dict[str, str]) -> Service | None:
    """The LiteLLM container behind a target group: the one the ECS service registers there, else the only
    container listening on the group's (health-check) port, when it is LiteLLM."""
    name = registered.get(str(tg.get("TargetGroupArn")))
    if name:
        return next((c for c in containers if c.name == name and c.is_litellm), None)
    ports = {str(tg.get("Port")), str(tg.get("HealthCheckPort"))}
    listening = [c for c in containers if str(listen_port(c) if c.is_litellm else
                                               (c.ports[0].container_port if c.ports else "")) in ports]
    return listening[0] if len(listening) == 1 and listening[0].is_litellm else None


@check(id="aws.elb.target-health", area="aws", title="The load balancer's targets are healthy",
       needs=("aws",), after=(STATUS_CHECK,), timeout=25.0,
       fixes=(ELB_TARGET_UNHEALTHY, "litellm-healthcheck-billable", AWS_STACK_READ_DENIED))
def target_health(aws_stack, stack):
    """DescribeTargetGroups + DescribeTargetHealth for each target group of the stack."""
    skip = not_ready(aws_stack)
    if skip:
        return skip
    try:
        groups = aws_stack.target_groups()
        containers, registered = _containers(aws_stack)
    except AwsCallError as exc:
        if is_denied(exc):
            return failed(f"AWS refused to describe the stack's target groups: {exc}", fix="aws-stack-read-denied",
                          params=fix_params(aws_stack, stack, action="elasticloadbalancing:DescribeTargetGroups"))
        raise RuntimeError(f"the target groups could not be read: {exc}") from None
    if not groups:
        return skipped(f"the stack {aws_stack.name} has no load balancer target group")
    out: list[Result] = []
    for tg in groups:
        arn, name = str(tg.get("TargetGroupArn")), _tg_name(tg)
        at = Location(arn)
        path = str(tg.get("HealthCheckPath") or "")
        litellm = _litellm_target(tg, containers, registered)
        if litellm is not None and path.split("?", 1)[0] == BILLABLE_PATH \
                and str(tg.get("HealthCheckProtocol") or "HTTP").upper() != "TCP":
            out.append(failed(
                f"target group {name} health-checks the LiteLLM container {litellm.name} at {path}: the load "
                f"balancer sends no key, so LiteLLM answers 401 and every target is unhealthy (with a key each probe "
                f"would bill one image per image model); {LIVELINESS} needs no key and calls no model",
                fix="litellm-healthcheck-billable", at=at, target_group=arn,
                params=fix_params(aws_stack, stack, service=litellm.name, port=listen_port(litellm),
                                  file=fix_params(aws_stack, stack)["template"],
                                  where=f"the HealthCheckPath of target group {name}",
                                  probe_snippet=f"HealthCheckPath: {LIVELINESS}",
                                  apply="Deploy the changed template (update the CloudFormation stack)")))
        try:
            health = aws_stack.target_health(arn)
        except AwsCallError as exc:
            if is_denied(exc):
                out.append(failed(f"AWS refused DescribeTargetHealth on {name}: {exc}", fix="aws-stack-read-denied",
                                  params=fix_params(aws_stack, stack,
                                                    action="elasticloadbalancing:DescribeTargetHealth")))
                continue
            raise RuntimeError(f"DescribeTargetHealth {name}: {exc}") from None
        bad = [h for h in health if (h.get("TargetHealth") or {}).get("State") not in ("healthy", "initial")]
        if bad:
            reasons = "; ".join(
                f"{(h.get('Target') or {}).get('Id')}:{(h.get('Target') or {}).get('Port')} "
                f"{(h.get('TargetHealth') or {}).get('State')} ({(h.get('TargetHealth') or {}).get('Reason')}: "
                f"{(h.get('TargetHealth') or {}).get('Description') or 'no description'})" for h in bad[:5])
            first = (bad[0].get("TargetHealth") or {})
            out.append(failed(f"target group {name}: {len(bad)} of {len(health)} target(s) not healthy: {reasons}",
                              fix="elb-target-unhealthy", at=at, target_group=arn,
                              params=fix_params(aws_stack, stack, target_group=name, count=len(bad),
                                                reason=f"{first.get('Reason')}: {first.get('Description')}")))
        else:
            out.append(passed(f"target group {name}: {len(health)} target(s), all healthy, health check {path or '-'}",
                              at=at, target_group=arn))
    return out


@check(id="aws.elb.idle-timeout", area="aws", title="The load balancer's idle timeout leaves room for a generation",
       needs=("aws",), after=(STATUS_CHECK,), timeout=20.0, fixes=(ELB_IDLE_TIMEOUT_SHORT, AWS_STACK_READ_DENIED))
def idle_timeout(aws_stack, stack, settings):
    """idle_timeout.timeout_seconds of each load balancer against --generation-timeout (60 s by default)."""
    skip = not_ready(aws_stack)
    if skip:
        return skip
    try:
        balancers = aws_stack.load_balancers()
    except AwsCallError as exc:
        raise RuntimeError(f"the load balancers could not be read: {exc}") from None
    if not balancers:
        return skipped(f"the stack {aws_stack.name} has no load balancer")
    need = int(settings.generation_timeout)
    out: list[Result] = []
    for arn in balancers:
        name = arn.split("/")[-2] if arn.count("/") >= 2 else arn
        try:
            attrs: dict[str, Any] = aws_stack.load_balancer_attributes(arn)
        except AwsCallError as exc:
            if is_denied(exc):
                out.append(failed(f"AWS refused DescribeLoadBalancerAttributes on {name}: {exc}",
                                  fix="aws-stack-read-denied", params=fix_params(
                                      aws_stack, stack, action="elasticloadbalancing:DescribeLoadBalancerAttributes")))
                continue
            raise RuntimeError(f"DescribeLoadBalancerAttributes {name}: {exc}") from None
        raw = attrs.get("idle_timeout.timeout_seconds")
        try:
            idle = int(raw) if raw not in (None, "") else ELB_DEFAULT_IDLE_S
        except ValueError:
            continue  # a network load balancer has no such attribute
        origin = "" if raw not in (None, "") else " (AWS's default)"
        if idle < need:
            out.append(warned(f"load balancer {name}: idle timeout {idle} s{origin} is below the {need} s an image "
                              "generation may take (--generation-timeout): a slow generation ends in a 504",
                              fix="elb-idle-timeout-short", at=Location(arn),
                              params=fix_params(aws_stack, stack, load_balancer=name, idle=idle, expected=need)))
        else:
            out.append(passed(f"load balancer {name}: idle timeout {idle} s{origin}", at=Location(arn)))
    return out
