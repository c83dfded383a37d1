"""One table from error text to fix id, read by every path that meets an error's text.

The paths (a row says which ones it applies to, in `paths`):
- PROXY_ANSWER: an error answer of the LiteLLM proxy (canvas_doctor.litellm_errors.diagnose; the
  generation checks and litellm.live.*). LiteLLM passes Bedrock's own message on after
  "BedrockException - ", so Bedrock's rows apply here too.
- BEDROCK_ANSWER: Bedrock's own answer to a direct call (aws_client.classify, which reads the error
  code first, BEDROCK_ERROR_CODES, then the message with diagnose(..., from_bedrock=True)). A row not
  claimed for it that matches there is an answer only a proxy gives: classify reports
  bedrock-service-error.
- LOG_LINE: a line a LiteLLM or Open WebUI container logged (checks.docker_logs.scan, over Docker's and
  CloudWatch's logs), quoted in the report with the row's `log_meaning`.

Matching. On an answer the rows are tried in order and the first that matches wins: a text of `answer`
found anywhere in the message, case-insensitively (a tuple of texts: all of them); or, for a row with
`bedrock_status`, Bedrock answered (the message names BedrockException, or came from Bedrock directly)
with one of those statuses; or the row's SPECIAL rule in code (`when`). On a log line the `log` texts
of the rows claimed for LOG_LINE are tried in order, case-sensitively (as the service prints them),
for the container roles in `log_roles`; the first found wins.

The order is the precedence of 0.1.0 on each path, kept: the answer classifier tried its rules in one
order and the log scan its signatures in another, so where the two orders cross, a fix has one row per
path (marked "log precedence"). The texts differ per path where the services print them differently.

The rules that are code, not text, are marked SPECIAL here and in litellm_errors.diagnose: a 401 that
does not name Bedrock, LiteLLM's plain-text 500 for a refused key, the relative URL LiteLLM posts to
when api_base is not a URL, and "the provided model identifier is invalid" for a model past its
published end of life (diagnose turns MODEL_ID_INVALID into bedrock-model-end-of-life with the dates).
After every row, diagnose's status-only fallbacks: a proxy 408 is generation-timeout, anything else
litellm-unhealthy.

Fix ids are those of the rules' Fix declarations (tests/test_error_signatures.py checks them against
the catalog).
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from typing import Union

PROXY_ANSWER, BEDROCK_ANSWER, LOG_LINE = "proxy-answer", "bedrock-answer", "log-line"
PATHS = (PROXY_ANSWER, BEDROCK_ANSWER, LOG_LINE)
PROXY, BEDROCK = "proxy", "bedrock"            # where the error arose
LITELLM, OPENWEBUI = "litellm", "openwebui"    # container roles (as in checks.docker_stack)

# Where a row's texts were measured or read.
LITELLM_1_108_7 = "LiteLLM proxy 1.108.7 (its source, and its answers measured against the emulator)"
BEDROCK_API = "bedrock-runtime 2023-09-30 InvokeModel errors, passed on verbatim by LiteLLM 1.108.7"
BEDROCK_MEASURED = "Bedrock's answer to LiteLLM 1.108.7's request, measured through the proxy"

Needle = Union[str, tuple[str, ...]]   # a text, or texts that must all be there


@dataclass(frozen=True)
class Answer:
    """An error answer to classify: its HTTP status, message text and content type."""

    status: int
    message: str
    content_type: str = "application/json"
    from_bedrock: bool = False   # Bedrock's own answer to a direct call, not the proxy's

    def has(self, needle: Needle) -> bool:
        low = self.message.lower()
        parts = (needle,) if isinstance(needle, str) else needle
        return all(p.lower() in low for p in parts)

    @property
    def names_bedrock(self) -> bool:
        """The proxy says Bedrock answered (as LiteLLM spells it), or Bedrock answered directly."""
        return self.from_bedrock or "BedrockException" in self.message

    @property
    def via_bedrock(self) -> bool:
        return self.from_bedrock or "bedrockexception" in self.message.lower()

    def fields(self) -> dict[str, str]:
        """What a row's summary may name: {tried}, the relative URL LiteLLM posted to (or nothing)."""
        m = _RELATIVE_URL.search(self.message)
        return {"tried": f" (LiteLLM tried to post to {m.group(1)!r})" if m else ""}


