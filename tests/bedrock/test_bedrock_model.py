"""bedrock.model-access and bedrock.model-lifecycle through the real CLI against the emulator's
control plane (GetFoundationModelAvailability, GetFoundationModel, ListFoundationModels)."""
from __future__ import annotations

from bedrock_helpers import copy_stack, doctor, one
from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import NOVA, NOVA_BEFORE_END_OF_LIFE, TITAN2

ACCESS = "bedrock.model-access"
LIFECYCLE = "bedrock.model-lifecycle"
NOVA_ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"


def test_healthy_model_passes_both(emu, env):
    run = doctor(emu, env, region="us-east-1")
    assert one(run, ACCESS)["status"] == "pass"
    assert one(run, ACCESS)["data"]["authorization"] == "AUTHORIZED"
    life = one(run, LIFECYCLE)
    assert life["status"] == "pass" and life["data"]["lifecycle"] == "ACTIVE"
    ops = [q.operation for q in emu.requests]
    assert "GetFoundationModelAvailability" in ops and "GetFoundationModel" in ops


def test_not_authorized_names_the_iam_action_and_the_model_arn(emu, env):
    emu.set_model(NOVA, authorized=False)
    run = doctor(emu, env, region="us-east-1")
    r = one(run, ACCESS)
    assert run.code == 1
    assert r["status"] == "fail" and r["fix"]["id"] == "bedrock-model-access-denied"
    assert "NOT_AUTHORIZED" in r["message"]
    assert "bedrock:InvokeModel" in r["message"] and NOVA_ARN in r["message"]
    assert r["fix"]["snippet"].strip() == f"- Effect: Allow\n  Action: bedrock:InvokeModel\n  Resource: {NOVA_ARN}"
    # One root cause, one failure: the paid generation does not run.
    assert one(run, "bedrock.generate")["status"] == "skip"
    assert emu.invocations() == []


def test_a_pending_agreement_denies_access(emu, env):
    emu.set_model(NOVA, agreement="PENDING", agreement_error="Accept the model's EULA")
    r = one(doctor(emu, env, region="us-east-1"), ACCESS)
    assert r["fix"]["id"] == "bedrock-model-access-denied"
    assert "PENDING" in r["message"] and "Accept the model's EULA" in r["message"]


def test_a_region_without_the_model_points_at_aws_region_name(env, tmp_path):
    """The deployment calls us-west-2, where Nova Canvas is not offered."""
    project = copy_stack(tmp_path / "stack", **{"litellm-image-config.yaml": "us-east-1=>us-west-2"})
    with BedrockEmulator(region="us-west-2") as e:
        run = doctor(e, env, project=project)
    r = one(run, ACCESS)
    assert r["status"] == "fail" and r["fix"]["id"] == "bedrock-region-unsupported"
    assert "not offered in us-west-2" in r["message"] and "us-east-1, eu-west-1, ap-northeast-1" in r["message"]
    assert r["location"] == {"file": "litellm-image-config.yaml", "line": 7}
    assert one(run, LIFECYCLE)["status"] == "skip"


def test_a_legacy_model_warns_with_its_end_of_life_date(emu, env):
    emu.set_model(TITAN2, end_of_life="2099-06-30T00:00:00Z")
    run = doctor(emu, env, "--model", "titan-image", region="us-east-1")
    r = one(run, LIFECYCLE)
    assert r["status"] == "warn" and r["fix"]["id"] == "bedrock-model-legacy"
    assert "2099-06-30" in r["message"] and "2099-06-30" in r["fix"]["title"]
    # Bedrock's answer wins over the shipped date, and the report says where the data was wrong.
    assert "canvas-doctor's shipped data says end of life 2026-06-30; Bedrock says 2099-06-30, and wins" in r["message"]
    assert r["location"] == {"file": "litellm-image-config.yaml", "line": 14}  # its `model:` line
    assert run.code == 0  # a warning only


def test_a_model_past_its_end_of_life_offers_the_active_image_models(emu, env):
    emu.set_model(TITAN2, end_of_life="2026-06-30T00:00:00Z")  # the AWS model card's date; today is past it
    run = doctor(emu, {**env, "CANVAS_DOCTOR_TODAY": "2026-12-01"}, "--model", "titan-image", region="us-east-1")
    r = one(run, LIFECYCLE)
    assert r["status"] == "fail" and r["fix"]["id"] == "bedrock-model-end-of-life"
    assert "2026-06-30" in r["message"]
    assert r["data"]["alternatives"] == [f"{NOVA} (Nova Canvas)"]
    assert NOVA in r["fix"]["steps"][0]


def test_a_model_without_on_demand_needs_an_inference_profile(emu, env):
    emu.set_model(NOVA, on_demand=False, inference_profiles=["us"])
    run = doctor(emu, env, region="us-east-1")
    r = one(run, LIFECYCLE)
    assert r["status"] == "fail" and r["fix"]["id"] == "bedrock-inference-profile-required"
    assert f"us.{NOVA}" in r["message"]
    assert r["fix"]["snippet"] == f"model: bedrock/us.{NOVA}"
    assert r["location"] == {"file": "litellm-image-config.yaml", "line": 6}


def test_an_identity_that_may_not_read_the_control_plane_gets_a_warning(env):
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(region="us-east-1", control_fault="access-denied", lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        run = doctor(e, env, only="bedrock,bedrock.generate", region="us-east-1")
    r = one(run, ACCESS)
    assert r["status"] == "warn" and r["fix"]["id"] == "bedrock-model-access-denied"
    assert "bedrock:GetFoundationModelAvailability" in r["message"]
    # the generation is still the final word
    assert one(run, "bedrock.generate")["status"] == "pass"


def test_without_get_foundation_model_availability_it_falls_back_to_get_foundation_model(emu, env, monkeypatch):
    """botocore before 1.38.43 has no GetFoundationModelAvailability (in process: the CLI cannot swap botocore)."""
    from bedrock_helpers import HEALTHY
    from canvas_doctor.api import Status
    from canvas_doctor.aws_client import Aws
    from canvas_doctor.checks.bedrock_access import model_access
    from canvas_doctor.settings import Settings
    from canvas_doctor.stack.discover import discover

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.setenv(name, env[name])

    class OlderBotocore(Aws):
        def has_operation(self, service: str, operation: str) -> bool:
            return False

    from helpers import PRE_EOL
    from datetime import date

    aws = OlderBotocore(Settings(project=HEALTHY, bedrock_endpoint=emu.url, today=date.fromisoformat(PRE_EOL)),
                        discover(HEALTHY))
    result = model_access(aws)
    assert result.status is Status.PASS and "no GetFoundationModelAvailability" in result.message
    assert [q.operation for q in emu.requests] == ["GetFoundationModel"]
    emu.set_model(NOVA, regions=["eu-west-1"])
    result = model_access(aws)
    assert result.status is Status.FAIL and result.fix_id == "bedrock-region-unsupported"
    aws.close()
