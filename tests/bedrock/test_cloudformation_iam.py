"""cloudformation.task-role.bedrock through the real CLI (--offline): does the ECS task role allow
bedrock:InvokeModel on the model ARN the LiteLLM image config calls (Nova Canvas in us-east-1)?"""
from __future__ import annotations

from pathlib import Path

from bedrock_helpers import HEALTHY, copy_stack, one
from helpers import run_cli

CHECK = "cloudformation.task-role.bedrock"
NOVA_ARN = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0"

ROLE = """\
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: 'sts:AssumeRole'}
"""
POLICY = """\
      Policies:
        - PolicyName: bedrock
          PolicyDocument:
            Statement:
{statements}"""
TASK = """\
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: chat
{role_line}      ContainerDefinitions:
        - Name: litellm-image
          Image: ghcr.io/berriai/litellm:main-v1.108.7
{container_extra}"""


def template(statements: str = "", *, policies: str | None = None, role: str = ROLE,
             role_line: str = "      TaskRoleArn: !GetAtt TaskRole.Arn\n", extra: str = "",
             parameters: str = "", container_extra: str = "") -> str:
    body = POLICY.format(statements=statements) if policies is None else policies
    return ("AWSTemplateFormatVersion: '2010-09-09'\n" + (f"Parameters:\n{parameters}" if parameters else "") +
            "Resources:\n" + role + (body if statements or policies else "") + extra +
            TASK.format(role_line=role_line, container_extra=container_extra))


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def judge_all(tmp_path: Path, templates: dict[str, str]) -> dict[str, dict]:
    """One offline run over several templates (infrastructure/<name>.yaml); each one's result by name."""
    project = copy_stack(tmp_path / "stack", HEALTHY)
    (project / "infrastructure" / "bedrock-image-chat-stack.yaml").unlink()
    for name, text in templates.items():
        (project / "infrastructure" / f"{name}.yaml").write_text(text)
    run = run_cli("run", "--offline", "--json", "--only", CHECK, "--project", str(project))
    found = {}
    for r in run.results(CHECK):
        assert r["location"] or r["status"] == "skip", r
        name = Path(r["location"]["file"]).stem if r["location"] else r["message"].split(":", 1)[0]
        found[name] = r
    return found


def judge(tmp_path: Path, text: str) -> dict:
    project = copy_stack(tmp_path / "stack", HEALTHY)
    (project / "infrastructure" / "bedrock-image-chat-stack.yaml").write_text(text)
    run = run_cli("run", "--offline", "--json", "--only", CHECK, "--project", str(project))
    return one(run, CHECK)


def stmt(action: str, resource: str, effect: str = "Allow") -> str:
    return f"              - Effect: {effect}\n                Action: {action}\n                Resource: {resource}\n"


GRANTED = [
    ("sub-region", stmt("bedrock:InvokeModel",
                        "!Sub 'arn:aws:bedrock:${AWS::Region}::foundation-model/amazon.nova-canvas-v1:0'")),
    ("literal-arn", stmt("bedrock:InvokeModel", NOVA_ARN)),
    ("bedrock-star", stmt("'bedrock:*'", "'*'")),
    ("star", stmt("'*'", "'*'")),
    ("invoke-glob-lowercase", stmt("['bedrock:invoke*']", "'arn:aws:bedrock:*::foundation-model/amazon.nova-*'")),
    ("join", stmt("bedrock:InvokeModel", "!Join ['', ['arn:aws:bedrock:', !Ref 'AWS::Region', "
                                         "'::foundation-model/amazon.nova-canvas-v1:0']]")),
    ("partition", stmt("bedrock:InvokeModel",
                       "!Sub 'arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0'")),
]


def test_grants_that_cover_the_model(tmp_path):
    texts = {name: template(statements) for name, statements in GRANTED}
    found = judge_all(tmp_path, texts)
    assert set(found) == set(texts)
    for name, r in found.items():
        assert r["status"] == "pass", (name, r["message"])
        assert NOVA_ARN in r["message"]
        assert r["location"]["line"] == line_of(texts[name], "- Effect: Allow"), name


