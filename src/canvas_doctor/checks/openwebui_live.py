"""Checklist: the running Open WebUI (guide: "Quick Reference", "Images Not Appearing in Open WebUI").

1. It answers /health.  2. /api/version says which release runs.  3. With an admin token, the image
settings it really uses (GET /api/v1/images/config) are sound.  4. Those stored settings match the
environment the files give it: since 0.10 Open WebUI keeps every setting in its database at first
start and ignores later environment changes.

Facts read in Open WebUI 0.12.4: main.py (/health -> {"status": true}, /api/version -> {"version"}, an
unknown path answers 200 text/html); routers/images.py (GET /config, admin only, IMAGE_CONFIG_KEYS);
models/config.py (Config.seed_defaults inserts only keys the database lacks); config.py (the env
defaults mirrored in `_file_value`). No image is ever generated through Open WebUI here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from canvas_doctor.versions import OPENWEBUI, parse_version, show
from canvas_doctor.api import Location, Result, check, failed, passed, skipped, warned
from canvas_doctor.facts import OPENAI_PUBLIC_BASE, parse_size
from canvas_doctor.http import Http, ProbeError, shorten
from canvas_doctor.redact import is_secret_name
from canvas_doctor.settings import Settings
from canvas_doctor.stack.model import Service, Stack
from canvas_doctor.stack.queries import deployment_image_model
from canvas_doctor.fixes import Fix, OneOf


# -- the fixes this module's rules give (other rules import them from here) ----------------------
OPENWEBUI_UNREACHABLE = Fix(
    id="openwebui-unreachable",
    title="Start Open WebUI (or point the doctor at it)",
    cause="Open WebUI does not answer /health.",
    steps=(
        "docker compose ps {service}; docker compose logs --tail 50 {service}",
        "docker compose up -d {service}",
        "If it runs elsewhere, pass --openwebui-url",
    ),
    snippet=OneOf(
        "curl {url}/health",
        "curl http://localhost:8080/health   # Open WebUI's published port",
    ),
    guide_section="Quick Reference",
    params=("url",),
)

OPENWEBUI_TOKEN_REJECTED = Fix(
    id="openwebui-token-rejected",
    title="Give the doctor an admin token Open WebUI accepts",
    cause=(
        "GET /api/v1/images/config answers only an admin (Open WebUI 0.12.4): the token given with "
        "--openwebui-token was refused, so the image settings Open WebUI really uses could not be read."
    ),
    steps=(
        (
            "As an admin, create an API key: Settings > Account > API Keys (API keys must be on: Admin Settings "
            "> General > Enable API Keys, or ENABLE_API_KEYS=true at first start)"
        ),
        "Or use an admin's session token (the browser's localStorage.token after signing in)",
        "Pass it: --openwebui-token KEY, or CANVAS_DOCTOR_OPENWEBUI_TOKEN=KEY",
    ),
    snippet='canvas-doctor --openwebui-token "$OPENWEBUI_ADMIN_KEY"',
)

# fixes declared by the rules that give them most (imported after this module's own)
from canvas_doctor.checks.docker_env import CONTAINER_ENV_STALE
from canvas_doctor.checks.docker_openwebui_db import OPENWEBUI_CONFIG_PERSISTED
from canvas_doctor.checks.litellm_live import LITELLM_MODEL_NOT_FOUND
from canvas_doctor.checks.openwebui_settings import (
    OPENWEBUI_IMAGE_MODEL_UNSET, OPENWEBUI_IMAGE_GENERATION_DISABLED, OPENWEBUI_IMAGE_ENGINE_NOT_OPENAI,
    OPENWEBUI_IMAGES_API_BASE_UNSET, IMAGE_SIZE_UNSUPPORTED,
)

DEFAULT_URL = "http://localhost:8080"
OPENWEBUI_PORT = 8080            # open-webui serve --port default; the image's PORT
SMALL_BODY = 64 * 1024           # /health and /api/version answers are a few bytes
CONFIG_BODY = 512 * 1024         # /api/v1/images/config is about 3 KiB (a ComfyUI workflow inside)
TOKEN_HELP = ("pass an admin's API key with --openwebui-token (or CANVAS_DOCTOR_OPENWEBUI_TOKEN): "
              "Settings > Account > API Keys (API keys need ENABLE_API_KEYS=true or Admin Settings > General), "
              "or an admin's session token (the browser's localStorage.token)")

# Image settings the doctor compares: env name -> kind (Open WebUI 0.12.4 routers/images.py IMAGE_CONFIG_KEYS).
COMPARED: dict[str, str] = {
    "ENABLE_IMAGE_GENERATION": "bool",
    "IMAGE_GENERATION_ENGINE": "str",
    "IMAGE_GENERATION_MODEL": "str",
    "IMAGE_SIZE": "str",
    "IMAGES_OPENAI_API_BASE_URL": "str",
    "IMAGES_OPENAI_API_KEY": "str",
    "ENABLE_IMAGE_PROMPT_GENERATION": "bool",
    "IMAGE_STEPS": "int",
}
REQUIRED_KEYS = ("ENABLE_IMAGE_GENERATION", "IMAGE_GENERATION_ENGINE", "IMAGE_GENERATION_MODEL",
                 "IMAGES_OPENAI_API_BASE_URL", "IMAGES_OPENAI_API_KEY")


# -- where Open WebUI is, and which definition of it the files hold ----------------------------
@dataclass(frozen=True)
class Target:
    url: str
    origin: str   # "--openwebui-url", "the compose port mapping at file:line", "the default"


def openwebui_service(stack: Stack) -> Service | None:
    """The Open WebUI definition the files give: the compose service, else a CloudFormation container."""
    return next(iter(stack.openwebui_services), None)


def openwebui_target(settings: Settings, stack: Stack) -> Target:
    if settings.openwebui_url:
        return Target(settings.openwebui_url.rstrip("/"), "--openwebui-url")
    svc = stack.openwebui
    if svc is not None:
        port_env = (svc.get("PORT") or "").strip()
        inner = int(port_env) if port_env.isdigit() else OPENWEBUI_PORT
        for pm in svc.ports:
            if pm.container_port == inner and pm.host_port:
                host = pm.host_ip if pm.host_ip and pm.host_ip not in ("0.0.0.0", "::") else "localhost"
                host = f"[{host}]" if ":" in host else host
                where = Location(svc.file, pm.line or svc.line)
                return Target(f"http://{host}:{pm.host_port}", f"the compose port mapping at {where}")
    return Target(DEFAULT_URL, "the default")


def _service_params(stack: Stack) -> dict[str, Any]:
    svc = openwebui_service(stack)
    return {"service": svc.name if svc else "openwebui", "file": svc.file if svc else "docker-compose.yml"}


def _unreachable(message: str, stack: Stack, target: Target, **data: Any) -> Result:
    return failed(message, fix="openwebui-unreachable", params=_service_params(stack),
                  url=target.url, url_from=target.origin, **data)


# -- 1. /health ---------------------------------------------------------------------------------
@check(id="openwebui.health", area="openwebui", title="Open WebUI answers /health", needs=("network",),
       retry_on_wait=True, timeout=15,
       fixes=(OPENWEBUI_UNREACHABLE,))
def answers_health(settings, stack, http: Http):
    """Open WebUI answers GET /health with {"status": true} at the URL the files (or --openwebui-url) give."""
    target = openwebui_target(settings, stack)
    url = f"{target.url}/health"
    try:
        answer = http.get(url, max_body=SMALL_BODY)
    except ProbeError as exc:
        reason = str(exc).removeprefix(f"{url}: ")
        return _unreachable(f"Open WebUI does not answer at {url} (URL from {target.origin}): {reason}",
                            stack, target, reason=exc.kind)
    try:
        body = answer.json() if answer.content_type == "application/json" else None
    except ProbeError:
        body = None
    if answer.status == 200 and isinstance(body, dict) and body.get("status") is True:
        return passed(f"Open WebUI answers {url}", url=target.url, url_from=target.origin,
                      elapsed_ms=answer.elapsed_ms)
    what = ("an HTML page" if "html" in answer.content_type or answer.text.lstrip()[:1] == "<"
            else f"{answer.content_type or 'a body'} {shorten(answer.text, 80)!r}")
    if answer.status != 200:
        return _unreachable(f"{url} answered HTTP {answer.status} with {what}: Open WebUI is not ready or "
                            f"something else listens there (URL from {target.origin})",
                            stack, target, http_status=answer.status)
    return _unreachable(f"{url} answered 200 with {what}, not Open WebUI's {{\"status\": true}}: something "
                        f"else listens there, or a proxy in front serves a page for every path "
                        f"(URL from {target.origin})", stack, target, http_status=answer.status)


# -- 2. /api/version ----------------------------------------------------------------------------
def read_version(http: Http, base: str) -> str:
    """Open WebUI's version from /api/version; ProbeError("protocol") when the answer is not its JSON."""
    url = f"{base}/api/version"
    answer = http.get(url, max_body=SMALL_BODY)
    if answer.content_type != "application/json":
        what = "an HTML page" if "html" in answer.content_type else (answer.content_type or "no content type")
        raise ProbeError("protocol", f"{url} answered {answer.status} with {what}, not JSON")
    data = answer.json()
    version = data.get("version") if isinstance(data, dict) else None
    if answer.status != 200 or not isinstance(version, str) or not version:
        raise ProbeError("protocol", f"{url} answered {answer.status} without a version: "
                                     f"{shorten(answer.text, 120)!r}")
    return version