# -- SPECIAL: rules that are code, not text ------------------------------------------------------
_RELATIVE_URL = re.compile(r"APIConnectionError: (/[\w.-]+/model/\S+)")


def _refused_key(a: Answer) -> bool:
    """SPECIAL: a 401 (or LiteLLM's "Authentication Error") that does not name Bedrock."""
    return not a.names_bedrock and (a.status == 401 or a.has("Authentication Error"))


def _bare_500(a: Answer) -> bool:
    """SPECIAL: LiteLLM without prisma answers a refused key with a short plain-text 500."""
    return (a.status == 500 and a.content_type.startswith("text/plain") and a.has("Internal Server Error")
            and len(a.message) < 100)


def _relative_url(a: Answer) -> bool:
    """SPECIAL: LiteLLM posted to a relative URL (/<api_base>/model/...): api_base is not a URL."""
    return _RELATIVE_URL.search(a.message) is not None


_FIX_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class ErrorSignature:
    """One row: the texts (or statuses, or SPECIAL rule) that mean one fix, and on which paths."""

    fix: str
    side: str                                   # PROXY or BEDROCK: where the error arose
    paths: tuple[str, ...]
    source: str                                 # where the texts were measured or read
    summary: str = ""                           # an answer's meaning; may name {tried}
    answer: tuple[Needle, ...] = ()             # case-insensitive, in an answer's message
    bedrock_status: Container[int] = ()         # also when Bedrock answered with one of these
    when: Callable[[Answer], bool] | None = None  # SPECIAL: a rule in code
    detail: str | None = None                   # replaces the upstream text in the diagnosis
    log: tuple[str, ...] = ()                   # case-sensitive, in a log line
    log_meaning: str = ""                       # a log line's meaning
    log_roles: tuple[str, ...] = (LITELLM, OPENWEBUI)

    def __post_init__(self) -> None:
        problems = []
        if not _FIX_ID.match(self.fix):
            problems.append("fix is not a fix id")
        if self.side not in (PROXY, BEDROCK):
            problems.append(f"side {self.side!r}")
        if not self.paths or set(self.paths) - set(PATHS):
            problems.append(f"paths {self.paths!r}")
        answers = bool(self.answer or self.bedrock_status or self.when)
        if (PROXY_ANSWER in self.paths) != (answers and bool(self.summary)):
            problems.append("an answer row needs PROXY_ANSWER, texts (or a status or rule) and a summary")
        if BEDROCK_ANSWER in self.paths and PROXY_ANSWER not in self.paths:
            problems.append("BEDROCK_ANSWER is read by the same classifier: claim PROXY_ANSWER too")
        if (LOG_LINE in self.paths) != (bool(self.log) and bool(self.log_meaning)):
            problems.append("a log row needs LOG_LINE, log texts and a log_meaning")
        if {f for _, f, _, _ in string.Formatter().parse(self.summary) if f is not None} - {"tried"}:
            problems.append("the summary names a value other than {tried}")
        if set(self.log_roles) - {LITELLM, OPENWEBUI}:
            problems.append(f"log_roles {self.log_roles!r}")
        if problems:
            raise ValueError(f"error signature for {self.fix}: {'; '.join(problems)}")

    def matches(self, a: Answer) -> bool:
        """This row's reading of an answer (the caller tries the rows in order)."""
        return (any(a.has(n) for n in self.answer) or (a.via_bedrock and a.status in self.bedrock_status)
                or (self.when is not None and self.when(a)))


@dataclass(frozen=True)
class LogSignature:
    """One text of a log row, as the log scan reads it (the shape of 0.1.0's docker_logs.Signature)."""

    text: str          # a substring of the log line (case-sensitive, as the service prints it)
    fix: str
    meaning: str
    roles: tuple[str, ...] = (LITELLM, OPENWEBUI)
    row: ErrorSignature | None = field(default=None, compare=False, repr=False)


