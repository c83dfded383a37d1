"""The emulator's model catalog and the per-model behaviour settings.

Catalog facts (regions, limits, lifecycle) follow the contract's "Facts behind the checks"
(Bedrock part) and the AWS model cards it cites; anything the emulator could not verify is a
default that a test or config file can override (every field of ModelSettings).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .errors import FAULTS


class _Inherit:
    """Marker: "use the catalog's value" (so ModelSettings(fault=...) changes only the fault)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "INHERIT"

    def __bool__(self) -> bool:
        return False


INHERIT: Any = _Inherit()

KINDS = ("nova-canvas", "titan-image-v2", "titan-image-v1", "stability3", "nova-text", "claude", "text")
IMAGE_KINDS = ("nova-canvas", "titan-image-v2", "titan-image-v1", "stability3")
# A forced lifecycle (None: the dates decide, by the emulator's clock; see lifecycle.py).
LIFECYCLES = ("ACTIVE", "LEGACY", "EOL")
AGREEMENTS = ("AVAILABLE", "PENDING", "NOT_AVAILABLE", "ERROR")

# Titan Image Generator's only accepted sizes (AWS model card; the brief's list of 25).
TITAN_SIZES = (
    (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
    (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
    (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
    (1408, 640), (704, 320), (1152, 640), (1173, 640),
)  # fmt: skip


@dataclass
class ModelSettings:
    """How one model behaves. Every field left at INHERIT takes the catalog's default.

    fault           None or one of FAULTS (see errors.py): what InvokeModel answers
    fault_times     apply the fault to this many invocations only, then heal (None: always)
    latency_s       sleep this long before answering (errors too)
    validation_message  message of the "validation" fault
    lifecycle       None: the dates below decide, by the emulator's clock (lifecycle.py); or forced:
                    "ACTIVE" (as before any Legacy date: generates, no legacy/end-of-life times),
                    "LEGACY" (generates, whatever the dates say), "EOL" (past its end of life now)
    start_of_life, legacy_time, end_of_life, public_extended_access_time
                    ISO dates/timestamps ("2026-06-30" or "2026-06-30T00:00:00Z") or None;
                    once end_of_life is past (emulator clock), InvokeModel answers 404
                    ResourceNotFoundException "This model version has reached the end of its life..."
    gone_after_end_of_life  True: past its end of life the control plane forgets the model too
                    (GetFoundationModel 404 with the end-of-life message, ListFoundationModels leaves
                    it out), as one public report shows real Bedrock doing (BerriAI/litellm PR 42053,
                    `aws bedrock get-foundation-model` on amazon.nova-sonic-v1:0); False (default):
                    it stays listed as LEGACY with its past endOfLifeTime
    regions         regions where the model is offered
    authorized, entitled  model access (False -> AccessDeniedException; availability says so)
    agreement       "AVAILABLE" | "PENDING" | "NOT_AVAILABLE" | "ERROR" (anything but AVAILABLE
                    denies access too); agreement_error: its errorMessage
    on_demand       False: the bare model id needs an inference profile ("... with on-demand
                    throughput isn't supported ..."); inferenceTypesSupported says INFERENCE_PROFILE
    inference_profiles  geography prefixes accepted as profile ids: "us", "eu", "apac", "global", ...
    kind, name, provider  catalog data (needed only for a model the catalog lacks)
    """

    fault: Any = INHERIT
    fault_times: Any = INHERIT
    latency_s: Any = INHERIT
    validation_message: Any = INHERIT
    lifecycle: Any = INHERIT
    start_of_life: Any = INHERIT
    legacy_time: Any = INHERIT
    end_of_life: Any = INHERIT
    public_extended_access_time: Any = INHERIT
    gone_after_end_of_life: Any = INHERIT
    regions: Any = INHERIT
    authorized: Any = INHERIT
    entitled: Any = INHERIT
    agreement: Any = INHERIT
    agreement_error: Any = INHERIT
    on_demand: Any = INHERIT
    inference_profiles: Any = INHERIT
    kind: Any = INHERIT
    name: Any = INHERIT
    provider: Any = INHERIT

    def overrides(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if getattr(self, f.name) is not INHERIT}

    def merged(self, other: ModelSettings | dict | None) -> ModelSettings:
        """A copy with other's non-INHERIT fields applied."""
        if other is None:
            return dataclasses.replace(self)
        changes = other.overrides() if isinstance(other, ModelSettings) else dict(other)
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"unknown model setting(s): {', '.join(sorted(unknown))}")
        return check(dataclasses.replace(self, **changes))

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if v is INHERIT else v) for k, v in dataclasses.asdict(self).items()}