@check(id="openwebui.version", area="openwebui", title="Open WebUI reports its version", needs=("network",),
       depends_on=("openwebui.health",),
       fixes=(OPENWEBUI_UNREACHABLE,))
def reports_version(settings, stack, http: Http):
    """GET /api/version says which Open WebUI runs; that version, not the image tag, decides which facts apply."""
    target = openwebui_target(settings, stack)
    try:
        version = read_version(http, target.url)
    except ProbeError as exc:
        return _unreachable(f"the server at {target.url} answers /health but is not Open WebUI as the doctor "
                            f"knows it: {exc}", stack, target)
    return passed(f"Open WebUI {version} at {target.url}{_against_files(stack, version)}", version=version,
                  url=target.url)


def _against_files(stack, version: str) -> str:
    """What the running version says about the files' image tag: live evidence decides."""
    in_files = stack.version_of(OPENWEBUI)
    running = parse_version(version)
    if in_files is None or running is None:
        return ""
    if in_files.known and in_files.version != running:
        return (f"; the files name {show(in_files.version)} ({in_files.source}): the running version decides, so "
                f"the doctor applies the facts of {version}")
    if not in_files.known:
        return f"; the files name no release ({in_files.source}), so the facts of {version} apply, not an assumed one"
    return ""


# -- reading the stored image settings (admin only) ---------------------------------------------
@dataclass
class ConfigRead:
    """The image settings Open WebUI really uses, or the result that says why they could not be read."""

    config: dict[str, Any] | None = None
    problem: Result | None = None


