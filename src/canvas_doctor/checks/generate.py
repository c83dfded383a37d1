"""Checklist: one real image generation through the image proxy, exactly as Open WebUI asks for it.

Guide: "Method 2: Direct API Call" and "Error: Request timeout" (Nova Canvas takes 5-7 s, about
$0.04 an image). Open WebUI 0.12.4 (open_webui/routers/images.py, image_generations, engine
"openai") posts to {IMAGES_OPENAI_API_BASE_URL}/images/generations:
    {"model": IMAGE_GENERATION_MODEL, "prompt": ..., "n": 1, "size": IMAGE_SIZE (default "512x512"),
     "response_format": "b64_json"  (left out when the model matches IMAGE_URL_RESPONSE_MODELS_REGEX_PATTERN,
                                      default "^gpt-image"),
     **IMAGES_OPENAI_PARAMS (a JSON object, optional)}
and decodes data[0].b64_json. A failure is classified by canvas_doctor.litellm_errors: the proxy's
own refusals (model name, key, api_base, drop_params, credentials) or Bedrock's answers (access,
throttling, the `stream` key, timeouts, end of life, inference profiles).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from canvas_doctor.api import Location, Result, check, failed, passed, warned
from canvas_doctor.facts import ImageModel, image_model, lifecycle_params, parse_size, profile_prefix
from canvas_doctor.http import MAX_BODY, Answer, ProbeError, shorten
from canvas_doctor.litellm_client import Target
from canvas_doctor.litellm_errors import Diagnosis, diagnose
from canvas_doctor.openwebui_shows import sentence, user_sees
from canvas_doctor.png_check import NotPng, png_info, save_image
from canvas_doctor.settings import Settings
from canvas_doctor.stack.limits import litellm_limit, load_balancer_limits, openwebui_limit
from canvas_doctor.stack.model import Deployment, Stack
from canvas_doctor.versions import OPENWEBUI
from canvas_doctor.stack.queries import (WantedModel, deployment_image_model, deployment_region, param,
                                         wanted_image_model)
from canvas_doctor.fixes import Fix, OneOf


# -- the fixes this module's rules give (other rules import them from here) ----------------------
GENERATION_TIMEOUT = Fix(
    id="generation-timeout",
    title="Give image generation enough time",
    cause="The generation did not finish in time (Nova Canvas takes 5 to 7 seconds), or a timeout is set too low.",
    steps=(
        (
            "Raise request_timeout / timeout in the LiteLLM config and Open WebUI's AIOHTTP_CLIENT_TIMEOUT if "
            "set low"
        ),
        "Check Bedrock's latency with the bedrock checks",
    ),
    guide_section='Error: "Request timeout" or "Image generation takes too long"',
)

GENERATION_INVALID_IMAGE = Fix(
    id="generation-invalid-image",
    title="The generation did not return a valid image",
    cause="The answer was not a decodable PNG of the requested size.",
    steps=(
        OneOf(
            (
                "Call LiteLLM directly with the same body and read the answer: curl -X POST "
                "{url}/v1/images/generations ..."
            ),
            (
                "Call LiteLLM directly with the same body and read the answer: curl -X POST <proxy "
                "URL>/v1/images/generations ..."
            ),
        ),
        "Check IMAGE_SIZE against the model's allowed sizes",
    ),
    params=("url",),
)

# fixes declared by the rules that give them most (imported after this module's own)
from canvas_doctor.checks.bedrock_access import (
    AWS_CREDENTIALS_MISSING, BEDROCK_REGION_UNSUPPORTED, BEDROCK_THROTTLED, BEDROCK_INFERENCE_PROFILE_REQUIRED,
    BEDROCK_REQUEST_REJECTED, BEDROCK_SERVICE_ERROR,
)
from canvas_doctor.checks.cloudformation_iam import BEDROCK_MODEL_ACCESS_DENIED
from canvas_doctor.checks.litellm_config import (
    LITELLM_STREAM_KEY_REJECTED, LITELLM_API_BASE_INVALID, LITELLM_DROP_PARAMS_OFF,
)
from canvas_doctor.checks.litellm_live import (
    LITELLM_MODEL_NOT_FOUND, OPENWEBUI_API_KEY_MISMATCH, LITELLM_UNREACHABLE, LITELLM_UNHEALTHY,
)
from canvas_doctor.checks.model_lifecycle import BEDROCK_MODEL_END_OF_LIFE

PROMPT = "A lighthouse on a rocky coast at dusk, soft light (canvas-doctor test image)"
GUIDE_SECONDS = (5, 7)          # guide, "Performance Tuning": 5-7 seconds per image
SLOW_AFTER = 15.0               # slower than this (or half the time limit) is worth a warning
CHECK_TIMEOUT = 330.0           # the runner's limit; the request itself stops at settings.generation_timeout
MAX_REQUEST_SECONDS = 300.0
LIMIT_MARGIN = 2.0              # wait this much past Open WebUI's own timeout before calling it
OPENWEBUI_DEFAULT_SIZE = "512x512"
OPENWEBUI_URL_MODELS = "^gpt-image"


@dataclass(frozen=True)
class ImageRequest:
    body: dict[str, Any]
    expected: tuple[int, int] | None   # the size to find in the PNG, when the body names one
    model: WantedModel


def openwebui_request(stack: Stack, settings: Settings) -> ImageRequest:
    """The body Open WebUI 0.12.4 would send for this stack."""
    wanted = wanted_image_model(stack, settings.model)
    ow = stack.openwebui or next(iter(stack.openwebui_services), None)
    env = {name: s.value for name, s in ow.env.items()} if ow is not None else {}
    size = env.get("IMAGE_SIZE", OPENWEBUI_DEFAULT_SIZE)
    body: dict[str, Any] = {"model": wanted.name, "prompt": PROMPT, "n": 1}
    if size:
        body["size"] = size
    try:
        url_models = re.match(env.get("IMAGE_URL_RESPONSE_MODELS_REGEX_PATTERN", OPENWEBUI_URL_MODELS), wanted.name)
    except re.error:
        url_models = None
    if not url_models:
        body["response_format"] = "b64_json"
    try:
        extra = json.loads(env.get("IMAGES_OPENAI_PARAMS") or "{}")
    except ValueError:
        extra = {}
    if isinstance(extra, dict):
        body.update(extra)
    expected = parse_size(size) if size and size != "auto" else None
    model = _served_model(stack, wanted.name)
    if model is not None and not model.takes_size:
        expected = None  # Stability: LiteLLM sends no size; the image comes back at the model's own size
    return ImageRequest(body, expected, wanted)


def _served_model(stack: Stack, name: str) -> ImageModel | None:
    """The Bedrock image model the image proxy's deployment of `name` calls."""
    proxy = stack.image_proxy
    found = proxy.config.find(name) if proxy is not None and proxy.config is not None else []
    return next((m for m in (deployment_image_model(d) for d in found) if m), None)


