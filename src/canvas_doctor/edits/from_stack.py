"""Planners whose right value is read from the stack itself: service names and ports, the proxy's own
key reference, the served model names, the bind mount --config needs, the nearest valid provider and
size, the region that serves the model, the task role instead of keys.

Each returns a :class:`Change` (or several) whose summary says the value and why it is right; where
the stack offers two right values it raises :class:`NeedsChoice`; where it offers none, or only a
secret, it raises :class:`NotAutomatic`. No planner here ever writes a secret's value: keys are
written only as the `${VARIABLE}` (compose) or `!Ref` (CloudFormation) the stack already uses.
"""
from __future__ import annotations

import difflib
import re
from pathlib import PurePosixPath

from ..models import Result
from ..stack.model import Deployment, LiteLLMConfig, Proxy, Stack
from .document import Change
from .ops import PutKey, RemoveCfnVar, ReplaceItem, Step, get
from .planner import (_PURE_REFERENCE, Choice, EnvTarget, NeedsChoice, NotAutomatic, _config, _container_path,
                      _deployment, _env_target, _openwebui_asking, _params_path, _proxy_services, _raw_compose_env)


def _reason(r: Result, var: str) -> str:
    """The finding's own words after `VAR=value `: why the current value is wrong."""
    text = r.message
    m = re.match(rf"{re.escape(var)}=\S*\s+(.*)", text, re.S)
    return (m.group(1) if m else text).rstrip(".")


def _compose_target(stack: Stack, r: Result) -> EnvTarget:
    """The compose service the finding names (its params name the service, not always the file)."""
    name = str(r.fix_params.get("service") or "")
    svc = stack.compose_services.get(name)
    if svc is None or svc.kind != "compose":
        raise NotAutomatic(f"{name or 'the service'} is not a service of the compose file")
    return EnvTarget(svc, ("services", svc.name), "compose")


def _refuse_reference(target: EnvTarget, var: str) -> None:
    raw = _raw_compose_env(target.service, var)
    if raw is not None and "$" in raw:
        raise NotAutomatic(f"{var} of {target.service.name} is `{raw.strip()}`: fix the variable where it is set")


# -- Open WebUI's URL: the LiteLLM service's name and its port --------------------------------
def plan_api_base_wrong(stack: Stack, r: Result) -> Change:
    target = _compose_target(stack, r)
    var, expected = str(r.fix_params.get("var") or ""), str(r.fix_params.get("expected") or "")
    if var not in ("OPENAI_API_BASE_URL", "IMAGES_OPENAI_API_BASE_URL") or not expected:
        raise NotAutomatic(f"{var or 'the URL'} holds several URLs (;-separated): fix the one that is wrong by hand")
    _refuse_reference(target, var)
    return target.change(r, f"set {var}={expected} for {target.service.name}: the URL it had {_reason(r, var)}",
                         target.set(var, expected))


# -- Open WebUI's key: the proxy's own key reference ----------------------------------------
def master_key_reference(proxy: Proxy | None) -> str | None:
    """The `${VAR}` the proxy's compose service takes its master key from (its value is the master key)."""
    if proxy is None or proxy.service is None or proxy.service.kind != "compose":
        return None
    master = proxy.master_key()
    names = ["LITELLM_MASTER_KEY"]
    cfg_value = ""
    if proxy.config and proxy.config.data:
        cfg_value = str(proxy.config.section("general_settings").get("master_key") or "")
    if cfg_value.startswith("os.environ/"):
        names.insert(0, cfg_value.split("/", 1)[1])
    for name in names:
        raw = _raw_compose_env(proxy.service, name)
        if raw is None or not _PURE_REFERENCE.fullmatch(raw.strip()):
            continue
        if master is None or not master.value or proxy.service.get(name) == master.value:
            return raw.strip()
    return None


def plan_api_key_mismatch(stack: Stack, r: Result) -> Change:
    target = _compose_target(stack, r)
    var = str(r.fix_params.get("var") or "")
    if var not in ("OPENAI_API_KEY", "IMAGES_OPENAI_API_KEY"):
        raise NotAutomatic(f"{var} holds several keys (;-separated): fix the one that is wrong by hand")
    proxy = stack.proxies.get(str(r.fix_params.get("proxy") or ""))
    ref = master_key_reference(proxy)
    if ref is None:
        raise NotAutomatic("the proxy's master key is not a ${VARIABLE} of its compose service, and a key is never "
                           "written into a file: put it in .env and reference it from both services")
    return target.change(r, f"set {var}={ref} for {target.service.name}: the {proxy.name if proxy else 'LiteLLM'} "
                            f"proxy's own key reference (its master key; no key is written)", target.set(var, ref))