def read_image_config(http: Http, settings: Settings, stack: Stack) -> ConfigRead:
    target = openwebui_target(settings, stack)
    if not settings.openwebui_token:
        return ConfigRead(problem=skipped(f"Open WebUI's effective image settings were not read (no admin token): "
                                          f"{TOKEN_HELP}"))
    url = f"{target.url}/api/v1/images/config"
    try:
        answer = http.get(url, key=settings.openwebui_token, max_body=CONFIG_BODY)
    except ProbeError as exc:
        return ConfigRead(problem=_unreachable(f"Open WebUI stopped answering: {exc}", stack, target))
    if answer.status in (401, 403):
        return ConfigRead(problem=warned(
            f"Open WebUI refused the token for {url} (HTTP {answer.status}: {answer.error_message()}); the image "
            "settings it uses were not read. The token must belong to an admin", fix="openwebui-token-rejected",
            http_status=answer.status))
    if answer.content_type != "application/json":
        what = "an HTML page" if "html" in answer.content_type else (answer.content_type or "no content type")
        return ConfigRead(problem=skipped(f"{url} answered {answer.status} with {what}, not Open WebUI's image "
                                          "settings: this Open WebUI (or a proxy in front) does not serve that API"))
    if answer.status != 200:
        return ConfigRead(problem=skipped(f"{url} answered HTTP {answer.status}: {answer.error_message()}; "
                                          "the image settings were not read"))
    try:
        data = answer.json()
    except ProbeError as exc:
        return ConfigRead(problem=skipped(f"the image settings were not read: {exc}"))
    missing = [k for k in REQUIRED_KEYS if not isinstance(data, dict) or k not in data]
    if missing:
        return ConfigRead(problem=skipped(f"{url} answered JSON without {', '.join(missing)}: not the image "
                                          "settings of an Open WebUI version the doctor knows (0.10 - 0.12)"))
    return ConfigRead(config=data)


