"""bedrock-runtime: InvokeModel (and a minimal Converse) — model resolution, checks, answers.

Request shapes accepted are those LiteLLM 1.108.7 sends for image generation (read in its
site-packages): litellm/llms/bedrock/image_generation/image_handler.py posts
`json.dumps(body)` to f"{endpoint}/model/{modelId}/invoke" with Content-Type application/json,
where endpoint = api_base or aws_bedrock_runtime_endpoint (base_aws_llm.get_runtime_endpoint) and
modelId is the bare id (":" left as is) or, for ARNs and `model_id`, urllib.parse.quote(id, safe="")
(base_aws_llm.get_bedrock_model_id / encode_model_id). Bodies come from
amazon_nova_canvas_transformation.py ({"textToImageParams", "taskType", "imageGenerationConfig"};
every leftover optional param, `stream` included, lands in imageGenerationConfig) and
amazon_titan_transformation.py (same shape). boto3's invoke_model quotes ":" as %3A.

Stability bodies are amazon_stability3_transformation.py's ({"prompt": ...} with drop_params).
The content-filter faults answer as each family does: Nova/Titan 400 ValidationException ("content-
filtered") or an "error" in the answer ("output-filtered"); Stability a 200 with a non-null finish
reason ("Filter reason: prompt" / "Filter reason: output image").

Checks run in Bedrock's order as far as it is observable: identifier and region, latency, the
configured fault, model access, end of life, on-demand support, then the body.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import errors
from .errors import AwsError, validation
from .lifecycle import lifecycle_on
from .models import IMAGE_KINDS, TITAN_SIZES, ModelSettings, profile_serves
from .png import make_png
from .schema import malformed, validate

if TYPE_CHECKING:
    from .server import BedrockEmulator


class DropConnection(Exception):
    """The "drop" fault: close the connection without answering."""


class Answer:
    """A successful answer: status 200, a JSON (or deliberately broken) body."""

    def __init__(self, body: bytes, content_type: str = "application/json") -> None:
        self.body = body
        self.content_type = content_type


# ---------------------------------------------------------------- model identifiers


class Resolved:
    def __init__(self, model_id: str, settings: ModelSettings, via: str) -> None:
        self.model_id = model_id  # the catalog id behind what the client named
        self.settings = settings
        self.via = via  # "id" | "arn" | "profile" | "alias"


def resolve(emu: BedrockEmulator, identifier: str, region: str) -> Resolved:
    """What the client named -> catalog model, or 400 "The provided model identifier is invalid."."""
    invalid = validation(errors.MSG_INVALID_MODEL)
    alias = emu.aliases.get(identifier)
    if alias is not None:  # provisioned / custom model / application profile ARNs from config
        settings = emu.settings(alias)
        if settings is None:
            raise invalid
        return Resolved(alias, settings, "alias")
    via = "id"
    if identifier.startswith("arn:"):
        parts = identifier.split(":", 5)
        if len(parts) != 6 or parts[2] != "bedrock" or "/" not in parts[5]:
            raise invalid
        arn_region, resource = parts[3], parts[5]
        rtype, _, rid = resource.partition("/")
        if rtype == "foundation-model":
            if arn_region != region:
                raise invalid
            identifier, via = rid, "arn"
        elif rtype == "inference-profile":
            if arn_region != region:
                raise invalid
            identifier = rid
        else:
            raise invalid
    settings = emu.settings(identifier)
    if settings is not None:
        if region not in settings.regions:
            raise invalid
        return Resolved(identifier, settings, via)
    prefix, dot, rest = identifier.partition(".")
    settings = emu.settings(rest) if dot else None
    if settings is not None and prefix in settings.inference_profiles and profile_serves(prefix, region):
        return Resolved(rest, settings, "profile")
    raise invalid


def check_access(emu: BedrockEmulator, r: Resolved, named: str) -> None:
    """Model access, end of life and on-demand support, in that order."""
    s = r.settings
    if not s.authorized or not s.entitled or s.agreement != "AVAILABLE":
        raise errors.access_denied()
    if lifecycle_on(s, emu.now()).ended:
        raise errors.not_found(errors.MSG_END_OF_LIFE)
    if not s.on_demand and r.via in ("id", "arn"):
        raise validation(errors.on_demand_message(named))


# ---------------------------------------------------------------- body schemas

_TEXT = {"type": "string", "minLength": 1, "maxLength": 1024}
_IMG = {"type": "string"}
_NOVA_STYLES = [
    "3D_ANIMATED_FAMILY_FILM", "DESIGN_SKETCH", "FLAT_VECTOR_ILLUSTRATION", "GRAPHIC_NOVEL_ILLUSTRATION",
    "MAXIMALISM", "MIDCENTURY_RETRO", "PHOTOREALISM", "SOFT_DIGITAL_PAINTING",
]  # fmt: skip


def _config_schema(size: dict) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "width": size,
            "height": size,
            "quality": {"type": "string", "enum": ["standard", "premium"]},
            "numberOfImages": {"type": "integer", "minimum": 1, "maximum": 5},
            "cfgScale": {"type": "number", "minimum": 1.1, "maximum": 10},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2147483646},
        },
    }


def _obj(props: dict, required: list[str]) -> dict:
    return {"type": "object", "additionalProperties": False, "required": required, "properties": props}


# Nova Canvas (AWS Nova user guide, "Image generation request and response format").
_NOVA_TASK_PARAMS = {
    "TEXT_IMAGE": "textToImageParams",
    "COLOR_GUIDED_GENERATION": "colorGuidedGenerationParams",
    "IMAGE_VARIATION": "imageVariationParams",
    "INPAINTING": "inPaintingParams",
    "OUTPAINTING": "outPaintingParams",
    "BACKGROUND_REMOVAL": "backgroundRemovalParams",
    "VIRTUAL_TRY_ON": "virtualTryOnParams",
}
_NOVA_PARAMS = {
    "textToImageParams": _obj(
        {
            "text": _TEXT,
            "negativeText": _TEXT,
            "style": {"type": "string", "enum": _NOVA_STYLES},
            "conditionImage": _IMG,
            "controlMode": {"type": "string", "enum": ["CANNY_EDGE", "SEGMENTATION"]},
            "controlStrength": {"type": "number", "minimum": 0, "maximum": 1},
        },
        ["text"],
    ),
    "colorGuidedGenerationParams": _obj(
        {
            "text": _TEXT,
            "negativeText": _TEXT,
            "colors": {
                "type": "array", "minItems": 1, "maxItems": 10,
                "items": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
            },
            "referenceImage": _IMG,
        },
        ["text", "colors"],
    ),  # fmt: skip
}
_NOVA_SIZE = {"type": "integer", "minimum": 320, "maximum": 4096}

# Titan Image Generator v1/v2: text at most 512 characters; sizes from a fixed list.
_TITAN_TEXT = {"type": "string", "minLength": 1, "maxLength": 512}
_TITAN_TASKS = ["TEXT_IMAGE", "INPAINTING", "OUTPAINTING", "IMAGE_VARIATION", "COLOR_GUIDED_GENERATION",
                "BACKGROUND_REMOVAL"]  # fmt: skip
_TITAN_TASK_PARAMS = {
    "TEXT_IMAGE": "textToImageParams",
    "INPAINTING": "inPaintingParams",
    "OUTPAINTING": "outPaintingParams",
    "IMAGE_VARIATION": "imageVariationParams",
    "COLOR_GUIDED_GENERATION": "colorGuidedGenerationParams",
    "BACKGROUND_REMOVAL": "backgroundRemovalParams",
}


def _titan_params(v2: bool) -> dict:
    t2i = {"text": _TITAN_TEXT, "negativeText": _TITAN_TEXT}
    if v2:
        t2i |= {
            "conditionImage": _IMG,
            "controlMode": {"type": "string", "enum": ["CANNY_EDGE", "SEGMENTATION"]},
            "controlStrength": {"type": "number", "minimum": 0, "maximum": 1},
        }
    return {"textToImageParams": _obj(t2i, ["text"])}


def _image_request_schema(kind: str, task: Any) -> tuple[dict, str | None]:
    """The root schema for an image model, with the task's params object required."""
    if kind == "nova-canvas":
        tasks, task_params, params, size = _NOVA_TASK_PARAMS, _NOVA_TASK_PARAMS, _NOVA_PARAMS, _NOVA_SIZE
    else:
        tasks = _TITAN_TASKS
        task_params, params, size = _TITAN_TASK_PARAMS, _titan_params(kind == "titan-image-v2"), {"type": "integer"}
    props: dict = {"taskType": {"type": "string", "enum": list(tasks)}}
    for name in task_params.values():
        props[name] = params.get(name, {"type": "object"})
    props["imageGenerationConfig"] = _config_schema(size)
    required = ["taskType"]
    needed = task_params.get(task) if isinstance(task, str) else None
    if needed:
        required.append(needed)
    return _obj(props, required), needed


