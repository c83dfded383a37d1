"""Checklist: the running LiteLLM proxies answer, run a safe release, accept the keys, serve the
image model, and serve the config that is on disk.

Guide: "Images Not Appearing", item 5 (the proxy is healthy); "Verify Configuration" (/v1/models);
"Model not found", step 3 (restart after a config change). Every call is free: /health without
?model= is never called (LiteLLM 1.108.7 bills one image per image model for it); the one paid
probe here, litellm.live.model-health, is opt-in: the runner runs it only when named by its id.
"""
from __future__ import annotations

from typing import Any

from canvas_doctor.api import Location, Result, check, failed, passed, skipped
from canvas_doctor.facts import LITELLM_COMPROMISED, litellm_providers
from canvas_doctor.http import Answer, ProbeError, shorten
from canvas_doctor.litellm_client import LiteLLM, Target
from canvas_doctor.litellm_errors import diagnose
from canvas_doctor.stack.model import Deployment, Proxy, Stack
from canvas_doctor.stack.queries import param, wanted_image_model
from canvas_doctor.fixes import Fix, OneOf, Variant


# -- the fixes this module's rules give (other rules import them from here) ----------------------
LITELLM_MODEL_NOT_FOUND = Fix(
    id="litellm-model-not-found",
    title="Serve the image model under the name Open WebUI asks for",
    cause=(
        "The model name Open WebUI sends is not a model_name in the LiteLLM proxy's config (or of the running "
        'proxy), so LiteLLM answers 400 "Invalid model name passed in model=...".'
    ),
    steps=(
        OneOf(
            (
                "Add a model_list entry with model_name: {model} to {file}, or set IMAGE_GENERATION_MODEL to one "
                "of: {served}"
            ),
            (
                "Add a model_list entry with model_name: {model} to {file}, or set IMAGE_GENERATION_MODEL to a "
                "model_name the proxy serves"
            ),
        ),
        "{restart_proxy}",
    ),
    snippet=OneOf(
        (
            "model_list:\n"
            "  - model_name: {model}\n"
            "    litellm_params:\n"
            "      model: bedrock/amazon.nova-canvas-v1:0   # or the Bedrock image model you mean\n"
            "      aws_region_name: {nova_region}\n"
        ),
        (
            "model_list:\n"
            "  - model_name: {model}\n"
            "    litellm_params:\n"
            "      model: bedrock/amazon.nova-canvas-v1:0   # or the Bedrock image model you mean\n"
            "      aws_region_name: us-east-1               # Nova Canvas: us-east-1, eu-west-1 or ap-northeast-1\n"
        ),
    ),
    guide_section='Error: "Model not found: nova-canvas"',
    params=("file", "model", "served"),
    edit="canvas_doctor.edits.from_stack:plan_model_not_found",
)

LITELLM_CONFIG_STALE = Fix(
    id="litellm-config-stale",
    title="Restart the proxy so it serves the config on disk",
    cause=(
        "The running proxy or container serves another config than the file: it has not been restarted since the "
        "file changed."
    ),
    steps=(
        "{restart_proxy}",
        (
            "If it still serves the old models, check that it reads this file (the mount and --config of its "
            "service)"
        ),
    ),
    guide_section='Error: "Model not found: nova-canvas"',
    params=("file",),
)

OPENWEBUI_API_KEY_MISMATCH = Fix(
    id="openwebui-api-key-mismatch",
    title="Give Open WebUI a key that LiteLLM accepts",
    cause=(
        "The key Open WebUI sends is not the proxy's master key (nor a virtual key it issued), so every request "
        "is refused."
    ),
    steps=(
        OneOf(
            (
                "Set {var} in the {service} environment to the proxy's master key (LITELLM_MASTER_KEY / "
                "general_settings.master_key of {proxy})"
            ),
            (
                "Set {var} in the {service} environment to the proxy's master key (LITELLM_MASTER_KEY / "
                "general_settings.master_key)"
            ),
        ),
        "Keep both in one place, e.g. .env: LITELLM_MASTER_KEY=... and {var}=${{LITELLM_MASTER_KEY}}",
        "Recreate the containers: docker compose up -d",
    ),
    snippet="- {var}=${{LITELLM_MASTER_KEY}}",
    guide_section="Open WebUI Configuration",
    params=("file", "proxy", "var"),
    variants={
        "cloudformation": Variant(
            steps=(
                (
                    "Give the {service} container in {file} the proxy's master key as {var}, from the same "
                    "secret as the proxy's LITELLM_MASTER_KEY (Secrets, ValueFrom)"
                ),
                "{recreate}",
            ),
            snippet=(
                "Secrets:\n"
                "  - Name: {var}\n"
                "    ValueFrom: !Ref LiteLLMMasterKeySecret   # the secret that holds the proxy's LITELLM_MASTER_KEY\n"
            ),
        ),
    },
    edit="canvas_doctor.edits.from_stack:plan_api_key_mismatch",
)

