"""The running task definitions' containers as the Service model the Open WebUI and LiteLLM rules judge.

DescribeTaskDefinition answers in the API's camelCase (`environment: [{name, value}]`,
`secrets: [{name, valueFrom}]`); a template says the same in PascalCase. The container definitions are
turned into the template's shape and read by the same TemplateReader as a local template, so a
deployed container is judged exactly as its template would be. Every finding points at the task
definition ARN (there is no line) and names the container.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..models import Location
from ..stack.cloudformation import TemplateReader
from ..stack.model import Service
from ..stack.yamlsource import LMap, load_yaml_text

ECS_KIND = "ecs"
# Maps whose keys are the user's own (not API member names): left as they are.
_USER_KEYED = ("options", "dockerLabels", "systemControls", "labels", "driverOpts")


def pascal(data: Any, parent: str = "") -> Any:
    """The API's camelCase member names as CloudFormation's PascalCase, user-keyed maps untouched."""
    if isinstance(data, dict):
        if parent in _USER_KEYED:
            return dict(data)
        return {(k[:1].upper() + k[1:]): pascal(v, k) for k, v in data.items()}
    if isinstance(data, list):
        return [pascal(v, parent) for v in data]
    return data


def _as_template(task_definition: dict) -> LMap:
    containers = pascal(task_definition.get("containerDefinitions") or [], "containerDefinitions")
    doc = {"Resources": {"TaskDefinition": {"Type": "AWS::ECS::TaskDefinition",
                                            "Properties": {"ContainerDefinitions": containers}}}}
    parsed = load_yaml_text(yaml.safe_dump(doc, sort_keys=False), Path("task-definition.yaml"))
    return parsed.data if parsed.ok and isinstance(parsed.data, LMap) else LMap()


def _unlined(location: Location | None, display: str) -> Location | None:
    return Location(display, None) if location is not None else None


def ecs_services(task_definition: dict) -> list[Service]:
    """The containers of one task definition, each a Service of kind "ecs" whose file is the ARN."""
    arn = str(task_definition.get("taskDefinitionArn") or "task definition")
    out = []
    for svc in TemplateReader(_as_template(task_definition), arn).services():
        svc.kind = ECS_KIND
        svc.line = None
        svc.env_line = None
        for setting in svc.env.values():
            setting.location = _unlined(setting.location, arn)
        for pm in svc.ports:
            pm.line = None
        svc.identify()
        out.append(svc)
    return out


def secrets_of(task_definition: dict) -> list[tuple[str, str, str]]:
    """(container, variable, valueFrom) of every Secrets entry of a task definition."""
    out = []
    for cdef in task_definition.get("containerDefinitions") or []:
        for s in cdef.get("secrets") or []:
            if s.get("name") and s.get("valueFrom"):
                out.append((str(cdef.get("name")), str(s["name"]), str(s["valueFrom"])))
    return out


def container_definition(task_definition: dict, name: str) -> dict:
    return next((c for c in task_definition.get("containerDefinitions") or [] if c.get("name") == name), {})
