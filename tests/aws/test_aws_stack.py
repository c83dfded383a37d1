"""--aws-stack against moto's server: the sample ECS stack deployed with CreateStack, each fault made
for real in moto, the real CLI's JSON report asserted (fix id, the resource named, no secret shown).

moto 5.2.5 does not implement IAM SimulatePrincipalPolicy (its server answers 500 NotImplementedError)
nor ECS service events or container exit codes (its tasks always exit 0, `events` is always empty):
those are covered with botocore's Stubber on botocore's own shapes, in-process (see stubbed_iam)."""
from __future__ import annotations

import json
import shutil
import time

import pytest
from botocore.stub import Stubber

from canvas_doctor.aws_stack.policy import is_read_only, policy_actions
from canvas_doctor.aws_stack.session import StackAws

from .conftest import CLUSTER, FAKE, MASTER_KEY, PROJECT, REGION, STACK, TEMPLATE, run_doctor

pytestmark = pytest.mark.timeout(180)


def _assert_clean(run) -> None:
    """No secret in any output; every AWS call a read in the shipped policy."""
    for text in (run.stdout, run.stderr):
        assert MASTER_KEY not in text
        assert FAKE["AWS_SECRET_ACCESS_KEY"] not in text
    ops = run.operations()
    assert ops, "the doctor recorded its AWS calls"
    assert all(is_read_only(op) for op in ops), ops
    assert set(ops) <= policy_actions(), set(ops) - policy_actions()


# ---------------------------------------------------------------- in-process, IAM stubbed


def _allowed(decision: str = "allowed") -> dict:
    return {"EvaluationResults": [{"EvalActionName": "bedrock:InvokeModel", "EvalDecision": decision}]}


@pytest.fixture
def stubbed_iam(monkeypatch):
    """IAM SimulatePrincipalPolicy (not implemented by moto) answered by botocore's Stubber; every other
    service goes to moto. Returns the list of (decision) answers to give, in order, and the calls seen."""
    answers: list[dict] = []
    seen: list[dict] = []
    original = StackAws.client

    def client(self, service, read_timeout=None):
        c = original(self, service, read_timeout)
        if service == "iam" and not getattr(c, "_doctor_stubbed", False):
            stubber = Stubber(c)

            def record(params, **_):
                seen.append(dict(params))
            c.meta.events.register("provide-client-params.iam.SimulatePrincipalPolicy", record)
            for a in answers:
                stubber.add_response("simulate_principal_policy", a)
            stubber.activate()
            c._doctor_stubbed = True
        return c

    monkeypatch.setattr(StackAws, "client", client)
    return answers, seen


def run_in_process(deployed, capsys, monkeypatch, *args: str, project=PROJECT):
    from canvas_doctor.cli import app

    for k in list(__import__("os").environ):
        if k.startswith(("AWS_", "CANVAS_DOCTOR_")):
            monkeypatch.delenv(k, raising=False)
    for k, v in FAKE.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("AWS_ENDPOINT_URL", deployed.url)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws")
    with pytest.raises(SystemExit) as exit_info:
        only = [] if "--only" in args else ["--only", "aws"]
        app(args=["run", "--json", "--project", str(project), *only, "--aws-stack", STACK, *args],
            prog_name="canvas-doctor")
    out = capsys.readouterr()
    from .conftest import Run
    return Run(int(exit_info.value.code or 0), out.out, out.err, json.loads(out.out))