LITELLM_UNREACHABLE = Fix(
    id="litellm-unreachable",
    title="Start the LiteLLM proxy (or point the doctor at it)",
    cause="Nothing answers at the proxy's URL.",
    steps=(
        "{start_proxy}",
        "If it runs elsewhere, pass --litellm-url (or --litellm-image-url)",
    ),
    snippet=OneOf(
        "curl {url}/health/liveliness",
        "curl http://localhost:4000/health/liveliness   # the proxy's published port",
    ),
    guide_section="Images Not Appearing in Open WebUI",
    params=("file", "url"),
)

LITELLM_UNHEALTHY = Fix(
    id="litellm-unhealthy",
    title="Make the image model healthy in LiteLLM",
    cause=(
        "The proxy answers, but its health check of the image model fails (credentials, model access, region or "
        "config)."
    ),
    steps=(
        "Read the error: {proxy_logs}",
        "Fix the cause named there (see the bedrock checks of this report)",
    ),
    guide_section="Images Not Appearing in Open WebUI",
)

LITELLM_VERSION_COMPROMISED = Fix(
    id="litellm-version-compromised",
    title="Replace the compromised LiteLLM release",
    cause="LiteLLM 1.107.x was published compromised and pulled from PyPI.",
    steps=(
        OneOf(
            (
                "Pin another release (e.g. ghcr.io/berriai/litellm:main-v1.108.7) for {service} and recreate: "
                "docker compose up -d {service}"
            ),
            (
                "Pin another release (e.g. ghcr.io/berriai/litellm:main-v1.108.7) and recreate the proxy's "
                "container"
            ),
        ),
        "Rotate every key the proxy held",
    ),
)

# fixes declared by the rules that give them most (imported after this module's own)
from canvas_doctor.checks.docker_env import CONTAINER_ENV_STALE
from canvas_doctor.checks.generate import GENERATION_TIMEOUT
from canvas_doctor.checks.litellm_config import LITELLM_PROVIDER_INVALID

REACHABLE = "litellm.live.reachable"
VERSION = "litellm.live.version"
KEY = "litellm.live.key"
IMAGE_MODEL = "litellm.live.image-model"
CONFIG_CURRENT = "litellm.live.config-current"
MODEL_HEALTH = "litellm.live.model-health"

# litellm_params that decide where and how an image request goes (shown by /model/info).
COMPARED_PARAMS = ("model", "aws_region_name", "api_base", "aws_bedrock_runtime_endpoint", "stream")
# Open WebUI's variable holding the key it sends, per role of the proxy (0.12.4 config.py).
OPENWEBUI_KEY_VAR = {"chat": "OPENAI_API_KEY", "image": "IMAGES_OPENAI_API_KEY"}


def _where(target: Target) -> Location | None:
    """The compose line the URL came from (the published port), if it came from there."""
    proxy = target.proxy
    if proxy is None or proxy.service is None or not target.url_origin.startswith("the published port"):
        return None
    for pm in proxy.service.ports:
        if pm.container_port == proxy.port and pm.host_port:
            return Location(proxy.service.file, pm.line)
    return Location(proxy.service.file, proxy.service.line)


def _params(target: Target, **extra: Any) -> dict[str, Any]:
    cfg = target.proxy.config if target.proxy is not None else None
    return {"service": target.name, "proxy": target.name, "file": cfg.display if cfg else "litellm-config.yaml",
            "url": target.url, **extra}


