"""Checklist: in production, the ECS task role may invoke the image model (guide: "Security Best
Practices", 2: "Use IAM roles assigned to ECS tasks instead"; "Images Not Appearing", item 6).

Offline: reads the CloudFormation templates. For each task definition that runs LiteLLM, follows
TaskRoleArn (!GetAtt Role.Arn, !Ref Role) to the AWS::IAM::Role and collects its inline Policies
and the AWS::IAM::Policy / ManagedPolicy resources attached to it, then asks whether an Allow
statement covers `bedrock:InvokeModel` (or bedrock:*, bedrock:Invoke*, *) on the model ARN the
LiteLLM image config calls (arn:aws:bedrock:REGION::foundation-model/ID), and no Deny takes it
back. IAM matching: actions case-insensitive, `*` and `?` wildcards in actions and ARNs.
`${AWS::Region}` in !Sub is the stack's own region, taken to be the region LiteLLM calls.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from canvas_doctor.api import Location, Result, check, failed, passed, skipped
from canvas_doctor.stack.model_under_test import ModelUnderTest, model_under_test
from canvas_doctor.facts import served_text_to_image
from canvas_doctor.stack.queries import deployment_region
from canvas_doctor.stack.yamlsource import LMap, LSeq
from canvas_doctor.fixes import Fix, Variant


# -- the fixes this module's rules give (other rules import them from here) ----------------------
BEDROCK_MODEL_ACCESS_DENIED = Fix(
    id="bedrock-model-access-denied",
    title="Enable access to the model in Amazon Bedrock",
    cause="The account (or role) may not invoke the model.",
    steps=(
        "Bedrock console > Model access: enable {model_id} in {region}",
        "Allow the IAM action bedrock:InvokeModel on {arn}",
    ),
    snippet=(
        "- Effect: Allow\n"
        "  Action: bedrock:InvokeModel\n"
        "  Resource: {arn}\n"
    ),
    guide_section="Images Not Appearing in Open WebUI",
    params=("arn", "file", "model_id"),
    variants={
        "cloudformation": Variant(
            cause=(
                "The ECS task that runs LiteLLM has no task role, or its role does not allow bedrock:InvokeModel "
                "on the model, so every Bedrock call fails with AccessDeniedException."
            ),
            steps=(
                (
                    "In {file}, give the task definition a task role (TaskRoleArn) whose policy allows "
                    "bedrock:InvokeModel on {arn}; a role it has already only needs the statement"
                ),
                "Bedrock console > Model access: enable {model_id} in {region}",
                (
                    "Update the stack (it creates or changes an IAM role): aws cloudformation deploy "
                    "--template-file {template} --stack-name <stack-name> --capabilities CAPABILITY_IAM"
                ),
            ),
            snippet=(
                "TaskRole:\n"
                "  Type: AWS::IAM::Role\n"
                "  Properties:\n"
                "    AssumeRolePolicyDocument:\n"
                "      Statement:\n"
                "        - Effect: Allow\n"
                "          Principal:\n"
                "            Service: ecs-tasks.amazonaws.com\n"
                "          Action: sts:AssumeRole\n"
                "    Policies:\n"
                "      - PolicyName: invoke-image-model\n"
                "        PolicyDocument:\n"
                "          Statement:\n"
                "            - Effect: Allow\n"
                "              Action: bedrock:InvokeModel\n"
                "              Resource: {arn}\n"
                "# and in the task definition's Properties:\n"
                "TaskRoleArn: !GetAtt TaskRole.Arn\n"
            ),
        ),
    },
)

ACTION = "bedrock:InvokeModel"
# AWS managed policies that grant bedrock:InvokeModel on every model.
GRANTING_MANAGED = ("AmazonBedrockFullAccess",)
STATIC_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_BEARER_TOKEN_BEDROCK")


@dataclass
class Grant:
    """The policy statements reaching one role, with where they are."""

    statements: list[tuple[dict, Location]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)   # managed policies the template does not hold


def _wildcard(pattern: str, text: str, *, case: bool = True) -> bool:
    """IAM's wildcard match: `*` any run of characters, `?` one character, nothing else special."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, 0 if case else re.IGNORECASE) is not None


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


class Resolver:
    """CloudFormation values as text: !Sub, !Join, !Ref with parameter defaults and pseudo parameters.
    What cannot be known offline becomes `*` (so an unknown account id never fails a match)."""

    def __init__(self, template: LMap, region: str | None):
        params = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
        self.parameters = set(params)
        self.defaults = {k: str(v["Default"]) for k, v in params.items()
                         if isinstance(v, dict) and v.get("Default") is not None}
        self.region_known = region is not None
        self.pseudo = {"AWS::Region": region or "*", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                       "AWS::AccountId": "*", "AWS::StackName": "*", "AWS::StackId": "*"}

    def ref(self, name: str) -> str:
        return self.pseudo.get(name) or self.defaults.get(name) or "*"

    def text(self, value: Any, local: dict[str, Any] | None = None) -> str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Ref":
                return self.ref(str(arg))
            if fn == "Fn::Sub":
                template, names = (arg[0], arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) else (arg, {})
                return self._sub(str(template), names if isinstance(names, dict) else {})
            if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
                return str(arg[0]).join(self.text(p) for p in _listed(arg[1]))
        return "*"

    def _sub(self, template: str, names: dict[str, Any]) -> str:
        def one(m: re.Match) -> str:
            inner = m.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in names:
                return self.text(names[inner])
            return self.ref(inner.split(".", 1)[0]) if "." in inner else self.ref(inner)
        return re.sub(r"\$\{([^}]+)\}", one, template)