_BOTH = (PROXY_ANSWER, LOG_LINE)
_ALL = (PROXY_ANSWER, BEDROCK_ANSWER, LOG_LINE)
_ANSWERS = (PROXY_ANSWER, BEDROCK_ANSWER)

# SPECIAL: diagnose turns this row into bedrock-model-end-of-life when the model called is past its
# published end of life on the day of the run (canvas_doctor.facts).
MODEL_ID_INVALID = ErrorSignature(
    "bedrock-region-unsupported", BEDROCK, _ANSWERS, BEDROCK_API,
    summary="Bedrock does not know this model id in the configured region",
    answer=("provided model identifier is invalid",))

ROWS: tuple[ErrorSignature, ...] = (
    # -- the proxy refused before calling Bedrock --------------------------------------------------
    ErrorSignature(
        "litellm-model-not-found", PROXY, _BOTH, f"{LITELLM_1_108_7}: route_llm_request.py",
        summary="the proxy does not serve this model name", answer=("Invalid model name passed",),
        log=("Invalid model name passed in model=",), log_meaning="a request named a model the proxy does not serve",
        log_roles=(LITELLM,)),
    ErrorSignature(  # log precedence: before "No connected db" (the answer row is further down)
        "litellm-stream-key-rejected", BEDROCK, (LOG_LINE,), BEDROCK_MEASURED,
        log=("extraneous key",),
        log_meaning="Bedrock rejected a key LiteLLM copied into the request (the `stream` key of an image model)"),
    ErrorSignature(
        "openwebui-api-key-mismatch", PROXY, _BOTH, f"{LITELLM_1_108_7}: user_api_key_auth.py",
        summary="the proxy refused the key (not its master key; it has no database for other keys)",
        answer=("No connected db",),
        log=("No connected db",),
        log_meaning="a request came with a key that is not the master key (and the proxy has no key database)"),
    ErrorSignature(
        "openwebui-api-key-mismatch", PROXY, (PROXY_ANSWER,), f"{LITELLM_1_108_7}: user_api_key_auth.py",
        summary="the proxy refused the request: no key or a key it does not accept", when=_refused_key),
    ErrorSignature(
        "openwebui-api-key-mismatch", PROXY, (PROXY_ANSWER,), f"{LITELLM_1_108_7} without prisma (measured)",
        summary="the proxy answered a bare 500, which LiteLLM without prisma sends for a refused key",
        when=_bare_500),
    ErrorSignature(
        "litellm-api-base-invalid", PROXY, (PROXY_ANSWER,), f"{LITELLM_1_108_7}; httpx InvalidURL",
        summary="the deployment's api_base is not a URL, so the proxy cannot call Bedrock{tried}",
        answer=("InvalidURL", "Invalid URL", "Request URL is missing", "UnsupportedProtocol"), when=_relative_url,
        detail="httpx InvalidURL: a URL needs http:// or https:// and a host"),
    ErrorSignature(
        "litellm-drop-params-off", PROXY, (PROXY_ANSWER,), f"{LITELLM_1_108_7}: UnsupportedParamsError",
        summary="the proxy rejects response_format (sent by Open WebUI) because drop_params is off",
        answer=("UnsupportedParamsError", "drop_params", ("response_format", "not supported"))),
    ErrorSignature(
        "aws-credentials-missing", PROXY, _ALL,
        f"{LITELLM_1_108_7}: exception_mapping_utils.py, after botocore's NoCredentialsError",
        summary="the proxy has no AWS credentials or Bedrock API key",
        answer=("Unable to locate credentials", "Invalid Authentication", "NoCredentialsError"),
        log=("Unable to locate credentials",), log_meaning="the proxy found no AWS credentials"),
    ErrorSignature(
        "litellm-unhealthy", PROXY, (PROXY_ANSWER,), f"{LITELLM_1_108_7}: the router's cooldown",
        summary="the proxy parked the model after recent failures (cooldown); its log names the first error",
        answer=("No deployments available", "in cooldown")),
    # -- Bedrock answered (or could not be reached) ------------------------------------------------
    ErrorSignature(
        "litellm-stream-key-rejected", BEDROCK, _ANSWERS, BEDROCK_MEASURED,
        summary="Bedrock rejects the `stream` key that LiteLLM copied into imageGenerationConfig",
        answer=("extraneous key [stream]",)),
    ErrorSignature(
        "bedrock-inference-profile-required", BEDROCK, _ANSWERS, BEDROCK_API,
        summary="Bedrock needs an inference profile id for this model",
        answer=("on-demand throughput isn", "on-demand throughput is not")),
    ErrorSignature(
        "aws-credentials-missing", BEDROCK, _ALL, f"{BEDROCK_API}; {LITELLM_1_108_7}: exception_mapping_utils.py",
        summary="Bedrock does not accept the proxy's AWS credentials or API key",
        answer=("Missing Authentication Token", "security token included in the request is invalid",
                "Invalid API Key format", "make sure your API Key is valid", "UnrecognizedClient",
                "InvalidSignatureException", "ExpiredToken"),
        log=("Invalid Authentication", "The security token included in the request is invalid"),
        log_meaning="Bedrock refused the proxy's credentials"),
    ErrorSignature(
        "litellm-master-key-unsafe", PROXY, (LOG_LINE,), f"{LITELLM_1_108_7}: master_key_boot_check.py",
        log=("UnsafeMasterKeyError", "LiteLLM proxy refused to start"),
        log_meaning="the proxy refused to start: no master key, or a publicly known one", log_roles=(LITELLM,)),
    ErrorSignature(
        "bedrock-model-access-denied", BEDROCK, _ALL, BEDROCK_API,
        summary="Bedrock denies this account access to the model",
        answer=("AccessDeniedException", "don't have access to the model"), bedrock_status=(403,),
        log=("AccessDeniedException", "You don't have access to the model"),
        log_meaning="the AWS account may not invoke the model"),
    ErrorSignature(  # log precedence: before on-demand throughput (the answer row is further down)
        "bedrock-throttled", BEDROCK, (LOG_LINE,), BEDROCK_API,
        log=("ThrottlingException",), log_meaning="Bedrock throttled the requests"),
    ErrorSignature(  # log precedence: after the access and throttling rows
        "bedrock-inference-profile-required", BEDROCK, (LOG_LINE,), BEDROCK_API,
        log=("on-demand throughput isn",), log_meaning="the model needs an inference profile id for on-demand calls"),
    ErrorSignature(
        "image-model-in-chat", BEDROCK, (LOG_LINE,), BEDROCK_MEASURED,
        log=("required key [messages] not found",), log_meaning="someone chatted with the image model"),
    ErrorSignature(
        "bedrock-model-end-of-life", BEDROCK, _ANSWERS, BEDROCK_API,
        summary="Bedrock says the model is past its end of life or access to it lapsed",
        answer=("end of its life", "marked by provider as Legacy", "ResourceNotFound"), bedrock_status=(404,)),
    ErrorSignature(
        "generation-timeout", BEDROCK, _ALL, BEDROCK_API,
        summary="the generation timed out",
        answer=("litellm.Timeout", "ModelTimeoutException", "timed out"), bedrock_status=(408,),
        log=("ModelTimeoutException",), log_meaning="Bedrock timed out generating"),
    ErrorSignature(  # log precedence: the last log row
        "litellm-api-base-invalid", PROXY, (LOG_LINE,), f"{LITELLM_1_108_7}; httpx InvalidURL",
        log=("Request URL is missing an 'http://' or 'https://' protocol",),
        log_meaning="an api_base that is not a URL (the guide's `api_base: bedrock-runtime`)", log_roles=(LITELLM,)),
    ErrorSignature(
        "bedrock-throttled", BEDROCK, _ANSWERS, BEDROCK_API,
        summary="Bedrock throttles the requests",
        answer=("ThrottlingException", "Too many requests", "RateLimitError"), bedrock_status=(429,)),
    MODEL_ID_INVALID,
    ErrorSignature(
        "bedrock-request-rejected", BEDROCK, _ANSWERS, BEDROCK_API,
        summary="Bedrock's content filter blocked the test prompt", answer=("content filters", "content filter")),
    ErrorSignature(
        "bedrock-request-rejected", BEDROCK, _ANSWERS, BEDROCK_API,
        summary="Bedrock rejected the request", answer=("ValidationException", "Malformed input request"),
        bedrock_status=(400,)),
    ErrorSignature(
        "bedrock-service-error", BEDROCK, _ANSWERS, BEDROCK_API,
        summary="Bedrock, or the proxy's connection to it, failed", answer=("APIConnectionError", "ServiceUnavailable"),
        bedrock_status=range(500, 1000)),
)