def _json_of(answer: Answer) -> Any:
    try:
        return answer.json()
    except ProbeError:
        return None


def _probe_failed(target: Target, path: str, err: ProbeError) -> Result:
    """A free route that got no usable answer after the proxy was found live."""
    fix = "litellm-unreachable" if err.kind in ("refused", "dns") else "litellm-unhealthy"
    return failed(f"{target.label} is live, but {path} got no usable answer: {err}", fix=fix,
                  params=_params(target), reason=err.kind)


# -- reachable: the one probe --wait repeats (once it answers, the proxy has loaded its config) --

def _liveliness(litellm: LiteLLM, target: Target) -> Result:
    at = _where(target)
    try:
        answer = litellm.liveliness(target)
    except ProbeError as err:
        how = "does not answer" if err.kind in ("refused", "timeout", "dns", "closed") else \
            "answers, but not like LiteLLM"
        return failed(f"{target.label} ({target.url_origin}) {how}: {err}", fix="litellm-unreachable", at=at,
                      params=_params(target), url=target.url, reason=err.kind)
    body = _json_of(answer)
    alive = isinstance(body, str) or answer.text.strip().strip('"').lower().startswith("i'm alive")
    if answer.status == 200 and alive:
        return passed(f"{target.label} is live ({answer.elapsed_ms} ms)", at=at, url=target.url,
                      elapsed_ms=answer.elapsed_ms)
    what = "an HTML page" if "html" in answer.content_type or answer.text.lstrip()[:1] == "<" else \
        f"{answer.status} {shorten(answer.text, 80)!r}"
    return failed(f"something answers at {target.url} ({target.url_origin}), but not a LiteLLM proxy: "
                  f"/health/liveliness gave {what}", fix="litellm-unreachable", at=at, params=_params(target),
                  url=target.url, status=answer.status)


@check(id=REACHABLE, area="litellm", title="The LiteLLM proxy answers", needs=("network",),
       retry_on_wait=True, timeout=15,
       fixes=(LITELLM_UNREACHABLE,))
def proxy_answers(litellm):
    """GET /health/liveliness (no auth, free): guide "Images Not Appearing", item 5."""
    return litellm.each(lambda t: _liveliness(litellm, t))


# -- version ------------------------------------------------------------------------------------

def _version(litellm: LiteLLM, target: Target) -> Result:
    if not target.key:
        return skipped(f"{target.label}: the version needs a key (/health/readiness/details); none known")
    try:
        answer = litellm.get(target, "/health/readiness/details")
    except ProbeError as err:
        return skipped(f"{target.label}: version unknown ({err})")
    body = _json_of(answer)
    version = body.get("litellm_version") if isinstance(body, dict) else None
    if answer.status != 200 or not version:
        return skipped(f"{target.label}: version unknown (/health/readiness/details answered {answer.status}: "
                       f"{answer.error_message()})")
    if LITELLM_COMPROMISED.match(str(version)):
        return failed(f"{target.label} runs LiteLLM {version}, a compromised release (1.107.x was pulled from "
                      "PyPI): replace it and rotate the keys it held", fix="litellm-version-compromised",
                      at=_where(target), params=_params(target), version=version)
    return passed(f"{target.label} runs LiteLLM {version}", version=version, service=target.name, url=target.url)


@check(id=VERSION, area="litellm", title="The proxy runs a safe LiteLLM release", needs=("network",),
       depends_on=(REACHABLE,), timeout=15,
       fixes=(LITELLM_VERSION_COMPROMISED,))
def safe_release(litellm):
    """The version is in /health/readiness/details (auth) in LiteLLM 1.108.7, not in /health/readiness."""
    return litellm.each(lambda t: _version(litellm, t))


# -- key ----------------------------------------------------------------------------------------

