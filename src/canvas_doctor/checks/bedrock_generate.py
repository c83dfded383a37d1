"""Checklist: does Bedrock itself generate an image? Tells an AWS fault from a proxy fault.

Runs one InvokeModel of the image model under test with the smallest valid request (Nova Canvas
320x320, the model card's minimum side; Titan Image v2 its smallest listed size), and only when
the generation through LiteLLM (check `generate.image`) failed, or when named by its id with --only
(`--only bedrock` is not enough: the runner's paid policy, canvas_doctor.policy). It
costs one image (about $0.04 with Nova Canvas). Bedrock's errors map to the contract's fix ids
(canvas_doctor.aws_client.classify); the image passes the same PNG validation as the proxy's.

Request and answer shapes: the Nova Canvas / Titan Image TEXT_IMAGE body
{"taskType": "TEXT_IMAGE", "textToImageParams": {"text"}, "imageGenerationConfig": {"numberOfImages",
"width", "height"}} -> {"images": [base64 PNG], "error": null | "..."} (AWS model cards; the same
body LiteLLM 1.108.7's amazon_nova_canvas_transformation.py builds).
"""
from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass
from typing import Any

from canvas_doctor.api import CHECK_ATTR, Result, Status, check, failed, passed, skipped
from canvas_doctor.aws_client import Aws, AwsCallError, classify
from canvas_doctor.checks.bedrock_access import ACCESS, CREDENTIALS, LIFECYCLE, fix_params
from canvas_doctor.facts import TITAN_V2_SIZES, image_model
from canvas_doctor.png_check import NotPng, png_info, save_image
from canvas_doctor.settings import Settings


# fixes declared by the rules that give them most (imported after this module's own)
from canvas_doctor.checks.bedrock_access import (
    AWS_CREDENTIALS_MISSING, BEDROCK_REGION_UNSUPPORTED, BEDROCK_THROTTLED, BEDROCK_INFERENCE_PROFILE_REQUIRED,
    BEDROCK_REQUEST_REJECTED, BEDROCK_SERVICE_ERROR,
)
from canvas_doctor.checks.cloudformation_iam import BEDROCK_MODEL_ACCESS_DENIED
from canvas_doctor.checks.generate import GENERATION_TIMEOUT, GENERATION_INVALID_IMAGE
from canvas_doctor.checks.litellm_config import LITELLM_STREAM_KEY_REJECTED
from canvas_doctor.checks.model_lifecycle import BEDROCK_MODEL_END_OF_LIFE

GENERATE_ID = "generate.image"       # the generation through LiteLLM (checks/generate.py)
MAX_REQUEST_SECONDS = 300.0
PROMPT = "A lighthouse on a rocky coast at dusk (canvas-doctor direct Bedrock test)"
QUOTA = "Service Quotas > Amazon Bedrock > On-demand InvokeModel requests per minute for {name}"


@dataclass(frozen=True)
class ProxyOutcome:
    """What the generation through LiteLLM did in this run."""

    state: str        # "failed" | "worked" | "skipped" | "absent"
    message: str
    fix: str | None = None


def proxy_outcome(results: dict) -> ProxyOutcome:
    """What `generate.image` did (the runner ran it first: `after=`), summed up."""
    found = results.get(GENERATE_ID)
    if not found:
        return ProxyOutcome("absent", "the generation through LiteLLM is not part of this run")
    bad = [r for r in found if r.status in (Status.FAIL, Status.ERROR)]
    if bad:
        return ProxyOutcome("failed", bad[0].message, bad[0].fix_id)
    if all(r.status is Status.SKIP for r in found):
        return ProxyOutcome("skipped", found[0].message)
    return ProxyOutcome("worked", found[0].message)