def _nova_size_problem(w: int, h: int) -> str | None:
    # Limits from the contract (Nova Canvas model card); the wording is the emulator's own.
    if w % 16 or h % 16:
        return f"Invalid image dimensions {w}x{h}: width and height must each be a multiple of 16."
    if w * h > 4_194_304:
        return f"Invalid image dimensions {w}x{h}: the image must have at most 4194304 pixels, not {w * h}."
    if max(w, h) > 4 * min(w, h):
        return f"Invalid image dimensions {w}x{h}: the aspect ratio must be between 1:4 and 4:1."
    return None


def _titan_size_problem(model_id: str, w: int, h: int) -> str | None:
    if (w, h) in TITAN_SIZES:
        return None
    sizes = ", ".join(f"{a}x{b}" for a, b in TITAN_SIZES)
    return f"The image size {w}x{h} is not supported by {model_id}. Supported sizes (width x height): {sizes}."


# ---------------------------------------------------------------- answers


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _json(obj: Any) -> Answer:
    return Answer(json.dumps(obj).encode("utf-8"))


def _images(width: int, height: int, count: int, seed: int, fault: str | None) -> list[str]:
    if fault == "bad-image":
        return [_b64(b"this is not a PNG image")] * count
    if fault == "wrong-size":
        width, height = max(16, (width // 2) // 16 * 16), max(16, (height // 2) // 16 * 16)
    return [_b64(make_png(width, height, seed + i)) for i in range(count)]


def _image_answer(
    width: int, height: int, count: int, seed: int, fault: str | None, extra: dict | None = None
) -> Answer:
    if fault == "malformed-json":
        return Answer(b'{"images": ["iVBORw0KGgo')
    if fault == "output-filtered":
        return _json({"images": [], "error": errors.MSG_OUTPUT_FILTERED})
    if fault == "no-images":
        return _json({"images": [], "error": None, **(extra or {})})
    return _json({"images": _images(width, height, count, seed, fault), "error": None, **(extra or {})})


def _image_model(r: Resolved, body: Any, fault: str | None) -> Answer:
    kind = r.settings.kind
    task = body.get("taskType") if isinstance(body, dict) else None
    schema, _ = _image_request_schema(kind, task)
    problems = validate(body, schema)
    if problems:
        raise validation(malformed(problems))
    if task not in ("TEXT_IMAGE", "COLOR_GUIDED_GENERATION") or (kind != "nova-canvas" and task != "TEXT_IMAGE"):
        raise validation(f"The Bedrock emulator does not implement taskType {task} for {r.model_id}.")
    cfg = body.get("imageGenerationConfig") or {}
    width, height = cfg.get("width", 1024), cfg.get("height", 1024)
    problem = (
        _nova_size_problem(width, height)
        if kind == "nova-canvas"
        else _titan_size_problem(r.model_id, width, height)
    )
    if problem:
        raise validation(problem)
    return _image_answer(width, height, cfg.get("numberOfImages", 1), cfg.get("seed", 0), fault)


# Stability text-to-image (Stable Image Core 1.1, Stable Image Ultra 1.1, SD 3.5 Large), as AWS's
# model parameter pages describe them ("Stable Image Core request and response", "Stable Image Ultra
# request and response", "Stability.ai Stable Diffusion 3.5 Large"):
#   prompt (required, at most 10,000 characters; AWS gives the minimum as 0), negative_prompt (at most
#   10,000), aspect_ratio (default 1:1), output_format, seed (AWS: 0 to 4294967295; Stability's own API
#   says 4294967294), mode (SD 3.5 Large: text-to-image | image-to-image, the latter with image and
#   strength; Core: text-to-image only). Any other key is refused like the other models' bodies are
#   (everit's "extraneous key [...] is not permitted").
# output_format: Stability's API takes png | jpeg | webp; LiteLLM's AmazonStability3TextToImageRequest
#   types it "JPEG" | "PNG" but sends none with drop_params. The emulator accepts png | jpeg | webp and
#   always answers a PNG (it writes no JPEG or WebP).
# LiteLLM 1.108.7 (llms/bedrock/image_generation/amazon_stability3_transformation.py, chosen for any id
#   with "sd3" or "stable-image") maps no OpenAI parameter: with drop_params it posts {"prompt": ...}.
# Answer: {"seeds": [...], "finish_reasons": [null], "images": ["<base64>"]}, one image per call; a
#   filtered one is just {"finish_reasons": ["Filter reason: prompt"]} (AWS's pages), which LiteLLM
#   turns into a 400 BedrockError whose message is the reason.
# Sizes per aspect ratio: 1:1 is 1024x1024 (measured through LiteLLM, per the issue); the others are
#   Stability's one-megapixel sizes (not on AWS's pages).
STABILITY_SIZES = {
    "16:9": (1344, 768), "1:1": (1024, 1024), "21:9": (1536, 640), "2:3": (832, 1216), "3:2": (1216, 832),
    "4:5": (896, 1088), "5:4": (1088, 896), "9:16": (768, 1344), "9:21": (640, 1536),
}  # fmt: skip
FILTER_PROMPT = "Filter reason: prompt"
FILTER_OUTPUT = "Filter reason: output image"
_SD_PROMPT = {"type": "string", "maxLength": 10000}
_SD_COMMON = {
    "prompt": _SD_PROMPT,
    "negative_prompt": _SD_PROMPT,
    "aspect_ratio": {"type": "string", "enum": list(STABILITY_SIZES)},
    "output_format": {"type": "string", "enum": ["png", "jpeg", "webp"]},
    "seed": {"type": "integer", "minimum": 0, "maximum": 4294967295},
}
_SD_IMAGE = {"image": _IMG, "strength": {"type": "number", "minimum": 0, "maximum": 1}}
_STABILITY_SCHEMAS = {
    "stability.sd3-5-large-v1:0": _obj(
        {**_SD_COMMON, "mode": {"type": "string", "enum": ["text-to-image", "image-to-image"]}, **_SD_IMAGE},
        ["prompt"],
    ),
    "stability.stable-image-core-v1:1": _obj(
        {**_SD_COMMON, "mode": {"type": "string", "enum": ["text-to-image"]}}, ["prompt"]
    ),
    "stability.stable-image-ultra-v1:1": _obj({**_SD_COMMON, **_SD_IMAGE}, ["prompt"]),
}


def _stability(r: Resolved, body: Any, fault: str | None) -> Answer:
    schema = _STABILITY_SCHEMAS.get(r.model_id, _STABILITY_SCHEMAS["stability.sd3-5-large-v1:0"])
    problems = validate(body, schema)
    if problems:
        raise validation(malformed(problems))
    if body.get("mode") == "image-to-image" and not {"image", "strength"} <= set(body):
        missing = [k for k in ("image", "strength") if k not in body]
        raise validation(malformed([f"#: required key [{k}] not found" for k in missing]))
    width, height = STABILITY_SIZES[body.get("aspect_ratio", "1:1")]
    seed = body.get("seed") or 2130420379  # 0 or none: Bedrock picks one (this is AWS's example seed)
    if fault == "malformed-json":
        return Answer(b'{"seeds": [')
    if fault in ("content-filtered", "output-filtered"):
        return _json({"finish_reasons": [FILTER_PROMPT if fault == "content-filtered" else FILTER_OUTPUT]})
    images = [] if fault == "no-images" else _images(width, height, 1, seed, fault)
    return _json({"seeds": [seed], "finish_reasons": [None], "images": images})


_REPLY = "Hello from the Bedrock emulator."

_CLAUDE_SCHEMA = _obj(
    {
        "anthropic_version": {"type": "string"},
        "max_tokens": {"type": "integer", "minimum": 1},
        "messages": {"type": "array", "minItems": 1},
        **{k: {} for k in ("system", "temperature", "top_p", "top_k", "stop_sequences", "tools", "tool_choice",
                           "anthropic_beta", "metadata", "thinking")},
    },
    ["anthropic_version", "max_tokens", "messages"],
)  # fmt: skip
_NOVA_TEXT_SCHEMA = _obj(
    {"messages": {"type": "array", "minItems": 1}, "schemaVersion": {}, "system": {}, "inferenceConfig": {},
     "toolConfig": {}},
    ["messages"],
)  # fmt: skip


def _usage(body: Any) -> tuple[int, int]:
    return max(1, len(json.dumps(body)) // 4), len(_REPLY) // 4


def _text_model(r: Resolved, body: Any, fault: str | None) -> Answer:
    kind = r.settings.kind
    schema = {"claude": _CLAUDE_SCHEMA, "nova-text": _NOVA_TEXT_SCHEMA}.get(kind)
    if schema is not None:
        problems = validate(body, schema)
        if problems:
            raise validation(malformed(problems))
    if fault == "malformed-json":
        return Answer(b'{"output": ')
    tokens_in, tokens_out = _usage(body)
    if kind == "claude":
        return _json({
            "id": "msg_bdrk_emulator", "type": "message", "role": "assistant", "model": r.model_id,
            "content": [{"type": "text", "text": _REPLY}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
        })  # fmt: skip
    if kind == "nova-text":
        return _json(_converse_body(tokens_in, tokens_out, nova=True))
    return _json({"inputTextTokenCount": tokens_in,
                  "results": [{"tokenCount": tokens_out, "outputText": _REPLY, "completionReason": "FINISH"}]})  # fmt: skip


def _converse_body(tokens_in: int, tokens_out: int, nova: bool = False) -> dict:
    out = {
        "output": {"message": {"role": "assistant", "content": [{"text": _REPLY}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": tokens_in, "outputTokens": tokens_out, "totalTokens": tokens_in + tokens_out},
    }
    if not nova:
        out["metrics"] = {"latencyMs": 1}
    return out


# ---------------------------------------------------------------- entry points


def _prologue(
    emu: BedrockEmulator, named: str, region: str, seen: Callable[[str], None] | None
) -> tuple[Resolved, str | None]:
    """Resolve, sleep, apply an error fault, check access. Returns the answer fault, if any."""
    r = resolve(emu, named, region)
    if seen is not None:
        seen(r.model_id)
    if r.settings.latency_s:
        emu.sleep(float(r.settings.latency_s))
    fault = emu.take_fault(r.model_id)
    if fault == "drop":
        raise DropConnection()
    if fault in errors.ERROR_FAULTS and not (fault == "content-filtered" and r.settings.kind == "stability3"):
        raise errors.fault_error(fault, r.settings.validation_message if fault == "validation" else None)
    check_access(emu, r, named)
    return r, fault


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        # org.json's wording, as everit-based validation would report it (emulator wording).
        raise validation(
            malformed(["A JSONObject text must begin with '{' at 1 [character 2 line 1]"])
        ) from None


def invoke_model(
    emu: BedrockEmulator, named: str, raw_body: bytes, region: str, seen: Callable[[str], None] | None = None
) -> Answer:
    """POST /model/{modelId}/invoke. `seen` is told the catalog model once the identifier resolves."""
    r, fault = _prologue(emu, named, region, seen)
    body = _parse(raw_body)
    if not isinstance(body, dict):
        raise validation(malformed([f"#: expected type: JSONObject, found: {type(body).__name__}"]))
    kind = r.settings.kind
    if kind in ("nova-canvas", "titan-image-v2", "titan-image-v1"):
        return _image_model(r, body, fault)
    if kind == "stability3":
        return _stability(r, body, fault)
    return _text_model(r, body, fault)


def converse(
    emu: BedrockEmulator, named: str, raw_body: bytes, region: str, seen: Callable[[str], None] | None = None
) -> Answer:
    """POST /model/{modelId}/converse: text models answer; image models are refused like Bedrock does."""
    r, fault = _prologue(emu, named, region, seen)
    if r.settings.kind in IMAGE_KINDS:
        raise validation(errors.MSG_CONVERSE_UNSUPPORTED)
    body = _parse(raw_body)
    problems = validate(body, {"type": "object", "required": ["messages"]})
    if problems:
        raise validation(malformed(problems))
    if fault == "malformed-json":
        return Answer(b'{"output": ')
    return _json(_converse_body(*_usage(body)))


def streaming(
    emu: BedrockEmulator, named: str, raw_body: bytes, region: str, seen: Callable[[str], None] | None = None
) -> Answer:
    """invoke-with-response-stream / converse-stream: not emulated beyond the common checks."""
    r, _ = _prologue(emu, named, region, seen)
    if r.settings.kind in IMAGE_KINDS:
        raise validation("The model is unsupported for streaming.")  # emulator wording
    raise validation("The Bedrock emulator does not implement response streaming.")


__all__ = ["Answer", "AwsError", "DropConnection", "converse", "invoke_model", "resolve", "streaming"]