# -- static AWS keys in a task definition: the task role --------------------------------------
def plan_static_credentials(stack: Stack, r: Result) -> Change:
    name, file, var = r.fix_params.get("service"), r.fix_params.get("file"), str(r.fix_params.get("var") or "")
    svc = next((s for s in stack.cfn_services if s.name == name and s.file == file), None)
    if svc is None:
        raise NotAutomatic(f"the container {name!r} was not found in {file}")
    path = _container_path(stack, svc)
    template = stack.cfn_templates.get(svc.file) or {}
    role = get(template, path[:3] + ("TaskRoleArn",))
    if not role:
        raise NotAutomatic("the task definition has no TaskRoleArn: give it a task role that may call Bedrock first")
    shown = _cfn_shown(role)
    return Change(r.fix_id or "", svc.file, f"remove {var} from the {svc.name} container: the task role "
                  f"(TaskRoleArn: {shown}) gives it AWS access, and no key stays in the template",
                  (RemoveCfnVar(path, var),), recreate=True)


def _cfn_shown(value: object) -> str:
    """A CloudFormation value as its short form reads (`!GetAtt TaskRole.Arn`, `!Ref Role`)."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Fn::GetAtt" and isinstance(arg, list):
            return "!GetAtt " + ".".join(map(str, arg))
        if fn in ("Ref", "Fn::Sub", "Fn::ImportValue") and isinstance(arg, str):
            return f"!{fn.removeprefix('Fn::')} {arg}"
    return str(value)


# -- the config not mounted: the bind mount the command's --config path needs -----------------
_SHORT_VOLUME = re.compile(r"(?P<src>[^:]+):(?P<dst>/[^:]*)(?P<mode>:[a-z,]+)?")


def _is_litellm_config(stack: Stack, source: str) -> bool:
    path = (stack.root / source).resolve() if not PurePosixPath(source).is_absolute() else None
    if path is None or not path.is_file() or path.suffix not in (".yaml", ".yml") or path.stat().st_size > 1 << 20:
        return False
    return bool(re.search(r"^model_list\s*:", path.read_text(encoding="utf-8", errors="replace"), re.M))


def plan_config_mounted(stack: Stack, r: Result) -> Change | list[Change]:
    proxy = stack.proxies.get(str(r.fix_params.get("service") or ""))
    if proxy is None or proxy.service is None or proxy.service.raw is None:
        raise NotAutomatic("the LiteLLM service was not found in the compose file")
    svc, target = proxy.service, proxy.config_container_path
    if proxy.config_in_env is not None or not target:
        raise NotAutomatic("the service starts LiteLLM without a --config path to mount a file at")
    volumes = svc.raw.get("volumes")
    path = ("services", svc.name, "volumes")
    candidates: list[tuple[int, str, str]] = []
    for i, item in enumerate(volumes if isinstance(volumes, list) else []):
        m = _SHORT_VOLUME.fullmatch(str(item)) if isinstance(item, str) else None
        if m and m.group("dst") != target and _is_litellm_config(stack, m.group("src")):
            candidates.append((i, m.group("src"), f"{m.group('src')}:{target}{m.group('mode') or ''}"))
    def make(source: str) -> Change:
        i, _, new = next(c for c in candidates if c[1] == source)
        return Change(r.fix_id or "", svc.file, f"mount {source} at {target} for {svc.name}: its command reads "
                      f"--config {target}, where no volume put the file", (ReplaceItem(path, i, new),), (svc.name,),
                      recreate=True)
    if not candidates:
        raise NotAutomatic(f"no volume of {svc.name} bind-mounts a LiteLLM config to move to {target}")
    if len(candidates) > 1:
        raise NeedsChoice(Choice(f"{svc.name} reads --config {target}: which file should be mounted there?",
                                 tuple(c[1] for c in candidates), make))
    return make(candidates[0][1])


# -- the model name: the served model name (or the proxy that serves it) ----------------------
def _size_steps(target: EnvTarget, dep: Deployment) -> tuple[list[Step], str]:
    """IMAGE_SIZE too, when the newly chosen model would reject the size Open WebUI sends."""
    from ..facts import OPENWEBUI_DEFAULT_IMAGE_SIZE, parse_size
    from ..stack.queries import deployment_image_model

    model = deployment_image_model(dep)
    size = target.service.get("IMAGE_SIZE") or OPENWEBUI_DEFAULT_IMAGE_SIZE
    parsed = parse_size(size)
    if model is None or not model.takes_size or (parsed and not model.size_problem(*parsed)):
        return [], ""
    new = nearest_size(model, size)
    return [target.set("IMAGE_SIZE", new)], f", IMAGE_SIZE={new} ({model.name} rejects {size})"


def _rename_model(stack: Stack, r: Result, cfg: LiteLLMConfig, wanted: str, new: str,
                  targets: list[EnvTarget]) -> list[Change]:
    dep = cfg.find(new)[0]
    out = []
    for target in targets:
        steps, extra = _size_steps(target, dep)
        out.append(target.change(r, f"set IMAGE_GENERATION_MODEL={new}{extra} for {target.service.name}: "
                                    f"{cfg.display} serves no {wanted!r}; it serves the image model {new!r}",
                                 target.set("IMAGE_GENERATION_MODEL", new), *steps))
    return out


def plan_model_not_found(stack: Stack, r: Result) -> list[Change]:
    from ..stack.queries import image_deployments

    wanted = str(r.fix_params.get("model") or "")
    targets = _openwebui_asking(stack, wanted)
    if not targets:
        raise NotAutomatic(f"no Open WebUI setting names {wanted!r} (it came from --model or a default)")
    proxy = stack.image_proxy
    others = [p for p in stack.proxies.values() if p is not proxy and p.service is not None and p.config is not None
              and p.config.find(wanted) and p.service.kind == "compose"]
    compose = [t for t in targets if t.kind == "compose"]  # the compose file's image proxy is the one asked
    if len(others) == 1 and compose:
        other = others[0]
        assert other.service is not None
        url = f"http://{other.service.name}:{other.port}/v1"
        return [t.change(r, f"set IMAGES_OPENAI_API_BASE_URL={url} for {t.service.name}: the "
                            f"{proxy.name if proxy else 'current'} proxy serves no {wanted!r}; the image proxy "
                            f"{other.name} serves it", t.set("IMAGES_OPENAI_API_BASE_URL", url)) for t in compose]
    cfg = proxy.config if proxy is not None else None
    if cfg is None or cfg.data is None:
        raise NotAutomatic("the image proxy's config could not be read")
    names = sorted({d.model_name for d in image_deployments(proxy)})
    if not names:
        raise NotAutomatic(f"{cfg.display} serves no image model to point Open WebUI at")
    if len(names) > 1:
        raise NeedsChoice(Choice(f"Open WebUI asks for {wanted!r}, which {cfg.display} does not serve; "
                                 "which of its image models should it use?", tuple(names),
                                 lambda new: _rename_model(stack, r, cfg, wanted, new, targets)))
    return _rename_model(stack, r, cfg, wanted, names[0], targets)


# -- a provider typo: the nearest valid provider ------------------------------------------------
_BEDROCK_ID = re.compile(r"^(?:(?:us|eu|apac|global)\.)?(?:amazon|anthropic|stability|meta|cohere|ai21|mistral|"
                         r"deepseek|writer|twelvelabs|luma)\.[\w.:-]+$")


def plan_provider_invalid(stack: Stack, r: Result) -> Change | list[Change]:
    from ..facts import litellm_providers

    cfg, proxies = _config(stack, r)
    dep, _ = _deployment(cfg, r, ("model",))
    if "custom_llm_provider" in dep.params:
        raise NotAutomatic("the deployment names custom_llm_provider: fix it there")
    value = str(dep.params.get("model") or "")
    provider, sep, rest = value.partition("/")
    if not sep or not rest:
        raise NotAutomatic(f"`model: {value}` has no provider prefix to correct")
    known = sorted(litellm_providers())
    if _BEDROCK_ID.match(rest) and "bedrock" in known:
        options = ["bedrock"]
    else:
        scored = sorted(((difflib.SequenceMatcher(None, provider.lower(), k).ratio(), k) for k in known), reverse=True)
        options = [k for score, k in scored if score >= 0.6 and score == scored[0][0]]
    if not options:
        raise NotAutomatic(f"no provider LiteLLM knows is close to {provider!r}")

    def make(new: str) -> Change:
        return Change(r.fix_id or "", cfg.display, f"{dep.model_name}: model: {new}/{rest} (LiteLLM knows no "
                      f"provider {provider!r}; {new} is the nearest it knows)",
                      (PutKey(_params_path(dep), "model", f"{new}/{rest}"),), _proxy_services(proxies))
    if len(options) > 1:
        raise NeedsChoice(Choice(f"{dep.model_name}: which provider did `{provider}/` mean?", tuple(options), make))
    return make(options[0])


# -- an unsupported region: the region that serves the model ----------------------------------
def plan_region(stack: Stack, r: Result) -> Change:
    from ..stack.queries import deployment_image_model, deployment_region

    cfg, proxies = _config(stack, r)
    line = r.location.line if r.location else None
    dep = next((d for d in cfg.deployments if d.params.line_of("aws_region_name") == line
                or ("aws_region_name" not in d.params and d.at().line == line)), None)
    if dep is None:
        raise NotAutomatic(f"no deployment of {cfg.display} is on line {line}")
    model = deployment_image_model(dep)
    if model is None or not model.regions:
        raise NotAutomatic("canvas-doctor does not know where this model is offered")
    current = str(dep.params.get("aws_region_name") or "")
    if current.startswith("os.environ/"):
        raise NotAutomatic(f"the region comes from the variable {current.split('/', 1)[1]}: change it where it is set")
    proxy = proxies[0]
    used = [deployment_region(d, proxy)[0] for d in cfg.deployments if d is not dep]
    options = [reg for reg in model.regions if reg in used] or list(model.regions)

    def make(region: str) -> Change:
        was, origin = deployment_region(dep, proxy)
        return Change(r.fix_id or "", cfg.display, f"{dep.model_name}: aws_region_name: {region} ({model.name} is "
                      f"not offered in {was} ({origin}); {region} serves it)",
                      (PutKey(_params_path(dep), "aws_region_name", region),), _proxy_services(proxies))
    if len(options) > 1:
        raise NeedsChoice(Choice(f"{dep.model_name}: {model.name} is offered in several regions: which one?",
                                 tuple(options), make))
    return make(options[0])


# -- an unsupported size: the nearest valid size ------------------------------------------------
def nearest_size(model, current: str) -> str:
    """The accepted size closest to `current` (each side to its nearest allowed value), else the default."""
    from ..facts import parse_size

    parsed = parse_size(current)
    if parsed is None:
        return model.default_size
    w, h = parsed
    if model.sizes:
        bw, bh = min(model.sizes, key=lambda s: (abs(s[0] - w) + abs(s[1] - h), s))
        return f"{bw}x{bh}"
    rules = dict(model.size_rules)
    step, lo, hi = rules.get("multiple_of", 1), rules.get("min_side", 1), rules.get("max_side", 1 << 30)

    def side(v: int) -> int:
        v = min(max(v, lo), hi)
        down = v - v % step
        up = down + step if v % step else down
        best = up if up - v <= v - down and up <= hi else down
        return max(best, -(-lo // step) * step)
    nw, nh = side(w), side(h)
    return f"{nw}x{nh}" if not model.size_problem(nw, nh) else model.default_size


def plan_image_size(stack: Stack, r: Result) -> Change:
    from ..facts import OPENWEBUI_DEFAULT_IMAGE_SIZE, parse_size
    from ..stack.queries import deployment_image_model

    target = _env_target(stack, r)
    proxy = stack.image_proxy
    name = str(r.fix_params.get("model") or "")
    deps = proxy.config.find(name) if proxy and proxy.config else []
    model = next((m for m in (deployment_image_model(d) for d in deps) if m), None)
    if model is None:
        raise NotAutomatic(f"{name!r} is not a known Bedrock image model here")
    if target.kind == "compose":
        _refuse_reference(target, "IMAGE_SIZE")
    current = target.service.get("IMAGE_SIZE") or OPENWEBUI_DEFAULT_IMAGE_SIZE
    new = nearest_size(model, current)
    parsed = parse_size(current)
    why = (model.size_problem(*parsed) if parsed else None) or "it is not WIDTHxHEIGHT"
    return target.change(r, f"set IMAGE_SIZE={new} for {target.service.name}: {model.name} rejects {current} ({why}); "
                            f"{new} is the nearest size it accepts", target.set("IMAGE_SIZE", new))
