"""Checklist: Open WebUI's URLs and keys line up with the LiteLLM proxies (guide: "Open WebUI Configuration").

Inside a compose container `localhost` is that container: the proxy is reached by its service
name and the port it listens on. In an ECS task (awsvpc) the containers of one task share localhost.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from canvas_doctor.api import Result, check, failed, passed, skipped
from canvas_doctor.stack.intent import url_is_litellm
from canvas_doctor.stack.model import Proxy, Service, Stack
from canvas_doctor.fixes import Fix, Variant


# -- the fixes this module's rules give (other rules import them from here) ----------------------
OPENWEBUI_API_BASE_WRONG = Fix(
    id="openwebui-api-base-wrong",
    title="Point Open WebUI at the LiteLLM service's /v1",
    cause=(
        "The URL does not reach the LiteLLM proxy from inside the Open WebUI container (inside a container, "
        "localhost is that container; other services are reached by their service name and container port)."
    ),
    steps=(
        "Set {var}={expected} in the {service} environment in {file}",
        "{recreate}",
    ),
    snippet="- {var}={expected}",
    guide_section="Open WebUI Configuration",
    params=("expected", "file", "var"),
    variants={
        "cloudformation": Variant(
            cause=(
                "The URL does not reach the LiteLLM proxy from inside the Open WebUI container (in an ECS task "
                "with awsvpc networking the containers of one task share localhost; a proxy in another service "
                "is reached through its load balancer or service discovery name)."
            ),
            steps=(
                'Set {var} to "{expected}" in the Environment of the {service} container in {file}',
                "{recreate}",
            ),
            snippet=(
                "- Name: {var}\n"
                '  Value: "{expected}"\n'
            ),
        ),
    },
    edit="canvas_doctor.edits.from_stack:plan_api_base_wrong",
)

# fixes written in other rule modules are named by id (the registry resolves them at load; a typo
# fails there), so this module imports no other rule

URL_VARS = (("OPENAI_API_BASE_URL", False), ("IMAGES_OPENAI_API_BASE_URL", True))
KEY_VARS = (("OPENAI_API_KEY", False), ("IMAGES_OPENAI_API_KEY", True))
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def _target(stack: Stack, image: bool) -> Proxy | None:
    return stack.image_proxy if image else stack.chat_proxy


def _expected(stack: Stack, image: bool) -> str:
    proxy = _target(stack, image)
    if proxy and proxy.service:
        return f"http://{proxy.service.name}:{proxy.port}/v1"
    return "http://litellm:4000/v1"


def _host_reaches_proxy(host: str, port: int | None, svc: Service, stack: Stack) -> Proxy | None:
    """host.docker.internal (with `extra_hosts: host.docker.internal:host-gateway`, or Docker Desktop) reaches
    this machine: a proxy whose port is published there is reached through it."""
    if host != "host.docker.internal":
        return None
    for proxy in stack.proxies.values():
        if proxy.service and any(pm.host_port == port and (pm.host_ip in (None, "", "0.0.0.0", "::"))
                                 for pm in proxy.service.ports):
            return proxy
    return None


def _url_problem(url: str, svc: Service, stack: Stack, image: bool) -> str | None:
    """Why `url` does not reach a LiteLLM proxy's /v1 from inside the compose container, or None.

    Only URLs meant for a LiteLLM proxy are judged: one that names another server (OpenRouter, Ollama,
    api.openai.com, another service of the stack) is another provider chosen on purpose."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL"
    host = parts.hostname.lower()
    path = parts.path.rstrip("/")
    effective = port or (443 if parts.scheme == "https" else 80)
    proxy = stack.proxy_for_url(url) or _host_reaches_proxy(host, effective, svc, stack)
    if proxy is None and host not in LOCAL_HOSTS:
        if url_is_litellm(stack, url) is not True or not stack.compose_services:
            return None  # not a LiteLLM proxy of this stack: nothing here to judge it against
        if set(svc.networks) & stack.external_networks or svc.network_mode not in (None, "bridge", "default"):
            return None  # may be a proxy of another compose project on a shared network
        names = [s.name for s in stack.compose_services.values()]
        return f"names the host {host!r}, which is no service of the compose file ({', '.join(names)})"
    if path not in ("", "/v1"):
        return f"has the path {parts.path!r}; LiteLLM serves the OpenAI API at /v1"
    if host in LOCAL_HOSTS and proxy is None:
        if svc.network_mode == "host":
            return None
        return ("points at localhost, which inside the Open WebUI container is that container itself; "
                "use the LiteLLM service's name")
    if proxy is None:
        return None
    if host == "host.docker.internal":
        return None  # the published port was matched above
    if effective != proxy.port:
        return f"uses port {effective}, but the {proxy.name} service listens on {proxy.port} inside the network"
    if parts.scheme == "https":
        return "uses https, but the LiteLLM container serves plain http"
    return None


