"""Per-model faults, latency, access and lifecycle answers, as botocore sees them."""

from __future__ import annotations

import base64
import json
import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from emulator_fixtures import aws_env, emu, runtime  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import ERROR_FAULTS, FAULTS, BedrockEmulator, ModelSettings, png_size
from canvas_doctor_emulator.testing import NOVA, boto_client, error_of, invoke, nova_body

EXPECTED = {
    "access-denied": ("AccessDeniedException", 403, "You don't have access to the model with the specified model ID."),
    "throttle": ("ThrottlingException", 429, "Too many requests, please wait before trying again."),
    "validation": ("ValidationException", 400, "Malformed input request: please reformat your input and try again."),
    "not-found": ("ResourceNotFoundException", 404,
                  "This model version has reached the end of its life. Please refer to the AWS documentation for "
                  "more details."),
    "end-of-life": ("ResourceNotFoundException", 404,
                    "This model version has reached the end of its life. Please refer to the AWS documentation for "
                    "more details."),
    "legacy-unused": ("ResourceNotFoundException", 404,
                      "Access denied. This Model is marked by provider as Legacy and you have not been actively using "
                      "the model in the last 30 days. Please upgrade to an active model on Amazon Bedrock"),
    "model-timeout": ("ModelTimeoutException", 408,
                      "Model has timed out in processing the request. Try your request again."),
    "internal": ("InternalServerException", 500,
                 "The system encountered an unexpected error during processing. Try your request again."),
    "unavailable": ("ServiceUnavailableException", 503, "Bedrock is unable to process your request."),
    "quota": ("ServiceQuotaExceededException", 400, ERROR_FAULTS["quota"][2]),
    "model-not-ready": ("ModelNotReadyException", 429, ERROR_FAULTS["model-not-ready"][2]),
    "model-error": ("ModelErrorException", 424, ERROR_FAULTS["model-error"][2]),
    "content-filtered": ("ValidationException", 400,
                         "This request has been blocked by our content filters. Please adjust your text prompt to "
                         "submit a new request."),
}  # fmt: skip


def test_every_error_fault_is_covered():
    assert set(EXPECTED) == set(ERROR_FAULTS)


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_error_fault_reaches_botocore(emu, runtime, fault):
    emu.set_model(NOVA, fault=fault)
    with pytest.raises(ClientError) as exc:
        invoke(runtime, NOVA, nova_body())
    assert error_of(exc) == EXPECTED[fault]
    rec = emu.requests[-1]
    assert (rec.status, rec.error_code) == (EXPECTED[fault][1], EXPECTED[fault][0])
    assert rec.resolved_model_id == NOVA


