"""Checklist: the recent CloudWatch log lines of the stack's containers (where their awslogs options say)
against the same known error signatures as the Docker log check (checks/docker_logs.py)."""
from __future__ import annotations

from canvas_doctor.api import Location, Result, check, failed, passed, skipped
from canvas_doctor.aws_client import AwsCallError
from canvas_doctor.aws_stack.containers import ecs_services
from canvas_doctor.aws_stack.reader import LOG_WINDOW_S, LogGroup, short_task_definition

from .aws_stack import AWS_STACK_READ_DENIED
from .aws_common import STATUS_CHECK, fix_params, is_denied, not_ready
from .docker_logs import SIGNATURES, quote, scan
from .docker_stack import LITELLM, OPENWEBUI

LOG_FIXES = tuple(dict.fromkeys(s.fix for s in SIGNATURES))


def log_groups(td: dict) -> list[LogGroup]:
    out = []
    for cdef in td.get("containerDefinitions") or []:
        conf = cdef.get("logConfiguration") or {}
        opts = conf.get("options") or {}
        if conf.get("logDriver") == "awslogs" and opts.get("awslogs-group"):
            out.append(LogGroup(str(opts["awslogs-group"]), str(opts.get("awslogs-stream-prefix") or ""),
                                str(cdef.get("name")), str(td.get("taskDefinitionArn")), opts.get("awslogs-region")))
    return out


@check(id="aws.logs.signatures", area="aws", title="The containers' CloudWatch logs show no known error",
       needs=("aws",), after=(STATUS_CHECK,), timeout=25.0, fixes=LOG_FIXES + (AWS_STACK_READ_DENIED,))
def logs_clean(aws_stack, stack):
    """FilterLogEvents over the last hour of each container's awslogs group and stream prefix."""
    skip = not_ready(aws_stack)
    if skip:
        return skip
    try:
        tds = aws_stack.running_task_definitions()
    except AwsCallError as exc:
        raise RuntimeError(f"the task definitions could not be read: {exc}") from None
    out: list[Result] = []
    read = 0
    for td in tds:
        roles = {svc.name: (OPENWEBUI if svc.is_openwebui else LITELLM if svc.is_litellm else "other")
                 for svc in ecs_services(td)}
        for where in log_groups(td):
            try:
                lines = aws_stack.log_lines(where)
            except AwsCallError as exc:
                if is_denied(exc):
                    out.append(failed(f"AWS refused logs:FilterLogEvents on {where.group}: {exc}",
                                      fix="aws-stack-read-denied",
                                      params=fix_params(aws_stack, stack, action="logs:FilterLogEvents")))
                    continue
                if exc.code == "ResourceNotFoundException":
                    out.append(passed(f"{where.container}: the log group {where.group} does not exist (yet)"))
                    continue
                raise RuntimeError(f"FilterLogEvents {where.group}: {exc}") from None
            read += 1
            role = roles.get(where.container, "other")
            for s in scan(lines, role):
                times = "once" if s.count == 1 else f"{s.count} times"
                out.append(failed(
                    f"{short_task_definition(where.task_definition)}, container {where.container} logged "
                    f"{s.signature.text!r} {times} in the last {LOG_WINDOW_S // 60} minutes of {where.group} "
                    f"({s.signature.meaning}); latest: {quote(s.line, s.column)}",
                    fix=s.signature.fix, at=Location(where.task_definition), container=where.container,
                    log_group=where.group, count=s.count,
                    params=fix_params(aws_stack, stack, service=where.container)))
    if not out and not read:
        return skipped("no container of the stack logs to CloudWatch (awslogs)")
    return out or [passed(f"{read} container log(s) in CloudWatch show no known error in the last "
                          f"{LOG_WINDOW_S // 60} minutes")]