def _deployment(target: Target, model: str) -> Deployment | None:
    cfg = target.proxy.config if target.proxy is not None else None
    found = cfg.find(model) if cfg is not None else []
    return found[0] if found else None


def _fix_params(target: Target, req: ImageRequest, dep: Deployment | None, today: date) -> dict[str, Any]:
    cfg = target.proxy.config if target.proxy is not None else None
    params: dict[str, Any] = {"service": target.name, "proxy": target.name,
                              "file": cfg.display if cfg else "litellm-config.yaml", "served": "",
                              "var": "IMAGES_OPENAI_API_KEY", "url": target.url}
    region = deployment_region(dep, target.proxy)[0] if dep is not None and target.proxy is not None else None
    params = lifecycle_params(dep.base_model_id if dep is not None else req.model.name, region, today, **params)
    params["model"] = req.model.name
    if dep is not None and target.proxy is not None:
        region = region or "us-east-1"
        model_id = dep.base_model_id
        known = image_model(model_id)
        params["regions"] = ", ".join(known.regions) if known else "a region that offers it"
        params.update(model_id=model_id, region=region, value=model_id, profile=profile_prefix(region) + model_id,
                      litellm_model=dep.model, aws_region_name=dep.params.get("aws_region_name"),
                      arn=f"arn:aws:bedrock:{region}::foundation-model/{model_id}")
        api_base, _ = param(dep, "api_base", target.proxy.service)
        if api_base:
            params["value"] = api_base
    return params


