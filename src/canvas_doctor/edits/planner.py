"""From findings to changes: which fix ids `canvas-doctor fix` can apply, and how.

Each planner reads one warn/fail result (its fix id, params and file:line) and the discovered
stack, and returns a :class:`Change` on one file, or raises :class:`NotAutomatic` saying why
this case needs a person. A fix names its planner (`Fix(edit="canvas_doctor.edits.planner:...")`);
fixes without one are listed as not automatic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from ruamel.yaml.comments import TaggedScalar

from ..models import Result, Status
from ..stack.model import Deployment, LiteLLMConfig, Proxy, Service, Stack
from .document import Change
from .ops import PutKey, RemoveKey, ReplaceItem, SetCfnEnv, SetEnv, Step, UnsetCfnEnv, UnsetEnv
from .yamltext import YamlPath

NOVA_CANVAS = "amazon.nova-canvas-v1:0"
TITAN_IMAGE_V2 = "amazon.titan-image-generator-v2:0"
# A compose value that only names a variable: ${NAME}, ${NAME:?message} or $NAME (no literal text).
_PURE_REFERENCE = re.compile(r"\$\{[A-Za-z_]\w*(?::?\?[^}]*)?\}|\$[A-Za-z_]\w*")


class NotAutomatic(Exception):
    """This finding's fix needs a person; the message says why."""


@dataclass(frozen=True)
class Choice:
    """A fix with a real choice between values read from the stack: `make(value)` plans it."""

    question: str
    options: tuple[str, ...]
    make: Callable[[str], "Change | list[Change]"]


class NeedsChoice(Exception):
    """Raised by a planner when the stack offers more than one right value."""

    def __init__(self, choice: Choice):
        super().__init__(choice.question)
        self.choice = choice


@dataclass
class Planned:
    finding: Result
    change: Change


@dataclass
class Manual:
    finding: Result
    reason: str = ""   # empty: the fix id is never automatic


@dataclass
class Open:
    """A choice nobody answered (no terminal, no --choose): nothing is planned for it."""

    finding: Result
    choice: Choice


@dataclass
class Plan:
    planned: list[Planned]
    manual: list[Manual]
    open: list[Open] = field(default_factory=list)


Ask = Callable[[Result, Choice], "str | None"]


# -- LiteLLM config findings -----------------------------------------------------------------
def _config(stack: Stack, r: Result) -> tuple[LiteLLMConfig, list[Proxy]]:
    file = str(r.fix_params.get("file") or (r.location.file if r.location else ""))
    proxies = [p for p in stack.proxies.values() if p.config is not None and p.config.display == file]
    if not proxies or proxies[0].config is None or proxies[0].config.data is None:
        raise NotAutomatic(f"{file or 'the LiteLLM config'} was not found among the stack's configs")
    return proxies[0].config, proxies


def _deployment(cfg: LiteLLMConfig, r: Result, keys: tuple[str, ...]) -> tuple[Deployment, str]:
    """The deployment whose `key` sits on the finding's line."""
    line = r.location.line if r.location else None
    for dep in cfg.deployments:
        for key in keys:
            if key in dep.params and dep.params.line_of(key) == line:
                return dep, key
    raise NotAutomatic(f"no deployment of {cfg.display} has {' or '.join(keys)} on line {line}")


def _params_path(dep: Deployment) -> YamlPath:
    return ("model_list", dep.index, "litellm_params")


def _proxy_services(proxies: list[Proxy]) -> tuple[str, ...]:
    return tuple(p.service.name for p in proxies if p.service is not None)


def plan_stream(stack: Stack, r: Result) -> Change:
    cfg, proxies = _config(stack, r)
    dep, _ = _deployment(cfg, r, ("stream",))
    value = str(dep.params["stream"]).lower()
    return Change(r.fix_id or "", cfg.display, f"remove `stream: {value}` from the {dep.model_name} deployment",
                  (RemoveKey(_params_path(dep), "stream"),), _proxy_services(proxies))


def plan_api_base(stack: Stack, r: Result) -> Change:
    cfg, proxies = _config(stack, r)
    dep, key = _deployment(cfg, r, ("api_base", "aws_bedrock_runtime_endpoint"))
    value = str(dep.params[key])
    if value.startswith("os.environ/"):
        raise NotAutomatic(f"the value comes from the variable {value.split('/', 1)[1]}: fix it where it is set")
    return Change(r.fix_id or "", cfg.display, f"remove `{key}: {value}` from the {dep.model_name} deployment",
                  (RemoveKey(_params_path(dep), key),), _proxy_services(proxies))


