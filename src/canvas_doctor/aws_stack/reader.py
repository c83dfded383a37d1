"""What the deployed stack is, read once per run with read-only calls and shared by the aws.* checks.

Each piece is fetched on first use and kept (with the AwsCallError when its call failed), so two checks
asking for the same task definition make one call. Everything is bounded: pages are capped (MAX_PAGES),
lists are cut (MAX_ITEMS), log lines are the recent ones only (LOG_WINDOW_S).
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..aws_client import AwsCallError
from ..clients import Inputs
from .session import StackAws

MAX_PAGES = 5
MAX_ITEMS = 100
LOG_WINDOW_S = 3600          # the last hour of log lines
LOG_LIMIT = 500              # lines per log group
STOPPED_TASKS = 20           # the most recent stopped tasks per task family
FAILED_STATUSES = ("CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED", "IMPORT_FAILED")


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    physical_id: str
    status: str = ""


@dataclass(frozen=True)
class EcsService:
    """One ECS service of the stack, as DescribeServices answers."""

    arn: str
    name: str
    cluster: str
    data: dict

    @property
    def task_definition(self) -> str:
        return str(self.data.get("taskDefinition") or "")


@dataclass
class LogGroup:
    """Where a container logs (its awslogs options) and the recent lines found there."""

    group: str
    prefix: str
    container: str
    task_definition: str
    region: str | None = None


def cluster_of(service_arn: str) -> str:
    """arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME -> CLUSTER (the old format has no cluster: default)."""
    resource = service_arn.split(":", 5)[-1]
    parts = resource.split("/")
    return parts[1] if len(parts) == 3 else "default"


def short_task_definition(arn: str) -> str:
    """family:revision of a task definition ARN."""
    return arn.rsplit("/", 1)[-1]


def value_hash(value: str) -> str:
    """The only form in which a secret value is kept: a SHA-256 digest, compared, never shown."""
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class DeployedStack:
    """The `aws_stack` input: the stack named by --aws-stack, read lazily through `aws`."""

    name: str
    aws: StackAws
    _cache: dict[Any, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # -- plumbing ----------------------------------------------------------------------------

    def _once(self, key: Any, fetch: Callable[[], Any]) -> Any:
        """fetch() once; its AwsCallError is kept and raised again to every later caller."""
        with self._lock:
            if key not in self._cache:
                try:
                    self._cache[key] = ("ok", fetch())
                except AwsCallError as exc:
                    self._cache[key] = ("error", exc)
            kind, value = self._cache[key]
        if kind == "error":
            raise value
        return value

    def call(self, service: str, operation: str, **params: Any) -> dict:
        return self.aws.call(service, operation, **params)

    @property
    def region(self) -> str:
        return self.aws.region.name

    def unreadable(self) -> str | None:
        """Why the stack cannot be read at all (no credentials, no such stack, access denied), else None."""
        try:
            self.description()
        except AwsCallError as exc:
            return str(exc)
        return None

    # -- CloudFormation ----------------------------------------------------------------------

    def description(self) -> dict:
        def fetch() -> dict:
            stacks = self.call("cloudformation", "describe_stacks", StackName=self.name).get("Stacks") or []
            if not stacks:
                raise AwsCallError("aws", f"Stack with id {self.name} does not exist", "ValidationError", 400,
                                   "DescribeStacks")
            return stacks[0]
        return self._once("stack", fetch)

    @property
    def stack_id(self) -> str:
        return str(self.description().get("StackId") or self.name)

    def parameters(self) -> dict[str, str]:
        """The stack's parameter values (NoEcho ones come back as ****: left out)."""
        out = {}
        for p in self.description().get("Parameters") or []:
            value = p.get("ResolvedValue") or p.get("ParameterValue")
            if value is not None and value != "****":
                out[str(p.get("ParameterKey"))] = str(value)
        return out

    def failed_events(self) -> list[dict]:
        """The *_FAILED events of the latest operation (newest first), with their reasons."""
        def fetch() -> list[dict]:
            events = self.call("cloudformation", "describe_stack_events", StackName=self.name).get("StackEvents") or []
            out = []
            for ev in events[:MAX_ITEMS]:
                status = str(ev.get("ResourceStatus") or "")
                if ev.get("ResourceType") == "AWS::CloudFormation::Stack" and status.endswith("_IN_PROGRESS") \
                        and ev.get("LogicalResourceId") == self.name and out:
                    break  # the start of the latest operation: older failures are history
                if status in FAILED_STATUSES:
                    out.append(ev)
            return out
        return self._once("events", fetch)

    def template_text(self) -> str:
        def fetch() -> str:
            body = self.call("cloudformation", "get_template", StackName=self.name).get("TemplateBody")
            return body if isinstance(body, str) else json.dumps(body, indent=2)
        return self._once("template", fetch)

    def resources(self) -> list[Resource]:
        def fetch() -> list[Resource]:
            out: list[Resource] = []
            token = None
            for _ in range(MAX_PAGES):
                params: dict[str, Any] = {"StackName": self.name}
                if token:
                    params["NextToken"] = token
                page = self.call("cloudformation", "list_stack_resources", **params)
                for r in page.get("StackResourceSummaries") or []:
                    out.append(Resource(str(r.get("LogicalResourceId")), str(r.get("ResourceType")),
                                        str(r.get("PhysicalResourceId") or ""), str(r.get("ResourceStatus") or "")))
                token = page.get("NextToken")
                if not token:
                    break
            return out
        return self._once("resources", fetch)

    def of_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources() if r.type == resource_type and r.physical_id]

    def physical_id(self, logical_id: str) -> str | None:
        return next((r.physical_id for r in self.resources() if r.logical_id == logical_id), None)

    # -- ECS -----------------------------------------------------------------------------------

    def ecs_services(self) -> list[EcsService]:
        def fetch() -> list[EcsService]:
            by_cluster: dict[str, list[str]] = {}
            for r in self.of_type("AWS::ECS::Service"):
                by_cluster.setdefault(cluster_of(r.physical_id), []).append(r.physical_id)
            out = []
            for cluster, arns in by_cluster.items():
                for i in range(0, len(arns), 10):  # DescribeServices takes at most 10
                    answer = self.call("ecs", "describe_services", cluster=cluster, services=arns[i:i + 10])
                    for s in answer.get("services") or []:
                        out.append(EcsService(str(s.get("serviceArn")), str(s.get("serviceName")), cluster, s))
            return out
        return self._once("services", fetch)

    def task_definition(self, arn: str) -> dict:
        return self._once(("taskdef", arn), lambda: self.call("ecs", "describe_task_definition",
                                                              taskDefinition=arn).get("taskDefinition") or {})

    def running_task_definitions(self) -> list[dict]:
        """The task definition each ECS service of the stack runs, once each (DescribeTaskDefinition)."""
        arns = dict.fromkeys(s.task_definition for s in self.ecs_services() if s.task_definition)
        return [self.task_definition(a) for a in arns]

    def stopped_tasks(self, cluster: str, family: str) -> list[dict]:
        def fetch() -> list[dict]:
            arns = self.call("ecs", "list_tasks", cluster=cluster, family=family, desiredStatus="STOPPED",
                             maxResults=STOPPED_TASKS).get("taskArns") or []
            if not arns:
                return []
            return self.call("ecs", "describe_tasks", cluster=cluster, tasks=arns[:STOPPED_TASKS]).get("tasks") or []
        return self._once(("stopped", cluster, family), fetch)

    # -- roles ------------------------------------------------------------------------------------

    def role_arn(self, name: str, path: str = "/") -> str:
        """A role's ARN from its name (a stack resource's physical id), in the stack's account: no call."""
        account = self.stack_id.split(":")[4] if self.stack_id.count(":") >= 5 else "*"
        return f"arn:aws:iam::{account}:role{path if path.endswith('/') else path + '/'}{name}"

    def simulate(self, principal_arn: str, action: str, resource_arn: str) -> dict:
        """IAM SimulatePrincipalPolicy for one action on one resource: the evaluation result entry."""
        def fetch() -> dict:
            answer = self.call("iam", "simulate_principal_policy", PolicySourceArn=principal_arn,
                               ActionNames=[action], ResourceArns=[resource_arn])
            results = answer.get("EvaluationResults") or []
            return results[0] if results else {}
        return self._once(("simulate", principal_arn, action, resource_arn), fetch)

    # -- secrets ----------------------------------------------------------------------------------

    def secret_exists(self, value_from: str) -> bool:
        """Whether a Secrets ValueFrom names a Secrets Manager secret or SSM parameter that exists
        (DescribeSecret / DescribeParameters: metadata only, no value)."""
        def fetch() -> bool:
            if value_from.startswith("arn:aws:secretsmanager:") or ":secretsmanager:" in value_from:
                secret_id = secret_arn_of(value_from)
                try:
                    self.call("secretsmanager", "describe_secret", SecretId=secret_id)
                except AwsCallError as exc:
                    if exc.code == "ResourceNotFoundException":
                        return False
                    raise
                return True
            name = value_from.split(":parameter", 1)[1] if ":parameter" in value_from else value_from
            answer = self.call("ssm", "describe_parameters",
                               ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
            return bool(answer.get("Parameters"))
        return self._once(("exists", value_from), fetch)

    def secret_hash(self, value_from: str) -> str | None:
        """The SHA-256 of a Secrets Manager secret's value (its JSON key when ValueFrom names one); the value
        itself is dropped at once. None for SSM parameters (not read)."""
        def fetch() -> str | None:
            if ":secretsmanager:" not in value_from:
                return None
            answer = self.call("secretsmanager", "get_secret_value", SecretId=secret_arn_of(value_from))
            value = str(answer.get("SecretString") or "")
            key = json_key_of(value_from)
            if key:
                try:
                    value = str(json.loads(value).get(key, ""))
                except (ValueError, AttributeError):
                    value = ""
            if self.aws.context is not None:  # should it ever be quoted by an error: masked
                self.aws.context.add_secret(value)
            return value_hash(value) if value else None
        return self._once(("hash", value_from), fetch)

    # -- the load balancer ---------------------------------------------------------------------

    def target_groups(self) -> list[dict]:
        def fetch() -> list[dict]:
            arns = [r.physical_id for r in self.of_type("AWS::ElasticLoadBalancingV2::TargetGroup")]
            for svc in self.ecs_services():
                arns += [str(lb["targetGroupArn"]) for lb in svc.data.get("loadBalancers") or []
                         if lb.get("targetGroupArn")]
            arns = list(dict.fromkeys(arns))[:MAX_ITEMS]
            if not arns:
                return []
            return self.call("elbv2", "describe_target_groups", TargetGroupArns=arns).get("TargetGroups") or []
        return self._once("target_groups", fetch)

    def target_health(self, arn: str) -> list[dict]:
        return self._once(("health", arn), lambda: self.call(
            "elbv2", "describe_target_health", TargetGroupArn=arn).get("TargetHealthDescriptions") or [])

    def load_balancers(self) -> list[str]:
        arns = [r.physical_id for r in self.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")]
        for tg in self.target_groups():
            arns += [str(a) for a in tg.get("LoadBalancerArns") or []]
        return list(dict.fromkeys(arns))

    def load_balancer_attributes(self, arn: str) -> dict[str, str]:
        return self._once(("lb-attrs", arn), lambda: {
            str(a.get("Key")): str(a.get("Value")) for a in self.call(
                "elbv2", "describe_load_balancer_attributes", LoadBalancerArn=arn).get("Attributes") or []})

    # -- logs ---------------------------------------------------------------------------------------

    def log_lines(self, where: LogGroup) -> list[str]:
        """The recent lines a container logged (awslogs: streams PREFIX/CONTAINER/TASK-ID)."""
        def fetch() -> list[str]:
            params: dict[str, Any] = {"logGroupName": where.group, "limit": LOG_LIMIT,
                                      "startTime": int((time.time() - LOG_WINDOW_S) * 1000)}
            if where.prefix:
                params["logStreamNamePrefix"] = f"{where.prefix}/{where.container}/"
            events = self.call("logs", "filter_log_events", **params).get("events") or []
            return [str(e.get("message") or "") for e in events]
        return self._once(("logs", where.group, where.prefix, where.container), fetch)

    # -- the deployed LiteLLM config ---------------------------------------------------------------

    def s3_text(self, bucket: str, key: str, limit: int = 1024 * 1024) -> str:
        def fetch() -> str:
            answer = self.call("s3", "get_object", Bucket=bucket, Key=key, Range=f"bytes=0-{limit - 1}")
            body = answer.get("Body")
            data = body.read(limit) if body is not None else b""
            return data.decode("utf-8", errors="replace")
        return self._once(("s3", bucket, key), fetch)

    def close(self) -> None:
        self.aws.close()


def secret_arn_of(value_from: str) -> str:
    """A Secrets Manager ValueFrom may end in :json-key:version-stage:version-id; the secret is the first 7 parts."""
    parts = value_from.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else value_from


def json_key_of(value_from: str) -> str | None:
    parts = value_from.split(":")
    return parts[7] if len(parts) > 7 and parts[7] else None


def aws_stack_input(inputs: Inputs) -> DeployedStack | None:
    """The `aws_stack` input (entry point in pyproject.toml): None unless --aws-stack names a stack; cheap
    (boto3 loads on the first call). Secrets it learns go to the run context."""
    name = getattr(inputs.settings, "aws_stack", None)
    if not name:
        return None
    return DeployedStack(name, StackAws(inputs.settings, inputs.stack, context=inputs.context))