BASE = ModelSettings(
    fault=None,
    fault_times=None,
    latency_s=0.0,
    validation_message=None,
    lifecycle=None,
    start_of_life=None,
    legacy_time=None,
    end_of_life=None,
    public_extended_access_time=None,
    gone_after_end_of_life=False,
    regions=[],
    authorized=True,
    entitled=True,
    agreement="AVAILABLE",
    agreement_error=None,
    on_demand=True,
    inference_profiles=[],
    kind="text",
    name=None,
    provider=None,
)


def parse_time(value: str | None) -> datetime | None:
    """"2026-06-30", "2026-06-30T00:00:00Z" or with an offset -> aware UTC datetime."""
    if value is None:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def iso(value: str | None) -> str | None:
    when = parse_time(value)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def check(s: ModelSettings) -> ModelSettings:
    """Reject settings that would make the emulator misbehave silently."""
    if s.fault not in (None, INHERIT) and s.fault not in FAULTS:
        raise ValueError(f"unknown fault {s.fault!r}; known: {', '.join(FAULTS)}")
    if s.lifecycle not in (INHERIT, None) + LIFECYCLES:
        raise ValueError(f"lifecycle must be ACTIVE, LEGACY, EOL or null (by the dates), not {s.lifecycle!r}")
    if s.agreement not in (INHERIT,) + AGREEMENTS:
        raise ValueError(f"agreement must be one of {AGREEMENTS}, not {s.agreement!r}")
    if s.kind not in (INHERIT,) + KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {s.kind!r}")
    for name in ("start_of_life", "legacy_time", "end_of_life", "public_extended_access_time"):
        value = getattr(s, name)
        if value not in (None, INHERIT):
            parse_time(value)  # raises ValueError on a bad date
    if s.latency_s not in (INHERIT,) and float(s.latency_s) < 0:
        raise ValueError("latency_s must be >= 0")
    return s


def _entry(**kw: Any) -> ModelSettings:
    return BASE.merged(kw)


_US = ["us-east-1", "us-west-2"]

