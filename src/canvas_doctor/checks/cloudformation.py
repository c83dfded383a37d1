"""Checklist: the production CloudFormation stack (guide: "Security Best Practices")."""
from __future__ import annotations

from canvas_doctor.api import Result, check, failed, passed, skipped, warned
from canvas_doctor.fixes import Fix


# -- the fixes this module's rules give (other rules import them from here) ----------------------
PRODUCTION_STATIC_CREDENTIALS = Fix(
    id="production-static-credentials",
    title="Use the ECS task role, not AWS keys in the environment",
    cause=(
        "The CloudFormation template passes AWS keys to the container as environment variables; they end up in "
        "the task definition, readable to anyone who can describe it."
    ),
    steps=(
        "Remove {var} from the Environment (or Secrets) of the {service} container in {file}",
        "Grant bedrock:InvokeModel to the task role (TaskRoleArn) instead",
        "{recreate}",
    ),
    snippet="TaskRoleArn: !GetAtt TaskRole.Arn\n",
    guide_section="2. Use IAM Roles in Production",
    params=("file", "var"),
    edit="canvas_doctor.edits.from_stack:plan_static_credentials",
)

STATIC_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK")


@check(id="cloudformation.static-credentials", area="config",
       title="Production uses the task role, not AWS keys in the environment",
       fixes=(PRODUCTION_STATIC_CREDENTIALS,))
def no_static_credentials(stack):
    """Guide Security 2: use IAM roles assigned to ECS tasks instead of API keys."""
    if not stack.cfn_services:
        return skipped("no ECS container definitions in infrastructure/")
    out: list[Result] = []
    for svc in stack.cfn_services:
        for name in STATIC_KEYS:
            s = svc.env.get(name)
            if s is None:
                continue
            params = {"var": name, "service": svc.name, "file": svc.file}
            if s.origin == "cloudformation secret":
                out.append(warned(f"{svc.name} gets {name} from a secret: better than plain text, but a task role "
                                  "needs no long-lived key", fix="production-static-credentials", at=s.location,
                                  params=params))
            else:
                out.append(failed(f"{svc.name} passes {name} as a plain environment variable: anyone who can "
                                  "describe the task definition can read it", fix="production-static-credentials",
                                  at=s.location, params=params))
    return out or [passed(f"no AWS keys in the environment of {len(stack.cfn_services)} container(s)")]
