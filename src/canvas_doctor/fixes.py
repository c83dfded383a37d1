"""The fix catalog (fixes.yaml): fix id -> title, cause, steps, snippet, guide section.

A fix is written in the language of the file it changes and with the deployment's own values:
- `variants` of an entry override its fields for one `lang` (the language of the file the finding
  points at: compose, cloudformation, litellm, env; see canvas_doctor.advice);
- `_phrases` are per-runtime fragments (`runs`: compose, ecs, other) that any text names as a
  placeholder, e.g. `{restart_proxy}`: "docker compose restart litellm" or an ECS redeploy;
- any text may be a list of alternatives: the first whose placeholders all have a value is used,
  so a text never needs a value the finding does not have. If even the last one lacks a value,
  a plain noun from FALLBACK stands in: no `{name}` is ever rendered.
"""
from __future__ import annotations

import string
import threading
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .models import Fix

_FMT = string.Formatter()
TEXT_FIELDS = ("title", "cause", "steps", "snippet")
RUNS_OF_LANG = {"compose": "compose", "env": "compose", "cloudformation": "ecs"}

# The last resort for a value no finding gave and no alternative avoids: a plain noun phrase.
FALLBACK = {
    "file": "the file shown above", "service": "the service", "model": "image model", "model_id": "the model",
    "region": "your region", "regions": "a region that offers the model", "var": "the variable",
    "expected": "the value the message names", "value": "the value shown", "proxy": "the proxy",
    "base": "the LiteLLM proxy's /v1 URL", "target": "the path --config names", "container": "the container",
    "arn": "the model's ARN", "profile": "the model's inference profile id", "served": "a model it serves",
    "template": "the template", "litellm_model": "bedrock/<model id>", "port": "the proxy's port",
    "url": "the proxy's URL", "end_of_life": "its end-of-life date", "alternatives": "a model Bedrock still serves",
    "offered_region": "a region that offers the model", "key": "the setting",
    "missing": "the env file", "example": "its example", "where": "the health check",
    "apply": "Apply the change where the service runs (docker compose up -d, or update the stack)",
    "name": "the model", "new_name": "the new model", "new_alias": "the new model's name",
    "new_model_id": "<an active model id>", "new_region": "a region that serves it", "new_arn": "the new model's ARN",
    "price_change": "see the model cards", "keys": "its own request keys", "source": "AWS's model lifecycle page",
    # the deployed stack (--aws-stack)
    "searched": "environment, shared files, SSO, container and instance roles", "stack": "<stack-name>",
    "status": "failed", "rolled_back": "", "action": "a read-only action", "ecs_service": "<ecs-service>",
    "cluster": "<cluster>", "reason": "see the message above", "image": "the container image",
    "value_from": "the secret's ARN", "role": "the execution role", "target_group": "the target group",
    "count": "some", "load_balancer": "the load balancer", "idle": "a few", "log_group": "its awslogs group",
}


_LOAD_LOCK = threading.Lock()  # checks finish in parallel threads: parse the catalog once, not once each
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_loaded: list[dict[str, Any]] = []


def _document() -> dict[str, Any]:
    with _LOAD_LOCK:
        if not _loaded:
            text = resources.files("canvas_doctor").joinpath("fixes.yaml").read_text(encoding="utf-8")
            _loaded.append(yaml.load(text, Loader=_SafeLoader))  # a safe loader, C or pure Python
        return _loaded[0]


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, Any]]:
    """Every fix id and its entry, loaded once from the package (reserved `_` keys left out)."""
    return {k: v for k, v in _document().items() if not k.startswith("_")}


def phrases() -> dict[str, dict[str, Any]]:
    """The shared per-runtime fragments: phrase name -> {runs: text or alternatives}."""
    return _document().get("_phrases") or {}


def _names(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in _FMT.parse(text) if name}
    except ValueError:
        return set()


def _alternatives(text: str | list[str | None] | None) -> list[str | None]:
    """A text as its list of alternatives (None in a list: nothing, e.g. no snippet)."""
    if text is None:
        return []
    return [text] if isinstance(text, str) else [t for t in text if t is None or isinstance(t, str)]


def _format(text: str, values: dict[str, Any]) -> str:
    filled = {**{n: FALLBACK.get(n, n.replace("_", " ")) for n in _names(text)}, **values}
    try:
        return _FMT.vformat(text, (), filled)
    except (ValueError, IndexError, AttributeError, KeyError):
        return text.replace("{", "(").replace("}", ")")