def test_error_headers_are_restjson1(emu):
    """Raw answer: x-amzn-ErrorType with the coral namespace, a request id, {"message": ...}."""
    import urllib.error
    import urllib.request

    emu.set_model(NOVA, fault="access-denied")
    req = urllib.request.Request(
        f"{emu.url}/model/{NOVA}/invoke",
        data=nova_body().encode(),
        method="POST",
        headers={"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/bedrock/aws4_request, "
                                  "SignedHeaders=host, Signature=00"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=5)
    err = exc.value
    assert err.code == 403
    assert err.headers["x-amzn-ErrorType"] == (
        "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/"
    )
    assert err.headers["x-amzn-RequestId"]
    assert json.loads(err.read()) == {"message": "You don't have access to the model with the specified model ID."}


def test_validation_fault_message_is_configurable(emu, runtime):
    emu.set_model(NOVA, fault="validation", validation_message="Malformed input request: custom.")
    with pytest.raises(ClientError) as exc:
        invoke(runtime, NOVA, nova_body())
    assert error_of(exc) == ("ValidationException", 400, "Malformed input request: custom.")


def test_fault_times_heals_after_n_calls(emu, runtime):
    emu.set_model(NOVA, fault="throttle", fault_times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as exc:
            invoke(runtime, NOVA, nova_body())
        assert error_of(exc)[0] == "ThrottlingException"
    assert invoke(runtime, NOVA, nova_body(width=320, height=320))["images"]
    assert emu.settings(NOVA).fault is None


def test_answer_faults(emu, runtime):
    emu.set_model(NOVA, fault="no-images")
    assert invoke(runtime, NOVA, nova_body()) == {"images": [], "error": None}
    emu.set_model(NOVA, fault="output-filtered")
    assert invoke(runtime, NOVA, nova_body()) == {
        "images": [],
        "error": "All of the generated images have been blocked by our content filters.",
    }
    emu.set_model(NOVA, fault="bad-image")
    (img,) = invoke(runtime, NOVA, nova_body())["images"]
    assert png_size(base64.b64decode(img)) is None
    emu.set_model(NOVA, fault="wrong-size")
    (img,) = invoke(runtime, NOVA, nova_body(width=1024, height=768))["images"]
    assert png_size(base64.b64decode(img)) == (512, 384)
    emu.set_model(NOVA, fault="malformed-json")
    raw = runtime.invoke_model(modelId=NOVA, body=nova_body())["body"].read()
    with pytest.raises(ValueError):
        json.loads(raw)


def test_drop_fault_closes_the_connection(emu, runtime):
    emu.set_model(NOVA, fault="drop")
    with pytest.raises(ConnectionClosedError):
        invoke(runtime, NOVA, nova_body())
    assert emu.requests[-1].status is None and emu.requests[-1].error_code == "drop"


def test_latency(emu, runtime):
    emu.set_model(NOVA, latency_s=0.4)
    start = time.monotonic()
    invoke(runtime, NOVA, nova_body(width=320, height=320))
    assert time.monotonic() - start >= 0.4
    emu.set_model(NOVA, latency_s=0.0)
    start = time.monotonic()
    invoke(runtime, NOVA, nova_body(width=320, height=320))
    assert time.monotonic() - start < 0.4


def test_latency_meets_a_client_timeout(emu):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ReadTimeoutError

    emu.set_model(NOVA, latency_s=2.0)
    rt = boto3.client(
        "bedrock-runtime",
        endpoint_url=emu.url,
        region_name="us-east-1",
        config=Config(read_timeout=0.3, retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ReadTimeoutError):
        invoke(rt, NOVA, nova_body())


def test_model_access_and_agreement(emu, runtime):
    denied = ("AccessDeniedException", 403, "You don't have access to the model with the specified model ID.")
    for change in ({"authorized": False}, {"entitled": False}, {"agreement": "PENDING"}):
        emu.reset_model(NOVA)
        emu.set_model(NOVA, **change)
        with pytest.raises(ClientError) as exc:
            invoke(runtime, NOVA, nova_body())
        assert error_of(exc) == denied, change
    emu.reset_model(NOVA)
    assert invoke(runtime, NOVA, nova_body(width=320, height=320))["images"]


def test_end_of_life_follows_settings_and_clock():
    with BedrockEmulator(now="2027-01-01", models={NOVA: ModelSettings(end_of_life="2026-12-31")}) as e:
        rt = boto_client("bedrock-runtime", e)
        with pytest.raises(ClientError) as exc:
            invoke(rt, NOVA, nova_body())
        assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)
        e.set_model(NOVA, end_of_life=None)
        assert invoke(rt, NOVA, nova_body(width=320, height=320))["images"]


def test_settings_validation():
    with pytest.raises(ValueError, match="unknown fault"):
        BedrockEmulator(models={NOVA: ModelSettings(fault="explode")})
    with pytest.raises(ValueError, match="lifecycle"):
        BedrockEmulator(models={NOVA: {"lifecycle": "RETIRED"}})
    with pytest.raises(TypeError):
        ModelSettings(colour="red")
    assert "drop" in FAULTS and "throttle" in FAULTS