# The catalog: model id -> default settings.
#
# Image-model lifecycle dates (checked 2026-12-01). AWS's model lifecycle page (the "Model lifecycle
# (Legacy)" page for models launched before 2026-09-07) and the model cards are the authority; only
# excerpts of them could be read here, so each date also names what corroborates it:
# - Nova Canvas v1: Legacy from about 2026-03-30 (the day is the contract's; no AWS excerpt gives it),
#   end of life 2026-09-30: third-party snapshots of the AWS lifecycle page and model card
#   ("Canvas ... 2026-09-30"), LiteLLM 1.108.7's cost map (deprecation_date 2026-09-30, also for
#   us.amazon.nova-canvas-v1:0). Its public extended access date is not known: none by default.
# - Titan Image Generator v2: end of life 2026-06-30 (AWS model card per the contract; LiteLLM's cost
#   map agrees). Titan Image Generator v1: end of life 2026-06-30 per the contract and the issue, but
#   LiteLLM's cost map gives v1 no deprecation_date: the sources disagree; the AWS date is used.
#   The Titan models' Legacy start dates are not known (an announced end of life means Legacy).
# - Stability text-to-image (Stable Image Core 1.1, Stable Image Ultra 1.1, SD 3.5 Large): Active,
#   no end of life announced; us-west-2 (AWS's code examples call Core there; AWS's model cards).
# A test that needs another day or lifecycle says so: BedrockEmulator(today=...) or lifecycle={id: ...}.
CATALOG: dict[str, ModelSettings] = {
    "amazon.nova-canvas-v1:0": _entry(
        kind="nova-canvas", name="Nova Canvas", provider="Amazon",
        regions=["us-east-1", "eu-west-1", "ap-northeast-1"],
        legacy_time="2026-03-30T00:00:00Z", end_of_life="2026-09-30T00:00:00Z",
    ),
    "amazon.titan-image-generator-v2:0": _entry(
        kind="titan-image-v2", name="Titan Image Generator G1 v2", provider="Amazon",
        regions=list(_US), end_of_life="2026-06-30T00:00:00Z",
    ),
    "amazon.titan-image-generator-v1": _entry(
        kind="titan-image-v1", name="Titan Image Generator G1", provider="Amazon",
        regions=list(_US), end_of_life="2026-06-30T00:00:00Z",
    ),
    "stability.stable-image-core-v1:1": _entry(
        kind="stability3", name="Stable Image Core 1.1", provider="Stability AI", regions=["us-west-2"],
    ),
    "stability.sd3-5-large-v1:0": _entry(
        kind="stability3", name="Stable Diffusion 3.5 Large", provider="Stability AI", regions=["us-west-2"],
    ),
    "stability.stable-image-ultra-v1:1": _entry(
        kind="stability3", name="Stable Image Ultra 1.1", provider="Stability AI", regions=["us-west-2"],
    ),
    "amazon.nova-micro-v1:0": _entry(
        kind="nova-text", name="Nova Micro", provider="Amazon",
        regions=["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"], inference_profiles=["us", "eu", "apac"],
    ),
    "amazon.nova-lite-v1:0": _entry(
        kind="nova-text", name="Nova Lite", provider="Amazon",
        regions=["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"], inference_profiles=["us", "eu", "apac"],
    ),
    "amazon.nova-pro-v1:0": _entry(
        kind="nova-text", name="Nova Pro", provider="Amazon",
        regions=["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"], inference_profiles=["us", "eu", "apac"],
    ),
    # Needs the `us.` inference profile for on-demand calls (contract); lifecycle unverified.
    "anthropic.claude-3-5-sonnet-20241022-v2:0": _entry(
        kind="claude", name="Claude 3.5 Sonnet v2", provider="Anthropic",
        regions=["us-east-1", "us-east-2", "us-west-2", "ap-northeast-1"], on_demand=False,
        inference_profiles=["us", "apac"],
    ),
}  # fmt: skip

MODALITIES = {
    "nova-canvas": (["TEXT", "IMAGE"], ["IMAGE"], False),
    "titan-image-v2": (["TEXT", "IMAGE"], ["IMAGE"], False),
    "titan-image-v1": (["TEXT", "IMAGE"], ["IMAGE"], False),
    "stability3": (["TEXT", "IMAGE"], ["IMAGE"], False),
    "nova-text": (["TEXT", "IMAGE"], ["TEXT"], True),
    "claude": (["TEXT", "IMAGE"], ["TEXT"], True),
    "text": (["TEXT"], ["TEXT"], True),
}

# Inference-profile geography prefix -> which serving regions may use it.
PROFILE_GEOS = {
    "us": ("us-",),
    "us-gov": ("us-gov-",),
    "eu": ("eu-",),
    "apac": ("ap-",),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
    "ca": ("ca-",),
    "global": ("",),
}


def profile_serves(prefix: str, region: str) -> bool:
    if prefix == "us" and region.startswith("us-gov-"):
        return False
    return any(region.startswith(p) for p in PROFILE_GEOS.get(prefix, ()))


def default_settings(model_id: str) -> ModelSettings | None:
    entry = CATALOG.get(model_id)
    return dataclasses.replace(entry) if entry else None


def field_names() -> list[str]:
    return [f.name for f in dataclasses.fields(ModelSettings)]


__all__ = [
    "BASE",
    "CATALOG",
    "INHERIT",
    "ModelSettings",
    "TITAN_SIZES",
    "default_settings",
    "iso",
    "parse_time",
]
