"""What an error answer of the LiteLLM proxy means, and which fix it maps to (the texts: the table
in canvas_doctor.error_signatures, shared with the Bedrock and log paths).

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
from dataclasses import dataclass, field
from datetime import date

from .error_signatures import BEDROCK, MODEL_ID_INVALID, Answer, ErrorSignature, match_answer
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
    signature: ErrorSignature | None = field(default=None, compare=False)  # the row that matched, if one did


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


def diagnose(status: int, message: str, content_type: str = "application/json", *,
             model_id: str | None = None, today: date | None = None, from_bedrock: bool = False) -> Diagnosis:
    """Map an error answer of POST /v1/images/generations (or another LLM route) to a fix.

    The texts, statuses and SPECIAL rules are rows of canvas_doctor.error_signatures, tried in order.
    `from_bedrock`: the message is Bedrock's own answer (a direct call: aws_client.classify), not the
    proxy's; else the proxy's "BedrockException" says whether Bedrock answered.
    With the model id called and the day of the run, "The provided model identifier is invalid."
    for a model past its published end of life is that end of life, not a wrong region."""
    detail = upstream_text(message) if message else f"HTTP {status}"
    answer = Answer(status, message or "", content_type, from_bedrock)
    row = match_answer(answer)
    if row is None:  # status-only, after every row
        if status == 408:
            return Diagnosis("proxy", "generation-timeout", "the proxy gave up waiting (408)", detail)
        return Diagnosis("proxy", "litellm-unhealthy",
                         f"the proxy answered {status} without saying why in a known way", detail)
    if row is MODEL_ID_INVALID:  # SPECIAL: end of life, with the shipped dates
        ended = _ended(model_id, today)
        if ended:
            return Diagnosis(BEDROCK, "bedrock-model-end-of-life", f"Bedrock no longer knows the model id: {ended}",
                             detail, row)
    return Diagnosis(row.side, row.fix, row.summary.format_map(answer.fields()), row.detail or detail, row)
