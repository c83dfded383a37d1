"""Discovery: from a project folder to a :class:`Stack` (no network, no Docker).

It reads what Docker Compose would read (the files `-f` / COMPOSE_FILE name, else the default file
and its override; their `include:`, `extends:` and `configs:`; `.env`, or its example when `.env` is
not committed), every LiteLLM config the proxies really load (a mounted file, a `configs:` entry,
a heredoc in the command, the image build's COPY, LiteLLM's own `include:`), and the CloudFormation
templates under infrastructure/. Every value keeps its file:line; problems are recorded, never raised.
"""
from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from ..models import Location
from ..redact import is_secret_name
from .cloudformation import TemplateReader, find_templates, is_template
from .compose import find_compose_file, find_compose_variants, find_override_file, load_compose_project
from .envfile import EnvFile, parse_env_file
from .examples import MissingEnvFile, find_env_example, find_file_example
from .intent import image_intent
from .litellm_config import find_fallback_config, load_litellm_config
from .model import FileProblem, Proxy, Service, Setting, Stack
from .queries import image_deployments
from .roles import is_official_litellm_image
from .yamlsource import resolved, LSeq, load_yaml, read_text

SECRET_PARAM_KEYS = ("api_key", "aws_secret_access_key", "aws_session_token", "aws_access_key_id",
                     "master_key", "database_url", "api_token")
# Variables LiteLLM never reads, which people use to hand the proxy its config text.
CONFIG_TEXT_VARS = ("LITELLM_CONFIG", "LITELLM_CONFIG_YAML", "CONFIG_YAML", "LITELLM_CONFIG_CONTENT", "CONFIG")
_HEREDOC = re.compile(r"<<-?\s*['\"]?(?P<tag>[A-Za-z_][A-Za-z0-9_]*)['\"]?(?P<mid>[^\n]*)\n(?P<body>.*?)\n\s*(?P=tag)\b",
                      re.S)
_COPY = re.compile(r"^\s*(?:COPY|ADD)\s+(?:--\S+\s+)*(?P<args>.+)$", re.I | re.M)


def compose_paths(root: Path, explicit: tuple[str, ...], variables: dict[str, str]) -> tuple[list[Path], bool]:
    """The compose files of the project, as Compose picks them, and whether they were named explicitly."""
    if explicit:
        return [resolved(root / f) for f in explicit], True
    named = variables.get("COMPOSE_FILE", "").strip()
    if named:
        sep = variables.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        return [resolved(root / f) for f in named.split(sep) if f.strip()], True
    base = find_compose_file(root)
    if base is None:
        variants = find_compose_variants(root)
        return (variants[:1] if len(variants) == 1 else []), False
    override = find_override_file(root)
    return [base] + ([override] if override else []), False


