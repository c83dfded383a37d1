"""Who signed a request: SigV4 or a Bedrock API key (Bearer). Signatures are NOT verified.

What clients send (checked in source):
- botocore 1.44 (bedrock-runtime and bedrock service models list auth
  ["aws.auth#sigv4", "smithy.api#httpBearerAuth"]): with AWS_BEARER_TOKEN_BEDROCK set it sends
  `Authorization: Bearer <key>`, else SigV4 scoped to service "bedrock".
- LiteLLM 1.108.7 litellm/llms/bedrock/base_aws_llm.py get_request_headers(): `Authorization:
  Bearer <key>` when litellm_params api_key or AWS_BEARER_TOKEN_BEDROCK is set, else
  SigV4Auth(credentials, "bedrock", aws_region_name).

Answers for bad auth follow what AWS sends:
- no Authorization: 403, x-amzn-ErrorType MissingAuthenticationTokenException, "Missing Authentication Token"
- SigV4 scoped to another region: 403 InvalidSignatureException "Credential should be scoped to a valid region. "
- unknown access key id (only when valid_keys is set): 403 UnrecognizedClientException
  "The security token included in the request is invalid."
- a Bearer key without the Bedrock API key prefix (long-term keys start "ABSK", short-term ones
  "bedrock-api-key-"): 403 {"Message": "Invalid API Key format: Must start with pre-defined prefix"}
  (text quoted in public reports; the error type header is emulator wording)
- a well-formed Bearer key not in valid_keys: 403 {"Message": "Authentication failed: Please make
  sure your API Key is valid."} (likewise)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import (
    CORAL_NS,
    MSG_BAD_REGION_SCOPE,
    MSG_BAD_TOKEN,
    MSG_BEARER_FORMAT,
    MSG_BEARER_INVALID,
    MSG_MISSING_TOKEN,
    AwsError,
)

BEARER_PREFIXES = ("ABSK", "bedrock-api-key-")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")


@dataclass
class AuthInfo:
    kind: str | None  # "sigv4" | "bearer" | None
    region: str | None = None  # SigV4 credential scope
    service: str | None = None
    access_key_id: str | None = None  # kept only to check valid_keys; never logged
    session_token: bool = False


def identify(headers) -> AuthInfo:
    """Parse the Authorization header without judging it."""
    value = headers.get("Authorization")
    if not value:
        return AuthInfo(None)
    scheme = value.split(None, 1)[0]
    if scheme.lower() == "bearer":
        return AuthInfo("bearer", access_key_id=value[len(scheme) :].strip())
    if scheme == "AWS4-HMAC-SHA256":
        m = _CREDENTIAL.search(value)
        if not m:
            return AuthInfo("sigv4-malformed")
        return AuthInfo(
            "sigv4",
            region=m.group(3),
            service=m.group(4),
            access_key_id=m.group(1),
            session_token=bool(headers.get("X-Amz-Security-Token")),
        )
    return AuthInfo("other")


def check(
    info: AuthInfo,
    *,
    region: str,
    service: str,
    valid_keys: set[str] | None,
    check_key_format: bool,
    follow_signed_region: bool,
) -> None:
    """Raise the AwsError AWS would answer, or return when the request may proceed."""
    if info.kind is None:
        raise AwsError(403, "MissingAuthenticationTokenException", MSG_MISSING_TOKEN, namespace=None)
    if info.kind in ("other", "sigv4-malformed"):
        raise AwsError(
            403,
            "IncompleteSignatureException",
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
            namespace=CORAL_NS,
        )
    if info.kind == "bearer":
        token = info.access_key_id or ""
        if check_key_format and not token.startswith(BEARER_PREFIXES):
            raise AwsError(403, "AccessDeniedException", MSG_BEARER_FORMAT, message_key="Message")
        if valid_keys is not None and token not in valid_keys:
            raise AwsError(403, "AccessDeniedException", MSG_BEARER_INVALID, message_key="Message")
        return
    # SigV4
    if info.service != service:
        raise AwsError(
            403,
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{service}'. ",
            namespace=CORAL_NS,
        )
    if info.region != region and not follow_signed_region:
        raise AwsError(403, "InvalidSignatureException", MSG_BAD_REGION_SCOPE, namespace=CORAL_NS)
    if valid_keys is not None and info.access_key_id not in valid_keys:
        raise AwsError(403, "UnrecognizedClientException", MSG_BAD_TOKEN, namespace=CORAL_NS)