def test_healthy_deployed_stack_passes(deployed, stubbed_iam, capsys, monkeypatch):
    answers, seen = stubbed_iam
    answers += [_allowed()] * 8
    run = run_in_process(deployed, capsys, monkeypatch)
    assert run.findings() == [], [f["message"] for f in run.findings()]
    assert run.code == 0
    statuses = {r["check"]: r["status"] for r in run.report["results"]}
    for check in ("aws.stack.status", "aws.stack.template", "aws.stack.drift", "aws.ecs.services",
                  "aws.ecs.task-definition", "aws.ecs.stopped-tasks", "aws.ecs.secrets", "aws.elb.target-health",
                  "aws.elb.idle-timeout", "aws.logs.signatures", "aws.iam.task-role-bedrock", "aws.calls.read-only"):
        assert statuses.get(check) == "pass", (check, statuses.get(check))
    iam = run.result("aws.iam.task-role-bedrock")[0]["message"]
    assert "arn:aws:bedrock:us-west-2::foundation-model/stability.stable-image-core-v1:1" in iam
    assert any(c["ActionNames"] == ["bedrock:InvokeModel"] and "imgchat-TaskRole" in c["PolicySourceArn"]
               for c in seen)
    assert any(c["ActionNames"] == ["secretsmanager:GetSecretValue"] and "ExecutionRole" in c["PolicySourceArn"]
               for c in seen)
    _assert_clean(run)


def test_task_role_without_the_grant_fails_with_the_model_arn(deployed, stubbed_iam, capsys, monkeypatch):
    answers, _ = stubbed_iam
    answers += [_allowed("implicitDeny")] * 3
    run = run_in_process(deployed, capsys, monkeypatch, "--skip", "aws.ecs.secrets")
    found = [f for f in run.findings() if f["check"] == "aws.iam.task-role-bedrock"]
    assert found and found[0]["fix"]["id"] == "bedrock-model-access-denied"
    assert "imgchat-TaskRole" in found[0]["message"] and "litellm-image" in found[0]["message"]
    assert "foundation-model/stability.stable-image-core-v1:1" in found[0]["message"]
    assert found[0]["location"]["file"].startswith("arn:aws:ecs:us-west-2:")
    assert run.code == 1
    _assert_clean(run)


def test_service_events_unable_to_place_stubbed(deployed, capsys, monkeypatch):
    """moto keeps no ECS service events: DescribeServices is answered by the Stubber on botocore's shape."""
    original = StackAws.client
    arn = deployed.resource("Service")
    svc = deployed.service()
    event = {"id": "e1", "message": f"(service {svc['serviceName']}) was unable to place a task because no container "
                                    "instance met all of its requirements."}
    body = {"services": [{**{k: svc[k] for k in ("serviceArn", "serviceName", "clusterArn", "taskDefinition")},
                          "desiredCount": 1, "runningCount": 0, "pendingCount": 0, "events": [event],
                          "deployments": [{"id": "d", "status": "PRIMARY", "rolloutState": "IN_PROGRESS"}]}]}

    def client(self, service, read_timeout=None):
        c = original(self, service, read_timeout)
        if service == "ecs" and not getattr(c, "_doctor_stubbed", False):
            stubber = Stubber(c)
            stubber.add_response("describe_services", body, {"cluster": CLUSTER, "services": [arn]})
            stubber.activate()
            c._doctor_stubbed = True
        return c

    monkeypatch.setattr(StackAws, "client", client)
    run = run_in_process(deployed, capsys, monkeypatch, "--only", "aws.stack.status,aws.ecs.services")
    found = run.findings()
    assert [f["fix"]["id"] for f in found] == ["ecs-task-placement-failed"]
    assert "unable to place a task" in found[0]["message"] and found[0]["location"]["file"] == arn


# ---------------------------------------------------------------- the real CLI against moto


def test_no_credentials_is_one_finding_fast(deployed):
    started = time.monotonic()
    run = run_doctor(deployed.url, "--aws-stack", STACK, env={"AWS_DEFAULT_REGION": REGION})
    wall = time.monotonic() - started
    assert [f["fix"]["id"] for f in run.findings()] == ["aws-stack-credentials-missing"]
    assert run.code == 1 and run.report["duration_ms"] < 1000 and wall < 5
    assert run.operations() == []


def test_stack_that_does_not_exist_is_one_finding_fast(deployed):
    run = run_doctor(deployed.url, "--aws-stack", "no-such-stack")
    findings = run.findings()
    assert [f["fix"]["id"] for f in findings] == ["aws-stack-not-found"]
    assert "no-such-stack" in findings[0]["message"] and REGION in findings[0]["message"]
    assert run.report["duration_ms"] < 1000
    assert run.operations() == ["cloudformation:DescribeStacks"]