# -- 3. the stored settings themselves ----------------------------------------------------------
def _expected_base(stack: Stack) -> str:
    proxy = stack.image_proxy
    if proxy and proxy.service:
        return f"http://{proxy.service.name}:{proxy.port}/v1"
    return "http://litellm:4000/v1"


@dataclass(frozen=True)
class Fault:
    """A stored image setting that breaks generation, with the fix it would need in the files."""

    setting: str
    message: str
    fix: str
    params: dict[str, Any]
    at: Location | None = None


def stored_faults(config: dict[str, Any], stack: Stack) -> list[Fault]:
    """The rules the file checks apply, applied to the settings Open WebUI really uses."""
    params = _service_params(stack)
    faults: list[Fault] = []
    engine = str(config.get("IMAGE_GENERATION_ENGINE") or "")
    model = str(config.get("IMAGE_GENERATION_MODEL") or "").strip()
    base = str(config.get("IMAGES_OPENAI_API_BASE_URL") or "").strip()
    size = str(config.get("IMAGE_SIZE") or "")
    if config.get("ENABLE_IMAGE_GENERATION") is not True:
        faults.append(Fault("ENABLE_IMAGE_GENERATION", "the running Open WebUI has image generation off",
                            "openwebui-image-generation-disabled", params))
    if engine != "openai":
        faults.append(Fault("IMAGE_GENERATION_ENGINE", f"the running Open WebUI uses the image engine {engine!r}, "
                            "not 'openai': it will not call LiteLLM", "openwebui-image-engine-not-openai", params))
    if not model:
        faults.append(Fault("IMAGE_GENERATION_MODEL", "the running Open WebUI has no image model: it asks for "
                            "dall-e-2", "openwebui-image-model-unset", {**params, "model": _suggested_model(stack)}))
    if not base or (urlsplit(base).hostname or "").lower() == urlsplit(OPENAI_PUBLIC_BASE).hostname:
        faults.append(Fault("IMAGES_OPENAI_API_BASE_URL", f"the running Open WebUI sends image requests to "
                            f"{base or 'no URL'}, not to LiteLLM", "openwebui-images-api-base-unset",
                            {**params, "var": "IMAGES_OPENAI_API_BASE_URL", "expected": _expected_base(stack),
                             "base": _expected_base(stack)}))
    if not str(config.get("IMAGES_OPENAI_API_KEY") or "").strip():
        faults.append(Fault("IMAGES_OPENAI_API_KEY", "the running Open WebUI sends image requests with an empty key",
                            "openwebui-images-api-base-unset",
                            {**params, "var": "IMAGES_OPENAI_API_KEY", "expected": "${LITELLM_MASTER_KEY}",
                             "base": _expected_base(stack)}))
    proxy = stack.proxy_for_url(base) or stack.image_proxy
    if not model or proxy is None or proxy.config is None or not proxy.config.deployments:
        return faults
    if not proxy.config.find(model):
        served = ", ".join(proxy.config.served())
        faults.append(Fault("IMAGE_GENERATION_MODEL", f"the running Open WebUI asks for the image model {model!r}, "
                            f"which {proxy.config.display} does not serve (it serves: {served})",
                            "litellm-model-not-found",
                            {"model": model, "served": served, "file": proxy.config.display,
                             "service": proxy.service.name if proxy.service else proxy.name}, proxy.config.at()))
        return faults
    bedrock = next((m for m in (deployment_image_model(d) for d in proxy.config.find(model)) if m), None)
    parsed = parse_size(size)
    problem = "it is not WIDTHxHEIGHT" if parsed is None else bedrock.size_problem(*parsed) if bedrock else None
    if bedrock and problem:
        faults.append(Fault("IMAGE_SIZE", f"the running Open WebUI asks for IMAGE_SIZE={size!r}, which "
                            f"{bedrock.name} rejects ({problem})", "image-size-unsupported",
                            {**params, "expected": bedrock.nearest_size()}))
    return faults


