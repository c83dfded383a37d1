"""Helpers for tests that talk to the emulator with real boto3 (boto3 is imported lazily).

    from canvas_doctor_emulator.testing import NOVA, boto_client, invoke, nova_body, error_of
"""

from __future__ import annotations

import json
from typing import Any

from .server import BedrockEmulator

NOVA = "amazon.nova-canvas-v1:0"
TITAN2 = "amazon.titan-image-generator-v2:0"
TITAN1 = "amazon.titan-image-generator-v1"
CLAUDE = "anthropic.claude-3-5-sonnet-20241022-v2:0"
CORE = "stability.stable-image-core-v1:1"
SD35 = "stability.sd3-5-large-v1:0"
ULTRA = "stability.stable-image-ultra-v1:1"

# Nova Canvas is past its end of life (2026-09-30) on the real clock. A test (or demo) that needs it to
# generate rehearses the stack as it was before then with this lifecycle override:
#     BedrockEmulator(region="us-east-1", lifecycle=NOVA_BEFORE_END_OF_LIFE)
# (an override, not an earlier day, so the other models keep today's lifecycle and the doctor, which
# runs on the real clock, reads the same dates the emulator acts on). CLI: --lifecycle amazon.nova-canvas-v1:0=ACTIVE
NOVA_BEFORE_END_OF_LIFE = {NOVA: "ACTIVE"}
# A day on which Nova Canvas was still ACTIVE (before its Legacy date, about 2026-03-30), for tests
# that move the emulator's clock instead: BedrockEmulator(today=DAY_BEFORE_NOVA_LEGACY).
DAY_BEFORE_NOVA_LEGACY = "2026-01-15"

# Dummy credentials for SigV4 against the emulator (never valid anywhere else).
DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing-secret",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# A Bedrock API key of the right form (long-term keys start "ABSK").
DUMMY_API_KEY = "ABSKZW11bGF0b3Itb25seS1rZXk="


_LOADER = None


def _fresh_session():
    """A new boto3 Session (fresh credential lookup) sharing one botocore data loader (fast)."""
    global _LOADER
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    if _LOADER is None:
        _LOADER = core.get_component("data_loader")
    else:
        core.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=core)


def boto_client(service: str, emu: BedrockEmulator, region: str | None = None, retries: int = 1, **kw: Any):
    """A boto3 client on the emulator (no retries by default, the emulator's CA trusted).

    Each call uses a fresh boto3 Session, so credentials come from the environment as it is now
    (boto3's default session would keep the first credentials it found)."""
    from botocore.config import Config

    if emu.ca_file:
        kw.setdefault("verify", emu.ca_file)
    config = Config(retries={"total_max_attempts": retries, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    return _fresh_session().client(
        service, endpoint_url=emu.url, region_name=region or emu.region, config=config, **kw
    )


def nova_body(text: str = "a lighthouse at dusk", **config: Any) -> str:
    """A Nova Canvas TEXT_IMAGE body; keyword arguments go to imageGenerationConfig."""
    body: dict[str, Any] = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": text}}
    if config:
        body["imageGenerationConfig"] = config
    return json.dumps(body)


def invoke(rt, model_id: str, body: str | dict) -> dict:
    """InvokeModel and parse the JSON answer."""
    if isinstance(body, dict):
        body = json.dumps(body)
    answer = rt.invoke_model(modelId=model_id, body=body, contentType="application/json", accept="application/json")
    return json.loads(answer["body"].read())


def error_of(exc_info) -> tuple[str, int, str]:
    """(code, HTTP status, message) of a botocore ClientError (or a pytest ExceptionInfo of one)."""
    exc = getattr(exc_info, "value", exc_info)
    resp = exc.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"], resp["Error"]["Message"]