def plan_drop_params(stack: Stack, r: Result) -> Change:
    cfg, proxies = _config(stack, r)
    return Change(r.fix_id or "", cfg.display, "set litellm_settings.drop_params: true",
                  (PutKey(("litellm_settings",), "drop_params", True),), _proxy_services(proxies))


def plan_provisioned(stack: Stack, r: Result) -> Change:
    """LiteLLM 1.108.7 (llms/bedrock/image_generation/image_handler.py) picks the request format
    from `model` and sends to `model_id` when given (base_aws_llm.get_bedrock_model_id)."""
    cfg, proxies = _config(stack, r)
    dep, _ = _deployment(cfg, r, ("model",))
    arn = dep.provider_model
    current = dep.params.get("model_id")
    if current is not None and str(current) != arn:
        raise NotAutomatic(f"the {dep.model_name} deployment already has model_id: {current}")
    hint = (dep.model_name + " " + str(dep.model_info.get("base_model") or "")).lower()
    base = TITAN_IMAGE_V2 if "titan" in hint else NOVA_CANVAS
    path = _params_path(dep)
    steps: list[Step] = [PutKey(path, "model", f"bedrock/{base}"), PutKey(path, "model_id", arn, after="model"),
                         PutKey(("model_list", dep.index, "model_info"), "mode", "image_generation")]
    summary = f"{dep.model_name}: model: bedrock/{base}, model_id: {arn}, model_info.mode: image_generation"
    if "stream" in dep.params:  # once it is known as an image model, a stream key is rejected too
        steps.append(RemoveKey(path, "stream"))
        summary += "; remove its `stream` key"
    return Change(r.fix_id or "", cfg.display, summary, tuple(steps), _proxy_services(proxies))


def plan_inference_profile(stack: Stack, r: Result) -> Change:
    cfg, proxies = _config(stack, r)
    dep, key = _deployment(cfg, r, ("model_id", "model"))
    mid, profile = str(r.fix_params.get("value") or ""), str(r.fix_params.get("profile") or "")
    raw = str(dep.params[key])
    if not mid or not profile or raw.startswith(("os.environ/", "arn:")) or not raw.endswith(mid):
        raise NotAutomatic(f"`{key}: {raw}` does not end in the bare model id; write the profile id by hand")
    new = raw[: len(raw) - len(mid)] + profile
    return Change(r.fix_id or "", cfg.display, f"{dep.model_name}: {key}: {new} (the inference profile)",
                  (PutKey(_params_path(dep), key, new),), _proxy_services(proxies))


# -- Open WebUI environment findings ---------------------------------------------------------
@dataclass(frozen=True)
class EnvTarget:
    """Where an Open WebUI container's environment is written: a compose service or an ECS container."""

    service: Service
    path: YamlPath
    kind: str  # "compose" or "cloudformation"

    def set(self, name: str, value: str) -> Step:
        return SetEnv(self.path, name, value) if self.kind == "compose" else SetCfnEnv(self.path, name, value)

    def unset(self, name: str) -> Step:
        return UnsetEnv(self.path, name) if self.kind == "compose" else UnsetCfnEnv(self.path, name)

    def change(self, r: Result, summary: str, *steps: Step) -> Change:
        services = (self.service.name,) if self.kind == "compose" else ()
        return Change(r.fix_id or "", self.service.file, summary, steps, services, recreate=True)


def _container_path(stack: Stack, svc: Service) -> YamlPath:
    data = stack.cfn_templates.get(svc.file) or {}
    for res_name, res in (data.get("Resources") or {}).items():
        props = res.get("Properties") if isinstance(res, dict) else None
        defs = props.get("ContainerDefinitions") if isinstance(props, dict) else None
        if isinstance(defs, list) and hasattr(defs, "line_of"):
            for i in range(len(defs)):
                if defs.line_of(i) == svc.line:
                    return ("Resources", str(res_name), "Properties", "ContainerDefinitions", i)
    raise NotAutomatic(f"the {svc.name} container was not found in {svc.file}")