def _role_id(value: Any) -> str | None:
    """The logical id TaskRoleArn points at (!GetAtt Role.Arn, Fn::GetAtt [Role, Arn], !Ref Role)."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return str(parts[0]) if parts else None
        if fn == "Ref":
            return str(arg)
    return None


def _statements(doc: Any, at: Location, file: str) -> Iterable[tuple[dict, Location]]:
    stmts = doc.get("Statement") if isinstance(doc, dict) else None
    seq = stmts if isinstance(stmts, list) else [stmts] if isinstance(stmts, dict) else []
    for i, s in enumerate(seq):
        if isinstance(s, dict):
            line = seq.line_of(i) if isinstance(seq, LSeq) else (s.line if isinstance(s, LMap) else at.line)
            yield s, Location(file, line)


def _attached(resources: LMap, role_id: str) -> Iterable[tuple[str, LMap]]:
    """AWS::IAM::Policy / ManagedPolicy resources that list the role in Roles."""
    for name, res in resources.items():
        if not isinstance(res, dict) or res.get("Type") not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        props = res.get("Properties") or {}
        roles = props.get("Roles") if isinstance(props, dict) else None
        if any(_role_id(r) == role_id or r == role_id for r in _listed(roles or [])):
            yield name, props


def grants_of(resources: LMap, role_id: str, role: LMap, file: str) -> Grant:
    grant = Grant()
    props = role.get("Properties") or LMap()
    for pol in _listed(props.get("Policies") or []):
        if isinstance(pol, dict):
            at = Location(file, pol.line if isinstance(pol, LMap) else None)
            grant.statements += _statements(pol.get("PolicyDocument"), at, file)
    for _, pprops in _attached(resources, role_id):
        at = Location(file, pprops.line if isinstance(pprops, LMap) else None)
        grant.statements += _statements(pprops.get("PolicyDocument"), at, file)
    for arn in _listed(props.get("ManagedPolicyArns") or []):
        text = json.dumps(arn) if not isinstance(arn, str) else arn
        if any(name in text for name in GRANTING_MANAGED):
            grant.statements.append(({"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"},
                                     Location(file, props.line_of("ManagedPolicyArns"))))
        else:
            grant.unreadable.append(text)
    return grant


def _covers(stmt: dict, arn: str, r: Resolver) -> bool:
    """Whether one statement covers bedrock:InvokeModel on the ARN (its Condition is not judged)."""
    if "NotAction" in stmt:
        action_ok = not any(_wildcard(r.text(a), ACTION, case=False) for a in _listed(stmt["NotAction"]))
    else:
        action_ok = any(_wildcard(r.text(a), ACTION, case=False) for a in _listed(stmt.get("Action") or []))
    if not action_ok:
        return False
    def matches(pattern: Any) -> bool:
        text = r.text(pattern)
        parts = text.split(":", 5)
        if not r.region_known and len(parts) == 6:  # any region the stack may run in
            text = ":".join(parts[:3] + ["*"] + parts[4:])
        return _wildcard(text, arn)

    if "NotResource" in stmt:
        return not any(matches(x) for x in _listed(stmt["NotResource"]))
    return any(matches(x) for x in _listed(stmt.get("Resource") or []))


@dataclass(frozen=True)
class Target:
    model: ModelUnderTest
    region: str | None
    region_origin: str

    def arn(self, region_for_match: str) -> str:
        if self.model.invoke_id.startswith("arn:"):
            return self.model.invoke_id
        return self.model.arn(region_for_match)


def _target(stack, settings) -> Target:
    m = model_under_test(stack, settings)
    if m.deployment is not None and m.proxy is not None:
        region, origin = deployment_region(m.deployment, m.proxy)
        if region:
            return Target(m, region, f"{origin} in {m.proxy.config.display if m.proxy.config else m.proxy.name}")
    if settings.region:
        return Target(m, settings.region, "--region")
    return Target(m, None, "the stack's own region")


def _litellm_task(props: dict) -> LMap | None:
    """The LiteLLM container definition of a task, if it runs one."""
    for cdef in _listed(props.get("ContainerDefinitions") or []):
        if isinstance(cdef, LMap) and "litellm" in json.dumps([cdef.get("Image"), cdef.get("Name"),
                                                                cdef.get("Command")]).lower():
            return cdef
    return None


def _static_credentials(cdef: LMap) -> str | None:
    for block in ("Environment", "Secrets"):
        for item in _listed(cdef.get(block) or []):
            if isinstance(item, dict) and item.get("Name") in STATIC_CREDENTIALS:
                return str(item["Name"])
    return None


def _judge(file: str, task: str, res: LMap, resources: LMap, target: Target, r: Resolver,
           settings_today) -> Result:
    m = target.model
    region = target.region or "${AWS::Region}"
    arn = target.arn(target.region or "REGION")
    shown_arn = target.arn(region)
    params = {"model_id": m.foundation_id, "region": region, "arn": shown_arn, "file": file, "model": m.name}
    props = res["Properties"]
    # Where to add or change the role: the TaskRoleArn line, else the task's Properties key.
    role_line = Location(file, props.line_of("TaskRoleArn") if "TaskRoleArn" in props else res.line_of("Properties"))
    cdef = _litellm_task(props)
    if "TaskRoleArn" not in props:
        static = _static_credentials(cdef) if cdef is not None else None
        if static:
            return skipped(f"{task}: no task role; LiteLLM gets {static} from its environment "
                           "(see cloudformation.static-credentials)")
        return failed(f"{task} runs LiteLLM without a TaskRoleArn: it has no role to call Bedrock with. Give it a "
                      f"task role that allows {ACTION} on {shown_arn}", fix="bedrock-model-access-denied",
                      at=role_line, params=params)
    role_id = _role_id(props["TaskRoleArn"])
    role = resources.get(role_id) if role_id else None
    if role_id is None or role_id in r.parameters:
        return skipped(f"{task}: the task role comes from outside this template; its policies cannot be read here")
    if not isinstance(role, dict) or role.get("Type") != "AWS::IAM::Role":
        return failed(f"{task}: TaskRoleArn names {role_id!r}, which is no AWS::IAM::Role in {file}",
                      fix="bedrock-model-access-denied", at=role_line, params=params)
    grant = grants_of(resources, role_id, role, file)
    if m.deployment is None and not m.origin.startswith("--model"):
        # No LiteLLM config names the image model: a grant for any model Bedrock still serves will do.
        for other in served_text_to_image(settings_today):
            other_arn = other.arn(target.region or "REGION")
            if any(str(s.get("Effect")) == "Allow" and _covers(s, other_arn, r) for s, _ in grant.statements) and \
                    not any(str(s.get("Effect")) == "Deny" and _covers(s, other_arn, r) for s, _ in grant.statements):
                return passed(f"{task}: role {role_id} allows {ACTION} on {other.model_id} (no LiteLLM config names "
                              "the image model here)", role=role_id, arn=other_arn)
    rprops = role.get("Properties") or LMap()
    denied = [at for s, at in grant.statements if str(s.get("Effect")) == "Deny" and _covers(s, arn, r)]
    allowed = [at for s, at in grant.statements if str(s.get("Effect")) == "Allow" and _covers(s, arn, r)]
    assumed = "" if target.region else " (in the stack's own region)"
    if allowed and not denied:
        return passed(f"{task}: role {role_id} allows {ACTION} on {shown_arn}{assumed}",
                      at=allowed[0], role=role_id, arn=shown_arn)
    if grant.unreadable and not denied:
        return skipped(f"{task}: role {role_id} has no inline grant for {shown_arn}; its managed policies "
                       f"({', '.join(grant.unreadable)}) are not in the template")
    at = denied[0] if denied else (Location(file, rprops.line_of("Policies")) if "Policies" in rprops else role_line)
    why = f"a Deny statement ({denied[0]}) takes it back" if denied else \
        f"no statement allows {ACTION} on it"
    region_note = f"; the image model is called in {target.region} ({target.region_origin})" if target.region else ""
    return failed(f"{task}: task role {role_id} may not invoke {m.foundation_id}: {why}. LiteLLM's calls fail with "
                  f"AccessDeniedException{region_note}. Allow {ACTION} on {shown_arn}",
                  fix="bedrock-model-access-denied", at=at, params=params, role=role_id, arn=shown_arn)


@check(id="cloudformation.task-role.bedrock", area="config",
       title="The production task role may invoke the image model",
       fixes=(BEDROCK_MODEL_ACCESS_DENIED,), image_path=True)
def task_role_may_invoke(stack, settings):
    """Guide Security 2 (IAM roles for ECS tasks) and Images Not Appearing item 6 (model access)."""
    if not stack.cfn_templates:
        return skipped("no CloudFormation templates in infrastructure/")
    target = _target(stack, settings)
    out: list[Result] = []
    for file, template in stack.cfn_templates.items():
        resources = template.get("Resources")
        if not isinstance(resources, LMap):
            continue
        r = Resolver(template, target.region)
        for name, res in resources.items():
            if not isinstance(res, dict) or res.get("Type") != "AWS::ECS::TaskDefinition":
                continue
            props = res.get("Properties")
            if isinstance(res, LMap) and isinstance(props, LMap) and _litellm_task(props) is not None:
                out.append(_judge(file, name, res, resources, target, r, settings.today))
    return out or [skipped("no ECS task definition in the templates runs LiteLLM")]
