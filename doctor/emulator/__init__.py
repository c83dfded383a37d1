"""A Bedrock emulator for tests: bedrock-runtime InvokeModel (Nova Canvas, Titan Image, ...), the
bedrock control plane (ListFoundationModels, GetFoundationModel, GetFoundationModelAvailability)
and STS GetCallerIdentity, on one loopback HTTP server. Standard library only.

    from canvas_doctor.emulator import BedrockEmulator, ModelSettings
    with BedrockEmulator(region="us-east-1",
                         models={"amazon.nova-canvas-v1:0": ModelSettings(latency_s=0.2)}) as emu:
        boto3.client("bedrock-runtime", endpoint_url=emu.url, region_name="us-east-1")...
        emu.set_model("amazon.nova-canvas-v1:0", fault="access-denied")
        emu.requests[-1].auth  # "sigv4" | "bearer" | None

Point LiteLLM (1.108.7) at it with `aws_bedrock_runtime_endpoint: <emu.url>` (or `api_base:
<emu.url>`) in a deployment's litellm_params; it then posts to <emu.url>/model/<id>/invoke.

CLI: python -m canvas_doctor.emulator --port 0 --config FILE.json
"""

from .errors import ANSWER_FAULTS, ERROR_FAULTS, FAULTS, AwsError
from .models import CATALOG, INHERIT, TITAN_SIZES, ModelSettings
from .png import make_png, png_is_valid, png_size
from .reqlog import RecordedRequest
from .server import BedrockEmulator

__all__ = [
    "ANSWER_FAULTS",
    "CATALOG",
    "ERROR_FAULTS",
    "FAULTS",
    "INHERIT",
    "TITAN_SIZES",
    "AwsError",
    "BedrockEmulator",
    "ModelSettings",
    "RecordedRequest",
    "make_png",
    "png_is_valid",
    "png_size",
]
