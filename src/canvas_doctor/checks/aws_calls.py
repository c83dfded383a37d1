"""Checklist: every AWS call the doctor made for --aws-stack was a read, and is in the policy it ships."""
from __future__ import annotations

from canvas_doctor.api import check, passed, skipped
from canvas_doctor.aws_stack.policy import covered, is_read_only

AWS_CHECKS = ("aws.stack.status", "aws.stack.template", "aws.stack.drift", "aws.ecs.services",
              "aws.ecs.task-definition", "aws.ecs.stopped-tasks", "aws.ecs.secrets", "aws.elb.target-health",
              "aws.elb.idle-timeout", "aws.logs.signatures", "aws.iam.task-role-bedrock")


@check(id="aws.calls.read-only", area="aws", title="The doctor's AWS calls were all reads in its shipped policy",
       needs=("aws",), after=AWS_CHECKS, timeout=5.0)
def calls_read_only(aws_stack):
    """The operations recorded by a botocore before-call hook, against data/aws-doctor-policy.json."""
    if aws_stack is None:
        return skipped("no --aws-stack given: the deployed stack is not read")
    calls = aws_stack.aws.recorded()
    if not calls:
        return skipped("no AWS call was made for the stack")
    writes = sorted({c for c in calls if not is_read_only(c)})
    missing = sorted({c for c in calls if not covered(c)})
    if writes or missing:  # a doctor bug, never the stack's fault: an `error` result
        raise RuntimeError(f"doctor bug: AWS calls that are not reads ({', '.join(writes) or 'none'}) or not in "
                           f"the shipped policy ({', '.join(missing) or 'none'})")
    distinct = sorted(set(calls))
    return passed(f"{len(calls)} AWS calls, all reads in the shipped policy: {', '.join(distinct)}",
                  operations=calls)