def smallest_request(model_id: str) -> tuple[dict[str, Any], tuple[int, int]] | None:
    """The cheapest valid TEXT_IMAGE body for the model, and the size the PNG must have."""
    known = image_model(model_id)
    if known is not None and known.family == "stability":
        # The body LiteLLM 1.108.7 sends (amazon_stability3_transformation): the prompt only; the image
        # comes back at the model's own size for 1:1.
        w, h = (int(x) for x in known.default_size.split("x"))
        return {"prompt": PROMPT}, (w, h)
    if model_id.startswith("amazon.nova-canvas"):
        size = (320, 320)                       # facts: each side 320 to 4,096, multiples of 16
    elif model_id.startswith("amazon.titan-image-generator"):
        size = min(TITAN_V2_SIZES, key=lambda s: (s[0] * s[1], s[0]))  # 384x576
    else:
        return None
    body = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": PROMPT},
            "imageGenerationConfig": {"numberOfImages": 1, "width": size[0], "height": size[1]}}
    return body, size


def _first_image(raw: bytes) -> tuple[bytes | None, str | None, bool]:
    """(PNG bytes, why there are none, whether Bedrock's content filter said so)."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return None, f"the answer is not JSON ({raw[:60]!r})", False
    images = answer.get("images") if isinstance(answer, dict) else None
    error = answer.get("error") if isinstance(answer, dict) else None
    reasons = [r for r in (answer.get("finish_reasons") or []) if r] if isinstance(answer, dict) else []
    if reasons:  # Stability: a non-null finish reason ("Filter reason: prompt", ...) means no usable image
        return None, f"Bedrock's finish reason: {'; '.join(map(str, reasons))}", "filter" in str(reasons).lower()
    if not images:
        filtered = bool(error) and "filter" in str(error).lower()
        return None, f"the answer holds no image ({error or 'images is empty'})", filtered
    try:
        return base64.b64decode(images[0], validate=True), None, False
    except (binascii.Error, ValueError, TypeError):
        return None, "the image is not valid base64", False


def _cost(model_id: str) -> str:
    known = image_model(model_id)
    return f"about ${known.price_per_image:.2f} ({known.name} on demand)" if known else "one image billed"


def _refusal(aws: Aws, err: AwsCallError, proxy: ProxyOutcome, limit: float) -> Result:
    """A failed InvokeModel: Bedrock's own refusal, mapped to its fix."""
    m = aws.model
    quota = QUOTA.format(name=m.display_name)
    if err.kind == "timeout":
        return failed(f"Bedrock itself does not answer: no answer within {limit:g} s ({err})",
                      fix="generation-timeout", params=fix_params(aws), proxy=proxy.state, limit_s=limit)
    fault = classify(err, model_id=m.foundation_id, today=aws.settings.today)
    look = f"; look at {quota}" if fault.fix == "bedrock-throttled" else ""
    if proxy.state != "failed":
        relation = ""
    elif proxy.fix == fault.fix:
        relation = " The generation through LiteLLM fails for the same reason."
    else:
        relation = " Fix this before the proxy's failure."
    return failed(f"Bedrock itself refuses: {fault.summary}: {str(err).rstrip('. ')}{look}.{relation}",
                  fix=fault.fix, at=m.location if fault.fix == "bedrock-inference-profile-required" else None,
                  params=fix_params(aws, quota=quota), error_code=err.code, http_status=err.status,
                  proxy=proxy.state, model_id=m.invoke_id, region=aws.region.name)


def _gate(aws: Aws, settings: Settings, results: dict) -> tuple[ProxyOutcome, str | None]:
    """What the generation through LiteLLM did, and why not to call Bedrock (None: call it)."""
    absent = ProxyOutcome("absent", "")
    if aws.model.not_bedrock:
        return absent, aws.model.not_bedrock
    # A model check that failed already has Bedrock's answer: no paid call (one root cause, one failure).
    # One that could not look (a skip) does not stop it.
    known = [cid for cid in (ACCESS, LIFECYCLE)
             if any(r.status in (Status.FAIL, Status.ERROR) for r in results.get(cid) or [])]
    if known:
        return absent, f"skipped: {', '.join(known)} failed; Bedrock's answer is known without a paid call"
    proxy = proxy_outcome(results)
    if proxy.state == "failed" or settings.names(getattr(direct_generation, CHECK_ATTR).id):
        return proxy, None
    why = {"worked": "the generation through LiteLLM worked",
           "skipped": f"the generation through LiteLLM did not run ({proxy.message})"}.get(proxy.state, proxy.message)
    return proxy, f"{why}; the direct Bedrock call runs only when it fails, or with --only bedrock.generate"


