"""The project's own CloudFormation rules, run on what is deployed.

The rules are the registered checks whose id starts with `cloudformation.` (Open WebUI's image
settings, the LiteLLM config source, health checks, static credentials, the task role's grant). They
read a Stack; here that Stack holds the deployed template (GetTemplate, its parameters filled with the
stack's values) or the running task definitions' containers, so a deployed fault is found by the same
code, and said the same way, as in a local file.

The containers are targets of origin "ecs" (stack/targets.py, `Stack.deployed_services`): a rule
written over targets (`@rule`) is fanned out over them by the framework's own `fan_out`; a rule that
reads the whole stack finds them in `cfn_services` too. Their findings are given by the two aws.*
checks that run the rules (aws.stack.template, aws.ecs.task-definition), not by check ids of their own:
the containers are only known once the stack has been read, which the rules' registered ids (files
only, run with --offline) cannot wait for.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

from ..api import CHECK_ATTR, TARGETS_ATTR, fan_out
from ..models import CheckSpec, Result, Status
from ..settings import Settings
from ..stack.cloudformation import TemplateReader, is_template
from ..stack.intent import image_intent
from ..stack.model import Service, Stack
from ..stack.yamlsource import LMap, load_yaml_text

RULE_PREFIX = "cloudformation."


def _rule_modules() -> list[ModuleType]:
    from ..checks import cloudformation, cloudformation_iam, healthchecks, litellm_service, openwebui_settings

    return [cloudformation, cloudformation_iam, healthchecks, litellm_service, openwebui_settings]


def rules() -> list[CheckSpec]:
    """The CloudFormation rules, in a stable order."""
    marks = [getattr(v, CHECK_ATTR) for m in _rule_modules() for v in vars(m).values() if hasattr(v, CHECK_ATTR)]
    found = [s for mark in marks for s in (mark if isinstance(mark, tuple) else (mark,))]  # @rule: one per origin
    return sorted({s.id: s for s in found if s.id.startswith(RULE_PREFIX)}.values(), key=lambda s: s.id)


def _on_deployed(spec: CheckSpec) -> CheckSpec:
    """A rule over targets, fanned out over the deployed containers (origin "ecs") instead of the template's."""
    role, origin = getattr(spec.func, TARGETS_ATTR, (None, None))
    if role is None or origin == "ecs":
        return spec
    return replace(spec, func=fan_out(spec.func.__wrapped__, role, "ecs"))


def rule_fixes() -> tuple[str, ...]:
    """Every fix id the rules may give (what a check running them declares)."""
    return tuple(dict.fromkeys(f for spec in rules() for f in spec.fixes))


@dataclass(frozen=True)
class Judged:
    rule: str
    result: Result


def deployed_template_stack(text: str, display: str, parameters: dict[str, str], root: Path) -> tuple[Stack, str | None]:
    """A Stack holding one deployed template (or why its text is not one)."""
    doc = load_yaml_text(text, Path(display))
    stack = Stack(root=root)
    if not doc.ok:
        return stack, doc.error or "not valid YAML or JSON"
    if not is_template(doc.data):
        return stack, "not a CloudFormation template"
    data: LMap = doc.data
    params = data.get("Parameters")
    if isinstance(params, dict):
        for key, value in parameters.items():  # the stack's values stand in for the defaults
            if isinstance(params.get(key), dict):
                params[key]["Default"] = value
    reader = TemplateReader(data, display)
    stack.cfn_files = [display]
    stack.cfn_templates = {display: data}
    stack.cfn_services = reader.services()
    for svc in stack.cfn_services:
        svc.identify()
    stack.image_intent = image_intent(stack)
    return stack, None


def containers_stack(services: Iterable[Service], root: Path) -> Stack:
    """A Stack holding the containers of running task definitions (Services of kind "ecs")."""
    stack = Stack(root=root)
    stack.deployed_services = list(services)
    stack.cfn_services = list(stack.deployed_services)  # for the rules that read the whole stack
    stack.image_intent = image_intent(stack)
    return stack


def judge(stack: Stack, settings: Settings, skip: Iterable[str] = ()) -> list[Judged]:
    """Every CloudFormation rule on `stack`; a rule that needs more than the stack and settings is left out,
    and one that raises gives an `error` result (never stops the others). On a stack of deployed
    containers, the rules over targets judge those containers (origin "ecs")."""
    out: list[Judged] = []
    inputs: dict[str, Any] = {"stack": stack, "settings": settings}
    for spec in rules():
        if spec.id in skip:
            continue
        if stack.deployed_services:
            spec = _on_deployed(spec)
        names = list(inspect.signature(spec.func).parameters)
        if any(n not in inputs for n in names):
            continue
        try:
            value = spec.func(**{n: inputs[n] for n in names})
        except Exception as exc:  # a rule's bug must not hide the others' findings
            out.append(Judged(spec.id, Result(Status.ERROR, f"{spec.id} broke on the deployed stack: {exc}")))
            continue
        items = [value] if isinstance(value, Result) else list(value or [])
        out += [Judged(spec.id, replace(r)) for r in items if isinstance(r, Result)]
    return out
