"""Checklist: the stack's ECS services as they run: counts, the rollout, the service events, the running
task definition's containers (through the same Open WebUI and LiteLLM rules as a template), and why
tasks stopped (stoppedReason, each container's exit code)."""
from __future__ import annotations

from typing import Any

from canvas_doctor.api import Fix, Location, OneOf, Result, check, failed, passed, skipped
from canvas_doctor.aws_client import AwsCallError
from canvas_doctor.aws_stack.containers import container_definition, ecs_services
from canvas_doctor.aws_stack.judge import containers_stack, judge, rule_fixes
from canvas_doctor.aws_stack.reader import DeployedStack, EcsService, short_task_definition
from canvas_doctor.models import Status

from .aws_elb import ELB_TARGET_UNHEALTHY
from .aws_secrets import ECS_SECRET_UNREADABLE
from .aws_stack import AWS_STACK_READ_DENIED
from .docker_containers import CONTAINER_NOT_RUNNING
from .aws_common import STATUS_CHECK, fix_params, is_denied, not_ready


# -- the fixes this module's rules give (other rules import them from here) ----------------------
ECS_DEPLOYMENT_FAILED = Fix(
    id="ecs-deployment-failed",
    title="Find why the ECS deployment failed and deploy a working task definition",
    cause="The ECS service {ecs_service} could not roll out its task definition: {reason}",
    steps=(
        (
            "Read the service's events and the stopped tasks' reasons (shown above): aws ecs describe-services "
            "--cluster {cluster} --services {ecs_service}"
        ),
        (
            "Fix what they name, then deploy again (aws cloudformation deploy, or aws ecs update-service --cluster "
            "{cluster} --service {ecs_service} --force-new-deployment)"
        ),
    ),
    params=("cluster", "ecs_service", "reason"),
)

ECS_TASK_PLACEMENT_FAILED = Fix(
    id="ecs-task-placement-failed",
    title="Give ECS room to place the service's tasks",
    cause="ECS cannot place the tasks of {ecs_service}: {reason}",
    steps=(
        (
            "Read the service's event (shown above): it names what is missing (CPU, memory, an attribute, subnets or "
            "IP addresses, a Fargate quota)"
        ),
        (
            "Lower the task's Cpu/Memory, add capacity, or fix the subnets, then: aws ecs update-service --cluster "
            "{cluster} --service {ecs_service} --force-new-deployment"
        ),
    ),
    params=("cluster", "ecs_service", "reason"),
)

ECS_IMAGE_PULL_FAILED = Fix(
    id="ecs-image-pull-failed",
    title="Let ECS pull the container image",
    cause=OneOf(
        "ECS could not pull the image of the {service} container ({image}): {reason}",
        "ECS could not pull a container's image ({image}): {reason}",
    ),
    steps=(
        "Check the image name and tag exist: {image}",
        (
            "A private registry needs the execution role's permission (ecr:GetAuthorizationToken, ecr:BatchGetImage) "
            "or repositoryCredentials; a task in a private subnet needs a NAT gateway or VPC endpoints to reach the "
            "registry"
        ),
    ),
    params=("image", "reason"),
)


RECENT_EVENTS = 10
# Rules that need the template itself (the task role's grant is asked of IAM by aws.iam.task-role-bedrock).
TEMPLATE_ONLY_RULES = ("cloudformation.task-role.bedrock",)


def _ready_services(aws_stack: DeployedStack | None, stack: Any) -> list[EcsService] | Result:
    """The stack's ECS services, or the one result that says why they cannot be judged (no stack read, denied)."""
    skip = not_ready(aws_stack)
    if skip:
        return skip
    try:
        services = aws_stack.ecs_services()
    except AwsCallError as exc:
        if is_denied(exc):
            return failed(f"AWS refused to describe the stack's ECS services: {exc}", fix="aws-stack-read-denied",
                          params=fix_params(aws_stack, stack, action="ecs:DescribeServices"))
        raise RuntimeError(f"the ECS services could not be read: {exc}") from None
    return services


def _svc_params(aws_stack: DeployedStack, stack: Any, svc: EcsService, **extra: Any) -> dict[str, Any]:
    return fix_params(aws_stack, stack, cluster=svc.cluster, ecs_service=svc.name, **extra)


def _log_group(td: dict, container: str) -> str | None:
    opts = (container_definition(td, container).get("logConfiguration") or {}).get("options") or {}
    return opts.get("awslogs-group")


@check(id="aws.ecs.services", area="aws", title="The stack's ECS services run the tasks they want",
       needs=("aws",), after=(STATUS_CHECK,), timeout=20.0,
       fixes=(CONTAINER_NOT_RUNNING, ECS_DEPLOYMENT_FAILED, ECS_TASK_PLACEMENT_FAILED, ELB_TARGET_UNHEALTHY,
              AWS_STACK_READ_DENIED))
