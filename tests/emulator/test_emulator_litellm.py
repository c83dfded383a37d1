"""The real LiteLLM (the version in play, testbed.versions; its own venv) generating images through the emulator.

Confirms that the emulator accepts exactly what LiteLLM sends: the URL path, headers and body of
litellm/llms/bedrock/image_generation/image_handler.py, reached with `aws_bedrock_runtime_endpoint`
or a full-URL `api_base`. Importing LiteLLM takes about 6 s, so this runs only when selected:
    pytest tests/emulator -m services
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from emulator_fixtures import aws_env  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import DUMMY_API_KEY, NOVA, NOVA_BEFORE_END_OF_LIFE, TITAN2
from testbed.versions import litellm_version

VERSION = litellm_version()
CACHE = Path(os.environ.get("CANVAS_DOCTOR_CACHE", Path.home() / ".cache" / "canvas-doctor"))
PYTHON = CACHE / "venvs" / f"litellm-{VERSION}" / "bin" / "python"
ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/nova123"

SCRIPT = r"""
import base64, json, struct, sys
import litellm
url = sys.argv[1]
sig = {"aws_region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing-secret"}
cases = {
    "endpoint": dict(model="bedrock/amazon.nova-canvas-v1:0", size="1024x576", n=2, aws_bedrock_runtime_endpoint=url, **sig),
    "api_base": dict(model="bedrock/amazon.nova-canvas-v1:0", size="512x512", api_base=url, **sig),
    "stream": dict(model="bedrock/amazon.nova-canvas-v1:0", size="512x512", stream=False, aws_bedrock_runtime_endpoint=url, **sig),
    "bearer": dict(model="bedrock/amazon.nova-canvas-v1:0", api_key=sys.argv[2], aws_bedrock_runtime_endpoint=url, aws_region_name="us-east-1"),
    "model_id": dict(model="bedrock/amazon.nova-canvas-v1:0", model_id=sys.argv[3], aws_bedrock_runtime_endpoint=url, **sig),
    "titan": dict(model="bedrock/amazon.titan-image-generator-v2:0", size="768x1152", aws_bedrock_runtime_endpoint=url, **sig),
    "denied": dict(model="bedrock/amazon.titan-image-generator-v1", aws_bedrock_runtime_endpoint=url, **sig),
}
for name, kw in cases.items():
    try:
        r = litellm.image_generation(prompt="a red fox in snow", **kw)
        sizes = [list(struct.unpack(">II", base64.b64decode(d.b64_json)[16:24])) for d in r.data]
        print(json.dumps({"case": name, "sizes": sizes}), flush=True)
    except Exception as e:
        print(json.dumps({"case": name, "status": getattr(e, "status_code", None), "error": str(e)[:400]}), flush=True)
"""


@pytest.mark.services
def test_litellm_image_generation_through_the_emulator(request, tmp_path):
    if not (PYTHON.parent.parent / ".complete").exists():
        pytest.skip(f"no LiteLLM {VERSION} venv at {PYTHON.parent.parent} (tests/testbed/install-services.sh litellm)")
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(aliases={ARN: NOVA}, lifecycle=NOVA_BEFORE_END_OF_LIFE) as emu:
        emu.set_model(TITAN2, end_of_life=None)
        emu.set_model("amazon.titan-image-generator-v1", authorized=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp_path),
                   NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")  # fmt: skip
        out = subprocess.run([str(PYTHON), "-c", SCRIPT, emu.url, DUMMY_API_KEY, ARN], capture_output=True,
                             text=True, timeout=120, env=env, cwd=tmp_path)  # fmt: skip
        results = {r["case"]: r for r in map(json.loads, (ln for ln in out.stdout.splitlines() if ln.startswith("{")))}
        assert set(results) == {"endpoint", "api_base", "stream", "bearer", "model_id", "titan", "denied"}, out.stderr
        assert results["endpoint"]["sizes"] == [[1024, 576], [1024, 576]]
        assert results["api_base"]["sizes"] == [[512, 512]]
        assert results["stream"]["status"] == 400
        assert "extraneous key [stream] is not permitted" in results["stream"]["error"]
        assert results["bearer"]["sizes"] == [[1024, 1024]]
        assert results["model_id"]["sizes"] == [[1024, 1024]]
        assert results["titan"]["sizes"] == [[768, 1152]]
        assert results["denied"]["status"] == 403
        assert "You don't have access to the model with the specified model ID." in results["denied"]["error"]

        log = {}
        for rec in emu.requests:
            log.setdefault(rec.model_id, []).append(rec)
        endpoint, api_base, stream, bearer = log[NOVA]
        # LiteLLM leaves ':' unquoted in a bare model id, quotes an ARN completely.
        assert endpoint.path == "/model/amazon.nova-canvas-v1:0/invoke"
        assert endpoint.body == {
            "textToImageParams": {"text": "a red fox in snow"},
            "taskType": "TEXT_IMAGE",
            "imageGenerationConfig": {"width": 1024, "height": 576, "numberOfImages": 2},
        }
        assert endpoint.headers["Content-Type"] == "application/json"
        assert (endpoint.auth, endpoint.auth_region, endpoint.auth_service) == ("sigv4", "us-east-1", "bedrock")
        assert api_base.path == endpoint.path and api_base.status == 200
        assert stream.body["imageGenerationConfig"] == {"width": 512, "height": 512, "stream": False}
        assert (stream.status, stream.error_code) == (400, "ValidationException")
        assert (bearer.auth, bearer.body["imageGenerationConfig"]) == ("bearer", {})
        (by_arn,) = log[ARN]
        assert by_arn.path == "/model/" + ARN.replace(":", "%3A").replace("/", "%2F") + "/invoke"
        assert by_arn.resolved_model_id == NOVA
        (titan,) = log[TITAN2]
        assert titan.body == {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": "a red fox in snow"},
            "imageGenerationConfig": {"width": 768, "height": 1152},
        }
        assert DUMMY_API_KEY not in json.dumps([r.to_dict() for r in emu.requests])