def _choose(text: str | list[str | None] | None, values: dict[str, Any]) -> str | None:
    """The first alternative whose placeholders all have a value, filled; else the last, with FALLBACK."""
    alts = _alternatives(text)
    for alt in alts:
        if alt is None or _names(alt) <= values.keys():
            return None if alt is None else _format(alt, values)
    return _format(alts[-1], values) if alts and alts[-1] is not None else None


def _entry(fix_id: str, lang: str | None) -> dict[str, Any]:
    entry = catalog().get(fix_id)
    if entry is None:
        raise KeyError(f"unknown fix id {fix_id!r}")
    variant = (entry.get("variants") or {}).get(lang) if lang else None
    return {**entry, **(variant or {})}


def _phrase_values(used: set[str], values: dict[str, Any], runs: str | None) -> dict[str, str]:
    out = {}
    for name in used & phrases().keys():
        by_runs = phrases()[name]
        chosen = _choose(by_runs.get(runs or "compose") or by_runs.get("compose"), values)
        if chosen is not None:
            out[name] = chosen
    return out


def _texts(entry: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for f in TEXT_FIELDS:
        value = entry.get(f)
        items = value if f == "steps" else [value]
        for item in items or ():
            out += [t for t in _alternatives(item) if t is not None]
    return out


def render(fix_id: str, params: dict[str, Any] | None = None) -> Fix:
    """The fix `fix_id` for one finding: the variant of its `lang`, placeholders filled from `params`."""
    given = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
    lang = given.get("lang")
    entry = _entry(fix_id, lang)
    used = {n for t in _texts(entry) for n in _names(t)}
    values = {**given, **_phrase_values(used, given, given.get("runs") or RUNS_OF_LANG.get(lang or ""))}
    return Fix(
        id=fix_id,
        title=_choose(entry["title"], values) or fix_id,
        steps=tuple(s for s in (_choose(item, values) for item in entry.get("steps") or ()) if s),
        snippet=_choose(entry.get("snippet"), values),
        guide_section=entry.get("guide_section"),
        cause=_choose(entry.get("cause"), values),
    )


# What `explain` shows for a placeholder no finding has filled: the common case, or <name>.
EXPLAIN_DEFAULTS = {
    "model": "nova-canvas", "model_id": "amazon.nova-canvas-v1:0", "region": "us-east-1",
    "base": "http://litellm:4000/v1", "target": "/app/config.yaml", "service": "<service>",
    "file": "<file>", "arn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0",
    "litellm_model": "bedrock/amazon.nova-canvas-v1:0", "port": 4000, "offered_region": "us-east-1",
    "template": "<template>", "aws_region_name": "us-east-1", "url": "http://localhost:4000",
}
EXPLAIN_DEFAULTS_BY_LANG = {"cloudformation": {"base": "http://localhost:4000/v1", "template": "<file>"}}

VARIANT_NAMES = {"compose": "a compose file", "cloudformation": "a CloudFormation template",
                 "litellm": "a LiteLLM config", "env": "an env file"}


def variants(fix_id: str) -> list[str]:
    """The langs an entry has its own text for (besides the base text)."""
    return list((catalog()[fix_id].get("variants") or {}).keys())


def placeholders(fix_id: str) -> set[str]:
    """The {names} a fix's texts use, in every variant, with those of the phrases they name."""
    entry = catalog()[fix_id]
    texts = _texts(entry) + [t for v in (entry.get("variants") or {}).values() for t in _texts(v)]
    names = {n for t in texts for n in _names(t)}
    for name in names & phrases().keys():
        names |= {n for by_runs in phrases()[name].values() for t in _alternatives(by_runs) if t
                  for n in _names(t)}
    return names - phrases().keys()


def _lifecycle_example() -> dict[str, Any]:
    """The guide's case, as of today: Nova Canvas in us-east-1 and its way out (from the shipped data)."""
    from .facts import lifecycle_params
    from .settings import today_from_env

    return lifecycle_params("amazon.nova-canvas-v1:0", "us-east-1", today_from_env(), model="nova-canvas",
                            file="litellm-config.yaml")


def render_generic(fix_id: str, lang: str | None = None) -> Fix:
    """The fix as `explain` shows it: placeholders filled with the common case or <name>."""
    defaults = {**EXPLAIN_DEFAULTS, **EXPLAIN_DEFAULTS_BY_LANG.get(lang or "", {})}
    if fix_id in ("bedrock-model-end-of-life", "bedrock-model-legacy"):
        defaults.update(_lifecycle_example())
    values: dict[str, Any] = {n: defaults.get(n, f"<{n}>") for n in placeholders(fix_id)}
    if lang:
        values["lang"] = lang
    return render(fix_id, values)