def services_running(aws_stack, stack):
    """Desired / running / pending, the primary deployment's rollout state, the recent service events."""
    services = _ready_services(aws_stack, stack)
    if isinstance(services, Result):
        return services
    if not services:
        return skipped(f"the stack {aws_stack.name} has no ECS service")
    out: list[Result] = []
    for svc in services:
        d = svc.data
        at = Location(svc.arn)
        desired, running, pending = (int(d.get(k) or 0) for k in ("desiredCount", "runningCount", "pendingCount"))
        counts = f"{running} running, {pending} pending of {desired} desired"
        found = False
        primary = next((dep for dep in d.get("deployments") or [] if dep.get("status") == "PRIMARY"), {})
        if primary.get("rolloutState") == "FAILED":
            found = True
            reason = str(primary.get("rolloutStateReason") or "the rollout failed")
            out.append(failed(f"ECS service {svc.name}: the deployment of {short_task_definition(svc.task_definition)} "
                              f"failed: {reason} ({counts})", fix="ecs-deployment-failed", at=at,
                              params=_svc_params(aws_stack, stack, svc, reason=reason)))
        events = [str(e.get("message") or "") for e in (d.get("events") or [])[:RECENT_EVENTS]]
        unplaced = next((m for m in events if "unable to place a task" in m), None)
        if unplaced:
            found = True
            out.append(failed(f"ECS service {svc.name}: {unplaced}", fix="ecs-task-placement-failed", at=at,
                              params=_svc_params(aws_stack, stack, svc, reason=unplaced)))
        unhealthy = next((m for m in events if "is unhealthy in target-group" in m
                          or "failed container health checks" in m or "failed ELB health checks" in m), None)
        if unhealthy:
            found = True
            out.append(failed(f"ECS service {svc.name}: {unhealthy}", fix="elb-target-unhealthy", at=at,
                              params=_svc_params(aws_stack, stack, svc, target_group="the service's target group",
                                                 count="its", reason=unhealthy)))
        if running < desired and not found and primary.get("rolloutState") != "IN_PROGRESS":
            out.append(failed(f"ECS service {svc.name} runs fewer tasks than it wants: {counts} "
                              "(aws.ecs.stopped-tasks shows why tasks stopped)", fix="container-not-running", at=at,
                              params=_svc_params(aws_stack, stack, svc, service=svc.name)))
        elif not found:
            state = primary.get("rolloutState") or "no rollout state"
            out.append(passed(f"ECS service {svc.name}: {counts}; {short_task_definition(svc.task_definition)}, "
                              f"{state}", at=at, service_arn=svc.arn, task_definition=svc.task_definition))
    return out


@check(id="aws.ecs.task-definition", area="aws",
       title="The running task definitions' containers pass the Open WebUI and LiteLLM checks",
       needs=("aws",), after=(STATUS_CHECK,), timeout=20.0, fixes=rule_fixes() + (AWS_STACK_READ_DENIED,))
def running_containers(aws_stack, stack, settings):
    """DescribeTaskDefinition of each service's task definition; its containers through the cloudformation.* rules."""
    services = _ready_services(aws_stack, stack)
    if isinstance(services, Result):
        return services
    out: list[Result] = []
    judged_any = 0
    for arn in dict.fromkeys(s.task_definition for s in services if s.task_definition):
        try:
            td = aws_stack.task_definition(arn)
        except AwsCallError as exc:
            if is_denied(exc):
                out.append(failed(f"AWS refused ecs:DescribeTaskDefinition on {arn}: {exc}",
                                  fix="aws-stack-read-denied",
                                  params=fix_params(aws_stack, stack, action="ecs:DescribeTaskDefinition")))
                continue
            raise RuntimeError(f"DescribeTaskDefinition {arn}: {exc}") from None
        containers = ecs_services(td)
        judged_any += 1
        for j in judge(containers_stack(containers, stack.root), settings, skip=TEMPLATE_ONLY_RULES):
            r = j.result
            if r.status is Status.ERROR:
                raise RuntimeError(r.message)
            if r.status not in (Status.WARN, Status.FAIL):
                continue
            container = r.fix_params.get("service")
            r.message = f"task definition {short_task_definition(arn)}" + \
                (f", container {container}" if container else "") + f": {r.message}"
            r.location = Location(arn)
            r.fix_params = {**fix_params(aws_stack, stack), **r.fix_params, "lang": "cloudformation", "file":
                            fix_params(aws_stack, stack)["template"]}
            r.data = {**r.data, "rule": j.rule, "task_definition": arn, "container": container}
            out.append(r)
    if not out:
        return passed(f"the containers of {judged_any} running task definition(s) pass the CloudFormation checks")
    return out