def _refusal(answer: Answer) -> tuple[str, str] | None:
    """None when /v1/models accepted the key; else ("refused" | "broken", why)."""
    body = _json_of(answer)
    if answer.status == 200 and isinstance(body, dict) and isinstance(body.get("data"), list):
        return None
    if answer.status == 200:
        return "broken", f"it answered 200 without a model list ({shorten(answer.text, 80)!r})"
    message = answer.error_message()
    if "no connected db" in message.lower():
        return "refused", ("400 \"No connected db.\": not the master key, and the proxy has no database for other "
                           "keys (LiteLLM 1.108.7)")
    if answer.status == 500 and answer.content_type.startswith("text/plain"):
        return "refused", ("a bare 500 \"Internal Server Error\", which LiteLLM without prisma sends for a refused "
                           "or missing key")
    if answer.status in (401, 403) or "auth" in message.lower():
        return "refused", f"{answer.status} {message!r}"
    return "broken", f"{answer.status} {message!r}"


def _openwebui_key(stack: Stack, target: Target):
    """Open WebUI's key setting for this proxy (the image role wins: it is what the generation uses)."""
    ow = stack.openwebui
    if ow is None:
        return None, None
    for role in ("image", "chat"):
        if role in target.roles:
            var = OPENWEBUI_KEY_VAR[role]
            setting = ow.env.get(var)
            if setting is not None and setting.value:
                return var, setting
    return None, None


def _key(litellm: LiteLLM, stack: Stack, target: Target) -> list[Result]:
    if not target.key:
        return [skipped(f"{target.label}: no key to try; pass --litellm-key, or set LITELLM_MASTER_KEY / "
                        "general_settings.master_key in the files")]
    try:
        answer = litellm.get(target, "/v1/models")
    except ProbeError as err:
        return [_probe_failed(target, "/v1/models", err)]
    refusal = _refusal(answer)
    if refusal is not None and refusal[0] == "broken":
        return [failed(f"{target.label} answers /v1/models, but not with LiteLLM's model list: {refusal[1]}",
                       fix="litellm-unhealthy", params=_params(target), status=answer.status)]
    if refusal is not None:
        why = refusal[1]
        if target.key_from_flag:
            var = OPENWEBUI_KEY_VAR["image" if "image" in target.roles else "chat"]
            ow = stack.openwebui.name if stack.openwebui is not None else "openwebui"
            return [failed(f"{target.label} refuses the key given with --litellm-key: {why}. Pass the proxy's "
                           f"master key, the key Open WebUI's {var} must hold too", fix="openwebui-api-key-mismatch",
                           params=_params(target, var=var, service=ow,
                                          file=stack.compose_file or "docker-compose.yml"),
                           status=answer.status)]
        in_config = target.key_setting is not None and target.key_setting.origin == "litellm config"
        stale_fix = "litellm-config-stale" if in_config else "container-env-stale"
        return [failed(f"{target.label} refuses {target.key_origin}: {why}. The running proxy was started with "
                       "another master key than the files say: recreate it", fix=stale_fix, at=target.key_location,
                       params=_params(target, container=target.name), status=answer.status)]
    out = [passed(f"{target.label} accepts {target.key_origin}", at=target.key_location)]
    var, setting = _openwebui_key(stack, target)
    if setting is not None and setting.value != target.key:
        try:
            ow_answer = litellm.get(target, "/v1/models", key=setting.value)
        except ProbeError as err:
            return [_probe_failed(target, "/v1/models", err)]
        ow_refusal = _refusal(ow_answer)
        if ow_refusal is not None:
            ow_why = ow_refusal[1]
            assert stack.openwebui is not None
            out = [failed(f"Open WebUI's {var} is not a key {target.label} accepts: {ow_why}",
                          fix="openwebui-api-key-mismatch", at=setting.location,
                          params=_params(target, var=var, service=stack.openwebui.name,
                                         file=setting.location.file if setting.location else ""),
                          status=ow_answer.status)]
        else:
            out.append(passed(f"{target.label} accepts Open WebUI's {var} too", at=setting.location))
    return out


@check(id=KEY, area="litellm", title="The proxy accepts the key", needs=("network",),
       depends_on=(REACHABLE,), timeout=15,
       fixes=(OPENWEBUI_API_KEY_MISMATCH, LITELLM_CONFIG_STALE, CONTAINER_ENV_STALE, LITELLM_UNHEALTHY, LITELLM_UNREACHABLE))
def key_accepted(litellm, stack):
    """GET /v1/models with the key, and with Open WebUI's key when that differs."""
    return [r for rs in litellm.each(lambda t: _key(litellm, stack, t)) for r in rs]


