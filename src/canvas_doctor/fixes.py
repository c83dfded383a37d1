"""Fixes: the declaration a rule writes (:class:`Fix`) and how one finding's fix text is rendered.

A rule module declares its fixes at its top, next to the checks that give them:

    OPENWEBUI_IMAGE_MODEL_UNSET = Fix(
        id="openwebui-image-model-unset",
        title="Tell Open WebUI which model generates images",
        steps=("Add IMAGE_GENERATION_MODEL={model} to the {service} environment in {file}", "{recreate}"),
        params=("model", "file"),
        variants={"cloudformation": Variant(snippet="- Name: IMAGE_GENERATION_MODEL\\n  Value: \\"{model}\\"\\n")},
        edit="canvas_doctor.edits.planner:plan_image_model",
    )

A fix is written in the language of the file it changes and with the deployment's own values:
- `variants` override fields for one `lang` (the language of the file the finding points at:
  compose, cloudformation, litellm, env; see canvas_doctor.advice);
- the shared phrases (canvas_doctor.fix_phrases) are per-runtime fragments that any text names as
  a placeholder, e.g. `{restart_proxy}`: "docker compose restart litellm" or an ECS redeploy;
- any text may be a :class:`OneOf` of alternatives: the first whose placeholders all have a value is
  used, so a text never needs a value the finding does not have. If even the last one lacks a
  value, a plain noun from FALLBACK stands in: no `{name}` is ever rendered.

A text names only the fix's declared `params`, the values the runner derives from where the finding
is (DERIVED) and the phrases; the last alternative of a text names only values with a FALLBACK. A
declaration that breaks either rule raises when its module is imported, so a plugin with a typo is
a load error, never a fix rendered wrong on the day it is first given.

The catalog (fix id -> declaration) is built from the loaded rules: :func:`catalog`.
"""
from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping, Union

from .models import RenderedFix

_FMT = string.Formatter()
TEXT_FIELDS = ("title", "cause", "steps", "snippet")
LANGS = ("compose", "cloudformation", "litellm", "env")
RUNS_OF_LANG = {"compose": "compose", "env": "compose", "cloudformation": "ecs"}
FIX_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
EDIT_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")

# What the runner adds to a finding's own params, from where the finding is (canvas_doctor.advice).
DERIVED = frozenset({"lang", "runs", "template", "port", "region", "nova_region", "service"})

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


class OneOf:
    """Alternatives of one text: the first whose placeholders all have a value is used.

    `None` as an alternative means "no text" (a snippet left out when its values are missing)."""

    __slots__ = ("texts",)

    def __init__(self, *texts: str | None) -> None:
        if not texts or not all(t is None or isinstance(t, str) for t in texts):
            raise TypeError(f"OneOf takes texts (or None), not {texts!r}")
        self.texts: tuple[str | None, ...] = texts

    def __repr__(self) -> str:
        return f"OneOf{self.texts!r}"


Text = Union[str, OneOf, None]


@dataclass(frozen=True, eq=False)
class Variant:
    """The fields a fix writes differently for a finding in one language of file (None: as the base)."""

    cause: Text = None
    steps: tuple[Text, ...] | None = None
    snippet: Text = None

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in (("cause", self.cause), ("steps", self.steps), ("snippet", self.snippet))
                if v is not None}


