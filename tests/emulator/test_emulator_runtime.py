"""InvokeModel through real boto3: healthy images, Bedrock's validation, model identifiers."""

from __future__ import annotations

import base64
import json
import struct
import time

import pytest
from botocore.exceptions import ClientError

from emulator_fixtures import aws_env, emu, runtime  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import TITAN_SIZES, BedrockEmulator, png_is_valid
from canvas_doctor_emulator.testing import CLAUDE, NOVA, NOVA_BEFORE_END_OF_LIFE, TITAN2, error_of, invoke, nova_body
from canvas_doctor_emulator.testing import boto_client as client

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _ihdr(b64: str) -> tuple[int, int]:
    data = base64.b64decode(b64)
    assert data[:8] == PNG_SIG
    assert data[12:16] == b"IHDR"
    assert png_is_valid(data)
    return struct.unpack(">II", data[16:24])


def test_nova_healthy_generation_returns_pngs_of_the_requested_size(runtime, emu):
    out = invoke(runtime, NOVA, nova_body(width=1280, height=720, numberOfImages=3, quality="premium", seed=7))
    assert out["error"] is None
    assert len(out["images"]) == 3
    assert [_ihdr(i) for i in out["images"]] == [(1280, 720)] * 3
    assert len(set(out["images"])) == 3  # seed, seed+1, seed+2 give different pictures
    (rec,) = emu.requests
    assert (rec.method, rec.operation, rec.model_id, rec.resolved_model_id) == ("POST", "InvokeModel", NOVA, NOVA)
    assert rec.path == "/model/amazon.nova-canvas-v1%3A0/invoke"  # botocore quotes ':'
    assert rec.body["imageGenerationConfig"]["width"] == 1280
    assert (rec.auth, rec.auth_region, rec.auth_service, rec.status) == ("sigv4", "us-east-1", "bedrock", 200)


def test_nova_defaults_to_one_1024_square_image(runtime):
    out = invoke(runtime, NOVA, nova_body())
    assert [_ihdr(i) for i in out["images"]] == [(1024, 1024)]


def test_nova_large_image_is_fast(runtime):
    start = time.monotonic()
    out = invoke(runtime, NOVA, nova_body(width=4096, height=1024, seed=99))
    assert _ihdr(out["images"][0]) == (4096, 1024)
    assert time.monotonic() - start < 3


def _rejected(rt, model_id, body) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as exc:
        invoke(rt, model_id, body)
    return error_of(exc)


def test_stream_key_is_an_extraneous_key(runtime):
    assert _rejected(runtime, NOVA, nova_body(width=1024, height=1024, stream=False)) == (
        "ValidationException",
        400,
        "Malformed input request: #/imageGenerationConfig: extraneous key [stream] is not permitted, "
        "please reformat your input and try again.",
    )


def test_nova_prompt_longer_than_1024_characters(runtime):
    assert invoke(runtime, NOVA, nova_body("x" * 1024))["images"]
    assert _rejected(runtime, NOVA, nova_body("x" * 1025)) == (
        "ValidationException",
        400,
        "Malformed input request: #/textToImageParams/text: expected maxLength: 1024, actual: 1025, "
        "please reformat your input and try again.",
    )


@pytest.mark.parametrize(
    ("width", "height", "needle"),
    [
        (1000, 1000, "multiple of 16"),
        (4096, 4096, "at most 4194304 pixels"),
        (4096, 768, "aspect ratio"),
        (300, 1024, "#/imageGenerationConfig/width: 300 is not greater or equal to 320"),
        (1024, 4112, "#/imageGenerationConfig/height: 4112 is not less or equal to 4096"),
    ],
)
def test_nova_size_limits(runtime, width, height, needle):
    code, status, message = _rejected(runtime, NOVA, nova_body(width=width, height=height))
    assert (code, status) == ("ValidationException", 400)
    assert needle in message


def test_nova_edge_sizes_pass(runtime):
    for w, h in ((2048, 2048), (320, 1280), (4096, 1024)):
        assert _ihdr(invoke(runtime, NOVA, nova_body(width=w, height=h))["images"][0]) == (w, h)


def test_nova_schema_messages(runtime):
    def msg(body):
        return _rejected(runtime, NOVA, body)[2]

    assert msg(nova_body(numberOfImages=6)) == (
        "Malformed input request: #/imageGenerationConfig/numberOfImages: 6 is not less or equal to 5, "
        "please reformat your input and try again."
    )
    assert msg({"textToImageParams": {"text": "a"}}) == (
        "Malformed input request: #: required key [taskType] not found, please reformat your input and try again."
    )
    assert "#/taskType: PAINT is not a valid enum value" in msg({"taskType": "PAINT"})
    assert "#: required key [textToImageParams] not found" in msg({"taskType": "TEXT_IMAGE"})
    assert "#/imageGenerationConfig/width: expected type: Integer, found: String" in msg(nova_body(width="1024"))
    assert "#/imageGenerationConfig/quality: hd is not a valid enum value" in msg(nova_body(quality="hd"))