# -- image model --------------------------------------------------------------------------------

def _served(answer: Answer) -> list[str]:
    body = _json_of(answer)
    data = body.get("data") if isinstance(body, dict) else None
    return [str(m.get("id")) for m in data or [] if isinstance(m, dict) and m.get("id")]


@check(id=IMAGE_MODEL, area="litellm", title="The proxy serves the image model Open WebUI asks for",
       needs=("network",), depends_on=(KEY,), timeout=15,
       fixes=(LITELLM_MODEL_NOT_FOUND, LITELLM_CONFIG_STALE, LITELLM_PROVIDER_INVALID, LITELLM_UNHEALTHY, LITELLM_UNREACHABLE), image_path=True)
def image_model_served(litellm, stack, settings):
    """Guide: Error "Model not found: nova-canvas" (the running proxy, not the file)."""
    target = litellm.image_target
    wanted = wanted_image_model(stack, settings.model)
    try:
        answer = litellm.get(target, "/v1/models")
    except ProbeError as err:
        return _probe_failed(target, "/v1/models", err)
    served = _served(answer)
    if wanted.name in served:
        return passed(f"{target.label} serves {wanted.name}", at=wanted.location, served=served)
    shown = ", ".join(served) or "none"
    asked = f"{wanted.origin} at {wanted.location}" if wanted.location else wanted.origin
    cfg = target.proxy.config if target.proxy is not None else None
    in_file = cfg.find(wanted.name) if cfg is not None else []
    params = _params(target, model=wanted.name, served=shown)
    if in_file:
        dep = in_file[0]
        if dep.provider and dep.provider not in litellm_providers():
            return failed(f"{cfg.display} defines {wanted.name}, but with the provider {dep.provider!r}, which "
                          f"LiteLLM does not know, so the proxy dropped it (it serves: {shown})",
                          fix="litellm-provider-invalid", at=dep.at("model"),
                          params={**params, "value": dep.model})
        return failed(f"{cfg.display} defines {wanted.name}, but {target.label} does not serve it (it serves: "
                      f"{shown}): the proxy runs an older config; restart it", fix="litellm-config-stale",
                      at=dep.at(), params=params, served=served)
    return failed(f"Open WebUI asks for {wanted.name!r} ({asked}), but {target.label} does not serve it "
                  f"(it serves: {shown})", fix="litellm-model-not-found", at=wanted.location, params=params,
                  served=served)


# -- config on disk = config running --------------------------------------------------------------

