"""Checklist: the LiteLLM and Open WebUI logs show none of the known error signatures (guide:
"Quick Reference": `docker compose logs -f litellm`).

Each signature is text the real services print, read in their source: LiteLLM proxy 1.108.7
(route_llm_request.py "Invalid model name passed in model=", user_api_key_auth.py "No connected
db.", exception_mapping_utils.py "BedrockException Invalid Authentication" after botocore's
"Unable to locate credentials", master_key_boot_check.py "LiteLLM proxy refused to start" /
UnsafeMasterKeyError) and Bedrock's own error names passed through after "BedrockException - ".
The line is quoted with secrets masked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from canvas_doctor.api import Result, check, failed, passed, skipped, warned
from canvas_doctor.docker_client import Engine
from canvas_doctor.error_signatures import LOG_FIXES, LOG_SIGNATURES, LogSignature, match_log
from canvas_doctor.stack.model import Stack
from canvas_doctor.stack.queries import deployment_region, image_deployments

from .docker_stack import StackContainer, engine_skip, find_containers, last_lines

TAIL = 300
QUOTE = 240
_MODEL_NAME = re.compile(r"model=([A-Za-z0-9._:/-]+?)\.?(?:[\s,;'\")]|$)")
_BEDROCK_ID = re.compile(r"\b((?:us|eu|apac)\.)?((?:amazon|anthropic|stability|meta|cohere|mistral|ai21)\.[A-Za-z0-9.:-]+[A-Za-z0-9])")


# The signatures are the log rows of the table the answer classifiers read too (canvas_doctor.error_signatures),
# in their order: (text, fix, meaning, roles).
Signature = LogSignature
SIGNATURES = LOG_SIGNATURES


@dataclass
class Sighting:
    signature: Signature
    count: int
    line: str
    column: int


def scan(lines: list[str], role: str) -> list[Sighting]:
    """The signatures found in `lines`, one sighting per fix id, with its latest line."""
    by_fix: dict[str, Sighting] = {}
    for line in lines:
        found = match_log(line, role)
        if found is None:
            continue
        sig, col = found
        seen = by_fix.get(sig.fix)
        by_fix[sig.fix] = Sighting(sig, (seen.count if seen else 0) + 1, line, col)
    return list(by_fix.values())


def quote(line: str, column: int, limit: int = QUOTE) -> str:
    """The line, cut to `limit` characters around the signature."""
    line = " ".join(line.split()) if len(line) <= limit else line
    if len(line) <= limit:
        return line
    start = max(0, min(column - limit // 3, len(line) - limit))
    return ("…" if start else "") + line[start:start + limit].strip() + ("…" if start + limit < len(line) else "")


def sighting_params(sc: StackContainer, s: Sighting, stack: Stack) -> dict[str, Any]:
    """What the fix's steps need, from the line and the stack (model, model id, region, files)."""
    proxy = sc.target.proxy
    params = sc.params()
    m = _MODEL_NAME.search(s.line)
    model = m.group(1) if m else None
    deps = proxy.config.find(model) if proxy and proxy.config and model else []
    deps = deps or image_deployments(proxy)
    if proxy and proxy.config:
        params.update(file=proxy.config.display, served=", ".join(proxy.config.served()) or "(none)")
    if deps:
        dep = deps[0]
        model = model or dep.model_name
        region, _ = deployment_region(dep, proxy) if proxy else (None, "")
        params.update(model_id=dep.base_model_id, region=region or "your region", value=dep.provider_model,
                      litellm_model=dep.model, aws_region_name=dep.params.get("aws_region_name"))
    b = _BEDROCK_ID.search(s.line)
    if b:
        params.update(model_id=b.group(2), value=b.group(2))
    if model:
        params["model"] = model
    if "model_id" in params:
        params.setdefault("region", "your region")
        params["arn"] = f"arn:aws:bedrock:{params['region']}::foundation-model/{params['model_id']}"
        params["profile"] = f"us.{params['model_id']}"
    if s.signature.fix == "openwebui-api-key-mismatch" and stack.openwebui is not None:
        image = proxy is not None and proxy is stack.image_proxy and proxy is not stack.chat_proxy
        params.update(service=stack.openwebui.name, proxy=sc.target.name,
                      var="IMAGES_OPENAI_API_KEY" if image else "OPENAI_API_KEY")
    return params


def sighting_result(sc: StackContainer, s: Sighting, stack: Stack) -> Result:
    times = "once" if s.count == 1 else f"{s.count} times"
    text = (f"{sc.label()} logged {s.signature.text!r} {times} in its last {TAIL} lines ({s.signature.meaning}); "
            f"latest: {sc.redactor(stack).text(quote(s.line, s.column))}")
    make = warned if sc.running else failed  # a stopped container's last words are why it stopped
    return make(text, fix=s.signature.fix, at=sc.target.at(), params=sighting_params(sc, s, stack),
                **sc.data(count=s.count))


@check(id="docker.logs", area="docker", title="The service logs show no known error",
       needs=("docker",), depends_on=("docker.available",), timeout=20,
       fixes=LOG_FIXES)
def logs_clean(docker: Engine, stack: Stack):
    """The last lines of each LiteLLM and Open WebUI container, against the known error signatures."""
    skip = engine_skip(docker)
    if skip:
        return skip
    found = [sc for sc in find_containers(docker, stack) if sc.container is not None]
    if not found:
        return skipped("no container of the stack found (docker.containers says why)")
    out: list[Result] = []
    for sc in found:
        try:
            lines = last_lines(sc, TAIL)
        except Exception as exc:  # e.g. a logging driver that cannot be read back
            out.append(skipped(f"{sc.label()}: logs not readable ({exc})", **sc.data()))
            continue
        sightings = scan(lines, sc.target.role)
        out += [sighting_result(sc, s, stack) for s in sightings] or [
            passed(f"{sc.label()}: no known error in its last {len(lines)} log lines", **sc.data())]
    return out
