"""Checklist: the running task role may call the image model, asked of IAM itself
(SimulatePrincipalPolicy for bedrock:InvokeModel on the model ARN and region the deployed LiteLLM
config uses), beside the template check cloudformation.task-role.bedrock.

The deployed LiteLLM config: the S3 object LITELLM_CONFIG_BUCKET_NAME / _OBJECT_KEY name (GetObject),
else the project's own image config (what the image is built from; said so in the message)."""
from __future__ import annotations

from pathlib import Path

from canvas_doctor.api import Location, Result, check, failed, passed, skipped
from canvas_doctor.aws_client import AwsCallError
from canvas_doctor.stack.model_under_test import foundation_id_of
from canvas_doctor.aws_stack.containers import ecs_services
from canvas_doctor.aws_stack.reader import DeployedStack, short_task_definition
from canvas_doctor.stack.litellm_config import load_litellm_config
from canvas_doctor.stack.model import Proxy, Service
from canvas_doctor.stack.queries import deployment_region, image_deployments

from .aws_common import STATUS_CHECK, fix_params, not_ready
from .aws_roles import role_of

ACTION = "bedrock:InvokeModel"


def _config_of(aws_stack: DeployedStack, svc: Service, stack) -> tuple[Proxy | None, str]:
    """The LiteLLM config the container runs, and where it was read."""
    bucket, key = svc.get("LITELLM_CONFIG_BUCKET_NAME"), svc.get("LITELLM_CONFIG_BUCKET_OBJECT_KEY")
    if bucket and key:
        text = aws_stack.s3_text(bucket, key)
        cfg = load_litellm_config(Path(key), f"s3://{bucket}/{key}", text=text, origin="S3")
        return Proxy(svc.name, svc, cfg), f"s3://{bucket}/{key}"
    proxy = stack.image_proxy or next(iter(stack.proxies.values()), None)
    if proxy is not None and proxy.config is not None and proxy.config.data is not None:
        return Proxy(svc.name, svc, proxy.config), f"{proxy.config.display} (the project's config; the task's is " \
                                                   "in its image)"
    return None, ""


@check(id="aws.iam.task-role-bedrock", area="aws", title="The running task role may invoke the image model (IAM)",
       needs=("aws",), after=(STATUS_CHECK,), timeout=25.0, fixes=("bedrock-model-access-denied",))
def task_role_may_invoke(aws_stack, stack):
    """IAM SimulatePrincipalPolicy: may the running task role call bedrock:InvokeModel on the model ARN and
    region of the deployed LiteLLM config (its S3 object, else the project's config)?"""
    skip = not_ready(aws_stack)
    if skip:
        return skip
    try:
        tds = aws_stack.running_task_definitions()
    except AwsCallError as exc:
        raise RuntimeError(f"the task definitions could not be read: {exc}") from None
    out: list[Result] = []
    for td in tds:
        arn = str(td.get("taskDefinitionArn"))
        short = short_task_definition(arn)
        for svc in (c for c in ecs_services(td) if c.is_litellm):
            try:
                proxy, source = _config_of(aws_stack, svc, stack)
            except AwsCallError as exc:
                raise RuntimeError(f"the LiteLLM config of {svc.name} could not be read: {exc}") from None
            if proxy is None:
                out.append(skipped(f"{short}, container {svc.name}: its LiteLLM config is not readable here (not in "
                                   "S3, none in the project)"))
                continue
            role, origin = role_of(aws_stack, td, "taskRoleArn", "TaskRoleArn")
            for dep in image_deployments(proxy):
                if dep.provider != "bedrock":
                    continue
                model = foundation_id_of(dep.base_model_id, dep.provider_model) or dep.provider_model
                region = deployment_region(dep, proxy)[0] or aws_stack.region
                model_arn = f"arn:aws:bedrock:{region}::foundation-model/{model}"
                params = fix_params(aws_stack, stack, model=dep.model_name, model_id=model, arn=model_arn,
                                    service=svc.name, file=fix_params(aws_stack, stack)["template"])
                params["region"] = region
                if role is None:
                    out.append(failed(f"{short}, container {svc.name}: the task has no task role, so LiteLLM has no "
                                      f"credentials for {ACTION} on {model_arn}", fix="bedrock-model-access-denied",
                                      at=Location(arn), params=params, container=svc.name))
                    continue
                try:
                    decision = aws_stack.simulate(role, ACTION, model_arn)
                except AwsCallError as exc:
                    raise RuntimeError(f"IAM SimulatePrincipalPolicy for {role}: {exc}") from None
                verdict = str(decision.get("EvalDecision") or "")
                where = f"{short}, container {svc.name} ({dep.model_name} from {source})"
                if verdict == "allowed":
                    out.append(passed(f"{where}: IAM allows the task role {role} {ACTION} on {model_arn}",
                                      at=Location(arn)))
                else:
                    out.append(failed(f"{where}: IAM does not allow the task role {role} ({origin}) {ACTION} on "
                                      f"{model_arn} ({verdict or 'no decision'}): every image request fails with "
                                      "AccessDeniedException", fix="bedrock-model-access-denied", at=Location(arn),
                                      params=params, container=svc.name, role=role, decision=verdict))
    return out or [skipped("no LiteLLM container with a Bedrock image model in the stack's task definitions")]
