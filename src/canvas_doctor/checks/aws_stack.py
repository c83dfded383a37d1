"""Checklist: the deployed CloudFormation stack (`--aws-stack NAME`): can it be read, did its last
deployment succeed, does its deployed template pass the same rules as a local one, and does it match
the project's template (drift)."""
from __future__ import annotations

from typing import Any

from canvas_doctor.api import Fix, Location, Result, check, failed, passed, skipped, warned
from canvas_doctor.aws_client import AwsCallError
from canvas_doctor.aws_stack.judge import deployed_template_stack, judge, rule_fixes
from canvas_doctor.models import Status

from .aws_common import STATUS_CHECK, fix_params, is_denied, not_ready


# -- the fixes this module's rules give (other rules import them from here) ----------------------
AWS_STACK_CREDENTIALS_MISSING = Fix(
    id="aws-stack-credentials-missing",
    title="Give the doctor read-only AWS credentials to read the deployed stack",
    cause="--aws-stack reads the stack with AWS calls, and no AWS credentials were found on this machine ({searched}).",
    steps=(
        (
            "Sign in the usual way (aws sso login --profile <profile>, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), "
            "then run again with --profile <profile> --region <region>"
        ),
        (
            "The doctor needs only read-only actions: attach the policy it ships "
            "(canvas_doctor/data/aws-doctor-policy.json, listed in the README)"
        ),
    ),
    params=("searched",),
)

AWS_STACK_NOT_FOUND = Fix(
    id="aws-stack-not-found",
    title="Name a CloudFormation stack that exists in this account and region",
    cause=(
        "CloudFormation in {region} knows no stack named {stack}: a typo, another region (--region), or another "
        "account (--profile)."
    ),
    steps=(
        "List the stacks there: aws cloudformation describe-stacks --region {region} --query 'Stacks[].StackName'",
        "Run again with the right --aws-stack, --region and --profile",
    ),
    params=("stack",),
)

AWS_STACK_READ_DENIED = Fix(
    id="aws-stack-read-denied",
    title="Allow the doctor the read-only actions it needs",
    cause=(
        "AWS refused a read the doctor makes ({action}): the identity it runs as lacks that permission, so that part "
        "of the stack could not be judged."
    ),
    steps=(
        (
            "Attach the doctor's read-only policy (canvas_doctor/data/aws-doctor-policy.json, listed in the README) "
            "to the identity you run it as"
        ),
    ),
    params=("action",),
)

AWS_STACK_DEPLOY_FAILED = Fix(
    id="aws-stack-deploy-failed",
    title="Fix what made the stack's last deployment fail, then deploy again",
    cause=(
        "The stack {stack} is {status}: its last create or update failed{rolled_back}. What runs may not be what the "
        "template says."
    ),
    steps=(
        (
            "Read the failed resources and their reasons (shown above): aws cloudformation describe-stack-events "
            "--stack-name {stack}"
        ),
        (
            "Fix the template or the account limit they name, then deploy again: aws cloudformation deploy "
            "--template-file {template} --stack-name {stack}"
        ),
    ),
    params=("rolled_back", "stack", "status"),
)

AWS_STACK_DRIFT = Fix(
    id="aws-stack-drift",
    title="Deploy the local template, or commit what is deployed",
    cause=(
        "The template deployed as {stack} differs from {template} in this project, so the doctor's file checks judge "
        "something else than what runs."
    ),
    steps=(
        "Review the differences shown above",
        "Deploy the local template: aws cloudformation deploy --template-file {template} --stack-name {stack}",
        (
            "Or, if the deployed one is right, take it into the project: aws cloudformation get-template --stack-name "
            "{stack} --query TemplateBody"
        ),
    ),
    params=("stack",),
)


GOOD_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")
MAX_DIFFS = 12


@check(id=STATUS_CHECK, area="aws", title="The deployed stack can be read and its last deployment succeeded",
       needs=("aws",), timeout=20.0,
       fixes=(AWS_STACK_CREDENTIALS_MISSING, AWS_STACK_NOT_FOUND, AWS_STACK_READ_DENIED,
              AWS_STACK_DEPLOY_FAILED))
def stack_status(aws_stack, stack):
    """DescribeStacks: the status, and the failed events with their reasons when a deploy failed."""
    if aws_stack is None:
        return skipped("no --aws-stack given: the deployed stack is not read")
    creds = aws_stack.aws.credentials()
    if not creds.sigv4:
        why = f" ({creds.problem})" if creds.problem else ""
        return failed(f"--aws-stack {aws_stack.name}: no AWS credentials to read the stack with{why}",
                      fix="aws-stack-credentials-missing", params={"searched": creds.searched})
    try:
        desc = aws_stack.description()
    except AwsCallError as exc:
        if exc.kind == "aws" and "does not exist" in exc.message:
            return failed(f"no CloudFormation stack named {aws_stack.name} in {aws_stack.region} "
                          f"({aws_stack.aws.region.origin})", fix="aws-stack-not-found",
                          params=fix_params(aws_stack, stack))
        if is_denied(exc):
            return failed(f"AWS refused cloudformation:DescribeStacks on {aws_stack.name}: {exc}",
                          fix="aws-stack-read-denied",
                          params=fix_params(aws_stack, stack, action="cloudformation:DescribeStacks"))
        raise RuntimeError(f"could not read the stack {aws_stack.name}: {exc}") from None
    status = str(desc.get("StackStatus") or "")
    stack_id = str(desc.get("StackId") or aws_stack.name)
    if status in GOOD_STATUSES:
        return passed(f"{aws_stack.name} is {status} in {aws_stack.region}", stack_id=stack_id)
    if status.endswith("_IN_PROGRESS") and "ROLLBACK" not in status:
        return passed(f"{aws_stack.name} is {status}: a deployment is under way; the findings below may change",
                      stack_id=stack_id)
    try:
        events = aws_stack.failed_events()
    except AwsCallError as exc:
        events, reasons = [], f"; its events could not be read: {exc}"
    else:
        reasons = "".join(f"; {e.get('LogicalResourceId')} ({e.get('ResourceType')}) {e.get('ResourceStatus')}: "
                          f"{e.get('ResourceStatusReason') or 'no reason given'}" for e in events[:5])
    why = desc.get("StackStatusReason")
    rolled = " and was rolled back" if "ROLLBACK" in status else ""
    return failed(f"{aws_stack.name} is {status}" + (f" ({why})" if why else "") + reasons,
                  fix="aws-stack-deploy-failed", stack_id=stack_id,
                  failed_resources=[str(e.get("LogicalResourceId")) for e in events],
                  params=fix_params(aws_stack, stack, status=status, rolled_back=rolled))