# The rows per path, in order: what each classifier reads (and what tests/test_check_fixes.py reads).
ANSWER_SIGNATURES = tuple(r for r in ROWS if PROXY_ANSWER in r.paths)
LOG_SIGNATURES = tuple(LogSignature(t, r.fix, r.log_meaning, r.log_roles, r)
                       for r in ROWS if LOG_LINE in r.paths for t in r.log)
LOG_FIXES = tuple(dict.fromkeys(s.fix for s in LOG_SIGNATURES))

# A direct Bedrock (or STS) call's error codes whose meaning does not depend on the message
# (bedrock-runtime 2023-09-30 and STS); read by aws_client.classify before the message.
BEDROCK_ERROR_CODES: dict[str, tuple[str, str]] = {
    "ThrottlingException": ("bedrock-throttled", "Bedrock throttles the requests"),
    "ServiceQuotaExceededException": ("bedrock-throttled", "the request exceeds the account's Bedrock quota"),
    "ModelTimeoutException": ("generation-timeout", "the model timed out processing the request"),
    "ModelNotReadyException": ("bedrock-service-error", "the model is not ready to serve requests yet"),
    "ModelErrorException": ("bedrock-service-error", "the model failed while processing the request"),
    "InternalServerException": ("bedrock-service-error", "Bedrock failed internally"),
    "ServiceUnavailableException": ("bedrock-service-error", "Bedrock is unavailable"),
    "UnrecognizedClientException": ("aws-credentials-missing", "AWS does not know the access key"),
    "InvalidClientTokenId": ("aws-credentials-missing", "AWS does not know the access key"),
    "InvalidSignatureException": ("aws-credentials-missing", "the request signature is not accepted"),
    "SignatureDoesNotMatch": ("aws-credentials-missing", "the secret key does not match the access key"),
    "IncompleteSignatureException": ("aws-credentials-missing", "the request signature is incomplete"),
    "MissingAuthenticationTokenException": ("aws-credentials-missing", "the request carried no credentials"),
    "ExpiredToken": ("aws-credentials-missing", "the session credentials have expired"),
    "ExpiredTokenException": ("aws-credentials-missing", "the session credentials have expired"),
}


def match_answer(answer: Answer) -> ErrorSignature | None:
    """The first row of the answer paths that matches, or None (diagnose's status-only fallbacks)."""
    return next((r for r in ANSWER_SIGNATURES if r.matches(answer)), None)


def match_log(line: str, role: str) -> tuple[LogSignature, int] | None:
    """The first log signature for this container role found in the line, and its column."""
    for sig in LOG_SIGNATURES:
        if role in sig.roles:
            col = line.find(sig.text)
            if col >= 0:
                return sig, col
    return None


__all__ = [
    "ANSWER_SIGNATURES", "Answer", "BEDROCK", "BEDROCK_ANSWER", "BEDROCK_ERROR_CODES", "ErrorSignature",
    "LITELLM", "LOG_FIXES", "LOG_LINE", "LOG_SIGNATURES", "LogSignature", "MODEL_ID_INVALID", "OPENWEBUI",
    "PATHS", "PROXY", "PROXY_ANSWER", "ROWS", "match_answer", "match_log",
]