@check(id="compose.openwebui.api-base", area="config",
       title="Open WebUI's API URLs reach the LiteLLM service's /v1",
       fixes=(OPENWEBUI_API_BASE_WRONG,))
def api_base_reaches_litellm(stack):
    """OPENAI_API_BASE_URL (or the `;`-separated OPENAI_API_BASE_URLS) and IMAGES_OPENAI_API_BASE_URL of every
    Open WebUI service; URLs of other providers are left alone."""
    if not stack.openwebuis:
        return skipped("no Open WebUI service in the compose file")
    out: list[Result] = []
    for svc in stack.openwebuis:
        for var, image in URL_VARS:
            if image:
                value = svc.get(var)
                urls = [value.strip()] if value and value.strip() else []
            else:
                var = svc.url_var
                urls = svc.api_base_urls()
            for url in urls:
                problem = _url_problem(url, svc, stack, image)
                if problem:
                    out.append(failed(f"{var}={url} {problem}", fix="openwebui-api-base-wrong", at=svc.at(var),
                                      params={"service": svc.name, "var": var, "expected": _expected(stack, image)}))
                else:
                    out.append(passed(f"{svc.name}: {var}={url}", at=svc.at(var)))
    return out or [skipped("Open WebUI names no OpenAI-compatible URL (chat goes elsewhere, e.g. Ollama)")]


@check(id="compose.openwebui.api-key", area="config", title="Open WebUI's keys are keys LiteLLM accepts",
       fixes=("openwebui-api-key-mismatch",))
def api_key_accepted(stack):
    """The keys Open WebUI sends (OPENAI_API_KEY, IMAGES_OPENAI_API_KEY) are the master key of the proxy
    their URL reaches: without a database LiteLLM refuses any other key with 400 "No connected db."."""
    if not stack.openwebuis:
        return skipped("no Open WebUI service in the compose file")
    out: list[Result] = []
    for svc in stack.openwebuis:
        pairs: list[tuple[str, str, Proxy | None]] = []
        key_var = "OPENAI_API_KEYS" if svc.url_var == "OPENAI_API_BASE_URLS" else "OPENAI_API_KEY"
        keys = svc.api_keys()
        for i, url in enumerate(svc.api_base_urls()):
            pairs.append((key_var, keys[i] if i < len(keys) else "", stack.proxy_for_url(url)))
        if not svc.api_base_urls() and key_var in svc.env:
            pairs.append((key_var, svc.get(key_var) or "", stack.chat_proxy))
        image_key = svc.env.get("IMAGES_OPENAI_API_KEY")
        if image_key is not None and image_key.value:
            pairs.append(("IMAGES_OPENAI_API_KEY", image_key.value,
                          stack.proxy_for_url(svc.get("IMAGES_OPENAI_API_BASE_URL")) or stack.image_proxy))
        for var, value, proxy in pairs:
            if proxy is None:
                continue
            setting = svc.env.get(var)
            master = proxy.master_key()
            params = {"service": svc.name, "var": var, "proxy": proxy.name}
            if master is None or not master.value:
                out.append(skipped(f"{var}: the {proxy.name} proxy's master key is not known from the files"))
                continue
            if value == master.value:
                out.append(passed(f"{var} is the {proxy.name} proxy's master key", at=svc.at(var)))
            elif not value:
                if setting is not None and setting.from_reference:
                    out.append(skipped(f"{var} of {svc.name} comes from a variable that is not set here"))
                    continue
                out.append(failed(f"{var} is empty for {svc.name}; the {proxy.name} proxy needs its master key",
                                  fix="openwebui-api-key-mismatch", at=svc.at(var), params=params))
            elif proxy.service and (proxy.service.get("DATABASE_URL") or proxy.models_in_db):
                out.append(passed(f"{var} is not the {proxy.name} proxy's master key; it may be a virtual key "
                                  "from its database (the live checks confirm)", at=svc.at(var)))
            elif master.from_reference and not master.location:
                out.append(skipped(f"{var}: the {proxy.name} proxy's master key comes from a variable not set here"))
            else:
                where = f" ({master.location})" if master.location else ""
                out.append(failed(f"{var} of {svc.name} is not the {proxy.name} proxy's master key{where}, and that "
                                  "proxy has no database for virtual keys: every request will be refused",
                                  fix="openwebui-api-key-mismatch", at=svc.at(var), params=params))
    return out or [skipped("no Open WebUI keys to compare")]