def _norm(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip().rstrip("/") if isinstance(value, str) else str(value)


def _file_print(dep: Deployment, proxy: Proxy) -> dict[str, str | None]:
    """The compared params of a file deployment; a reference to an unset variable is left out."""
    out: dict[str, str | None] = {}
    for key in COMPARED_PARAMS:
        value, ref = param(dep, key, proxy.service)
        if ref and value is None:
            continue
        out[key] = _norm(dep.params.get(key) if not ref else value)
    return out


def _running_print(params: dict[str, Any]) -> dict[str, str | None]:
    return {key: _norm(params.get(key)) for key in COMPARED_PARAMS}


def _differences(file_print: dict[str, str | None], running: dict[str, str | None]) -> list[str]:
    return [f"{k} {file_print[k] or '(unset)'} in the file, {running.get(k) or '(unset)'} running"
            for k in file_print if file_print[k] != running.get(k)]


def _config_current(litellm: LiteLLM, target: Target) -> Result:
    proxy = target.proxy
    if proxy is None or proxy.config is None or proxy.config.data is None:
        return skipped(f"{target.label}: no readable config file to compare with")
    cfg = proxy.config
    try:
        answer = litellm.get(target, "/model/info")
    except ProbeError as err:
        return _probe_failed(target, "/model/info", err)
    body = _json_of(answer)
    if answer.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return skipped(f"{target.label}: /model/info answered {answer.status}: {answer.error_message()}")
    running: dict[str, list[dict[str, str | None]]] = {}
    for entry in body["data"]:
        if not isinstance(entry, dict) or (entry.get("model_info") or {}).get("db_model"):
            continue
        running.setdefault(str(entry.get("model_name")), []).append(_running_print(entry.get("litellm_params") or {}))
    known = litellm_providers()
    problems: list[str] = []
    first_line: int | None = None
    for name in cfg.served():
        deps = [d for d in cfg.find(name) if not d.provider or d.provider in known]
        if not deps:
            continue  # LiteLLM drops a deployment with an unknown provider: litellm.config.provider says so
        if name not in running:
            problems.append(f"{name} (line {deps[0].line}) is not served")
            first_line = first_line or deps[0].line
            continue
        unmatched = list(running[name])
        for dep in deps:
            fp = _file_print(dep, proxy)
            match = next((r for r in unmatched if not _differences(fp, r)), None)
            if match is not None:
                unmatched.remove(match)
                continue
            diffs = _differences(fp, unmatched[0]) if unmatched else ["one deployment more in the file"]
            problems.append(f"{name}: {'; '.join(diffs)}")
            first_line = first_line or dep.line
    extra = sorted(set(running) - set(cfg.served()))
    if extra:
        problems.append(f"it serves {', '.join(extra)}, which the file does not define")
    if problems:
        return failed(f"{target.label} serves another config than {cfg.display}: {'; '.join(problems)}. "
                      "Restart it so it reads the file", fix="litellm-config-stale", at=cfg.at(first_line),
                      params=_params(target), differences=problems)
    count = sum(len(v) for v in running.values())
    return passed(f"{target.label} serves {cfg.display} as written ({count} deployments)", at=cfg.at(None))


@check(id=CONFIG_CURRENT, area="litellm", title="The running proxy serves the config on disk",
       needs=("network",), depends_on=(KEY,), timeout=15,
       fixes=(LITELLM_CONFIG_STALE, LITELLM_UNHEALTHY, LITELLM_UNREACHABLE))
def config_current(litellm):
    """/model/info (model, aws_region_name, api_base, stream per deployment) against the file."""
    return litellm.each(lambda t: _config_current(litellm, t))


# -- the paid health probe, opt-in --------------------------------------------------------------

@check(id=MODEL_HEALTH, area="litellm", title="LiteLLM's own health check of the image model passes",
       needs=("network", "paid"), opt_in=True, depends_on=(IMAGE_MODEL,), timeout=130,
       fixes=(LITELLM_UNHEALTHY, LITELLM_MODEL_NOT_FOUND, GENERATION_TIMEOUT), image_path=True)
def model_health(litellm, stack, settings):
    """GET /health?model=X makes one real, billed call: opt-in, only when this id is named with --only."""
    target = litellm.image_target
    wanted = wanted_image_model(stack, settings.model)
    try:
        answer = litellm.http.get(target.endpoint(f"/health?model={wanted.name}"), key=target.key,
                                  timeout=min(settings.generation_timeout, 120))
    except ProbeError as err:
        return failed(f"{target.label}: /health?model={wanted.name} got no answer: {err}",
                      fix="generation-timeout" if err.kind == "timeout" else "litellm-unhealthy",
                      params=_params(target, model=wanted.name))
    body = _json_of(answer)
    # Measured on 1.108.7: 200 when healthy, 503 with the same body when the model is unhealthy.
    if not isinstance(body, dict) or "unhealthy_endpoints" not in body:
        return failed(f"{target.label}: /health?model={wanted.name} answered {answer.status}: "
                      f"{answer.error_message()}", fix="litellm-unhealthy", params=_params(target, model=wanted.name))
    bad = body.get("unhealthy_endpoints") or []
    if bad:
        error = str(bad[0].get("error") or "") if isinstance(bad[0], dict) else str(bad[0])
        d = diagnose(0, error)
        return failed(f"LiteLLM reports {wanted.name} unhealthy: {d.summary} ({d.detail})", fix="litellm-unhealthy",
                      params=_params(target, model=wanted.name), cause_fix=d.fix)
    if not body.get("healthy_endpoints"):
        return failed(f"LiteLLM's health check found no deployment of {wanted.name}", fix="litellm-model-not-found",
                      params=_params(target, model=wanted.name, served=""))
    return passed(f"LiteLLM reports {wanted.name} healthy (one image billed)")