def _suggested_model(stack: Stack) -> str:
    proxy = stack.image_proxy
    deps = proxy.config.deployments if proxy and proxy.config else []
    return next((d.model_name for d in deps if deployment_image_model(d)), "nova-canvas")


def _report(fault: Fault, persisted: dict[str, "Difference"], svc: Service | None) -> Result:
    """A fault as a result; when the files already set that setting otherwise, the database is the cause."""
    diff = persisted.get(fault.setting)
    if diff is None or svc is None:
        return failed(fault.message, fix=fault.fix, at=fault.at, params=fault.params, setting=fault.setting)
    cause = cause_of_difference(svc)
    shown = "another key" if is_secret_name(fault.setting) else repr(diff.wanted)
    return failed(f"{fault.message}; {diff.at} sets {shown}, but {cause.why}", fix=cause.fix, params=cause.params,
                  at=diff.at, setting=fault.setting)


def evaluate(config: dict[str, Any], stack: Stack) -> list[Result]:
    faults = stored_faults(config, stack)
    svc = openwebui_service(stack)
    persisted = {d.name: d for d in differences(config, svc)[0]} if svc else {}
    if faults:
        return [_report(f, persisted, svc) for f in faults]
    model, base, size = (str(config.get(k) or "") for k in
                         ("IMAGE_GENERATION_MODEL", "IMAGES_OPENAI_API_BASE_URL", "IMAGE_SIZE"))
    return [passed(f"the running Open WebUI uses: image generation on, engine openai, model {model}, size "
                   f"{size or 'default'}, images to {base} with a key", model=model, engine="openai", size=size,
                   images_api_base_url=base, images_api_key_set=True)]


@check(id="openwebui.image-settings", area="openwebui", title="The running Open WebUI's image settings are sound",
       needs=("network",), depends_on=("openwebui.version",), timeout=15,
       fixes=(OPENWEBUI_IMAGE_GENERATION_DISABLED, OPENWEBUI_IMAGE_ENGINE_NOT_OPENAI, OPENWEBUI_IMAGE_MODEL_UNSET, OPENWEBUI_IMAGES_API_BASE_UNSET, LITELLM_MODEL_NOT_FOUND, IMAGE_SIZE_UNSUPPORTED, OPENWEBUI_CONFIG_PERSISTED, CONTAINER_ENV_STALE, OPENWEBUI_TOKEN_REJECTED, OPENWEBUI_UNREACHABLE), image_path=True)
def effective_image_settings(settings, stack, http: Http):
    """With an admin token: the image settings the running Open WebUI really uses (GET /api/v1/images/config)
    are sound: image generation on, the openai engine, a model, and a LiteLLM URL and key."""
    read = read_image_config(http, settings, stack)
    if read.problem is not None:
        return read.problem
    return evaluate(read.config or {}, stack)


# -- 4. stored settings == the environment of the files -----------------------------------------
@dataclass(frozen=True)
class Difference:
    name: str
    stored: Any
    wanted: Any
    at: Location


def _file_value(name: str, raw: str) -> Any:
    """What Open WebUI 0.12.4's config.py makes of an environment value at its first start."""
    kind = COMPARED[name]
    if kind == "bool":
        return raw.lower() == "true"
    if kind == "int":
        return int(raw) if raw.strip().lstrip("-").isdigit() else raw
    return raw


def _stored_value(name: str, value: Any) -> Any:
    if COMPARED[name] == "str":
        return "" if value is None else str(value)
    return value


