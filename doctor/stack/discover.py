"""Discovery: from a project folder to a :class:`Stack` (no network, no Docker)."""
from __future__ import annotations

import os
import posixpath
from pathlib import Path
from urllib.parse import urlsplit

from ..models import Location
from ..redact import is_secret_name
from .cloudformation import TemplateReader, find_templates, is_template
from .compose import ComposeReader, find_compose_file, find_override_file, merge_override
from .envfile import parse_env_file
from .interpolate import interpolate
from .litellm_config import find_fallback_config, load_litellm_config
from .model import FileProblem, Proxy, Service, Stack
from .yamlsource import load_yaml

SECRET_PARAM_KEYS = ("api_key", "aws_secret_access_key", "aws_session_token", "aws_access_key_id",
                     "master_key", "database_url", "api_token")


def discover(project: Path, environ: dict[str, str] | None = None) -> Stack:
    """Read every stack file under `project`; problems are recorded, never raised."""
    environ = dict(os.environ if environ is None else environ)
    root = project.resolve()
    stack = Stack(root=root)

    def display(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            return str(path)

    env_path = root / ".env"
    dotenv = parse_env_file(env_path) if env_path.exists() else None
    if dotenv is not None:
        stack.env_file = dotenv
        if dotenv.error:
            stack.problems.append(FileProblem(".env", dotenv.error, role=".env"))
    variables = {**(dotenv.values if dotenv and not dotenv.error else {}), **environ}

    def variable_location(name: str) -> Location | None:
        if name in environ:
            return None
        if dotenv is not None and name in dotenv.lines:
            return Location(".env", dotenv.lines[name])
        return None

    compose_path = find_compose_file(root)
    if compose_path is not None:
        stack.compose_file = display(compose_path)
        doc = load_yaml(compose_path)
        if not doc.ok:
            stack.problems.append(FileProblem(stack.compose_file, doc.error or "", doc.error_line, "compose"))
        else:
            reader = ComposeReader(doc.data, stack.compose_file, compose_path.parent, variables,
                                   variable_location, display)
            stack.compose_services = reader.services()
            stack.problems += reader.problems
            if isinstance(doc.data.get("name"), str):
                stack.compose_name = interpolate(doc.data["name"], variables).value or None
            override = find_override_file(compose_path.parent)
            if override is not None:
                stack.compose_override = display(override)
                odoc = load_yaml(override)
                if not odoc.ok:
                    stack.problems.append(FileProblem(stack.compose_override, odoc.error or "", odoc.error_line,
                                                      "compose override"))
                else:
                    oreader = ComposeReader(odoc.data, stack.compose_override, compose_path.parent, variables,
                                            variable_location, display)
                    merge_override(stack.compose_services, oreader.services())
                    stack.problems += oreader.problems

    stack.openwebui = next((s for s in stack.compose_services.values() if s.is_openwebui), None)
    for service in stack.compose_services.values():
        if service.is_litellm and not service.is_openwebui:
            stack.proxies[service.name] = _proxy_of(service, root, display, stack)

    if not stack.proxies and compose_path is None:
        fallback = find_fallback_config(root)
        if fallback is not None:
            cfg = load_litellm_config(fallback, display(fallback))
            stack.proxies["litellm"] = Proxy("litellm", None, cfg, host_url=None)

    for path in find_templates(root):
        doc = load_yaml(path)
        shown = display(path)
        if not doc.ok:
            stack.problems.append(FileProblem(shown, doc.error or "", doc.error_line, "cloudformation"))
            continue
        if is_template(doc.data):
            stack.cfn_files.append(shown)
            stack.cfn_templates[shown] = doc.data
            stack.cfn_services += TemplateReader(doc.data, shown).services()

    _assign_proxies(stack)
    for proxy in stack.proxies.values():
        if proxy.config and proxy.config.error:
            stack.problems.append(FileProblem(proxy.config.display, proxy.config.error,
                                              proxy.config.error_line, "litellm config"))
    stack.secrets = _collect_secrets(stack, dotenv, environ)
    return stack


def _proxy_of(service: Service, root: Path, display, stack: Stack) -> Proxy:
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
    if not config_path:
        proxy.config_mounted = False
        return proxy
    target = posixpath.normpath(config_path if config_path.startswith("/") else posixpath.join("/app", config_path))
    host_file: Path | None = None
    for mount in sorted(service.mounts, key=lambda m: -len(m.target)):
        mt = posixpath.normpath(mount.target)
        if not mount.bind:
            continue
        if mt == target:
            host_file = Path(mount.source)
            break
        if target.startswith(mt.rstrip("/") + "/"):
            host_file = Path(mount.source) / posixpath.relpath(target, mt)
            break
    if host_file is None:
        proxy.config_mounted = False
        return proxy
    proxy.config = load_litellm_config(host_file, display(host_file))
    if proxy.config.error == "does not exist":
        proxy.config.error = ("does not exist, but the compose file mounts it: Docker creates an empty "
                              "directory in its place and LiteLLM starts without models")
    return proxy


def _host_port_of(url: str | None) -> tuple[str, int | None]:
    try:
        parts = urlsplit(url or "")
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", None


def _assign_proxies(stack: Stack) -> None:
    """Which proxy serves chat (OPENAI_API_BASE_URL) and which serves images (IMAGES_OPENAI_API_BASE_URL)."""
    proxies = list(stack.proxies.values())
    ow = stack.openwebui or next(iter(stack.openwebui_services), None)
    chat_url = ow.get("OPENAI_API_BASE_URL") if ow else None
    image_url = ow.get("IMAGES_OPENAI_API_BASE_URL") if ow else None
    stack.chat_proxy = stack.proxy_for_url(chat_url)
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
            named = [p for p in proxies if "image" in p.name.lower()]
            stack.image_proxy = named[0] if named else (stack.chat_proxy or proxies[0])
            stack.image_proxy_reason = "by its name" if named else "the chat proxy (no other found)"
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