def _env_target(stack: Stack, r: Result) -> EnvTarget:
    name, file = r.fix_params.get("service"), r.fix_params.get("file")
    svc = stack.compose_services.get(str(name)) if file == stack.compose_file else None
    if svc is not None:
        return EnvTarget(svc, ("services", svc.name), "compose")
    for svc in stack.cfn_services:
        if svc.name == name and svc.file == file:
            return EnvTarget(svc, _container_path(stack, svc), "cloudformation")
    raise NotAutomatic(f"the service {name!r} was not found in {file}")


def _only_in_env_file(target: EnvTarget, name: str) -> str | None:
    s = target.service.env.get(name)
    return s.location.file if s is not None and s.origin == "env_file" and s.location else None


def _set_env(target: EnvTarget, r: Result, name: str, value: str, what: str = "set") -> Change:
    env_file = _only_in_env_file(target, name)
    note = f" (overrides {env_file})" if env_file else ""
    return target.change(r, f"{what} {name}={value} for {target.service.name}{note}", target.set(name, value))


def plan_image_model(stack: Stack, r: Result) -> Change:
    target = _env_target(stack, r)
    return _set_env(target, r, "IMAGE_GENERATION_MODEL", _after_migration(stack, str(r.fix_params.get("model")
                                                                                     or "nova-canvas")))


def _after_migration(stack: Stack, name: str) -> str:
    """The name a deployment will have once `fix` has moved it off a model past its end of life."""
    from ..facts import LIFECYCLE_EOL, image_model, ways_out
    from ..settings import today_from_env

    proxy = stack.image_proxy
    cfg = proxy.config if proxy is not None else None
    for dep in cfg.find(name) if cfg is not None else []:
        model = image_model(dep.base_model_id) or image_model(dep.provider_model)
        today = today_from_env()
        if model is None or model.status_on(today) != LIFECYCLE_EOL:
            continue
        from ..stack.queries import deployment_region

        options, _ = ways_out(deployment_region(dep, proxy)[0], today, exclude=model.model_id)
        if options and _renamed(cfg, dep, options[0].alias, f"{today}"):
            return options[0].alias
    return name


def plan_image_generation(stack: Stack, r: Result) -> Change:
    return _set_env(_env_target(stack, r), r, "ENABLE_IMAGE_GENERATION", "True")


def plan_image_engine(stack: Stack, r: Result) -> Change:
    return _set_env(_env_target(stack, r), r, "IMAGE_GENERATION_ENGINE", "openai")


def plan_automatic_generation(stack: Stack, r: Result) -> Change:
    target = _env_target(stack, r)
    env_file = _only_in_env_file(target, "AUTOMATIC_IMAGE_GENERATION")
    if env_file:
        raise NotAutomatic(f"it is set in {env_file} (an env_file): remove it there")
    return target.change(r, f"remove AUTOMATIC_IMAGE_GENERATION from {target.service.name} (Open WebUI reads no "
                            "such setting)", target.unset("AUTOMATIC_IMAGE_GENERATION"))


def _raw_compose_env(svc: Service, name: str) -> str | None:
    """The variable's text as written in the compose file, before interpolation."""
    env = svc.raw.get("environment") if svc.raw is not None else None
    if isinstance(env, dict):
        value = env.get(name)
        return None if value is None else str(value)
    if isinstance(env, list):
        for item in env:
            key, sep, value = str(item).partition("=")
            if sep and key.strip() == name:
                return value
    return None


def _key_reference(stack: Stack, svc: Service) -> str:
    """The ${VAR} that holds the image proxy's key: the one OPENAI_API_KEY uses, else the proxy's own."""
    proxy = stack.image_proxy
    master = proxy.master_key() if proxy is not None else None
    candidates = [(svc, "OPENAI_API_KEY")]
    if proxy is not None and proxy.service is not None:
        candidates.append((proxy.service, "LITELLM_MASTER_KEY"))
    for owner, name in candidates:
        raw = _raw_compose_env(owner, name)
        if raw is None or not _PURE_REFERENCE.fullmatch(raw.strip()):
            continue
        value = owner.get(name)
        if master is None or not master.value or value == master.value:
            return raw.strip()
    raise NotAutomatic("neither OPENAI_API_KEY nor the image proxy's LITELLM_MASTER_KEY is a ${VARIABLE} "
                       "reference to the image proxy's key, and a key is never written into a file: put it in .env "
                       "and add IMAGES_OPENAI_API_KEY=${LITELLM_MASTER_KEY}")


_SHORT_FORMS = {"Ref": "!Ref", "Fn::Sub": "!Sub", "Fn::ImportValue": "!ImportValue"}


