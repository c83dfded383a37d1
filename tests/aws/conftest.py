"""moto's server on 127.0.0.1 as AWS for the --aws-stack tests: the project's sample ECS stack
(fixtures/aws/healthy-ecs) is deployed into it with CreateStack, then each test makes its fault there."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "fixtures" / "aws" / "healthy-ecs"
TEMPLATE = PROJECT / "infrastructure" / "bedrock-image-chat-stack.yaml"
REGION = "us-west-2"
STACK = "imgchat"
CLUSTER = "bedrock-image-chat"
MASTER_KEY = "sk-prod-9f8e7d6c5b4a39281706"   # the stack's secret: must never appear in any output
FAKE = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret-key-0123456789",
        "AWS_SESSION_TOKEN": "testing-session", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="session")
def moto_url():
    from moto.server import ThreadedMotoServer

    os.environ["MOTO_ECS_SERVICE_RUNNING"] = "1"   # moto's services report this many running tasks
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Deployed:
    url: str
    secret_arn: str

    def client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=FAKE["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=FAKE["AWS_SECRET_ACCESS_KEY"])

    def resource(self, logical_id: str) -> str:
        for r in self.client("cloudformation").list_stack_resources(StackName=STACK)["StackResourceSummaries"]:
            if r["LogicalResourceId"] == logical_id:
                return r["PhysicalResourceId"]
        raise KeyError(logical_id)

    def service(self) -> dict:
        ecs = self.client("ecs")
        return ecs.describe_services(cluster=CLUSTER, services=[self.resource("Service")])["services"][0]

    def task_definition(self) -> dict:
        return self.client("ecs").describe_task_definition(taskDefinition=self.service()["taskDefinition"])[
            "taskDefinition"]

    def register_revision(self, change, network_mode: str = "awsvpc") -> str:
        """A new task definition revision (containers changed by `change`), and the service moved to it."""
        td = self.task_definition()
        containers = json.loads(json.dumps(td["containerDefinitions"]))
        for c in containers:
            c.setdefault("memory", 512)
        change(containers)
        ecs = self.client("ecs")
        arn = ecs.register_task_definition(family=td["family"], containerDefinitions=containers,
                                           networkMode=network_mode,
                                           requiresCompatibilities=["FARGATE" if network_mode == "awsvpc" else "EC2"],
                                           cpu="1024", memory="2048")["taskDefinition"]["taskDefinitionArn"]
        ecs.update_service(cluster=CLUSTER, service=self.resource("Service"), taskDefinition=arn)
        return arn


@pytest.fixture
def deployed(moto_url):
    """A fresh moto (reset), the master key secret, and the sample stack deployed with CreateStack."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10).read()
    d = Deployed(moto_url, "")
    d.secret_arn = d.client("secretsmanager").create_secret(Name="litellm-master-key",
                                                             SecretString=MASTER_KEY)["ARN"]
    cf = d.client("cloudformation")
    cf.create_stack(StackName=STACK, TemplateBody=TEMPLATE.read_text(), Capabilities=["CAPABILITY_IAM"],
                    Parameters=[{"ParameterKey": "LiteLLMMasterKeySecretArn", "ParameterValue": d.secret_arn}])
    assert cf.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    return d


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    report: dict | None

    def findings(self, check_prefix: str = "aws.") -> list[dict]:
        return [r for r in (self.report or {}).get("results", [])
                if r["check"].startswith(check_prefix) and r["status"] in ("warn", "fail", "error")]

    def fix_ids(self, check_prefix: str = "aws.") -> set[str]:
        return {r["fix"]["id"] for r in self.findings(check_prefix) if r.get("fix")}

    def result(self, check: str) -> list[dict]:
        return [r for r in (self.report or {}).get("results", []) if r["check"] == check]

    def operations(self) -> list[str]:
        calls = self.result("aws.calls.read-only")
        return calls[0]["data"].get("operations", []) if calls else []


def run_doctor(url: str | None, *args: str, env: dict | None = None, project: Path = PROJECT,
               only: str = "aws") -> Run:
    """The real CLI in a subprocess, pointed at moto by boto3's own AWS_ENDPOINT_URL."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CANVAS_DOCTOR_"))}
    environ.update(FAKE if env is None else env)
    environ["AWS_EC2_METADATA_DISABLED"] = "true"
    environ["AWS_CONFIG_FILE"] = environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws"
    if url:
        environ["AWS_ENDPOINT_URL"] = url
    args = tuple(f"{a},aws.calls.read-only" if i and args[i - 1] == "--only" else a for i, a in enumerate(args))
    selection = [] if "--only" in args else ["--only", only]
    cmd = [sys.executable, "-m", "canvas_doctor", "run", "--json", "--project", str(project), *selection, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=environ, timeout=120)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = None
    return Run(proc.returncode, proc.stdout, proc.stderr, report)