def discover(project: Path, environ: dict[str, str] | None = None, compose_files: tuple[str, ...] = (),
             display_root: Path | None = None) -> Stack:
    """Read every stack file under `project`; problems are recorded, never raised."""
    environ = dict(os.environ if environ is None else environ)
    root = resolved(project)
    shown_root = resolved(display_root or project)
    stack = Stack(root=root)

    def display(path: Path) -> str:
        try:
            return str(resolved(path).relative_to(shown_root))
        except ValueError:
            rel = os.path.relpath(resolved(path), shown_root)
            return rel if rel.count("..") <= 2 else str(path)

    env_path = root / ".env"
    dotenv: EnvFile | None = parse_env_file(env_path) if env_path.exists() else None
    if dotenv is None:
        example = find_env_example(root)
        if example is not None:
            parsed = parse_env_file(example)
            if not parsed.error:
                dotenv = parsed
                stack.env_missing.append(MissingEnvFile(".env" if root == shown_root else display(root / ".env"),
                                                        display(example), "compose interpolation", None))
    if dotenv is not None:
        stack.env_file = dotenv
        if dotenv.error:
            stack.problems.append(FileProblem(display(dotenv.path), dotenv.error, role=".env"))
    variables = {**(dotenv.values if dotenv and not dotenv.error else {}), **environ}
    dotenv_display = display(dotenv.path) if dotenv is not None else ".env"

    def variable_location(name: str) -> Location | None:
        if name in environ:
            return None
        if dotenv is not None and name in dotenv.lines:
            return Location(dotenv_display, dotenv.lines[name])
        return None

    paths, explicit = compose_paths(root, compose_files, variables)
    if paths:
        missing = [p for p in paths if not p.exists()]
        for p in missing:
            stack.problems.append(FileProblem(display(p), "does not exist (named by -f or COMPOSE_FILE)",
                                              role="compose"))
        project_files = load_compose_project([p for p in paths if p.exists()], variables, variable_location,
                                             display)
        stack.compose_files = project_files.files
        stack.compose_file = project_files.files[0] if project_files.files else None
        if not explicit and len(paths) > 1:
            stack.compose_override = display(paths[1])
        stack.compose_services = project_files.services
        stack.compose_name = project_files.name
        stack.external_networks = project_files.external_networks
        stack.problems += project_files.problems
        if stack.env_missing and not _uses_variables(paths):
            stack.env_missing = []  # nothing reads .env: its absence changes nothing
        stack.env_missing += project_files.env_missing
    if not explicit and stack.compose_file:
        others = [display(v) for v in find_compose_variants(root)]
        if others:
            stack.notes.append(f"also in {display(root) if root != shown_root else 'this folder'}: "
                               f"{', '.join(others)} (diagnose it with -f)")
    _apply_profiles(stack, variables)

    stack.openwebuis = [s for s in stack.compose_services.values() if s.is_openwebui]
    stack.openwebui = stack.openwebuis[0] if stack.openwebuis else None
    for service in stack.compose_services.values():
        if service.is_litellm:
            stack.proxies[service.name] = _proxy_of(service, display)

    if not stack.proxies and not stack.compose_file:
        fallback = find_fallback_config(root)
        if fallback is not None:
            cfg = load_litellm_config(fallback, display(fallback), display_path=display)
            if cfg.data is not None and not _looks_like_litellm_config(cfg):
                cfg = None
            if cfg is not None:
                stack.proxies["litellm"] = Proxy("litellm", None, cfg, host_url=None)

    for path in find_templates(root):
        doc = load_yaml(path, expect_mapping=False)
        shown = display(path)
        if not doc.ok:
            if path.suffix in (".yaml", ".yml", ".json", ".template") and _named_like_template(path):
                stack.problems.append(FileProblem(shown, doc.error or "", doc.error_line, "cloudformation"))
            continue
        if is_template(doc.data):
            stack.cfn_files.append(shown)
            stack.cfn_templates[shown] = doc.data
            stack.cfn_services += TemplateReader(doc.data, shown).services()
    for svc in stack.cfn_services:
        svc.identify()

    _assign_proxies(stack)
    for proxy in stack.proxies.values():
        if proxy.config_example_for and proxy.config is not None:
            stack.env_missing.append(MissingEnvFile(proxy.config_example_for, proxy.config.display,
                                                    f"the {proxy.name} service (a bind mount)",
                                                    None))
        if proxy.config and proxy.config.error:
            stack.problems.append(FileProblem(proxy.config.display, proxy.config.error,
                                              proxy.config.error_line, "litellm config"))
    stack.problems = list({(p.path, p.message, p.line): p for p in stack.problems}.values())  # one per place
    stack.env_missing = list({m.missing: m for m in reversed(stack.env_missing)}.values())[::-1]
    stack.image_intent = image_intent(stack)
    stack.secrets = _collect_secrets(stack, dotenv, environ)
    return stack


def _named_like_template(path: Path) -> bool:
    """A file that fails to parse is a finding only where it could be a template (not data or parameters)."""
    name = path.name.lower()
    return not any(w in name for w in ("param", "config.json", "package", "tsconfig", "values"))


def _looks_like_litellm_config(cfg) -> bool:
    data = cfg.data or {}
    return any(k in data for k in ("model_list", "litellm_settings", "general_settings", "router_settings"))


def _uses_variables(paths: list[Path]) -> bool:
    """Whether the compose files read anything from `.env` (interpolation)."""
    for p in paths:
        text, _ = read_text(p)
        if text and "$" in text:
            return True
    return False


def _apply_profiles(stack: Stack, variables: dict[str, str]) -> None:
    """COMPOSE_PROFILES set: services of other profiles are not started, so they are not judged."""
    active = {p.strip() for p in variables.get("COMPOSE_PROFILES", "").split(",") if p.strip()}
    if not active or "*" in active:
        return
    for name, svc in list(stack.compose_services.items()):
        if svc.profiles and not active & set(svc.profiles):
            del stack.compose_services[name]
            stack.notes.append(f"{name} is left out: its profiles ({', '.join(svc.profiles)}) are not in "
                               f"COMPOSE_PROFILES={','.join(sorted(active))}")


def _container_target(path: str) -> str:
    return posixpath.normpath(path if path.startswith("/") else posixpath.join("/app", path))


