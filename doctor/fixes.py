"""The fix catalog (fixes.yaml): fix id -> title, cause, steps, snippet, guide section."""
from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .models import Fix


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FMT = string.Formatter()


def _fill(text: str | None, params: dict[str, Any]) -> str | None:
    if text is None:
        return None
    try:
        return _FMT.vformat(text, (), _Keep({k: v for k, v in params.items() if v is not None}))
    except (ValueError, IndexError, AttributeError):
        return text


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, Any]]:
    """The whole catalog, loaded once from the package."""
    text = resources.files("canvas_doctor").joinpath("fixes.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def render(fix_id: str, params: dict[str, Any] | None = None) -> Fix:
    """The fix `fix_id` with its placeholders filled from `params`."""
    entry = catalog().get(fix_id)
    if entry is None:
        raise KeyError(f"unknown fix id {fix_id!r}")
    p = params or {}
    return Fix(
        id=fix_id,
        title=_fill(entry["title"], p) or fix_id,
        steps=tuple(_fill(s, p) or "" for s in entry.get("steps") or ()),
        snippet=_fill(entry.get("snippet"), p),
        guide_section=entry.get("guide_section"),
        cause=_fill(entry.get("cause"), p),
    )


# What `explain` shows for a placeholder no finding has filled: the common case, or <name>.
EXPLAIN_DEFAULTS = {
    "model": "nova-canvas", "model_id": "amazon.nova-canvas-v1:0", "region": "us-east-1",
    "base": "http://litellm:4000/v1", "target": "/app/config.yaml", "service": "<service>",
    "file": "<file>", "arn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0",
}


def placeholders(fix_id: str) -> set[str]:
    """The {names} a fix's texts use."""
    entry = catalog()[fix_id]
    texts = [entry.get("title"), entry.get("snippet"), entry.get("cause"), *(entry.get("steps") or [])]
    return {name for text in texts if text for _, name, _, _ in _FMT.parse(text) if name}


def _lifecycle_example() -> dict[str, Any]:
    """The guide's case, as of today: Nova Canvas in us-east-1 and its way out (from the shipped data)."""
    from .facts import lifecycle_params
    from .settings import today_from_env

    return lifecycle_params("amazon.nova-canvas-v1:0", "us-east-1", today_from_env(), model="nova-canvas",
                            file="litellm-config.yaml")


def render_generic(fix_id: str) -> Fix:
    """The fix as `explain` shows it: placeholders filled with the common case or <name>."""
    defaults = dict(EXPLAIN_DEFAULTS)
    if fix_id in ("bedrock-model-end-of-life", "bedrock-model-legacy"):
        defaults.update(_lifecycle_example())
    return render(fix_id, {n: defaults.get(n, f"<{n}>") for n in placeholders(fix_id)})