def _location(target: Target, req: ImageRequest, dep: Deployment | None, fix: str) -> Location | None:
    """The line to change for this fix."""
    cfg = target.proxy.config if target.proxy is not None else None
    if fix == "litellm-model-not-found":
        return req.model.location
    if fix == "openwebui-api-key-mismatch":
        return target.key_location
    if fix == "aws-credentials-missing" and target.proxy is not None and target.proxy.service is not None:
        return target.proxy.service.at("AWS_BEARER_TOKEN_BEDROCK")
    if cfg is None:
        return None
    if fix == "litellm-drop-params-off":
        ls = cfg.section("litellm_settings")
        if "drop_params" in ls:
            return cfg.at(ls.line_of("drop_params"))
        return dep.at() if dep is not None else cfg.at(None)
    if dep is None:
        return cfg.at(None)
    key = {"litellm-stream-key-rejected": "stream", "litellm-api-base-invalid": "api_base",
           "bedrock-inference-profile-required": "model", "bedrock-region-unsupported": "aws_region_name",
           "bedrock-model-end-of-life": "model",
           "generation-timeout": "timeout"}.get(fix)
    return dep.at(key)


def _timeout(settings: Settings) -> float:
    return max(1.0, min(settings.generation_timeout, MAX_REQUEST_SECONDS))


def _max_body(expected: tuple[int, int] | None) -> int:
    """Room for the base64 PNG: up to about 4 bytes a pixel, plus the JSON around it."""
    if expected is None:
        return 64 * 1024 * 1024
    w, h = expected
    return max(MAX_BODY, min(w * h * 4 + (1 << 20), 96 * 1024 * 1024))


def _failure(target: Target, req: ImageRequest, dep: Deployment | None, d: Diagnosis, status: int,
             today: date) -> Result:
    if d.side == "proxy":
        where = "the proxy refused it" if status < 500 else "the proxy could not call Bedrock"
    else:
        where = "Bedrock refused it" if status < 500 else "Bedrock failed"
    return failed(f"the generation failed ({status}; {where}): {d.summary}. {d.detail}", fix=d.fix,
                  at=_location(target, req, dep, d.fix), params=_fix_params(target, req, dep, today),
                  status=status, side=d.side, request=req.body | {"prompt": "…"})


def _image_bytes(answer: Answer) -> tuple[bytes | None, str | None]:
    """The first image of a 200 answer, or why there is none."""
    try:
        body = answer.json()
    except ProbeError as err:
        return None, str(err)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not data:
        return None, ("the answer holds no image (data is empty): Bedrock's output filter may have blocked it, "
                      "or the proxy dropped it")
    first = data[0] if isinstance(data[0], dict) else {}
    b64 = first.get("b64_json")
    if not b64:
        if first.get("url"):
            url = shorten(str(first["url"]), 60)
            return None, f"the answer holds a URL ({url}), not the b64_json Open WebUI asked for"
        return None, "the answer's first image has neither b64_json nor url"
    try:
        return base64.b64decode(b64, validate=True), None
    except (binascii.Error, ValueError):
        return None, "the image's b64_json is not valid base64"