def test_revision_with_a_wrong_environment(deployed):
    def unset_model(containers):
        ow = next(c for c in containers if c["name"] == "openwebui")
        ow["environment"] = [e for e in ow["environment"] if e["name"] != "IMAGE_GENERATION_MODEL"]
    arn = deployed.register_revision(unset_model)
    run = run_doctor(deployed.url, "--aws-stack", STACK, "--skip", "aws.iam.*,aws.ecs.secrets")
    found = [f for f in run.findings() if f["check"] == "aws.ecs.task-definition"]
    assert [f["fix"]["id"] for f in found] == ["openwebui-image-model-unset"]
    assert found[0]["location"]["file"] == arn and arn.endswith(":2")
    assert "container openwebui" in found[0]["message"] and "bedrock-image-chat:2" in found[0]["message"]
    assert "aws cloudformation deploy" in " ".join(found[0]["fix"]["steps"])   # an ECS fix, not docker compose
    _assert_clean(run)


def test_stopped_tasks_reasons(deployed):
    def with_memory(containers):
        pass
    arn = deployed.register_revision(with_memory, network_mode="bridge")  # moto's RunTask breaks on awsvpc ENIs
    ecs = deployed.client("ecs")
    reasons = ["CannotPullContainerError: pull image manifest has been retried 5 time(s): "
               "ghcr.io/berriai/litellm:main-v1.108.7: not found",
               "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
               "retrieval failed: AccessDeniedException",
               "Essential container in task exited"]
    for reason in reasons:
        task = ecs.run_task(cluster=CLUSTER, taskDefinition=arn, launchType="FARGATE", count=1)["tasks"][0]
        ecs.stop_task(cluster=CLUSTER, task=task["taskArn"], reason=reason)
    run = run_doctor(deployed.url, "--aws-stack", STACK, "--only", "aws.stack.status,aws.ecs.stopped-tasks")
    found = run.findings()
    assert sorted(f["fix"]["id"] for f in found) == ["container-not-running", "ecs-image-pull-failed",
                                                     "ecs-secret-unreadable"]
    for f in found:
        assert f["location"]["file"].startswith(f"arn:aws:ecs:{REGION}:") and ":task/" in f["location"]["file"]
    pull = next(f for f in found if f["fix"]["id"] == "ecs-image-pull-failed")
    assert "CannotPullContainerError" in pull["message"]
    not_running = next(f for f in found if f["fix"]["id"] == "container-not-running")
    assert "aws ecs" in " ".join(not_running["fix"]["steps"]) and "docker compose" not in json.dumps(not_running)


def test_unhealthy_target_names_the_target_group(deployed):
    ec2 = deployed.client("ec2")
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    tg = deployed.resource("OpenWebUITargetGroup")
    deployed.client("elbv2").register_targets(TargetGroupArn=tg, Targets=[{"Id": instance, "Port": 8080}])
    ec2.stop_instances(InstanceIds=[instance])
    run = run_doctor(deployed.url, "--aws-stack", STACK, "--only", "aws.stack.status,aws.elb.*")
    found = run.findings()
    assert [f["fix"]["id"] for f in found] == ["elb-target-unhealthy"]
    assert found[0]["location"]["file"] == tg and "Target.InvalidState" in found[0]["message"]
    assert instance in found[0]["message"]


def test_short_idle_timeout(deployed):
    lb = deployed.resource("LoadBalancer")
    deployed.client("elbv2").modify_load_balancer_attributes(
        LoadBalancerArn=lb, Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "15"}])
    run = run_doctor(deployed.url, "--aws-stack", STACK, "--only", "aws.stack.status,aws.elb.idle-timeout")
    found = run.findings()
    assert [(f["status"], f["fix"]["id"]) for f in found] == [("warn", "elb-idle-timeout-short")]
    assert "15 s" in found[0]["message"] and found[0]["location"]["file"] == lb
    assert '"60"' in found[0]["fix"]["snippet"]
    assert run.code == 0


