"""Facts about the real tools that the checks rely on, each with the version it was read from.

Open WebUI 0.12.4 (open_webui/config.py) and LiteLLM proxy 1.108.7 were read in their source;
the Bedrock figures follow the AWS model cards (Nova Canvas, Titan Image Generator v2).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# --- Open WebUI 0.12.4, open_webui/config.py ------------------------------------------------
# ENABLE_IMAGE_GENERATION = os.getenv(..., '').lower() == 'true'      (line 1360)
# IMAGE_GENERATION_ENGINE default 'openai'; IMAGE_GENERATION_MODEL default '' -> 'dall-e-2' sent
# IMAGE_SIZE default '512x512'; ENABLE_IMAGE_PROMPT_GENERATION default 'true'
# IMAGES_OPENAI_API_BASE_URL = os.getenv(..., OPENAI_API_BASE_URL) (line 1514), but line 373 has
# already reset OPENAI_API_BASE_URL to 'https://api.openai.com/v1' and OPENAI_API_KEY to the key
# of that URL (lines 367-373): unset, image requests go to api.openai.com with an empty key.
# AUTOMATIC_IMAGE_GENERATION is read nowhere in open_webui/ (0.6 to 0.12.4).
OPENWEBUI_DEFAULT_IMAGE_SIZE = "512x512"
OPENWEBUI_DEFAULT_ENGINE = "openai"
OPENWEBUI_EMPTY_MODEL_SENDS = "dall-e-2"
OPENAI_PUBLIC_BASE = "https://api.openai.com/v1"


def is_true(value: str | None) -> bool:
    """Open WebUI's boolean parsing: only the text 'true' (any case) is true."""
    return (value or "").strip().lower() == "true"


# --- LiteLLM proxy 1.108.7 ------------------------------------------------------------------
LITELLM_DEFAULT_PORT = 4000            # proxy_cli.py: --port default 4000 (envvar PORT)
LITELLM_PUBLIC_MASTER_KEYS = {"sk-1234"}  # refused at start-up (UnsafeMasterKeyError)
LITELLM_COMPROMISED = re.compile(r"^1\.107\.")


@lru_cache(maxsize=1)
def litellm_providers() -> frozenset[str]:
    """Provider prefixes LiteLLM 1.108.7 knows (litellm.types.utils.LlmProviders)."""
    text = resources.files("canvas_doctor").joinpath("data/litellm_providers.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


# --- Bedrock image models -------------------------------------------------------------------
TITAN_V2_SIZES = frozenset({
    (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
    (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
    (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
    (1408, 640), (704, 320), (1152, 640), (1173, 640),
})


@dataclass(frozen=True)
class ImageModel:
    model_id: str
    name: str
    regions: tuple[str, ...]
    max_prompt: int
    price_per_image: float

    def size_problem(self, width: int, height: int) -> str | None:
        """Why width x height is not accepted, or None."""
        if self.model_id.startswith("amazon.nova-canvas"):
            if not (320 <= width <= 4096 and 320 <= height <= 4096):
                return "each side must be 320 to 4,096 pixels"
            if width % 16 or height % 16:
                return "each side must be a multiple of 16"
            if width * height > 4_194_304:
                return "at most 4,194,304 pixels"
            if max(width, height) > 4 * min(width, height):
                return "the aspect ratio must be at most 4:1"
            return None
        if self.model_id.startswith("amazon.titan-image-generator-v2"):
            return None if (width, height) in TITAN_V2_SIZES else "not one of Titan Image v2's 25 listed sizes"
        return None

    def nearest_size(self) -> str:
        return "1024x1024"


IMAGE_MODELS: dict[str, ImageModel] = {
    "amazon.nova-canvas-v1:0": ImageModel("amazon.nova-canvas-v1:0", "Nova Canvas",
                                          ("us-east-1", "eu-west-1", "ap-northeast-1"), 1024, 0.04),
    "amazon.titan-image-generator-v2:0": ImageModel("amazon.titan-image-generator-v2:0", "Titan Image Generator v2",
                                                    ("us-east-1", "us-west-2"), 512, 0.008),
}


def image_model(model_id: str) -> ImageModel | None:
    """The Bedrock image model a model id (or `us.`-prefixed id, or ARN) names."""
    mid = model_id.rsplit("/", 1)[-1]
    for prefix in ("us.", "eu.", "apac.", "global."):
        if mid.startswith(prefix):
            mid = mid[len(prefix):]
    return IMAGE_MODELS.get(mid)


def parse_size(text: str | None) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


# Models that Bedrock serves on demand only through an inference profile (`us.` ...).
INFERENCE_PROFILE_ONLY = re.compile(
    r"^(anthropic\.claude-3-5-sonnet-20241022-v2|anthropic\.claude-3-5-haiku|anthropic\.claude-3-7-sonnet"
    r"|anthropic\.claude-(sonnet|opus|haiku)-4|anthropic\.claude-opus-4|meta\.llama3-[23]|meta\.llama4"
    r"|amazon\.nova-premier|deepseek\.r1|mistral\.pixtral|writer\.palmyra)"
)


def profile_prefix(region: str | None) -> str:
    r = (region or "us-east-1").split("-")[0]
    return {"us": "us.", "eu": "eu.", "ap": "apac."}.get(r, "us.")