def _resolve_environment_refs(proxy: Proxy) -> None:
    """LiteLLM resolves every `os.environ/NAME` in litellm_params when it loads the config
    (proxy_server.py load_config); do the same with the service's environment, secrets excepted
    (they stay references, so they are never copied into messages)."""
    if proxy.config is None or proxy.service is None:
        return
    for dep in proxy.config.deployments:
        for key, raw in list(dep.params.items()):
            if key in SECRET_PARAM_KEYS or not isinstance(raw, str) or not raw.startswith("os.environ/"):
                continue
            setting = proxy.service.env.get(raw.split("/", 1)[1])
            if setting is not None and setting.value:
                dep.params[key] = setting.value


def _proxy_of(service: Service, display) -> Proxy:
    """A LiteLLM service and the config it really loads (see the module docstring for every source)."""
    proxy = _load_proxy(service, display)
    _resolve_environment_refs(proxy)
    return proxy


def _load_proxy(service: Service, display) -> Proxy:
    config_path = service.arg("--config") or service.arg("-c") or service.get("CONFIG_FILE_PATH")
    try:
        port = int(service.arg("--port") or service.get("PORT") or 4000)
    except ValueError:
        port = 4000
    host_url = None
    for pm in service.ports:
        if pm.container_port == port and pm.host_port:
            host = pm.host_ip if pm.host_ip and pm.host_ip not in ("0.0.0.0", "::") else "localhost"
            host_url = f"http://{host}:{pm.host_port}"
    proxy = Proxy(service.name, service, None, config_container_path=config_path, port=port, host_url=host_url)
    proxy.models_in_db = (service.get("STORE_MODEL_IN_DB") or "").strip().lower() in ("true", "1", "yes")
    for var in CONFIG_TEXT_VARS:
        s = service.env.get(var)
        if s is not None and ("model_list" in s.value or var.startswith("LITELLM_CONFIG")):
            proxy.config_in_env = s
            break
    bucket, key = service.get("LITELLM_CONFIG_BUCKET_NAME"), service.get("LITELLM_CONFIG_BUCKET_OBJECT_KEY")
    if bucket and key:
        proxy.config_elsewhere = f"s3://{bucket}/{key} (LITELLM_CONFIG_BUCKET_NAME): not read offline"
        return proxy
    if not config_path:
        if not is_official_litellm_image(service.image) and service.image:
            proxy.config_elsewhere = f"the command of the custom image {service.image} (not in the files)"
            return proxy
        if service.arg("--model"):
            proxy.config_elsewhere = f"--model {service.arg('--model')} on the command line (no config file)"
            return proxy
        proxy.config_mounted = False
        return proxy
    target = _container_target(config_path)
    for mount in sorted(service.mounts, key=lambda m: -len(m.target)):
        mt = posixpath.normpath(mount.target)
        if mount.content is not None and mt == target:
            pad = "\n" * max((mount.content_line or 1) - 1, 0)
            proxy.config = load_litellm_config(Path(mount.content_file or service.file), mount.content_file or service.file,
                                               text=pad + mount.content, origin=mount.origin or "inline",
                                               display_path=display)
            return proxy
        if not mount.bind:
            continue
        host_file: Path | None = None
        if mt == target:
            host_file = Path(mount.source)
        elif target.startswith(mt.rstrip("/") + "/"):
            host_file = Path(mount.source) / posixpath.relpath(target, mt)
        if host_file is not None:
            proxy.config = load_litellm_config(host_file, display(host_file), display_path=display)
            example = find_file_example(host_file) if proxy.config.error == "does not exist" else None
            if example is not None:
                proxy.config = load_litellm_config(example, display(example), display_path=display)
                proxy.config_example_for = display(host_file)
                return proxy
            if proxy.config.error == "does not exist":
                proxy.config.error = ("does not exist, but the compose file mounts it: Docker creates an empty "
                                      "directory in its place and LiteLLM starts without models")
            return proxy
    inline = _heredoc_config(service, target)
    if inline is not None:
        proxy.config = load_litellm_config(Path(service.file), service.file, text=_aligned(inline, service),
                                           origin="a heredoc in the service's command", display_path=display)
        return proxy
    baked = _config_in_build(service, target)
    if baked is not None:
        proxy.config = load_litellm_config(baked, display(baked), origin="the image build (COPY)",
                                           display_path=display)
        return proxy
    if service.build_context is not None or not service.image:
        # built from a Dockerfile we could not follow: the config may be baked into the image
        proxy.config_elsewhere = f"the image built from {display(service.build_context or Path('.'))}"
        return proxy
    proxy.config_mounted = False
    return proxy


def _aligned(body: str, service: Service) -> str:
    """Inline text padded with blank lines so that its line numbers are those of the compose file."""
    first = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
    text = (read_text(service.source_path)[0] if service.source_path else None) or ""
    if first:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() == first:
                offset = number - 1 - next(i for i, ln in enumerate(body.splitlines()) if ln.strip())
                return "\n" * max(offset, 0) + body
    return body


