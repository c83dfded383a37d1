"""Facts about the real tools that the checks rely on, each with the version it was read from.

Open WebUI 0.12.4 (open_webui/config.py) and LiteLLM proxy 1.108.7 were read in their source;
the Bedrock image models (regions, lifecycle, sizes, prices, sources) are data: data/bedrock_image_models.yaml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

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
# The data (regions, lifecycle, sizes, prices, with their sources) is doctor/data/bedrock_image_models.yaml.
LIFECYCLE_ACTIVE, LIFECYCLE_LEGACY, LIFECYCLE_EOL = "active", "legacy", "end-of-life"
LEGACY_INACTIVITY_RULE = ("new accounts cannot start using a Legacy model, and an account that has not called it "
                          "for 15-30 days loses access (\"Access denied. This Model is marked by provider as Legacy\")")


def _size(text: str) -> tuple[int, int]:
    w, h = str(text).lower().split("x")
    return int(w), int(h)


@dataclass(frozen=True)
class Lifecycle:
    """A model's published lifecycle and where it was read."""

    status: str                       # active | legacy (the published state; the date decides end of life)
    legacy_from: date | None = None
    end_of_life: date | None = None
    source: str = ""
    note: str = ""

    def on(self, today: date) -> str:
        """active, legacy or end-of-life on that day."""
        if self.end_of_life is not None and today >= self.end_of_life:
            return LIFECYCLE_EOL
        if self.legacy_from is not None:
            return LIFECYCLE_LEGACY if today >= self.legacy_from else LIFECYCLE_ACTIVE
        if self.status == LIFECYCLE_LEGACY:
            return LIFECYCLE_LEGACY
        return LIFECYCLE_ACTIVE


@dataclass(frozen=True)
class ImageModel:
    model_id: str
    name: str
    regions: tuple[str, ...]
    max_prompt: int
    price_per_image: float
    family: str = "nova"             # nova | titan | stability: the request format LiteLLM sends
    alias: str = ""                  # the model_name a migrated deployment gets
    lifecycle: Lifecycle = field(default_factory=lambda: Lifecycle(LIFECYCLE_ACTIVE))
    litellm_format: str = ""
    sizes: tuple[tuple[int, int], ...] = ()       # listed sizes (Titan)
    size_rules: tuple[tuple[str, int], ...] = ()  # min_side, max_side, multiple_of, max_pixels, max_aspect (Nova)
    aspect_ratios: tuple[str, ...] = ()           # Stability: the ratios it accepts (LiteLLM sends none)
    default_size: str = "1024x1024"
    own_keys: tuple[str, ...] = ()                # request keys of this family (others break or mean nothing)
    price_note: str = ""

    @property
    def takes_size(self) -> bool:
        """Whether LiteLLM sends IMAGE_SIZE to this model (Stability: it drops it; the image has the model's size)."""
        return self.family != "stability"

    def status_on(self, today: date) -> str:
        return self.lifecycle.on(today)

    def size_problem(self, width: int, height: int) -> str | None:
        """Why width x height is not accepted, or None (Stability: any IMAGE_SIZE, since none is sent)."""
        rules = dict(self.size_rules)
        if rules:
            lo, hi = rules.get("min_side", 1), rules.get("max_side", 1 << 30)
            if not (lo <= width <= hi and lo <= height <= hi):
                return f"each side must be {lo:,} to {hi:,} pixels"
            step = rules.get("multiple_of", 1)
            if width % step or height % step:
                return f"each side must be a multiple of {step}"
            if width * height > rules.get("max_pixels", 1 << 62):
                return f"at most {rules['max_pixels']:,} pixels"
            if max(width, height) > rules.get("max_aspect", 1 << 30) * min(width, height):
                return f"the aspect ratio must be at most {rules['max_aspect']}:1"
            return None
        if self.sizes:
            return None if (width, height) in self.sizes else f"not one of {self.name}'s {len(self.sizes)} listed sizes"
        return None

    def nearest_size(self) -> str:
        return self.default_size

    def arn(self, region: str) -> str:
        return f"arn:aws:bedrock:{region}::foundation-model/{self.model_id}"


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _model(entry: dict) -> ImageModel:
    life = entry.get("lifecycle") or {}
    sizes = entry.get("sizes") or {}
    return ImageModel(
        model_id=entry["id"], name=entry["name"], regions=tuple(entry["regions"]), max_prompt=int(entry["max_prompt"]),
        price_per_image=float(entry["price_per_image"]), family=entry["family"], alias=entry.get("alias", ""),
        lifecycle=Lifecycle(life.get("status", LIFECYCLE_ACTIVE), _as_date(life.get("legacy_from")),
                            _as_date(life.get("end_of_life")), life.get("source", ""), life.get("note", "")),
        litellm_format=entry.get("litellm_format", ""),
        sizes=tuple(_size(s) for s in sizes.get("listed", ())),
        size_rules=tuple((k, int(v)) for k, v in sizes.items() if k != "listed"),
        aspect_ratios=tuple(entry.get("aspect_ratios") or ()), default_size=entry.get("default_size", "1024x1024"),
        own_keys=tuple(entry.get("own_keys") or ()), price_note=entry.get("price_note", ""))