def template_display(name: str) -> str:
    return f"{name} (deployed template)"


@check(id="aws.stack.template", area="aws", title="The deployed template passes the same checks as a local one",
       needs=("aws",), after=(STATUS_CHECK,), timeout=20.0, fixes=rule_fixes() + (AWS_STACK_READ_DENIED,))
def deployed_template(aws_stack, stack, settings):
    """GetTemplate, then every cloudformation.* rule on it (its parameters set to the stack's values)."""
    skip = not_ready(aws_stack)
    if skip:
        return skip
    try:
        text = aws_stack.template_text()
    except AwsCallError as exc:
        if is_denied(exc):
            return failed(f"AWS refused cloudformation:GetTemplate: {exc}", fix="aws-stack-read-denied",
                          params=fix_params(aws_stack, stack, action="cloudformation:GetTemplate"))
        raise RuntimeError(f"GetTemplate failed: {exc}") from None
    display = template_display(aws_stack.name)
    deployed, problem = deployed_template_stack(text, display, aws_stack.parameters(), stack.root)
    if problem:
        raise RuntimeError(f"the deployed template of {aws_stack.name} could not be read: {problem}")
    out: list[Result] = []
    judged = judge(deployed, settings)
    for j in judged:
        r = j.result
        if r.status in (Status.WARN, Status.FAIL):
            r.message = f"deployed template: {r.message}"
            r.fix_params = {**fix_params(aws_stack, stack), **r.fix_params, "lang": "cloudformation"}
            r.data = {**r.data, "rule": j.rule}
            out.append(r)
        elif r.status is Status.ERROR:
            raise RuntimeError(r.message)
    rules = len({j.rule for j in judged})
    return out or [passed(f"the template deployed as {aws_stack.name} passes the {rules} CloudFormation checks")]


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    """Paths to leaves; lists of {Name: ...} (container definitions, environment) keyed by their Name."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, list):
        named = all(isinstance(v, dict) and "Name" in v for v in value) and value
        for i, v in enumerate(value):
            key = str(v["Name"]) if named else str(i)
            _flatten(v, f"{path}[{key}]", out)
    else:
        out[path] = value


def _resources(data: Any) -> dict[str, Any]:
    res = data.get("Resources") if isinstance(data, dict) else None
    return res if isinstance(res, dict) else {}


@check(id="aws.stack.drift", area="aws", title="The deployed template is the project's template",
       needs=("aws",), after=(STATUS_CHECK,), timeout=20.0, fixes=(AWS_STACK_DRIFT,))
def template_drift(aws_stack, stack):
    """The deployed template's resources against the local template's (when --project has one)."""
    skip = not_ready(aws_stack)
    if skip:
        return skip
    if not stack.cfn_templates:
        return skipped("no local CloudFormation template in the project to compare with")
    deployed, problem = deployed_template_stack(aws_stack.template_text(), template_display(aws_stack.name), {},
                                                stack.root)
    if problem:
        raise RuntimeError(f"the deployed template could not be read: {problem}")
    remote = _resources(next(iter(deployed.cfn_templates.values())))
    # the local template that shares most resources with the deployed one
    file, local = max(stack.cfn_templates.items(), key=lambda kv: len(set(_resources(kv[1])) & set(remote)))
    here = _resources(local)
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(here, "", a)
    _flatten(remote, "", b)
    diffs = []
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path):
            if path not in b:
                diffs.append(f"{path}: only in {file}")
            elif path not in a:
                diffs.append(f"{path}: only in the deployed template")
            else:
                diffs.append(f"{path}: {file} has {a[path]!r}, the deployed template {b[path]!r}")
    if not diffs:
        return passed(f"the deployed template of {aws_stack.name} has the resources of {file}", at=Location(file))
    shown = "; ".join(diffs[:MAX_DIFFS]) + (f"; and {len(diffs) - MAX_DIFFS} more" if len(diffs) > MAX_DIFFS else "")
    return warned(f"the template deployed as {aws_stack.name} differs from {file} in {len(diffs)} place(s): {shown}",
                  fix="aws-stack-drift", at=Location(file), differences=diffs[:50],
                  params=fix_params(aws_stack, stack, template=file))