MISSING = [
    ("other-model", stmt("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-*")),
    ("other-region", stmt("bedrock:InvokeModel", "arn:aws:bedrock:us-west-2::foundation-model/*")),
    ("other-action", stmt("bedrock:InvokeModelWithResponseStream", "'*'")),
    ("not-action", "              - Effect: Allow\n                NotAction: 'bedrock:*'\n"
                   "                Resource: '*'\n"),
]


def test_missing_grants_point_at_the_role_policies(tmp_path):
    texts = {name: template(statements) for name, statements in MISSING}
    found = judge_all(tmp_path, texts)
    assert set(found) == set(texts)
    for name, r in found.items():
        assert r["status"] == "fail" and r["fix"]["id"] == "bedrock-model-access-denied", (name, r["message"])
        assert r["location"] == {"file": f"infrastructure/{name}.yaml", "line": line_of(texts[name], "Policies:")}
        assert "bedrock:InvokeModel" in r["message"] and NOVA_ARN in r["message"]
        assert NOVA_ARN in r["fix"]["snippet"]


def test_a_deny_takes_the_grant_back(tmp_path):
    text = template(stmt("'bedrock:*'", "'*'") + stmt("bedrock:InvokeModel", "'*'", effect="Deny"))
    r = judge(tmp_path, text)
    assert r["status"] == "fail" and "Deny" in r["message"]
    assert r["location"]["line"] == line_of(text, "- Effect: Deny")


def test_a_policy_resource_attached_to_the_role_counts(tmp_path):
    extra = ("  InvokePolicy:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: invoke\n"
             "      Roles: [!Ref TaskRole]\n      PolicyDocument:\n        Statement:\n"
             f"          - Effect: Allow\n            Action: bedrock:InvokeModel\n            Resource: {NOVA_ARN}\n")
    text = template(extra=extra)
    r = judge(tmp_path, text)
    assert r["status"] == "pass", r["message"]
    assert r["location"]["line"] == line_of(text, "          - Effect: Allow")


def test_aws_managed_bedrock_full_access_counts_and_unknown_managed_policies_are_not_judged(tmp_path):
    managed = "      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/AmazonBedrockFullAccess\n"
    assert judge(tmp_path / "a", template(policies=managed))["status"] == "pass"
    unknown = "      ManagedPolicyArns:\n        - arn:aws:iam::123456789012:policy/team-bedrock\n"
    r = judge(tmp_path / "b", template(policies=unknown))
    assert r["status"] == "skip" and "team-bedrock" in r["message"]


def test_a_task_without_a_role_points_at_its_properties(tmp_path):
    text = template(stmt("'bedrock:*'", "'*'"), role_line="")
    r = judge(tmp_path, text)
    assert r["status"] == "fail" and r["fix"]["id"] == "bedrock-model-access-denied"
    assert "without a TaskRoleArn" in r["message"]
    task_props = line_of(text, "Family: chat") - 1
    assert r["location"]["line"] == task_props


def test_a_task_without_a_role_but_with_keys_is_left_to_the_static_credentials_check(tmp_path):
    keys = "          Environment:\n            - {Name: AWS_BEARER_TOKEN_BEDROCK, Value: ABSKexample}\n"
    r = judge(tmp_path, template(stmt("'bedrock:*'", "'*'"), role_line="", container_extra=keys))
    assert r["status"] == "skip" and "cloudformation.static-credentials" in r["message"]


def test_a_role_that_is_not_in_the_template(tmp_path):
    text = template(stmt("'bedrock:*'", "'*'"), role_line="      TaskRoleArn: !GetAtt OtherRole.Arn\n")
    r = judge(tmp_path, text)
    assert r["status"] == "fail" and "OtherRole" in r["message"]
    assert r["location"]["line"] == line_of(text, "TaskRoleArn:")


def test_a_role_from_a_parameter_cannot_be_judged_offline(tmp_path):
    text = template(stmt("'bedrock:*'", "'*'"), role_line="      TaskRoleArn: !Ref TaskRoleArnParam\n",
                    parameters="  TaskRoleArnParam:\n    Type: String\n")
    r = judge(tmp_path, text)
    assert r["status"] == "skip" and "outside this template" in r["message"]
