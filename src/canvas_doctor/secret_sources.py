"""Every secret one run meets, gathered in one place and registered once with the redactor.

Sources: the stack's files (what discovery collected: .env, compose, CloudFormation, LiteLLM
config), the environment (secret-named variables), the command line (--litellm-key,
--openwebui-token) and the user-info of every URL the doctor is given or reads
(`http://user:pass@host`: the password, or a token standing alone as the user). Checks add what
they meet at run time (a container's environment, AWS credentials) to `stack.secrets`.
"""
from __future__ import annotations

import os
import re
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import unquote

from .redact import Redactor, is_secret_name

_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/\s@?#]+)@")
_MAX_WALK = 200_000  # values looked at in one LiteLLM config (alias bombs are refused at load)


def url_secrets(text: str) -> Iterator[str]:
    """The secrets in the user-info of every URL in `text` (password; a lone user of 8+ characters)."""
    if "@" not in text or "://" not in text:
        return
    for m in _USERINFO.finditer(text):
        user, sep, password = m.group(1).partition(":")
        for raw in ((password,) if sep else (user,) if len(user) >= 8 else ()):
            if raw:
                yield raw
                if "%" in raw:
                    yield unquote(raw)


def _strings(data: Any, budget: list[int]) -> Iterator[str]:
    todo = [data]
    while todo and budget[0] > 0:
        item = todo.pop()
        budget[0] -= 1
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)


def stack_secrets(stack: Any) -> set[str]:
    """What discovery registered, plus URL user-info in any value of the stack."""
    out = {s for s in getattr(stack, "secrets", set()) if isinstance(s, str) and not s.startswith("os.environ/")}
    services = list(getattr(stack, "compose_services", {}).values()) + list(getattr(stack, "cfn_services", []))
    for service in services:
        for setting in service.env.values():
            out.update(url_secrets(str(setting.value)))
        for part in service.command or []:
            out.update(url_secrets(str(part)))
    budget = [_MAX_WALK]
    for proxy in getattr(stack, "proxies", {}).values():
        if proxy.config is not None and proxy.config.data is not None:
            for text in _strings(proxy.config.data, budget):
                out.update(url_secrets(text))
    env_file = getattr(stack, "env_file", None)
    for value in getattr(env_file, "values", {}).values():
        out.update(url_secrets(value))
    return out


def settings_secrets(settings: Any) -> set[str]:
    """The flags that carry secrets, and the user-info of every URL option."""
    out = {v for v in (settings.litellm_key, settings.openwebui_token, *settings.extra_secrets) if v}
    for url in (settings.litellm_url, settings.litellm_image_url, settings.openwebui_url,
                getattr(settings, "bedrock_endpoint", None)):
        if url:
            out.update(url_secrets(url))
    return out


def environment_secrets(environ: Mapping[str, str] | None = None) -> set[str]:
    environ = os.environ if environ is None else environ
    out = {v for k, v in environ.items() if is_secret_name(k)}
    for value in environ.values():
        out.update(url_secrets(value))
    return out


def redactor_for(stack: Any, settings: Any = None, environ: Mapping[str, str] | None = None,
                 extra: Iterable[str] = ()) -> Redactor:
    """The run's redactor: every source above registered once."""
    redactor = Redactor(stack_secrets(stack))
    if settings is not None:
        redactor.add(settings_secrets(settings))
    redactor.add(environment_secrets(environ))
    redactor.add(extra)
    return redactor
