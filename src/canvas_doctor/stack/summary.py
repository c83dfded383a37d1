"""The report's `stack` object: what discovery read and how it judged each service, with the evidence."""
from __future__ import annotations

from typing import Any

from .model import Proxy, Stack


def _proxy(p: Proxy | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"name": p.name, "config": p.config.display if p.config else None,
            "config_origin": p.config.origin if p.config else None, "config_elsewhere": p.config_elsewhere,
            "models_in_db": p.models_in_db, "port": p.port, "host_url": p.host_url,
            "models": p.config.served() if p.config else []}


# the live checks whose passing results name the version a running service reports
RUNNING_VERSION_CHECKS = {"openwebui.version": "openwebui", "litellm.live.version": "litellm"}


def running_versions(stack: Stack, results: list[Any]) -> list[dict[str, Any]]:
    """The versions the live services reported in this run (they decide over the image tags)."""
    out = []
    for r in results:
        component = RUNNING_VERSION_CHECKS.get(r.check)
        version = r.data.get("version") if r.status.value == "pass" else None
        if component and version:
            default = next((s.name for s in stack.openwebui_services), "openwebui") if component == "openwebui" \
                else "litellm"
            service = r.data.get("service") or default
            out.append({"service": service, "component": component, "version": str(version),
                        "source": f"the running service at {r.data.get('url')}" if r.data.get("url")
                        else "the running service"})
    return out


def stack_summary(stack: Stack, results: list[Any] | None = None) -> dict[str, Any]:
    """Files read, every service or container definition with its role and evidence, the proxies, versions."""
    files = list(stack.compose_files)
    if stack.env_file is not None:
        files.append(str(getattr(stack.env_file, "path", ".env").name))
    files += sorted({f for p in stack.proxies.values() if p.config for f in [p.config.display, *p.config.included]})
    files += stack.cfn_files
    services = []
    for svc in list(stack.compose_services.values()) + stack.cfn_services:
        services.append({"name": svc.name, "kind": svc.kind, "file": svc.file, "line": svc.line,
                         "role": svc.role.kind, "evidence": svc.role.evidence, "image": svc.image or None,
                         "profiles": svc.profiles or None})
    intent = stack.image_intent
    return {
        "root": str(stack.root),
        "files": list(dict.fromkeys(files)),
        "services": services,
        "chat_proxy": _proxy(stack.chat_proxy),
        "image_proxy": _proxy(stack.image_proxy),
        "image_proxy_reason": stack.image_proxy_reason or None,
        "image_path": {"kind": intent.kind, "reason": intent.reason} if intent else None,
        "versions": [v.as_dict() for v in stack.versions_in_play()],
        "running_versions": running_versions(stack, results or []),
    }
