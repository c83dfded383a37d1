"""A Bedrock emulator for tests: bedrock-runtime InvokeModel (Nova Canvas, Titan Image, Stability ...), the
bedrock control plane (ListFoundationModels, GetFoundationModel, GetFoundationModelAvailability)
and STS GetCallerIdentity, on one loopback HTTP server. Standard library only.

    from canvas_doctor_emulator import BedrockEmulator, ModelSettings
    with BedrockEmulator(region="us-east-1",
                         models={"amazon.nova-canvas-v1:0": ModelSettings(latency_s=0.2)}) as emu:
        boto3.client("bedrock-runtime", endpoint_url=emu.url, region_name="us-east-1")...
        emu.set_model("amazon.nova-canvas-v1:0", fault="access-denied")
        emu.requests[-1].auth  # "sigv4" | "bearer" | None

Its clock is the real time unless told otherwise (today="2026-01-15" or now=...), and each model follows
its published lifecycle on that day (lifecycle.py; Nova Canvas past its end of life from 2026-09-30);
lifecycle={model id: "ACTIVE" | "LEGACY" | "EOL"} forces one, e.g. testing.NOVA_BEFORE_END_OF_LIFE.

Point LiteLLM (1.108.7) at it with `aws_bedrock_runtime_endpoint: <emu.url>` (or `api_base:
<emu.url>`) in a deployment's litellm_params; it then posts to <emu.url>/model/<id>/invoke.

CLI: python -m canvas_doctor_emulator --port 0 [--config FILE.json] [--today YYYY-MM-DD]
     [--lifecycle MODEL_ID=ACTIVE|LEGACY|EOL ...]
"""

from .errors import ANSWER_FAULTS, ERROR_FAULTS, FAULTS, AwsError
from .lifecycle import Lifecycle, lifecycle_on
from .models import CATALOG, INHERIT, TITAN_SIZES, ModelSettings
from .png import make_png, png_is_valid, png_size
from .reqlog import RecordedRequest
from .runtime import STABILITY_SIZES
from .server import BedrockEmulator

__all__ = [
    "ANSWER_FAULTS",
    "CATALOG",
    "ERROR_FAULTS",
    "FAULTS",
    "INHERIT",
    "Lifecycle",
    "STABILITY_SIZES",
    "TITAN_SIZES",
    "AwsError",
    "BedrockEmulator",
    "ModelSettings",
    "RecordedRequest",
    "lifecycle_on",
    "make_png",
    "png_is_valid",
    "png_size",
]