@dataclass(frozen=True, eq=False)
class Fix:
    """A fix a rule can give: id, texts, the params its texts name, and its automatic edit if any.

    `edit` names the planner `canvas-doctor fix` applies ("module:function", imported only by `fix`)."""

    id: str
    title: Text
    steps: tuple[Text, ...] = ()
    cause: Text = None
    snippet: Text = None
    guide_section: str | None = None
    params: tuple[str, ...] = ()
    variants: Mapping[str, Variant] = field(default_factory=dict)
    edit: str | None = None
    module: str = field(default="", init=False)  # where it is written: the registry's cache imports it from there

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            raise ValueError(f"fix {self.id!r}: {problem}")
        caller = sys._getframe(2)  # this <- the dataclass's __init__ <- the module declaring the fix
        object.__setattr__(self, "module", caller.f_globals.get("__name__", ""))

    def fields(self, lang: str | None = None) -> dict[str, Any]:
        """The texts for a finding in a file of `lang`: the base, overridden by that variant."""
        base = {"title": self.title, "cause": self.cause, "steps": self.steps, "snippet": self.snippet,
                "guide_section": self.guide_section}
        variant = self.variants.get(lang) if lang else None
        return {**base, **(variant.fields() if variant else {})}

    def planner(self):
        """The planner function `edit` names (imports its module), or None."""
        if not self.edit:
            return None
        import importlib
        module, name = self.edit.split(":")
        return getattr(importlib.import_module(module), name)

    def __repr__(self) -> str:
        return f"Fix({self.id!r})"


def phrases() -> dict[str, dict[str, Text]]:
    """The shared per-runtime fragments: phrase name -> {runs: text or alternatives}."""
    from .fix_phrases import PHRASES  # it is written with OneOf: imported once this module is
    return PHRASES


def _names(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in _FMT.parse(text) if name}
    except ValueError:
        return set()


def _alternatives(text: Text | list) -> list[str | None]:
    """A text as its list of alternatives (None in a list: nothing, e.g. no snippet)."""
    if text is None:
        return []
    if isinstance(text, str):
        return [text]
    items = text.texts if isinstance(text, OneOf) else text
    return [t for t in items if t is None or isinstance(t, str)]