def differences(config: dict[str, Any], svc: Service) -> tuple[list[Difference], list[str]]:
    """Settings the files set that Open WebUI's database holds otherwise; and those that cannot be compared."""
    diffs: list[Difference] = []
    unknown: list[str] = []
    for name in COMPARED:
        setting = svc.env.get(name)
        if setting is None or name not in config:
            continue
        if setting.from_reference and not setting.value:
            unknown.append(name)  # ${VAR} with no value in the files: the real value is not known here
            continue
        wanted = _file_value(name, setting.value)
        stored = _stored_value(name, config[name])
        if isinstance(wanted, str) and isinstance(stored, str):
            same = wanted.strip() == stored.strip()
        else:
            same = wanted == stored
        if not same:
            diffs.append(Difference(name, stored, wanted, svc.at(name)))
    return diffs, unknown


def persistence_off(svc: Service) -> str | None:
    """The setting of the files that makes Open WebUI take its environment at every start, if any
    (0.12.4: config.py ENABLE_PERSISTENT_CONFIG, default True; env.py RESET_CONFIG_ON_START, default False)."""
    value = svc.get("ENABLE_PERSISTENT_CONFIG")
    if value is not None and value.lower() != "true":
        return f"ENABLE_PERSISTENT_CONFIG={value}"
    value = svc.get("RESET_CONFIG_ON_START")
    if value is not None and value.lower() == "true":
        return f"RESET_CONFIG_ON_START={value}"
    return None


@dataclass(frozen=True)
class Cause:
    """Why the running Open WebUI uses another value than the files: the fix and the words for it."""

    fix: str
    params: dict[str, Any]
    why: str


def cause_of_difference(svc: Service) -> Cause:
    off = persistence_off(svc)
    if off is None:
        return Cause("openwebui-config-persisted", {},
                     "Open WebUI keeps what its database got at first start and ignores later environment changes")
    return Cause("container-env-stale", {"service": svc.name, "container": svc.container_name or svc.name},
                 f"with {off} Open WebUI takes the environment at every start, so the running container was "
                 "started with an older environment (or the value was changed in Admin Settings since): recreate it")


def _persisted(diff: Difference, svc: Service, url: str) -> Result:
    cause = cause_of_difference(svc)
    if is_secret_name(diff.name):
        text = (f"{diff.name}: the running Open WebUI uses another key than the one {diff.at} sets (values not "
                f"shown); {cause.why}")
        return failed(text, fix=cause.fix, params=cause.params, at=diff.at, setting=diff.name, url=url)
    text = f"{diff.name}: the running Open WebUI uses {diff.stored!r}, but {diff.at} sets {diff.wanted!r}; {cause.why}"
    return failed(text, fix=cause.fix, params=cause.params, at=diff.at, setting=diff.name,
                  stored=diff.stored, file_value=diff.wanted, url=url)


@check(id="openwebui.config-persisted", area="openwebui",
       title="The running Open WebUI uses the image settings the files give it", needs=("network",),
       depends_on=("openwebui.version",), timeout=15,
       fixes=(OPENWEBUI_CONFIG_PERSISTED, CONTAINER_ENV_STALE), image_path=True)
def stored_settings_match_files(settings, stack, http: Http):
    """The image settings Open WebUI uses are the ones the files give it: from 0.10 its database keeps the
    values of the first start, so a changed environment has no effect until the stored value changes."""
    svc = openwebui_service(stack)
    if svc is None:
        return skipped("no Open WebUI service or container in the files to compare with")
    read = read_image_config(http, settings, stack)
    if read.problem is not None:
        if read.problem.fix_id:  # the token was refused: openwebui.image-settings reports it once
            return skipped("the stored image settings could not be read: see openwebui.image-settings")
        return read.problem
    config = read.config or {}
    diffs, unknown = differences(config, svc)
    url = openwebui_target(settings, stack).url
    if diffs:
        return [_persisted(d, svc, url) for d in diffs]
    compared = [n for n in COMPARED if n in svc.env and n not in unknown and n in config]
    note = f" ({', '.join(unknown)} set through variables the files leave empty: not compared)" if unknown else ""
    if not compared:
        return passed(f"{svc.name} sets none of the image settings, so none can differ{note}")
    return passed(f"the running Open WebUI uses what {svc.file} sets for {', '.join(compared)}{note}",
                  compared=compared)