def _as_short_form(value: object) -> object:
    """A one-line CloudFormation reference (`{"Ref": X}` -> `!Ref X`), or None if it is not one."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn in _SHORT_FORMS and isinstance(arg, str) and "\n" not in arg:
            return TaggedScalar(value=arg, tag=_SHORT_FORMS[fn])
    return None


def _shown(value: object) -> str:
    return f"{value.tag} {value.value}" if isinstance(value, TaggedScalar) else str(value)


def _referenced_source(container: dict, name: str) -> tuple[str, str, object] | None:
    """Where `name` of an ECS container definition comes from, if not written literally: a Secret's
    ValueFrom (a reference or an ARN) or an Environment Value that is a !Ref/!Sub."""
    for section, value_key in (("Secrets", "ValueFrom"), ("Environment", "Value")):
        for item in container.get(section) or []:
            if not isinstance(item, dict) or item.get("Name") != name:
                continue
            raw = item.get(value_key)
            short = _as_short_form(raw)
            if short is not None:
                return section, value_key, short
            if section == "Secrets" and isinstance(raw, str) and raw.startswith("arn:"):
                return section, value_key, raw  # a secret's ARN names it; it is not the key
    return None


def _cfn_key_source(stack: Stack, target: EnvTarget) -> tuple[str, str, object, str]:
    """Where OPENAI_API_KEY of an ECS container comes from; when it is written literally, where the
    LiteLLM container of the same task takes its LITELLM_MASTER_KEY from (never the literal itself)."""
    template = stack.cfn_templates.get(target.service.file) or {}
    container = template
    for key in target.path:
        container = container[key]
    found = _referenced_source(container, "OPENAI_API_KEY")
    if found is not None:
        return (*found, "OPENAI_API_KEY")
    defs = template
    for key in target.path[:-1]:
        defs = defs[key]
    for other in defs if isinstance(defs, list) else []:
        if isinstance(other, dict) and other is not container and "litellm" in str(other.get("Image") or "").lower():
            found = _referenced_source(other, "LITELLM_MASTER_KEY")
            if found is not None:
                return (*found, f"{other.get('Name')}'s LITELLM_MASTER_KEY (OPENAI_API_KEY is written literally)")
    raise NotAutomatic("OPENAI_API_KEY of this container is not a Secret or a !Ref/!Sub reference, and a key is "
                       "never written into a file: add IMAGES_OPENAI_API_KEY as a Secret")


def _internal_base(stack: Stack, target: EnvTarget) -> str:
    proxy = stack.image_proxy
    if target.kind == "compose":
        if proxy is None or proxy.service is None:
            raise NotAutomatic("the compose file has no LiteLLM service to point image requests at")
        return f"http://{proxy.service.name}:{proxy.port}/v1"
    # ECS awsvpc: the containers of one task share localhost; only a LiteLLM container beside it counts.
    task = target.path[:2]
    litellm_first = sorted(stack.cfn_services, key=lambda s: "image" not in s.name.lower())
    for other in litellm_first:
        if other.is_litellm and not other.is_openwebui and other.file == target.service.file:
            other_path = _container_path(stack, other)
            if other_path[:2] == task:
                port = other.ports[0].container_port if other.ports else 4000
                return f"http://localhost:{port}/v1"
    raise NotAutomatic("no LiteLLM container runs in the same ECS task to point image requests at")


def plan_images_api(stack: Stack, r: Result) -> Change:
    target = _env_target(stack, r)
    var = str(r.fix_params.get("var") or "IMAGES_OPENAI_API_BASE_URL")
    if var == "IMAGES_OPENAI_API_BASE_URL":
        base = _internal_base(stack, target)
        return _set_env(target, r, var, base, "add")
    if target.kind != "compose":
        section, value_key, source, whose = _cfn_key_source(stack, target)
        return target.change(r, f"add IMAGES_OPENAI_API_KEY to {target.service.name}'s {section}, from the same "
                                f"source as {whose} ({_shown(source)}; no key is written)",
                             SetCfnEnv(target.path, var, source, section, value_key))
    ref = _key_reference(stack, target.service)
    return target.change(r, f"add IMAGES_OPENAI_API_KEY={ref} for {target.service.name} (the reference the key "
                            "comes from; no key is written)", target.set(var, ref))


# -- a model past its end of life: the migration --------------------------------------------
# Keys LiteLLM 1.108.7 copies into the Bedrock body that the new model's family does not read
# (OpenAI parameters such as quality are mapped or dropped, so they stay).
_OPENAI_IMAGE_PARAMS = {"size", "n", "quality", "style", "response_format", "user"}


def _foreign_keys(dep: Deployment, family: str) -> list[str]:
    from ..facts import IMAGE_MODELS

    own = {k for m in IMAGE_MODELS.values() if m.family == family for k in m.own_keys}
    other = {k for m in IMAGE_MODELS.values() if m.family != family for k in m.own_keys}
    return [k for k in dep.params if k == "stream" or (k in other and k not in own and k not in _OPENAI_IMAGE_PARAMS)]


def _renamed(cfg: LiteLLMConfig, dep: Deployment, alias: str, today: str) -> bool:
    """Whether this deployment takes the new model's name: free in the file, and the first ended
    deployment that would take it (a second one keeps its own name)."""
    from datetime import date

    from ..facts import LIFECYCLE_EOL, image_model

    if not alias or dep.model_name == alias:
        return False
    if any(d.model_name == alias for d in cfg.deployments if d is not dep):
        return False
    day = date.fromisoformat(today)
    ended = [d for d in cfg.deployments
             if (m := image_model(d.base_model_id) or image_model(d.provider_model)) and m.status_on(day) == LIFECYCLE_EOL]
    return bool(ended) and ended[0] is dep


def _openwebui_asking(stack: Stack, name: str) -> list[EnvTarget]:
    """The Open WebUI definitions (compose, CloudFormation) whose IMAGE_GENERATION_MODEL is `name`."""
    out: list[EnvTarget] = []
    for svc in stack.openwebui_services:
        if (svc.get("IMAGE_GENERATION_MODEL") or "").strip() != name:
            continue
        if svc.file == stack.compose_file and stack.compose_services.get(svc.name) is svc:
            out.append(EnvTarget(svc, ("services", svc.name), "compose"))
        elif svc in stack.cfn_services:
            try:
                out.append(EnvTarget(svc, _container_path(stack, svc), "cloudformation"))
            except NotAutomatic:
                continue
    return out


def _grant_edits(stack: Stack, old_id: str, new_arn: str) -> list[tuple[str, Step, str]]:
    """(file, step, what) for each IAM Resource naming the old model's ARN in the templates."""
    import json

    out: list[tuple[str, Step, str]] = []
    needle = f"foundation-model/{old_id}"
    for file, template in stack.cfn_templates.items():
        for res_name, res in (template.get("Resources") or {}).items():
            if not isinstance(res, dict) or res.get("Type") not in ("AWS::IAM::Role", "AWS::IAM::Policy",
                                                                     "AWS::IAM::ManagedPolicy"):
                continue
            props = res.get("Properties") or {}
            docs: list[tuple[tuple, object]] = []
            if res.get("Type") == "AWS::IAM::Role":
                for i, pol in enumerate(props.get("Policies") or []):
                    if isinstance(pol, dict):
                        docs.append((("Policies", i, "PolicyDocument"), pol.get("PolicyDocument")))
            else:
                docs.append((("PolicyDocument",), props.get("PolicyDocument")))
            for doc_path, doc in docs:
                stmts = doc.get("Statement") if isinstance(doc, dict) else None
                for j, stmt in enumerate(stmts if isinstance(stmts, list) else []):
                    if not isinstance(stmt, dict) or "Resource" not in stmt:
                        continue
                    base = ("Resources", str(res_name), "Properties", *doc_path, "Statement", j)
                    resource = stmt["Resource"]
                    if isinstance(resource, list):
                        for k, item in enumerate(resource):
                            if needle in json.dumps(item):
                                out.append((file, ReplaceItem(base + ("Resource",), k, new_arn),
                                            f"{res_name}: allow bedrock:InvokeModel on {new_arn}"))
                    elif needle in json.dumps(resource):
                        out.append((file, PutKey(base, "Resource", new_arn),
                                    f"{res_name}: allow bedrock:InvokeModel on {new_arn}"))
    return out