def test_litellm_target_group_on_health(moto_url, deployed):
    """A template whose target group sends the load balancer to LiteLLM's /health (port 4100)."""
    text = TEMPLATE.read_text().replace("      Port: 8080\n      VpcId", "      Port: 4100\n      VpcId") \
        .replace("LogGroupName: /ecs/bedrock-image-chat", "LogGroupName: /ecs/bedrock-image-chat-health") \
        .replace("ClusterName: bedrock-image-chat", "ClusterName: bedrock-image-chat-health") \
        .replace("        - ContainerName: openwebui\n          ContainerPort: 8080",
                 "        - ContainerName: litellm-image\n          ContainerPort: 4100")
    assert "Port: 4100\n      VpcId" in text
    cf = deployed.client("cloudformation")
    cf.create_stack(StackName="imgchat-health", TemplateBody=text,
                    Parameters=[{"ParameterKey": "LiteLLMMasterKeySecretArn", "ParameterValue": deployed.secret_arn}])
    run = run_doctor(deployed.url, "--aws-stack", "imgchat-health", "--only",
                     "aws.stack.status,aws.elb.target-health,aws.stack.template")
    by_check = {f["check"]: f for f in run.findings()}
    live = by_check["aws.elb.target-health"]
    assert live["fix"]["id"] == "litellm-healthcheck-billable"
    assert "litellm-image" in live["message"] and live["location"]["file"].startswith("arn:aws:elasticloadbalancing:")
    assert by_check["aws.stack.template"]["fix"]["id"] == "litellm-healthcheck-billable"
    assert by_check["aws.stack.template"]["location"]["file"] == "imgchat-health (deployed template)"


def test_log_lines_with_a_known_error(deployed):
    logs = deployed.client("logs")
    stream = "litellm/litellm-image/0123456789abcdef"
    logs.create_log_stream(logGroupName="/ecs/bedrock-image-chat", logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/ecs/bedrock-image-chat", logStreamName=stream, logEvents=[
        {"timestamp": now - 2000, "message": "INFO: 10.0.0.5 - POST /v1/images/generations 200"},
        {"timestamp": now - 1000, "message": "litellm.BadRequestError: Invalid model name passed in "
                                             f"model=nova-canvas. key={MASTER_KEY}"}])
    run = run_doctor(deployed.url, "--aws-stack", STACK, "--only", "aws.stack.status,aws.logs.signatures")
    found = run.findings()
    assert [f["fix"]["id"] for f in found] == ["litellm-model-not-found"]
    assert "container litellm-image" in found[0]["message"] and "/ecs/bedrock-image-chat" in found[0]["message"]
    _assert_clean(run)


def test_missing_secret_and_a_key_that_differs(deployed):
    other = deployed.client("secretsmanager").create_secret(Name="another-key",
                                                            SecretString="sk-other-0a1b2c3d4e5f6789")["ARN"]
    missing = deployed.secret_arn.rsplit(":", 1)[0] + ":gone-AbCdEf"

    def change(containers):
        ow = next(c for c in containers if c["name"] == "openwebui")
        for s in ow["secrets"]:
            if s["name"] == "IMAGES_OPENAI_API_KEY":
                s["valueFrom"] = other
        ow["secrets"].append({"name": "WEBUI_SECRET_KEY", "valueFrom": missing})
    arn = deployed.register_revision(change)
    run = run_doctor(deployed.url, "--aws-stack", STACK, "--only", "aws.stack.status,aws.ecs.secrets")
    found = run.findings()
    ids = sorted(f["fix"]["id"] for f in found)
    assert ids == ["ecs-secret-missing", "openwebui-api-key-mismatch"], [f["message"] for f in found]
    gone = next(f for f in found if f["fix"]["id"] == "ecs-secret-missing")
    assert missing in gone["message"] and "WEBUI_SECRET_KEY" in gone["message"] and gone["location"]["file"] == arn
    mismatch = next(f for f in found if f["fix"]["id"] == "openwebui-api-key-mismatch")
    assert "IMAGES_OPENAI_API_KEY" in mismatch["message"] and "SHA-256" in mismatch["message"]
    assert "sk-other-0a1b2c3d4e5f6789" not in run.stdout + run.stderr
    _assert_clean(run)