def test_stability_body_sent_to_a_nova_arn_is_rejected():
    """LiteLLM sends a Stability body when `model:` is an ARN without a base model (contract)."""
    arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123"
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(aliases={arn: NOVA}, lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        rt = client("bedrock-runtime", e)
        assert _rejected(rt, arn, {"text_prompts": [{"text": "a fox", "weight": 1}]}) == (
            "ValidationException",
            400,
            "Malformed input request: #: required key [taskType] not found#: extraneous key [text_prompts] is not "
            "permitted, please reformat your input and try again.",
        )
        assert _ihdr(invoke(rt, arn, nova_body(width=512, height=512))["images"][0]) == (512, 512)
        assert e.requests[-1].model_id == arn
        assert e.requests[-1].resolved_model_id == NOVA


def test_titan_v2_sizes_and_text_limit():
    with BedrockEmulator(region="us-west-2", now="2026-01-01T00:00:00Z") as e:
        rt = client("bedrock-runtime", e)
        body = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a fox"},
                "imageGenerationConfig": {"width": 1173, "height": 640, "numberOfImages": 2}}  # fmt: skip
        out = invoke(rt, TITAN2, body)
        assert out["error"] is None and [_ihdr(i) for i in out["images"]] == [(1173, 640)] * 2
        body["imageGenerationConfig"] = {"width": 1024, "height": 768}
        code, status, message = _rejected(rt, TITAN2, body)
        assert (code, status) == ("ValidationException", 400)
        assert message.startswith("The image size 1024x768 is not supported by amazon.titan-image-generator-v2:0.")
        body = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "y" * 513}}
        assert _rejected(rt, TITAN2, body)[2] == (
            "Malformed input request: #/textToImageParams/text: expected maxLength: 512, actual: 513, "
            "please reformat your input and try again."
        )
        del body["textToImageParams"]["text"]
        body["textToImageParams"]["text"] = "ok"
        assert [_ihdr(i) for i in invoke(rt, TITAN2, body)["images"]] == [(1024, 1024)]
    assert len(TITAN_SIZES) == 25


def test_titan_v2_is_past_its_end_of_life_by_default(runtime):
    """AWS model card: end of life 2026-06-30; the emulator's clock is the real one by default."""
    body = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a fox"}}
    with BedrockEmulator(now="2026-07-01") as e:
        assert _rejected(client("bedrock-runtime", e), TITAN2, body) == (
            "ResourceNotFoundException",
            404,
            "This model version has reached the end of its life. Please refer to the AWS documentation for more "
            "details.",
        )
    with BedrockEmulator(now="2026-06-29T23:59:59Z") as e:
        assert invoke(client("bedrock-runtime", e), TITAN2, body)["images"]


@pytest.mark.parametrize("model_id", ["amazon.nova-canvas-v9:0", "us.amazon.nova-canvas-v1:0", "nova-canvas"])
def test_unknown_model_identifier(runtime, model_id):
    assert _rejected(runtime, model_id, nova_body()) == (
        "ValidationException",
        400,
        "The provided model identifier is invalid.",
    )


def test_model_not_offered_in_the_region():
    with BedrockEmulator(region="us-west-2") as e:
        rt = client("bedrock-runtime", e)
        assert _rejected(rt, NOVA, nova_body()) == (
            "ValidationException",
            400,
            "The provided model identifier is invalid.",
        )
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(region="eu-west-1", lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        assert invoke(client("bedrock-runtime", e), NOVA, nova_body(width=512, height=512))["images"]


def test_foundation_model_arn(runtime):
    arn = f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"
    assert _ihdr(invoke(runtime, arn, nova_body(width=640, height=640))["images"][0]) == (640, 640)
    other = f"arn:aws:bedrock:us-west-2::foundation-model/{NOVA}"
    assert _rejected(runtime, other, nova_body())[2] == "The provided model identifier is invalid."


def test_claude_needs_an_inference_profile(runtime, emu):
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
            "messages": [{"role": "user", "content": "hi"}]}  # fmt: skip
    assert _rejected(runtime, CLAUDE, body) == (
        "ValidationException",
        400,
        "Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand throughput isn\u2019t "
        "supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
    )
    out = invoke(runtime, f"us.{CLAUDE}", body)
    assert out["content"][0]["type"] == "text" and out["stop_reason"] == "end_turn"
    assert emu.requests[-1].resolved_model_id == CLAUDE
    assert _rejected(runtime, f"eu.{CLAUDE}", body)[2] == "The provided model identifier is invalid."
    del body["max_tokens"]
    assert "#: required key [max_tokens] not found" in _rejected(runtime, f"us.{CLAUDE}", body)[2]


def test_converse_for_text_and_image_models(runtime):
    out = runtime.converse(modelId="us.amazon.nova-lite-v1:0", messages=[{"role": "user", "content": [{"text": "hi"}]}])
    assert out["output"]["message"]["content"][0]["text"]
    assert out["stopReason"] == "end_turn"
    with pytest.raises(ClientError) as exc:
        runtime.converse(modelId=NOVA, messages=[{"role": "user", "content": [{"text": "hi"}]}])
    assert error_of(exc)[:2] == ("ValidationException", 400)
    assert "doesn't support the model" in error_of(exc)[2]


def test_body_that_is_not_json(runtime):
    with pytest.raises(ClientError) as exc:
        runtime.invoke_model(modelId=NOVA, body=b"prompt=a cat")
    code, status, message = error_of(exc)
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("Malformed input request: ")


def test_request_log_is_thread_safe_and_keeps_no_secret(emu, runtime):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: invoke(runtime, NOVA, nova_body(width=320, height=320)), range(16)))
    log = emu.wait_for_requests(16, timeout=5)
    assert len(log) == 16 and all(r.status == 200 for r in log)
    dump = json.dumps([r.to_dict() for r in log])
    assert "testing-secret" not in dump and "Signature=" not in dump
    assert all("Authorization" not in r.headers and "authorization" not in r.headers for r in log)
    assert len(emu.invocations(NOVA)) == 16
    emu.clear_requests()
    assert emu.requests == []
