"""What an error answer of the LiteLLM proxy means, and which fix it maps to.

LiteLLM proxy 1.108.7 wraps a Bedrock error as (measured against the real proxy and the emulator):
    {"error": {"message": "litellm.PermissionDeniedError: BedrockException - {\"message\": \"You don't
     have access ...\"}\n\nLiteLLM: model group 'nova-canvas' failed with the error above. No fallback
     was attempted.", "type": "permission_error", "code": "403"}}
Bedrock's 403/429/400/404 keep their status, a Bedrock 5xx becomes 503, a timeout 408, a dropped
connection a 500 APIConnectionError. Proxy-side faults never reach Bedrock: 400 "Invalid model
name passed in model=...", 400 "No connected db." (a key that is not the master key, no database),
401 (no key), a plain-text 500 (no key, no prisma), 400 UnsupportedParamsError (response_format
without drop_params), 500 APIConnectionError ... InvalidURL (an api_base that is not a URL),
401 "BedrockException Invalid Authentication - Unable to locate credentials" (no AWS credentials),
429 "No deployments available ... in cooldown" (the router parked the deployment after failures).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from .http import shorten

_BEDROCK = re.compile(r"BedrockException(?: [A-Za-z ]*?)?(?: -|:)\s*(.*)", re.DOTALL)
_TAIL = re.compile(r"\n\s*(Traceback \(most recent call last\)|stack trace:|This looks like a bug|"
                   r"LiteLLM: model group|LiteLLM Retried:|Received Model Group=)", re.DOTALL)


@dataclass(frozen=True)
class Diagnosis:
    """One error answer, understood: where it arose, the fix id and a sentence for the report."""

    side: str          # "proxy" or "bedrock"
    fix: str
    summary: str       # what it means, for the user
    detail: str        # the upstream text, cut to a readable length


def upstream_text(message: str) -> str:
    """The useful part of LiteLLM's error message: Bedrock's own message when there is one."""
    text = _TAIL.split(message, maxsplit=1)[0].strip()
    m = _BEDROCK.search(text)
    if m:
        raw = m.group(1).strip()
        try:
            data = json.loads(raw)
            if isinstance(data, dict):
                raw = str(data.get("message") or data.get("Message") or raw)
        except ValueError:
            pass
        text = raw
    text = re.sub(r"^litellm\.\w+:\s*", "", text)
    return shorten(text, 240)


def _ended(model_id: str | None, today: date | None) -> str | None:
    """'Nova Canvas reached its end of life on 2026-09-30' when the shipped data says so for that day."""
    from .facts import LIFECYCLE_EOL, image_model

    model = image_model(model_id) if model_id else None
    if model is None or today is None or model.status_on(today) != LIFECYCLE_EOL:
        return None
    return f"{model.name} reached its end of life on {model.lifecycle.end_of_life}"


def _has(text: str, *needles: str) -> bool:
    low = text.lower()
    return any(n.lower() in low for n in needles)


def diagnose(status: int, message: str, content_type: str = "application/json", *,
             model_id: str | None = None, today: date | None = None, from_bedrock: bool = False) -> Diagnosis:
    """Map an error answer of POST /v1/images/generations (or another LLM route) to a fix.

    `from_bedrock`: the message is Bedrock's own answer (a direct call: aws_client.classify), not the
    proxy's; else the proxy's "BedrockException" says whether Bedrock answered.
    With the model id called and the day of the run, "The provided model identifier is invalid."
    for a model past its published end of life is that end of life, not a wrong region."""
    detail = upstream_text(message) if message else f"HTTP {status}"
    m = message or ""
    names_bedrock = from_bedrock or "BedrockException" in m

    def proxy(fix: str, summary: str) -> Diagnosis:
        return Diagnosis("proxy", fix, summary, detail)

    def bedrock(fix: str, summary: str) -> Diagnosis:
        return Diagnosis("bedrock", fix, summary, detail)

    # -- the proxy refused before calling Bedrock ------------------------------------------
    if _has(m, "Invalid model name passed"):
        return proxy("litellm-model-not-found", "the proxy does not serve this model name")
    if _has(m, "No connected db"):
        return proxy("openwebui-api-key-mismatch",
                     "the proxy refused the key (not its master key; it has no database for other keys)")
    if not names_bedrock and (status == 401 or _has(m, "Authentication Error")):
        return proxy("openwebui-api-key-mismatch", "the proxy refused the request: no key or a key it does not accept")
    if status == 500 and content_type.startswith("text/plain") and _has(m, "Internal Server Error") \
            and len(m) < 100:
        return proxy("openwebui-api-key-mismatch",
                     "the proxy answered a bare 500, which LiteLLM without prisma sends for a refused key")
    relative = re.search(r"APIConnectionError: (/[\w.-]+/model/\S+)", m)
    if relative or _has(m, "InvalidURL", "Invalid URL", "Request URL is missing", "UnsupportedProtocol"):
        tried = f" (LiteLLM tried to post to {relative.group(1)!r})" if relative else ""
        return Diagnosis("proxy", "litellm-api-base-invalid",
                         f"the deployment's api_base is not a URL, so the proxy cannot call Bedrock{tried}",
                         "httpx InvalidURL: a URL needs http:// or https:// and a host")
    if _has(m, "UnsupportedParamsError", "drop_params") or (_has(m, "response_format") and _has(m, "not supported")):
        return proxy("litellm-drop-params-off",
                     "the proxy rejects response_format (sent by Open WebUI) because drop_params is off")
    if _has(m, "Unable to locate credentials", "Invalid Authentication", "NoCredentialsError"):
        return proxy("aws-credentials-missing", "the proxy has no AWS credentials or Bedrock API key")
    if _has(m, "No deployments available", "in cooldown"):
        return proxy("litellm-unhealthy",
                     "the proxy parked the model after recent failures (cooldown); its log names the first error")

    # -- Bedrock answered (or could not be reached) ----------------------------------------
    via_bedrock = from_bedrock or "bedrockexception" in m.lower()
    if _has(m, "extraneous key [stream]"):
        return bedrock("litellm-stream-key-rejected",
                       "Bedrock rejects the `stream` key that LiteLLM copied into imageGenerationConfig")
    if _has(m, "on-demand throughput isn", "on-demand throughput is not"):
        return bedrock("bedrock-inference-profile-required", "Bedrock needs an inference profile id for this model")
    if _has(m, "Missing Authentication Token", "security token included in the request is invalid",
            "Invalid API Key format", "make sure your API Key is valid", "UnrecognizedClient",
            "InvalidSignatureException", "ExpiredToken"):
        return bedrock("aws-credentials-missing", "Bedrock does not accept the proxy's AWS credentials or API key")
    if (via_bedrock and status == 403) or _has(m, "AccessDeniedException", "don't have access to the model"):
        return bedrock("bedrock-model-access-denied", "Bedrock denies this account access to the model")
    if _has(m, "end of its life", "marked by provider as Legacy", "ResourceNotFound") or \
            (via_bedrock and status == 404):
        return bedrock("bedrock-model-end-of-life",
                       "Bedrock says the model is past its end of life or access to it lapsed")
    if (via_bedrock and status == 408) or _has(m, "litellm.Timeout", "ModelTimeoutException", "timed out"):
        return bedrock("generation-timeout", "the generation timed out")
    if (via_bedrock and status == 429) or _has(m, "ThrottlingException", "Too many requests", "RateLimitError"):
        return bedrock("bedrock-throttled", "Bedrock throttles the requests")
    if _has(m, "provided model identifier is invalid"):
        ended = _ended(model_id, today)
        if ended:
            return bedrock("bedrock-model-end-of-life",
                           f"Bedrock no longer knows the model id: {ended}")
        return bedrock("bedrock-region-unsupported",
                       "Bedrock does not know this model id in the configured region")
    if _has(m, "content filters", "content filter"):
        return bedrock("bedrock-request-rejected", "Bedrock's content filter blocked the test prompt")
    if (via_bedrock and status == 400) or _has(m, "ValidationException", "Malformed input request"):
        return bedrock("bedrock-request-rejected", "Bedrock rejected the request")
    if (via_bedrock and status >= 500) or _has(m, "APIConnectionError", "ServiceUnavailable"):
        return bedrock("bedrock-service-error", "Bedrock, or the proxy's connection to it, failed")
    if status == 408:
        return proxy("generation-timeout", "the proxy gave up waiting (408)")
    return proxy("litellm-unhealthy", f"the proxy answered {status} without saying why in a known way")