def test_drift_against_the_local_template(deployed, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    local = project / "infrastructure" / TEMPLATE.name
    local.write_text(local.read_text().replace('Value: "stable-image-core"', 'Value: "sd3-large"'))
    run = run_doctor(deployed.url, "--aws-stack", STACK, "--only", "aws.stack.status,aws.stack.drift",
                     project=project)
    found = run.findings()
    assert [(f["status"], f["fix"]["id"]) for f in found] == [("warn", "aws-stack-drift")]
    assert "Environment[IMAGE_GENERATION_MODEL].Value" in found[0]["message"]
    assert "'sd3-large'" in found[0]["message"] and "'stable-image-core'" in found[0]["message"]


def test_failed_deployment_names_the_resource_and_reason(deployed, capsys, monkeypatch):
    """A deploy that failed and rolled back. moto cannot make one (it refuses a broken template outright or
    creates it), so DescribeStacks and DescribeStackEvents are answered by botocore's Stubber on their real
    shapes: the stack is ROLLBACK_COMPLETE, the failed resource and CloudFormation's reason are named."""
    original = StackAws.client
    stack_id = f"arn:aws:cloudformation:{REGION}:123456789012:stack/{STACK}/0000"
    stacks = {"Stacks": [{"StackName": STACK, "StackId": stack_id, "StackStatus": "ROLLBACK_COMPLETE",
                          "CreationTime": "2026-12-01T10:00:00Z"}]}
    reason = ("Resource handler returned message: \"CannotPullContainerError: pull image manifest has been "
              "retried 5 time(s): ghcr.io/berriai/litellm:main-v9.9.9: not found\"")
    events = {"StackEvents": [
        {"StackId": stack_id, "EventId": "3", "StackName": STACK, "LogicalResourceId": STACK,
         "ResourceType": "AWS::CloudFormation::Stack", "ResourceStatus": "ROLLBACK_COMPLETE",
         "Timestamp": "2026-12-01T10:09:00Z"},
        {"StackId": stack_id, "EventId": "2", "StackName": STACK, "LogicalResourceId": "Service",
         "ResourceType": "AWS::ECS::Service", "ResourceStatus": "CREATE_FAILED", "ResourceStatusReason": reason,
         "Timestamp": "2026-12-01T10:08:00Z"},
        {"StackId": stack_id, "EventId": "1", "StackName": STACK, "LogicalResourceId": STACK,
         "ResourceType": "AWS::CloudFormation::Stack", "ResourceStatus": "CREATE_IN_PROGRESS",
         "Timestamp": "2026-12-01T10:00:00Z"}]}

    def client(self, service, read_timeout=None):
        c = original(self, service, read_timeout)
        if service == "cloudformation" and not getattr(c, "_doctor_stubbed", False):
            stubber = Stubber(c)
            stubber.add_response("describe_stacks", stacks, {"StackName": STACK})
            stubber.add_response("describe_stack_events", events, {"StackName": STACK})
            stubber.activate()
            c._doctor_stubbed = True
        return c

    monkeypatch.setattr(StackAws, "client", client)
    run = run_in_process(deployed, capsys, monkeypatch, "--only", "aws.stack.status")
    (found,) = run.findings()
    assert (found["status"], found["fix"]["id"]) == ("fail", "aws-stack-deploy-failed")
    assert f"{STACK} is ROLLBACK_COMPLETE" in found["message"]
    assert "Service (AWS::ECS::Service) CREATE_FAILED" in found["message"] and "CannotPullContainerError" in found["message"]
    assert found["data"]["failed_resources"] == ["Service"]
    assert run.code == 1
    assert MASTER_KEY not in run.stdout + run.stderr and FAKE["AWS_SECRET_ACCESS_KEY"] not in run.stdout + run.stderr


def test_policy_is_read_only():
    actions = policy_actions()
    assert actions and all(is_read_only(a) for a in actions), sorted(a for a in actions if not is_read_only(a))
    for verb in ("Create", "Put", "Update", "Delete", "Modify", "Register", "Stop", "Run", "Invoke"):
        assert not any(a.split(":", 1)[1].startswith(verb) for a in actions)
