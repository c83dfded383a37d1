"""Checklist: Open WebUI's URLs and keys line up with the LiteLLM proxies (guide: "Open WebUI Configuration").

Inside a compose container `localhost` is that container: the proxy is reached by its service
name and the port it listens on. In an ECS task (awsvpc) the containers of one task share localhost.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from canvas_doctor.api import Result, check, failed, passed, skipped
from canvas_doctor.stack.model import Proxy, Service, Stack

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


def _url_problem(url: str, svc: Service, stack: Stack) -> str | None:
    """Why `url` does not reach a LiteLLM proxy's /v1 from inside the compose container, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL"
    host = parts.hostname.lower()
    path = parts.path.rstrip("/")
    if path not in ("", "/v1"):
        return f"has the path {parts.path!r}; LiteLLM serves the OpenAI API at /v1"
    if host in LOCAL_HOSTS:
        if svc.network_mode == "host":
            return None
        return ("points at localhost, which inside the Open WebUI container is that container itself; "
                "use the LiteLLM service's name")
    if not stack.compose_services:
        return None
    proxy = stack.proxy_for_url(url)
    if proxy is None:
        names = [s.name for s in stack.compose_services.values()]
        if host in {h.lower() for s in stack.compose_services.values() for h in s.hostnames}:
            return f"names {host}, which is not a LiteLLM service"
        return f"names the host {host!r}, which is no service of the compose file ({', '.join(names)})"
    effective = port or (443 if parts.scheme == "https" else 80)
    if effective != proxy.port:
        return f"uses port {effective}, but the {proxy.name} service listens on {proxy.port} inside the network"
    if parts.scheme == "https":
        return "uses https, but the LiteLLM container serves plain http"
    return None


@check(id="compose.openwebui.api-base", area="config",
       title="Open WebUI's API URLs reach the LiteLLM service's /v1",
       fixes=("openwebui-api-base-wrong",))
def api_base_reaches_litellm(stack):
    svc = stack.openwebui
    if svc is None:
        return skipped("no Open WebUI service in the compose file")
    out: list[Result] = []
    for var, image in URL_VARS:
        value = svc.get(var)
        if value is None or not value.strip():
            if var == "OPENAI_API_BASE_URL":
                out.append(failed(f"{var} is not set for {svc.name}: Open WebUI would use api.openai.com",
                                  fix="openwebui-api-base-wrong", at=svc.at(var),
                                  params={"service": svc.name, "var": var, "expected": _expected(stack, image)}))
            continue  # IMAGES_OPENAI_API_BASE_URL unset is compose.openwebui.images-api's finding
        problem = _url_problem(value, svc, stack)
        if problem:
            out.append(failed(f"{var}={value} {problem}", fix="openwebui-api-base-wrong", at=svc.at(var),
                              params={"service": svc.name, "var": var, "expected": _expected(stack, image)}))
        else:
            out.append(passed(f"{var}={value}", at=svc.at(var)))
    return out


@check(id="compose.openwebui.api-key", area="config", title="Open WebUI's keys are keys LiteLLM accepts",
       fixes=("openwebui-api-key-mismatch",))
def api_key_accepted(stack):
    svc = stack.openwebui
    if svc is None:
        return skipped("no Open WebUI service in the compose file")
    out: list[Result] = []
    for var, image in KEY_VARS:
        setting = svc.env.get(var)
        if setting is None or (image and not setting.value):
            continue  # an unset IMAGES_OPENAI_API_KEY is compose.openwebui.images-api's finding
        proxy = _target(stack, image)
        if proxy is None:
            continue
        master = proxy.master_key()
        params = {"service": svc.name, "var": var, "proxy": proxy.name}
        if master is None or not master.value:
            out.append(skipped(f"{var}: the {proxy.name} proxy's master key is not known from the files"))
            continue
        if setting.value == master.value:
            out.append(passed(f"{var} is the {proxy.name} proxy's master key", at=svc.at(var)))
        elif not setting.value:
            out.append(failed(f"{var} is empty for {svc.name}; the {proxy.name} proxy needs its master key",
                              fix="openwebui-api-key-mismatch", at=svc.at(var), params=params))
        elif proxy.service and proxy.service.get("DATABASE_URL"):
            out.append(passed(f"{var} is not the {proxy.name} proxy's master key; it may be a virtual key "
                              "from its database (the live checks confirm)", at=svc.at(var)))
        else:
            where = f" ({master.location})" if master.location else ""
            out.append(failed(f"{var} of {svc.name} is not the {proxy.name} proxy's master key{where}, and that "
                              "proxy has no database for virtual keys: every request will be refused",
                              fix="openwebui-api-key-mismatch", at=svc.at(var), params=params))
    return out or [skipped("no Open WebUI keys to compare")]