def _cost(answer: Answer, dep: Deployment | None) -> str:
    model = image_model(dep.base_model_id) if dep is not None else None
    parts = []
    if model is not None:
        parts.append(f"about ${model.price_per_image:.2f} ({model.name} on demand)")
    counted = answer.headers.get("x-litellm-response-cost")
    if counted:
        try:
            parts.append(f"LiteLLM counted ${float(counted):.3f}")
        except ValueError:
            pass
    return "; ".join(parts) or "one image billed"


@check(id="generate.image", area="generate", title="A live image generation returns a valid image",
       needs=("network", "paid"), depends_on=("litellm.live.image-model",), timeout=CHECK_TIMEOUT,
       fixes=(AWS_CREDENTIALS_MISSING, BEDROCK_INFERENCE_PROFILE_REQUIRED, BEDROCK_MODEL_ACCESS_DENIED, BEDROCK_MODEL_END_OF_LIFE, BEDROCK_REGION_UNSUPPORTED, BEDROCK_REQUEST_REJECTED, BEDROCK_SERVICE_ERROR, BEDROCK_THROTTLED, GENERATION_TIMEOUT, LITELLM_API_BASE_INVALID, LITELLM_DROP_PARAMS_OFF, LITELLM_MODEL_NOT_FOUND, LITELLM_STREAM_KEY_REJECTED, LITELLM_UNHEALTHY, OPENWEBUI_API_KEY_MISMATCH, GENERATION_INVALID_IMAGE, LITELLM_UNREACHABLE), image_path=True)
