"""The Stability text-to-image models (Stable Image Core 1.1, SD 3.5 Large, Stable Image Ultra 1.1) through
real boto3: request validation per AWS's model parameter pages, the answer shape and the filter finish reasons."""

from __future__ import annotations

import base64

import pytest
from botocore.exceptions import ClientError

from emulator_fixtures import aws_env  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import BedrockEmulator, png_is_valid, png_size
from canvas_doctor_emulator.testing import CORE, SD35, ULTRA, boto_client, error_of, invoke

STABILITY = [CORE, SD35, ULTRA]


@pytest.fixture(scope="module")
def west():
    with BedrockEmulator(region="us-west-2") as e:
        yield e


@pytest.fixture
def rt(west, aws_env):  # noqa: F811
    return boto_client("bedrock-runtime", west)


def _png(b64: str) -> tuple[int, int]:
    data = base64.b64decode(b64)
    assert png_is_valid(data)
    return png_size(data)


def _malformed(rt, model_id: str, body: dict) -> str:
    with pytest.raises(ClientError) as exc:
        invoke(rt, model_id, body)
    code, status, message = error_of(exc)
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("Malformed input request: ") and message.endswith(", please reformat your input and try again.")
    return message[len("Malformed input request: "):-len(", please reformat your input and try again.")]


@pytest.mark.parametrize("model_id", STABILITY)
def test_the_body_litellm_sends_gives_one_1024x1024_png(rt, model_id):
    """LiteLLM 1.108.7 with drop_params sends {"prompt": ...} only."""
    out = invoke(rt, model_id, {"prompt": "a lighthouse at dusk"})
    assert set(out) == {"seeds", "finish_reasons", "images"}
    assert out["finish_reasons"] == [None] and len(out["seeds"]) == 1 and isinstance(out["seeds"][0], int)
    assert [_png(i) for i in out["images"]] == [(1024, 1024)]


@pytest.mark.parametrize(("ratio", "size"), [("16:9", (1344, 768)), ("9:21", (640, 1536)), ("1:1", (1024, 1024))])
def test_aspect_ratio_seed_and_output_format(rt, ratio, size):
    out = invoke(rt, CORE, {"prompt": "a fox", "aspect_ratio": ratio, "seed": 42, "output_format": "png",
                            "negative_prompt": "blurry"})  # fmt: skip
    assert out["seeds"] == [42] and _png(out["images"][0]) == size


def test_sd35_takes_mode(rt):
    assert invoke(rt, SD35, {"prompt": "a fox", "mode": "text-to-image"})["images"]
    assert _malformed(rt, SD35, {"prompt": "a fox", "mode": "image-to-image"}) == (
        "#: required key [image] not found#: required key [strength] not found")
    assert _malformed(rt, CORE, {"prompt": "a fox", "mode": "image-to-image"}) == (
        "#/mode: image-to-image is not a valid enum value")


@pytest.mark.parametrize("model_id", STABILITY)
def test_request_validation(rt, model_id):
    assert _malformed(rt, model_id, {"text_prompts": [{"text": "a fox"}]}) == (
        "#: required key [prompt] not found#: extraneous key [text_prompts] is not permitted")
    assert _malformed(rt, model_id, {"prompt": "x" * 10001}) == "#/prompt: expected maxLength: 10000, actual: 10001"
    assert invoke(rt, model_id, {"prompt": "x" * 10000})["images"]
    assert _malformed(rt, model_id, {"prompt": "a fox", "aspect_ratio": "4:3"}) == (
        "#/aspect_ratio: 4:3 is not a valid enum value")
    assert _malformed(rt, model_id, {"prompt": "a fox", "output_format": "gif"}) == (
        "#/output_format: gif is not a valid enum value")
    assert _malformed(rt, model_id, {"prompt": "a fox", "seed": 4294967296}) == (
        "#/seed: 4294967296 is not less or equal to 4294967295")
    assert _malformed(rt, model_id, {"prompt": "a fox", "seed": -1}) == "#/seed: -1 is not greater or equal to 0"
    # What LiteLLM would send without drop_params if it forwarded the OpenAI parameters:
    assert _malformed(rt, model_id, {"prompt": "a fox", "n": 1, "size": "512x512"}) == (
        "#: extraneous key [n] is not permitted#: extraneous key [size] is not permitted")


def test_content_filter_answers_with_a_finish_reason(west, rt):
    west.set_model(CORE, fault="content-filtered", fault_times=1)
    assert invoke(rt, CORE, {"prompt": "something filtered"}) == {"finish_reasons": ["Filter reason: prompt"]}
    west.set_model(CORE, fault="output-filtered", fault_times=1)
    assert invoke(rt, CORE, {"prompt": "a fox"}) == {"finish_reasons": ["Filter reason: output image"]}
    assert invoke(rt, CORE, {"prompt": "a fox"})["finish_reasons"] == [None]  # healed


def test_the_control_plane_lists_them_as_active_image_models(west):
    listed = boto_client("bedrock", west).list_foundation_models(byOutputModality="IMAGE")["modelSummaries"]
    by_id = {m["modelId"]: m for m in listed}
    assert set(STABILITY) <= set(by_id)
    for model_id in STABILITY:
        assert by_id[model_id]["modelLifecycle"] == {"status": "ACTIVE"}
        assert by_id[model_id]["providerName"] == "Stability AI"
        assert "ON_DEMAND" in by_id[model_id]["inferenceTypesSupported"]


def test_a_region_in_the_endpoint_path_serves_that_region(aws_env):  # noqa: F811
    """One emulator for a stack with deployments in two regions: endpoint http://127.0.0.1:PORT/us-west-2."""
    with BedrockEmulator(region="us-east-1") as e:

        class West:
            url, region, ca_file = f"{e.url}/us-west-2", "us-west-2", None

        out = invoke(boto_client("bedrock-runtime", West), CORE, {"prompt": "a fox"})
        assert _png(out["images"][0]) == (1024, 1024)
        assert e.requests[-1].path == f"/us-west-2/model/{CORE.replace(':', '%3A')}/invoke"
        listed = boto_client("bedrock", West).list_foundation_models(byOutputModality="IMAGE")["modelSummaries"]
        assert CORE in {m["modelId"] for m in listed}
        with pytest.raises(ClientError) as exc:  # the emulator's own region has no Stability model
            invoke(boto_client("bedrock-runtime", e), CORE, {"prompt": "a fox"})
        assert error_of(exc) == ("ValidationException", 400, "The provided model identifier is invalid.")