def plan_end_of_life(stack: Stack, r: Result) -> list[Change]:
    """Move a deployment past its end of life to the Active model the finding names (LiteLLM 1.108.7:
    `model: bedrock/stability...` selects amazon_stability3_transformation), keep Open WebUI's
    IMAGE_GENERATION_MODEL and IMAGE_SIZE consistent, and move the production IAM grant with it."""
    from ..facts import image_model

    cfg, proxies = _config(stack, r)
    dep, _ = _deployment(cfg, r, ("model",))
    p = r.fix_params
    new_id, region, alias = str(p.get("new_model_id") or ""), str(p.get("new_region") or ""), str(p.get("new_alias") or "")
    new = image_model(new_id)
    if new is None or not region or region.startswith("<"):
        raise NotAutomatic("canvas-doctor knows no Active text-to-image model to move to")
    model_id = str(dep.params.get("model_id") or "")
    provisioned = ":provisioned-model/" in model_id
    if model_id and not provisioned:
        raise NotAutomatic(f"the {dep.model_name} deployment calls model_id {model_id} (a custom model or a "
                           "profile): move it by hand")
    if str(dep.params.get("model") or "").startswith("os.environ/"):
        raise NotAutomatic("its model comes from a variable: change it where it is set")
    path = _params_path(dep)
    steps: list[Step] = [PutKey(path, "model", f"bedrock/{new_id}"), PutKey(path, "aws_region_name", region)]
    dropped = _foreign_keys(dep, new.family)
    if provisioned:  # throughput bought for a model past its end of life serves nothing either
        dropped.append("model_id")
    steps += [RemoveKey(path, k) for k in dropped]
    rename = _renamed(cfg, dep, alias, str(p.get("today") or "1970-01-01"))
    if rename:
        steps.insert(0, PutKey(("model_list", dep.index), "model_name", alias))
    summary = (f"{dep.model_name}: model: bedrock/{new_id}, aws_region_name: {region}"
               + (f", model_name: {alias}" if rename else f" (keeps its name: {alias} is taken)")
               + (f"; remove {', '.join(dropped)}" if dropped else "") + f". Price: {p.get('price_change')}")
    changes = [Change(r.fix_id or "", cfg.display, summary, tuple(steps), _proxy_services(proxies))]
    for target in _openwebui_asking(stack, dep.model_name):
        env_steps = [target.set("IMAGE_SIZE", new.default_size)]
        what = f"IMAGE_SIZE={new.default_size}"
        if rename:
            env_steps.insert(0, target.set("IMAGE_GENERATION_MODEL", alias))
            what = f"IMAGE_GENERATION_MODEL={alias}, {what}"
        changes.append(target.change(r, f"{target.service.name}: {what} ({new.name} draws at its own size)",
                                     *env_steps))
    old = image_model(dep.base_model_id) or image_model(dep.provider_model)
    if old is not None:
        for file, step, what in _grant_edits(stack, old.model_id, new.arn(region)):
            changes.append(Change(r.fix_id or "", file, what, (step,)))
    return changes