@lru_cache(maxsize=1)
def _load_image_models() -> dict[str, ImageModel]:
    import yaml

    text = resources.files("canvas_doctor").joinpath("data/bedrock_image_models.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: about 15 ms less per start
    return {m.model_id: m for m in (_model(e) for e in yaml.load(text, Loader=loader)["models"])}


IMAGE_MODELS: dict[str, ImageModel] = _load_image_models()
TITAN_V2_SIZES = frozenset(IMAGE_MODELS["amazon.titan-image-generator-v2:0"].sizes)


def image_model(model_id: str) -> ImageModel | None:
    """The Bedrock image model a model id (or `us.`-prefixed id, or ARN) names."""
    mid = model_id.rsplit("/", 1)[-1]
    for prefix in ("us.", "eu.", "apac.", "global."):
        if mid.startswith(prefix):
            mid = mid[len(prefix):]
    return IMAGE_MODELS.get(mid)


def served_text_to_image(today: date) -> list[ImageModel]:
    """The Active text-to-image models on that day (a way out never leads to a Legacy model), cheapest first."""
    return sorted((m for m in IMAGE_MODELS.values() if m.status_on(today) == LIFECYCLE_ACTIVE),
                  key=lambda m: (m.price_per_image, m.model_id))


def _geo(region: str) -> str:
    return region.split("-", 1)[0]


def ways_out(region: str | None, today: date, *, exclude: str = "") -> tuple[list[ImageModel], str | None]:
    """The served models in `region`, else those of the nearest region that has one (same geography
    first), and that region (None when the region itself has one)."""
    served = [m for m in served_text_to_image(today) if m.model_id != exclude]
    here = [m for m in served if region in m.regions]
    if here or not served:
        return here, None
    regions = sorted({r for m in served for r in m.regions},
                     key=lambda r: (_geo(r) != _geo(region or "us-east-1"), r))
    nearest = regions[0]
    return [m for m in served if nearest in m.regions], nearest


def parse_size(text: str | None) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def lifecycle_params(model_id: str, region: str | None, today: date, **base: Any) -> dict[str, Any]:
    """The placeholders of bedrock-model-end-of-life / bedrock-model-legacy: the model, its dates and
    source, and the way out (the cheapest Active text-to-image model of the region or the nearest one)."""
    model = image_model(model_id)
    life = model.lifecycle if model else Lifecycle(LIFECYCLE_ACTIVE)
    p: dict[str, Any] = {
        "model": model.alias if model else model_id, "model_id": model.model_id if model else model_id,
        "name": model.name if model else model_id, "region": region or "(no region set)",
        "end_of_life": f"{life.end_of_life}" if life.end_of_life else "not published",
        "source": life.source or "Bedrock's own answer", "today": f"{today}",
        "file": "litellm-config.yaml", "service": "litellm", **base}
    options, nearest = ways_out(region, today, exclude=model.model_id if model else model_id)
    if not options:
        return {**p, "alternatives": "none known to canvas-doctor", "way_out": "no Active text-to-image model is known",
                "way_out_short": "no Active text-to-image model is known", "new_model_id": "<an Active image model>", "new_name": "<an Active image model>",
                "new_alias": "<model name>", "new_region": region or "<region>", "new_arn": "<its ARN>",
                "price_change": "unknown", "price": "?", "new_price": "?"}
    best = options[0]
    new_region = nearest or region or best.regions[0]
    listed = ", ".join(f"{m.model_id} ({m.name}, ${m.price_per_image:.3g} an image)" for m in options)
    where = f"in {new_region}" if nearest is None else \
        f"{region or 'the configured region'} has none; the nearest region that has one is {new_region}"
    old_price = model.price_per_image if model else None
    if old_price is None:
        change = f"${best.price_per_image:.3g} an image"
    elif abs(best.price_per_image - old_price) < 1e-9:
        change = f"${best.price_per_image:.3g} an image, the same as {p['name']}"
    else:
        diff = best.price_per_image - old_price
        change = (f"${best.price_per_image:.3g} an image instead of ${old_price:.3g} "
                  f"({'+' if diff > 0 else '-'}${abs(diff):.3g} an image)")
    return {**p, "alternatives": listed, "new_model_id": best.model_id, "new_name": best.name,
            "new_alias": best.alias, "new_region": new_region, "new_arn": best.arn(new_region),
            "price": f"${old_price:.3g}" if old_price is not None else "?", "new_price": f"${best.price_per_image:.3g}",
            "price_change": change, "way_out": f"Bedrock still serves {listed} ({where})",
            "way_out_short": f"{best.model_id} ({best.name}; {change}) in {new_region}"
                             + ("" if nearest is None else f" ({region or 'the configured region'} has none)")}


# Models that Bedrock serves on demand only through an inference profile (`us.` ...).
INFERENCE_PROFILE_ONLY = re.compile(
    r"^(anthropic\.claude-3-5-sonnet-20241022-v2|anthropic\.claude-3-5-haiku|anthropic\.claude-3-7-sonnet"
    r"|anthropic\.claude-(sonnet|opus|haiku)-4|anthropic\.claude-opus-4|meta\.llama3-[23]|meta\.llama4"
    r"|amazon\.nova-premier|deepseek\.r1|mistral\.pixtral|writer\.palmyra)"
)


def profile_prefix(region: str | None) -> str:
    r = (region or "us-east-1").split("-")[0]
    return {"us": "us.", "eu": "eu.", "ap": "apac."}.get(r, "us.")