def _texts(entry: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for f in TEXT_FIELDS:
        value = entry.get(f)
        items = value if f == "steps" else [value]
        for item in items or ():
            out += [t for t in _alternatives(item) if t is not None]
    return out


def _last_alternatives(entry: Mapping[str, Any]) -> list[str]:
    lasts = []
    for f in TEXT_FIELDS:
        value = entry.get(f)
        for item in (value if f == "steps" else [value]) or ():
            alts = _alternatives(item)
            if alts and alts[-1] is not None:
                lasts.append(alts[-1])
    return lasts


def _phrase_names(names: set[str]) -> set[str]:
    """The placeholders of the phrases among `names`."""
    return {n for name in names & phrases().keys() for by_runs in phrases()[name].values()
            for t in _alternatives(by_runs) if t for n in _names(t)}


def _problem(fix: Fix) -> str | None:
    """Why this declaration is wrong, or None."""
    if not isinstance(fix.id, str) or not FIX_ID.match(fix.id):
        return "a fix id is lower-case words joined by '-'"
    if isinstance(fix.steps, str) or not isinstance(fix.steps, (tuple, list)):
        return "steps must be a tuple of texts, not one string"
    if isinstance(fix.params, str):
        return f"params must be a tuple of names, not the string {fix.params!r}"
    unknown_langs = set(fix.variants) - set(LANGS)
    if unknown_langs:
        return f"variants for unknown languages {sorted(unknown_langs)}; any of {', '.join(LANGS)}"
    if fix.edit is not None and not EDIT_REF.match(fix.edit):
        return f"edit must name a planner as 'module:function', not {fix.edit!r}"
    parts = [fix.fields(None)] + [v.fields() for v in fix.variants.values()]
    named = {n for part in parts for t in _texts(part) for n in _names(t)}
    named |= _phrase_names(named)
    undeclared = named - set(fix.params) - DERIVED - phrases().keys()
    if undeclared:
        return (f"its texts name {sorted(undeclared)}, which are not in its params "
                f"({', '.join(fix.params) or 'none'}) nor derived by the runner ({', '.join(sorted(DERIVED))})")
    for part in parts:
        for last in _last_alternatives(part):
            missing = _names(last) - FALLBACK.keys() - phrases().keys()
            if missing:
                return (f"the text {last!r} is its last alternative but needs {sorted(missing)}, "
                        f"which have no fallback: add an alternative written without them")
    return None


# -- the catalog: built from the loaded rules ---------------------------------------------------
def catalog() -> dict[str, Fix]:
    """Every fix id of the installed rules (built-in and plugins) and its declaration."""
    from .registry import default_registry
    return default_registry().fixes


def lookup(fix: str | Fix) -> Fix:
    if isinstance(fix, Fix):
        return fix
    found = catalog().get(fix)
    if found is None:
        raise KeyError(f"unknown fix id {fix!r}")
    return found


# -- rendering one finding's fix ------------------------------------------------------------------
def _format(text: str, values: dict[str, Any]) -> str:
    filled = {**{n: FALLBACK.get(n, n.replace("_", " ")) for n in _names(text)}, **values}
    try:
        return _FMT.vformat(text, (), filled)
    except (ValueError, IndexError, AttributeError, KeyError):
        return text.replace("{", "(").replace("}", ")")


def _choose(text: Text | list, values: dict[str, Any]) -> str | None:
    """The first alternative whose placeholders all have a value, filled; else the last, with FALLBACK."""
    alts = _alternatives(text)
    for alt in alts:
        if alt is None or _names(alt) <= values.keys():
            return None if alt is None else _format(alt, values)
    return _format(alts[-1], values) if alts and alts[-1] is not None else None


def _phrase_values(used: set[str], values: dict[str, Any], runs: str | None) -> dict[str, str]:
    out = {}
    for name in used & phrases().keys():
        by_runs = phrases()[name]
        chosen = _choose(by_runs.get(runs or "compose") or by_runs.get("compose"), values)
        if chosen is not None:
            out[name] = chosen
    return out


def render(fix: str | Fix, params: dict[str, Any] | None = None) -> RenderedFix:
    """The fix for one finding: the variant of its `lang`, placeholders filled from `params`."""
    decl = lookup(fix)
    given = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
    lang = given.get("lang")
    entry = decl.fields(lang)
    used = {n for t in _texts(entry) for n in _names(t)}
    values = {**given, **_phrase_values(used, given, given.get("runs") or RUNS_OF_LANG.get(lang or ""))}
    return RenderedFix(
        id=decl.id,
        title=_choose(entry["title"], values) or decl.id,
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


def variants(fix: str | Fix) -> list[str]:
    """The langs a fix has its own text for (besides the base text)."""
    return list(lookup(fix).variants.keys())


def placeholders(fix: str | Fix) -> set[str]:
    """The {names} a fix's texts use, in every variant, with those of the phrases they name."""
    decl = lookup(fix)
    parts = [decl.fields(None)] + [v.fields() for v in decl.variants.values()]
    names = {n for part in parts for t in _texts(part) for n in _names(t)}
    return (names | _phrase_names(names)) - phrases().keys()


def _lifecycle_example() -> dict[str, Any]:
    """The guide's case, as of today: Nova Canvas in us-east-1 and its way out (from the shipped data)."""
    from .facts import lifecycle_params
    from .settings import today_from_env

    return lifecycle_params("amazon.nova-canvas-v1:0", "us-east-1", today_from_env(), model="nova-canvas",
                            file="litellm-config.yaml")


def render_generic(fix: str | Fix, lang: str | None = None) -> RenderedFix:
    """The fix as `explain` shows it: placeholders filled with the common case or <name>."""
    decl = lookup(fix)
    defaults = {**EXPLAIN_DEFAULTS, **EXPLAIN_DEFAULTS_BY_LANG.get(lang or "", {})}
    if decl.id in ("bedrock-model-end-of-life", "bedrock-model-legacy"):
        defaults.update(_lifecycle_example())
    values: dict[str, Any] = {n: defaults.get(n, f"<{n}>") for n in placeholders(decl)}
    if lang:
        values["lang"] = lang
    return render(decl, values)