Planner = Callable[[Stack, Result], "Change | list[Change]"]

def planner_for(fix_id: str) -> Planner | None:
    """The planner a fix declares as its automatic edit (`Fix(edit=...)`), or None: not automatic."""
    from ..fixes import catalog
    decl = catalog().get(fix_id)
    return decl.planner() if decl is not None else None


def _decide(r: Result, choice: Choice, chosen: Mapping[str, str], ask: Ask | None) -> str | None:
    """The value --choose gives for this fix id, else the one asked for on the terminal, else None."""
    value = chosen.get(r.fix_id or "")
    if value is not None:
        if value not in choice.options:
            raise NotAutomatic(f"--choose {r.fix_id}={value}: {value} is not one of {', '.join(choice.options)}")
        return value
    return ask(r, choice) if ask is not None else None


def plan(stack: Stack, results: list[Result], chosen: Mapping[str, str] | None = None,
         ask: Ask | None = None) -> Plan:
    """A change for every finding a planner can fix; every other warning and failure is manual.
    A planner that needs a choice gets it from `chosen` (fix id -> value), else from `ask`, else it stays open."""
    out = Plan([], [])
    for r in results:
        if r.status not in (Status.WARN, Status.FAIL) or not r.fix_id:
            continue
        planner = planner_for(r.fix_id)
        if planner is None:
            out.manual.append(Manual(r))
            continue
        try:
            try:
                made = planner(stack, r)
            except NeedsChoice as need:
                value = _decide(r, need.choice, chosen or {}, ask)
                if value is None:
                    out.open.append(Open(r, need.choice))
                    continue
                made = need.choice.make(value)
            out.planned += [Planned(r, c) for c in (made if isinstance(made, list) else [made])]
        except NotAutomatic as exc:
            out.manual.append(Manual(r, str(exc)))
    return out
