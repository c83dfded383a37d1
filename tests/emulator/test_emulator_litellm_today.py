"""Bedrock as it is today, through the real LiteLLM 1.108.7 proxy and through boto3: a Stability deployment
in us-west-2 draws (1024x1024 whatever size Open WebUI asks for), Nova Canvas on the real clock is past its
end of life, and Stability's content filter becomes a 400.

Measured here (LiteLLM 1.108.7), error.message of the proxy's answer:
- end of life: HTTP 404, 'litellm.NotFoundError: BedrockException - {"message": "This model version has
  reached the end of its life. Please refer to the AWS documentation for more details."}' followed by
  "\nLiteLLM: model group 'nova-canvas' failed with the error above. No fallback was attempted.";
- content filter (Bedrock 200, finish_reasons ["Filter reason: prompt"]): HTTP 400,
  "litellm.BadRequestError: BedrockException - Filter reason: prompt" (and the same model-group line).
"""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from emulator_fixtures import aws_env  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import BedrockEmulator, png_is_valid, png_size
from canvas_doctor_emulator.testing import CORE, NOVA, boto_client, error_of, invoke, nova_body
from testbed.litellm import Deployment, ProxySpec, start_litellm
from testbed import process
from testbed.versions import litellm_version

MSG_END_OF_LIFE = (
    "This model version has reached the end of its life. Please refer to the AWS documentation for more details."
)


@pytest.fixture(scope="module")
def today_stack(tmp_path_factory):
    """One emulator on the real clock, serving us-east-1 and (by the endpoint's path) us-west-2, and one
    proxy with a deployment in each region."""
    try:
        process.ensure_venv("litellm", litellm_version(), "litellm")
    except process.TestbedError as exc:
        pytest.skip(str(exc))
    root: Path = tmp_path_factory.mktemp("today")
    with BedrockEmulator(region="us-east-1") as emu:
        spec = ProxySpec(
            [
                Deployment("stable-image-core", f"bedrock/{CORE}", region="us-west-2",
                           params={"aws_bedrock_runtime_endpoint": f"{emu.url}/us-west-2"}),
                Deployment("nova-canvas", f"bedrock/{NOVA}", region="us-east-1"),
            ],
            drop_params=True,
            router_settings={"disable_cooldowns": True, "num_retries": 0},
        )  # fmt: skip
        config = root / "litellm-config.yaml"
        config.write_text(spec.config_text(emu.url))
        proxy = start_litellm(config, spec.environment())
        try:
            yield proxy, spec, emu
        finally:
            proxy.stop()


def _generate(proxy, spec, model: str) -> httpx.Response:
    """The request Open WebUI 0.12 sends to an OpenAI-compatible image endpoint."""
    body = {"model": model, "prompt": "a lighthouse at dusk", "n": 1, "size": "512x512", "response_format": "b64_json"}
    with httpx.Client(trust_env=False, timeout=60) as client:
        return client.post(f"{proxy.url}/v1/images/generations", json=body,
                           headers={"Authorization": f"Bearer {spec.master_key}"})  # fmt: skip


@pytest.mark.services
def test_stable_image_core_in_us_west_2_draws_a_1024x1024_png(today_stack):
    proxy, spec, west = today_stack
    west.clear_requests()
    answer = _generate(proxy, spec, "stable-image-core")
    assert answer.status_code == 200, answer.text
    (image,) = answer.json()["data"]
    data = base64.b64decode(image["b64_json"])
    assert png_is_valid(data) and png_size(data) == (1024, 1024)  # the model's own size, not the 512x512 asked
    (call,) = west.invocations(CORE)
    assert call.path == f"/us-west-2/model/{CORE}/invoke"  # the region in the endpoint's path
    assert call.body == {"prompt": "a lighthouse at dusk"}  # drop_params: n, size, response_format dropped
    assert (call.status, call.auth) == (200, "bearer")


@pytest.mark.services
def test_nova_canvas_today_is_past_its_end_of_life_through_litellm(today_stack):
    proxy, spec, east = today_stack
    answer = _generate(proxy, spec, "nova-canvas")
    assert answer.status_code == 404, answer.text
    message = answer.json()["error"]["message"]
    assert message.startswith(f'litellm.NotFoundError: BedrockException - {{"message": "{MSG_END_OF_LIFE}"}}'), message
    assert east.invocations(NOVA)[-1].status == 404


def test_nova_canvas_today_is_past_its_end_of_life_through_boto3():
    with BedrockEmulator(region="us-east-1") as e:
        with pytest.raises(ClientError) as exc:
            invoke(boto_client("bedrock-runtime", e), NOVA, nova_body())
        assert error_of(exc) == ("ResourceNotFoundException", 404, MSG_END_OF_LIFE)
        life = boto_client("bedrock", e).get_foundation_model(modelIdentifier=NOVA)["modelDetails"]["modelLifecycle"]
        assert life["status"] == "LEGACY" and f"{life['endOfLifeTime']:%Y-%m-%d}" == "2026-09-30"


@pytest.mark.services
def test_the_content_filter_is_a_400_through_litellm(today_stack):
    proxy, spec, west = today_stack
    west.set_model(CORE, fault="content-filtered", fault_times=1)
    answer = _generate(proxy, spec, "stable-image-core")
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]["message"]
    assert message.startswith("litellm.BadRequestError: BedrockException - Filter reason: prompt"), message
    assert west.invocations(CORE)[-1].status == 200  # Bedrock answered 200; LiteLLM made it a 400
