"""The task role and execution role of a running task definition: its own ARN, else the template's
TaskRoleArn / ExecutionRoleArn followed to the stack's role resource (GetRole for its ARN)."""
from __future__ import annotations

from typing import Any

from canvas_doctor.aws_client import AwsCallError
from canvas_doctor.aws_stack.reader import DeployedStack
from canvas_doctor.stack.yamlsource import load_yaml_text


def _template_role_id(aws_stack: DeployedStack, family: str, prop: str) -> str | None:
    from pathlib import Path

    doc = load_yaml_text(aws_stack.template_text(), Path("deployed.yaml"))
    resources = doc.data.get("Resources") if doc.ok and isinstance(doc.data, dict) else None
    for res in (resources or {}).values():
        if not isinstance(res, dict) or res.get("Type") != "AWS::ECS::TaskDefinition":
            continue
        props = res.get("Properties") or {}
        if str(props.get("Family") or family) != family:
            continue
        value: Any = props.get(prop)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Fn::GetAtt":
                return str((arg if isinstance(arg, list) else str(arg).split("."))[0])
            if fn == "Ref":
                return str(arg)
    return None


def _role_path(aws_stack: DeployedStack, logical_id: str) -> str:
    """The Path of the template's AWS::IAM::Role (default /), part of the role's ARN."""
    from pathlib import Path

    doc = load_yaml_text(aws_stack.template_text(), Path("deployed.yaml"))
    resources = doc.data.get("Resources") if doc.ok and isinstance(doc.data, dict) else None
    res = (resources or {}).get(logical_id)
    path = (res.get("Properties") or {}).get("Path") if isinstance(res, dict) else None
    return path if isinstance(path, str) and path.startswith("/") else "/"


def role_of(aws_stack: DeployedStack, td: dict, api_key: str, template_key: str) -> tuple[str | None, str]:
    """(role ARN or None, where it came from)."""
    arn = td.get(api_key)
    if arn:
        return str(arn), f"{api_key} of the task definition"
    family = str(td.get("family") or "")
    try:
        ref = _template_role_id(aws_stack, family, template_key)
        if ref is None:
            return None, "none"
        if ref.startswith("arn:"):
            return ref, f"{template_key} in the deployed template"
        name = aws_stack.physical_id(ref) or ref
        if name.startswith("arn:"):
            return name, f"{template_key} in the deployed template ({ref})"
        return aws_stack.role_arn(name, _role_path(aws_stack, ref)), f"{template_key} in the deployed template ({ref})"
    except AwsCallError:
        return None, "none"
