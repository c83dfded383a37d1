"""What the aws.* checks share: whether the deployed stack can be read, and the params of its fixes."""
from __future__ import annotations

from typing import Any

from canvas_doctor.api import Result, skipped
from canvas_doctor.aws_client import AwsCallError
from canvas_doctor.aws_stack.reader import DeployedStack

STATUS_CHECK = "aws.stack.status"
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError")


def not_ready(aws_stack: DeployedStack | None) -> Result | None:
    """A quiet skip when there is no --aws-stack, or the stack cannot be read (aws.stack.status says why)."""
    if aws_stack is None:
        return skipped("no --aws-stack given: the deployed stack is not read")
    if not aws_stack.aws.credentials().sigv4 or aws_stack.unreadable():
        return skipped(f"the stack {aws_stack.name} could not be read (see {STATUS_CHECK})")
    return None


def is_denied(exc: AwsCallError) -> bool:
    return exc.kind == "aws" and (exc.code in DENIED or exc.status == 403)


def local_template(stack: Any) -> str | None:
    return stack.cfn_files[0] if getattr(stack, "cfn_files", None) else None


def fix_params(aws_stack: DeployedStack, stack: Any, **extra: Any) -> dict[str, Any]:
    """The params every deployed-stack fix uses: a template's language, ECS as the runtime, the stack."""
    return {"lang": "cloudformation", "runs": "ecs", "stack": aws_stack.name, "region": aws_stack.region,
            "template": local_template(stack) or "<template>", **{k: v for k, v in extra.items() if v is not None}}