def _heredoc_config(service: Service, target: str) -> str | None:
    """A config written by the command itself: `cat > /app/config.yaml <<EOF ... EOF`."""
    text = "\n".join(service.command)
    for m in _HEREDOC.finditer(text):
        before = text[max(0, m.start() - 200):m.start()] + m.group("mid")
        if target in before or posixpath.basename(target) in before:
            return m.group("body")
    return None


def _config_in_build(service: Service, target: str) -> Path | None:
    """A config the Dockerfile copies into the image at the path `--config` names."""
    ctx = service.build_context
    if ctx is None:
        return None
    text, _ = read_text(ctx / (service.dockerfile or "Dockerfile"))
    if not text:
        return None
    workdir = "/"
    for line in text.splitlines():
        w = re.match(r"^\s*WORKDIR\s+(\S+)", line, re.I)
        if w:
            workdir = posixpath.join(workdir, w.group(1))
        m = _COPY.match(line)
        if not m:
            continue
        parts = m.group("args").split()
        if len(parts) < 2 or parts[0].startswith("["):
            continue
        srcs, dest = parts[:-1], posixpath.join(workdir, parts[-1])
        for src in srcs:
            full = posixpath.normpath(posixpath.join(dest, posixpath.basename(src)) if dest.endswith("/") else dest)
            if full == target and (ctx / src).is_file():
                return resolved(ctx / src)
    return None


def _assign_proxies(stack: Stack) -> None:
    """Which proxy serves chat (OPENAI_API_BASE_URL[S]) and which serves images (IMAGES_OPENAI_API_BASE_URL)."""
    proxies = list(stack.proxies.values())
    ow = stack.openwebui or next(iter(stack.openwebui_services), None)
    chat_urls = ow.api_base_urls() if ow else []
    image_url = ow.get("IMAGES_OPENAI_API_BASE_URL") if ow else None
    stack.chat_proxy = next((p for p in (stack.proxy_for_url(u) for u in chat_urls) if p), None)
    stack.image_proxy = stack.proxy_for_url(image_url)
    if stack.image_proxy is not None:
        stack.image_proxy_reason = f"IMAGES_OPENAI_API_BASE_URL names the {stack.image_proxy.name} service"
    if len(proxies) == 1:
        stack.chat_proxy = stack.chat_proxy or proxies[0]
        if stack.image_proxy is None:
            stack.image_proxy = proxies[0]
            stack.image_proxy_reason = "the only LiteLLM proxy of the stack"
    elif proxies:
        if stack.image_proxy is None:
            serving = [p for p in proxies if image_deployments(p)]
            named = [p for p in proxies if "image" in p.name.lower()]
            pick = serving or named
            stack.image_proxy = pick[0] if pick else (stack.chat_proxy or proxies[0])
            stack.image_proxy_reason = ("it serves an image model" if serving else "by its name" if named
                                        else "the chat proxy (no other found)")
        if stack.chat_proxy is None:
            others = [p for p in proxies if p is not stack.image_proxy]
            stack.chat_proxy = others[0] if others else stack.image_proxy


def _collect_secrets(stack: Stack, dotenv, environ: dict[str, str]) -> set[str]:
    secrets: set[str] = set()
    for name, value in environ.items():
        if is_secret_name(name):
            secrets.add(value)
    if dotenv is not None:
        for name, value in dotenv.values.items():
            if is_secret_name(name):
                secrets.add(value)
    for service in list(stack.compose_services.values()) + stack.cfn_services:
        for setting in service.env.values():
            if is_secret_name(setting.name):
                secrets.add(setting.value)
                secrets.update(v for v in setting.value.split(";") if len(v) >= 8)  # OPENAI_API_KEYS
    for proxy in stack.proxies.values():
        if proxy.config is None or proxy.config.data is None:
            continue
        mk = proxy.master_key()
        if mk:
            secrets.add(mk.value)
        for section in ("general_settings", "litellm_settings", "environment_variables"):
            for key, value in proxy.config.section(section).items():
                if is_secret_name(str(key)) and isinstance(value, str) and not value.startswith("os.environ/"):
                    secrets.add(value)
        for dep in proxy.config.deployments:
            for key in SECRET_PARAM_KEYS:
                value = dep.params.get(key)
                if isinstance(value, str) and not value.startswith("os.environ/"):
                    secrets.add(value)
    return {s for s in secrets if s}


__all__ = ["discover", "compose_paths", "find_env_example", "LSeq", "Setting"]
