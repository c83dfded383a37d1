"""Checklist: the running containers' Secrets: each ValueFrom exists, the execution role may read it,
and the keys two containers must share (Open WebUI's OPENAI_API_KEY / IMAGES_OPENAI_API_KEY and the
LiteLLM proxy's LITELLM_MASTER_KEY) are the same: compared by SHA-256 only, never shown or kept."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from canvas_doctor.api import Fix, Location, OneOf, Result, check, failed, passed, skipped
from canvas_doctor.aws_client import AwsCallError
from canvas_doctor.aws_stack.containers import container_definition, ecs_services, secrets_of
from canvas_doctor.aws_stack.reader import DeployedStack, short_task_definition, value_hash
from canvas_doctor.stack.model import Service

from .aws_stack import AWS_STACK_READ_DENIED
from .aws_common import STATUS_CHECK, fix_params, is_denied, not_ready
from .aws_roles import role_of
from .healthchecks import listen_port


# -- the fixes this module's rules give (other rules import them from here) ----------------------
ECS_SECRET_MISSING = Fix(
    id="ecs-secret-missing",
    title="Point the container's secret at a secret that exists",
    cause=OneOf(
        (
            "The {service} container's {var} comes from {value_from}, which does not exist: ECS cannot start the "
            "task (ResourceInitializationError)."
        ),
        (
            "A container's secret comes from {value_from}, which does not exist: ECS cannot start the task "
            "(ResourceInitializationError)."
        ),
    ),
    steps=(
        (
            "Create the secret, or fix the ValueFrom in the template to the secret's ARN: aws secretsmanager "
            "describe-secret --secret-id <name>"
        ),
        "Deploy the template again so ECS starts new tasks",
    ),
    params=("value_from", "var"),
)

ECS_SECRET_UNREADABLE = Fix(
    id="ecs-secret-unreadable",
    title="Let the task's execution role read its secrets",
    cause=(
        "ECS reads the containers' Secrets with the task's execution role before the containers start; {role} may not "
        "read {value_from}, so every task stops with ResourceInitializationError."
    ),
    steps=(
        (
            "Allow the execution role secretsmanager:GetSecretValue (ssm:GetParameters for SSM parameters, "
            "kms:Decrypt for a customer key) on {value_from}"
        ),
        "Deploy the template again so ECS starts new tasks",
    ),
    snippet="- Effect: Allow\n  Action: secretsmanager:GetSecretValue\n  Resource: {value_from}\n",
    params=("role", "value_from"),
)


READ_ACTION = {"secretsmanager": "secretsmanager:GetSecretValue", "ssm": "ssm:GetParameters"}
KEY_PAIRS = (("OPENAI_API_KEY", "OPENAI_API_BASE_URL"), ("IMAGES_OPENAI_API_KEY", "IMAGES_OPENAI_API_BASE_URL"))


def _read_action(value_from: str) -> str:
    return READ_ACTION["secretsmanager" if ":secretsmanager:" in value_from else "ssm"]


def _secret_resource(value_from: str, region: str) -> str:
    if value_from.startswith("arn:"):
        return value_from
    return f"arn:aws:ssm:{region}:*:parameter/{value_from.lstrip('/')}"


def _key_source(td: dict, container: str, var: str) -> tuple[str, str] | None:
    """('ref', valueFrom) or ('hash', sha256 of a plain value) for one variable of one container."""
    cdef = container_definition(td, container)
    for s in cdef.get("secrets") or []:
        if s.get("name") == var and s.get("valueFrom"):
            return "ref", str(s["valueFrom"])
    for e in cdef.get("environment") or []:
        if e.get("name") == var and e.get("value"):
            return "hash", value_hash(str(e["value"]))
    return None


def _proxy_for(url: str | None, proxies: list[Service]) -> Service | None:
    try:
        port = urlsplit((url or "").strip()).port
    except ValueError:
        port = None
    by_port = [p for p in proxies if port is not None and listen_port(p) == port]
    return by_port[0] if by_port else (proxies[0] if len(proxies) == 1 else None)


def _digest(aws_stack: DeployedStack, source: tuple[str, str]) -> str | None:
    kind, value = source
    return value if kind == "hash" else aws_stack.secret_hash(value)


@check(id="aws.ecs.secrets", area="aws", title="The containers' secrets exist, may be read, and shared keys match",
       needs=("aws",), after=(STATUS_CHECK,), timeout=25.0,
       fixes=(ECS_SECRET_MISSING, ECS_SECRET_UNREADABLE, "openwebui-api-key-mismatch", AWS_STACK_READ_DENIED))
def secrets_readable(aws_stack, stack):
    """Each Secrets ValueFrom of the running task definitions exists (DescribeSecret / DescribeParameters) and
    the execution role may read it (IAM SimulatePrincipalPolicy); Open WebUI's keys and the proxy's master
    key are compared by SHA-256 only."""
    skip = not_ready(aws_stack)
    if skip:
        return skip
    try:
        services = aws_stack.ecs_services()
        tds = [aws_stack.task_definition(a) for a in dict.fromkeys(s.task_definition for s in services
                                                                    if s.task_definition)]
    except AwsCallError as exc:
        raise RuntimeError(f"the task definitions could not be read: {exc}") from None
    out: list[Result] = []
    checked = 0
    for td in tds:
        arn = str(td.get("taskDefinitionArn"))
        short = short_task_definition(arn)
        at = Location(arn)
        role, role_origin = role_of(aws_stack, td, "executionRoleArn", "ExecutionRoleArn")
        for container, var, value_from in secrets_of(td):
            checked += 1
            params = fix_params(aws_stack, stack, service=container, var=var, value_from=value_from,
                                role=role or "the execution role")
            try:
                exists = aws_stack.secret_exists(value_from)
            except AwsCallError as exc:
                if is_denied(exc):
                    out.append(failed(f"AWS refused to describe {value_from}: {exc}", fix="aws-stack-read-denied",
                                      params={**params, "action": "secretsmanager:DescribeSecret"}))
                    continue
                raise RuntimeError(f"{value_from} could not be looked up: {exc}") from None
            if not exists:
                out.append(failed(f"{short}, container {container}: {var} comes from {value_from}, which does not "
                                  "exist: ECS cannot start the task (ResourceInitializationError)",
                                  fix="ecs-secret-missing", at=at, params=params, container=container))
                continue
            if role is None:
                out.append(failed(f"{short}, container {container}: {var} is a secret, but the task definition has "
                                  "no execution role to read it with", fix="ecs-secret-unreadable", at=at,
                                  params=params, container=container))
                continue
            try:
                decision = aws_stack.simulate(role, _read_action(value_from),
                                              _secret_resource(value_from, aws_stack.region))
            except AwsCallError as exc:
                out.append(passed(f"{short}, container {container}: {var} exists ({value_from}); IAM could not be "
                                  f"asked whether {role} may read it ({exc})", at=at, container=container))
                continue
            verdict = str(decision.get("EvalDecision") or "")
            if verdict != "allowed":
                out.append(failed(f"{short}, container {container}: the execution role {role} ({role_origin}) may "
                                  f"not read {value_from} for {var} (IAM: {verdict or 'no decision'}): every task "
                                  "stops with ResourceInitializationError", fix="ecs-secret-unreadable", at=at,
                                  params=params, container=container))
            else:
                out.append(passed(f"{short}, container {container}: {var} exists and {role} may read it", at=at))
        out += _shared_keys(aws_stack, stack, td)
    if not checked and not out:
        return skipped("no container of the stack takes a secret (Secrets / ValueFrom)")
    return out


def _shared_keys(aws_stack: DeployedStack, stack: Any, td: dict) -> list[Result]:
    """Open WebUI's keys against the master key of the proxy each URL reaches, by hash only."""
    arn = str(td.get("taskDefinitionArn"))
    containers = ecs_services(td)
    proxies = [c for c in containers if c.is_litellm]
    out: list[Result] = []
    for ow in (c for c in containers if c.is_openwebui):
        for key_var, url_var in KEY_PAIRS:
            proxy = _proxy_for(ow.get(url_var), proxies)
            mine, theirs = _key_source(td, ow.name, key_var), \
                _key_source(td, proxy.name, "LITELLM_MASTER_KEY") if proxy else None
            if mine is None or theirs is None or proxy is None:
                continue
            if mine == theirs:
                out.append(passed(f"{short_task_definition(arn)}: {ow.name}'s {key_var} and {proxy.name}'s "
                                  "LITELLM_MASTER_KEY come from the same place", at=Location(arn)))
                continue
            try:
                same = _digest(aws_stack, mine) == _digest(aws_stack, theirs)
            except AwsCallError as exc:
                out.append(passed(f"{short_task_definition(arn)}: {ow.name}'s {key_var} and {proxy.name}'s master key "
                                  f"come from different places and could not be compared ({exc})", at=Location(arn)))
                continue
            if same:
                out.append(passed(f"{short_task_definition(arn)}: {ow.name}'s {key_var} is {proxy.name}'s master key "
                                  "(compared by SHA-256)", at=Location(arn)))
            else:
                out.append(failed(f"{short_task_definition(arn)}: {ow.name}'s {key_var} is not {proxy.name}'s "
                                  "LITELLM_MASTER_KEY (compared by SHA-256; no value is shown): LiteLLM refuses "
                                  "Open WebUI's requests", fix="openwebui-api-key-mismatch", at=Location(arn),
                                  container=ow.name,
                                  params=fix_params(aws_stack, stack, service=ow.name, var=key_var, proxy=proxy.name,
                                                    file=fix_params(aws_stack, stack)["template"])))
    return out