def _judge(aws: Aws, settings: Settings, proxy: ProxyOutcome, raw: bytes, size: tuple[int, int],
           seconds: float) -> Result:
    """Bedrock's 200 answer: a PNG of the size asked for, or why not."""
    m = aws.model
    data, why, filtered = _first_image(raw)
    if data is None:
        if filtered:
            return failed(f"Bedrock itself refuses: its content filter blocked the test image ({why})",
                          fix="bedrock-request-rejected", params=fix_params(aws), proxy=proxy.state)
        return failed(f"Bedrock answered 200 in {seconds:.1f} s, but {why}", fix="generation-invalid-image",
                      params=fix_params(aws), proxy=proxy.state)
    keep = proxy.state != "worked"  # the generation through LiteLLM saved its own image
    saved = save_image(settings.save_image, data) if keep else ""
    try:
        info = png_info(data)
    except NotPng as err:
        return failed(f"Bedrock answered 200 in {seconds:.1f} s, but {err}{saved}", fix="generation-invalid-image",
                      params=fix_params(aws), bytes=len(data), proxy=proxy.state)
    if (info.width, info.height) != size:
        return failed(f"Bedrock returned a {info.size} image, not the {size[0]}x{size[1]} asked for{saved}",
                      fix="generation-invalid-image", params=fix_params(aws), size=info.size, proxy=proxy.state)
    summary = (f"{m.invoke_id} in {aws.region.name} returned a {info.size} PNG ({info.size_bytes} bytes) in "
               f"{seconds:.1f} s; cost {_cost(m.foundation_id)}{saved}")
    out = {"model_id": m.invoke_id, "region": aws.region.name, "seconds": round(seconds, 2), "size": info.size,
           "bytes": info.size_bytes, "saved": str(settings.save_image) if saved.startswith("; saved") else "",
           "proxy": proxy.state}
    if proxy.state == "failed":
        return passed(f"Bedrock works; the proxy is at fault: {summary}. The generation through LiteLLM failed: "
                      f"{proxy.message}", **out)
    return passed(f"Bedrock works: {summary}", **out)


@check(id="bedrock.generate", area="bedrock", title="Bedrock itself generates an image (direct InvokeModel)",
       needs=("aws", "paid"), depends_on=(CREDENTIALS,), after=(ACCESS, LIFECYCLE, GENERATE_ID),
       timeout=MAX_REQUEST_SECONDS + 30.0,
       fixes=(AWS_CREDENTIALS_MISSING, BEDROCK_INFERENCE_PROFILE_REQUIRED, BEDROCK_MODEL_ACCESS_DENIED, BEDROCK_MODEL_END_OF_LIFE, BEDROCK_REGION_UNSUPPORTED, BEDROCK_REQUEST_REJECTED, BEDROCK_SERVICE_ERROR, BEDROCK_THROTTLED, GENERATION_TIMEOUT, LITELLM_STREAM_KEY_REJECTED, GENERATION_INVALID_IMAGE), image_path=True)
def direct_generation(aws, settings, results):
    """One InvokeModel, only when the generation through LiteLLM failed or with --only (about $0.04)."""
    proxy, why_not = _gate(aws, settings, results)
    if why_not:
        return skipped(why_not)
    m = aws.model
    request = smallest_request(m.foundation_id)
    if request is None:
        return skipped(f"{m.foundation_id}: the direct generation knows the request formats of Nova Canvas, "
                       "Titan Image and the Stability text-to-image models only")
    body, size = request
    limit = max(1.0, min(settings.generation_timeout, MAX_REQUEST_SECONDS))
    t0 = time.monotonic()
    try:
        raw = aws.invoke_model(m.invoke_id, json.dumps(body).encode(), timeout=limit)
    except AwsCallError as err:
        return _refusal(aws, err, proxy, limit)
    return _judge(aws, settings, proxy, raw, size, time.monotonic() - t0)