def live_generation(litellm, stack, settings):
    """One POST /v1/images/generations with Open WebUI's body (about $0.04 with Nova Canvas)."""
    target = litellm.image_target
    req = openwebui_request(stack, settings)
    dep = _deployment(target, req.model.name)
    own_limit = _timeout(settings)
    limits = _stack_limits(stack, target, dep)
    openwebui_gives_up = limits["openwebui"]
    limit = own_limit
    if openwebui_gives_up is not None and openwebui_gives_up.seconds + LIMIT_MARGIN < own_limit:
        limit = openwebui_gives_up.seconds + LIMIT_MARGIN  # stop waiting when the user's Open WebUI would
    try:
        answer = litellm.generate(target, req.body, timeout=limit, max_body=_max_body(req.expected))
    except ProbeError as err:
        if err.kind == "timeout":
            if limit < own_limit and openwebui_gives_up is not None:
                return failed(f"no image within {openwebui_gives_up.seconds:g} s: {openwebui_gives_up.describe()}, so "
                              "users see an error before the image is made (raise it above the model's time, "
                              f"the guide expects {GUIDE_SECONDS[0]}-{GUIDE_SECONDS[1]} s)"
                              f"{sentence(_openwebui_version(stack), status=None)}", fix="generation-timeout",
                              at=openwebui_gives_up.location, params=_fix_params(target, req, dep, settings.today),
                              limit_s=openwebui_gives_up.seconds, gave_up="openwebui")
            return failed(f"no image within {limit:g} s (the guide expects {GUIDE_SECONDS[0]}-{GUIDE_SECONDS[1]} s): "
                          f"{err}", fix="generation-timeout", at=_location(target, req, dep, "generation-timeout"),
                          params=_fix_params(target, req, dep, settings.today), limit_s=limit)
        if err.kind in ("refused", "dns", "closed"):
            return failed(f"{target.label} stopped answering: {err}", fix="litellm-unreachable",
                          params=_fix_params(target, req, dep, settings.today))
        return failed(f"the answer was not a usable image answer: {err}", fix="generation-invalid-image",
                      params=_fix_params(target, req, dep, settings.today))
    seconds = answer.elapsed_ms / 1000
    if answer.status != 200:
        raw, openwebui = _raw_error(answer), _openwebui_version(stack)
        d = diagnose(answer.status, raw, answer.content_type,
                     model_id=dep.base_model_id if dep is not None else None, today=settings.today)
        result = _failure(target, req, dep, d, answer.status, settings.today)
        result.message += sentence(openwebui, status=answer.status, litellm_message=raw[:300])
        result.data["openwebui_shows"] = user_sees(openwebui, status=answer.status, litellm_message=raw)[:300]
        if d.fix == "generation-timeout" and limits["litellm"] is not None:
            tried = answer.headers.get("x-litellm-attempted-retries")
            result.message += (f" {limits['litellm'].describe()}" +
                               (f"; LiteLLM says it retried {tried} time(s)" if tried else "") +
                               f"; it answered after {answer.elapsed_ms / 1000:.1f} s")
            result.data["gave_up"] = "litellm"
        return result
    data, why = _image_bytes(answer)
    saved = save_image(settings.save_image, data) if data else ""
    if data is None:
        return failed(f"the proxy answered 200 in {seconds:.1f} s, but {why}", fix="generation-invalid-image",
                      params=_fix_params(target, req, dep, settings.today))
    try:
        info = png_info(data)
    except NotPng as err:
        return failed(f"the proxy answered 200 in {seconds:.1f} s, but {err}{saved}", fix="generation-invalid-image",
                      params=_fix_params(target, req, dep, settings.today), bytes=len(data))
    if req.expected is not None and (info.width, info.height) != req.expected:
        w, h = req.expected
        return failed(f"the image is {info.size}, not the {w}x{h} Open WebUI asked for (IMAGE_SIZE){saved}",
                      fix="generation-invalid-image", params=_fix_params(target, req, dep, settings.today), size=info.size)
    summary = (f"{req.model.name}: a {info.size} PNG ({info.size_bytes // 1024} KiB) in {seconds:.1f} s; "
               f"cost {_cost(answer, dep)}{saved}")
    slow = min(SLOW_AFTER, limit / 2)
    data_out = {"seconds": round(seconds, 2), "size": info.size, "bytes": info.size_bytes,
                "cost_header": answer.headers.get("x-litellm-response-cost"),
                "saved": str(settings.save_image) if saved.startswith("; saved") else ""}
    behind = [lim for lim in limits["load_balancers"] if lim.seconds < seconds]
    if behind:
        return warned(f"{summary}, but in production {behind[0].describe()}: there this image would not arrive",
                      fix="generation-timeout", at=behind[0].location,
                      params=_fix_params(target, req, dep, settings.today), **data_out)
    if seconds > slow:
        return warned(f"slow: {summary} (the guide expects {GUIDE_SECONDS[0]}-{GUIDE_SECONDS[1]} s; the limit is "
                      f"{limit:g} s)", fix="generation-timeout", params=_fix_params(target, req, dep, settings.today), **data_out)
    return passed(summary, **data_out)


def _openwebui_version(stack: Stack):
    ow = stack.openwebui or next(iter(stack.openwebui_services), None)
    return stack.version_of(OPENWEBUI, ow.name if ow is not None else None)


def _stack_limits(stack: Stack, target: Target, dep: Deployment | None) -> dict[str, Any]:
    """The stack's own limits on this generation: Open WebUI's, LiteLLM's (per attempt x attempts), the load
    balancers' (stack/limits.py)."""
    ow = stack.openwebui or next(iter(stack.openwebui_services), None)
    version = stack.version_of(OPENWEBUI, ow.name if ow is not None else None)
    return {"openwebui": openwebui_limit(ow, version) if ow is not None else None,
            "litellm": litellm_limit(target.proxy, dep), "load_balancers": load_balancer_limits(stack)}


def _raw_error(answer: Answer) -> str:
    """The whole error message (not cut short: the classification needs all of it)."""
    try:
        body = answer.json()
    except ProbeError:
        return answer.text
    if isinstance(body, dict):
        err = body.get("error", body.get("detail", body))
        if isinstance(err, dict):
            return str(err.get("message") or err)
        return str(err)
    return str(body)