def _container_problems(task: dict) -> list[str]:
    out = []
    for c in task.get("containers") or []:
        code, reason = c.get("exitCode"), c.get("reason")
        if (code not in (None, 0)) or reason:
            out.append(f"{c.get('name')} exited {code if code is not None else '(no code)'}"
                       + (f" ({reason})" if reason else ""))
    return out


def _stopped_result(aws_stack: DeployedStack, stack: Any, svc: EcsService, td: dict, task: dict,
                    count: int) -> Result | None:
    reason = str(task.get("stoppedReason") or "")
    code = str(task.get("stopCode") or "")
    problems = _container_problems(task)
    arn = str(task.get("taskArn") or "")
    at = Location(arn or svc.arn)
    times = f" ({count} stopped tasks)" if count > 1 else ""
    essential = [c for c in task.get("containers") or [] if container_definition(td, str(c.get("name"))).get(
        "essential", True) and (c.get("exitCode") not in (None, 0) or c.get("reason"))]
    name = str((essential or task.get("containers") or [{}])[0].get("name") or "")
    what = f"task {arn.rsplit('/', 1)[-1]} of {svc.name} stopped: {reason or code}" + \
        (f"; {'; '.join(problems)}" if problems else "") + times
    params = _svc_params(aws_stack, stack, svc, service=name or svc.name, log_group=_log_group(td, name),
                         reason=reason)
    if "CannotPullContainerError" in reason or any("CannotPullContainer" in p for p in problems):
        image = container_definition(td, name).get("image") if name else None
        return failed(what, fix="ecs-image-pull-failed", at=at, params={**params, "image": image}, task_arn=arn)
    if "ResourceInitializationError" in reason:
        return failed(what, fix="ecs-secret-unreadable", at=at, task_arn=arn,
                      params={**params, "role": td.get("executionRoleArn") or "the execution role",
                              "value_from": "the secrets the reason names"})
    if "ELB health checks" in reason:
        return failed(what, fix="elb-target-unhealthy", at=at, task_arn=arn,
                      params={**params, "target_group": "the service's target group", "count": "its"})
    if "Essential container in task exited" in reason or essential or "OutOfMemory" in reason \
            or code == "EssentialContainerExited" or "health checks" in reason:
        return failed(what, fix="container-not-running", at=at, params=params, task_arn=arn)
    return None  # a scale-in, a new deployment replacing it, a user's stop: not a fault


@check(id="aws.ecs.stopped-tasks", area="aws", title="The services' tasks do not keep stopping",
       needs=("aws",), after=(STATUS_CHECK,), timeout=25.0,
       fixes=(CONTAINER_NOT_RUNNING, ECS_IMAGE_PULL_FAILED, ECS_SECRET_UNREADABLE, ELB_TARGET_UNHEALTHY,
              AWS_STACK_READ_DENIED))
def stopped_tasks(aws_stack, stack):
    """ListTasks (STOPPED) + DescribeTasks for each service's task family: stoppedReason and exit codes."""
    services = _ready_services(aws_stack, stack)
    if isinstance(services, Result):
        return services
    out: list[Result] = []
    quiet = 0
    for svc in services:
        if not svc.task_definition:
            continue
        family = short_task_definition(svc.task_definition).rsplit(":", 1)[0]
        try:
            tasks = aws_stack.stopped_tasks(svc.cluster, family)
            td = aws_stack.task_definition(svc.task_definition)
        except AwsCallError as exc:
            if is_denied(exc):
                out.append(failed(f"AWS refused to list the stopped tasks of {svc.name}: {exc}",
                                  fix="aws-stack-read-denied",
                                  params=fix_params(aws_stack, stack, action="ecs:ListTasks, ecs:DescribeTasks")))
                continue
            raise RuntimeError(f"the stopped tasks of {svc.name} could not be read: {exc}") from None
        by_reason: dict[tuple[str, str], list[dict]] = {}
        for task in tasks:
            key = (str(task.get("stoppedReason") or task.get("stopCode") or ""), "; ".join(_container_problems(task)))
            by_reason.setdefault(key, []).append(task)
        for group in by_reason.values():
            found = _stopped_result(aws_stack, stack, svc, td, group[0], len(group))
            if found is None:
                quiet += len(group)
            else:
                out.append(found)
    if out:
        return out
    tail = f" ({quiet} stopped by a deployment, a scale-in or a user)" if quiet else ""
    return passed(f"no task of the stack's {len(services)} ECS service(s) stopped with a fault{tail}")
