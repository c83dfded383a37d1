"""The control plane through boto3's "bedrock" client: list / get / availability."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from emulator_fixtures import aws_env, bedrock, emu  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import CLAUDE, NOVA, TITAN2, boto_client, error_of


def _ids(answer) -> set[str]:
    return {m["modelId"] for m in answer["modelSummaries"]}


def test_list_image_models_in_us_east_1(bedrock):
    answer = bedrock.list_foundation_models(byOutputModality="IMAGE")
    assert _ids(answer) == {NOVA, TITAN2, "amazon.titan-image-generator-v1"}
    nova = next(m for m in answer["modelSummaries"] if m["modelId"] == NOVA)
    assert nova == {
        "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0",
        "modelId": NOVA,
        "modelName": "Nova Canvas",
        "providerName": "Amazon",
        "inputModalities": ["TEXT", "IMAGE"],
        "outputModalities": ["IMAGE"],
        "responseStreamingSupported": False,
        "customizationsSupported": [],
        "inferenceTypesSupported": ["ON_DEMAND", "PROVISIONED"],
        "modelLifecycle": {"status": "ACTIVE"},
    }


def test_list_filters(bedrock):
    assert _ids(bedrock.list_foundation_models(byProvider="Anthropic")) == {CLAUDE}
    assert CLAUDE not in _ids(bedrock.list_foundation_models(byInferenceType="ON_DEMAND"))
    claude = bedrock.list_foundation_models(byProvider="anthropic")["modelSummaries"][0]
    assert claude["inferenceTypesSupported"] == ["INFERENCE_PROFILE"]
    assert bedrock.list_foundation_models(byCustomizationType="FINE_TUNING")["modelSummaries"] == []


def test_list_follows_the_region():
    with BedrockEmulator(region="us-west-2") as e:
        ids = _ids(boto_client("bedrock", e).list_foundation_models(byOutputModality="IMAGE"))
        assert TITAN2 in ids and "stability.sd3-5-large-v1:0" in ids and NOVA not in ids


def test_get_legacy_model_lifecycle(bedrock):
    details = bedrock.get_foundation_model(modelIdentifier=TITAN2)["modelDetails"]
    assert details["modelId"] == TITAN2
    assert details["modelLifecycle"]["status"] == "LEGACY"
    assert details["modelLifecycle"]["endOfLifeTime"] == datetime(2026, 6, 30, tzinfo=timezone.utc)


def test_lifecycle_is_configurable_at_run_time(emu, bedrock):
    emu.set_model(NOVA, lifecycle="LEGACY", legacy_time="2026-01-15", end_of_life="2027-01-15T12:00:00Z",
                  public_extended_access_time="2026-07-15")  # fmt: skip
    life = bedrock.get_foundation_model(modelIdentifier=NOVA)["modelDetails"]["modelLifecycle"]
    assert life == {
        "status": "LEGACY",
        "endOfLifeTime": datetime(2027, 1, 15, 12, tzinfo=timezone.utc),
        "legacyTime": datetime(2026, 1, 15, tzinfo=timezone.utc),
        "publicExtendedAccessTime": datetime(2026, 7, 15, tzinfo=timezone.utc),
    }


def test_get_by_arn_and_unknown(bedrock):
    arn = f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"
    assert bedrock.get_foundation_model(modelIdentifier=arn)["modelDetails"]["modelArn"] == arn
    for bad in ("amazon.nova-canvas-v9:0", f"arn:aws:bedrock:eu-west-1::foundation-model/{NOVA}"):
        with pytest.raises(ClientError) as exc:
            bedrock.get_foundation_model(modelIdentifier=bad)
        assert error_of(exc) == (
            "ResourceNotFoundException",
            404,
            "Could not resolve the foundation model from the provided model identifier.",
        )


def test_get_model_not_offered_in_region():
    with BedrockEmulator(region="us-west-2") as e:
        with pytest.raises(ClientError) as exc:
            boto_client("bedrock", e).get_foundation_model(modelIdentifier=NOVA)
        assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)


def _availability(client, model_id):
    answer = client.get_foundation_model_availability(modelId=model_id)
    answer.pop("ResponseMetadata")
    return answer


def test_availability(emu, bedrock):
    assert _availability(bedrock, NOVA) == {
        "modelId": NOVA,
        "agreementAvailability": {"status": "AVAILABLE"},
        "authorizationStatus": "AUTHORIZED",
        "entitlementAvailability": "AVAILABLE",
        "regionAvailability": "AVAILABLE",
    }
    emu.set_model(NOVA, authorized=False, entitled=False, agreement="ERROR", agreement_error="no card on file")
    assert _availability(bedrock, NOVA) == {
        "modelId": NOVA,
        "agreementAvailability": {"status": "ERROR", "errorMessage": "no card on file"},
        "authorizationStatus": "NOT_AUTHORIZED",
        "entitlementAvailability": "NOT_AVAILABLE",
        "regionAvailability": "AVAILABLE",
    }
    with pytest.raises(ClientError) as exc:
        bedrock.get_foundation_model_availability(modelId="amazon.nova-canvas-v9:0")
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)


def test_availability_outside_the_models_regions():
    with BedrockEmulator(region="ap-northeast-1") as e:
        bedrock = boto_client("bedrock", e)
        assert _availability(bedrock, NOVA)["regionAvailability"] == "AVAILABLE"
        assert _availability(bedrock, TITAN2)["regionAvailability"] == "NOT_AVAILABLE"
        assert [r.operation for r in e.requests] == ["GetFoundationModelAvailability"] * 2


def test_control_plane_fault(emu, bedrock):
    emu.control_fault = "access-denied"
    with pytest.raises(ClientError) as exc:
        bedrock.list_foundation_models()
    assert error_of(exc) == (
        "AccessDeniedException",
        403,
        "User: arn:aws:iam::123456789012:user/canvas-doctor-emulator is not authorized to perform: "
        "bedrock:ListFoundationModels because no identity-based policy allows the bedrock:ListFoundationModels action",
    )
    emu.control_fault = "throttle"
    with pytest.raises(ClientError) as exc:
        bedrock.get_foundation_model(modelIdentifier=NOVA)
    assert error_of(exc)[:2] == ("ThrottlingException", 429)
    emu.control_fault = None
    assert bedrock.get_foundation_model(modelIdentifier=NOVA)["modelDetails"]["modelId"] == NOVA
    with pytest.raises(ValueError, match="unknown control_fault"):
        BedrockEmulator(control_fault="explode")
