"""AWS error answers in the restJson1 shape that botocore parses.

Shape (botocore 1.44 parsers.RestJSONParser._inject_error_code takes the part of
`x-amzn-ErrorType` before ':' as the error Code; the message comes from the body's "message"
or "Message"):
    HTTP <status>
    x-amzn-ErrorType: <Code>:http://internal.amazon.com/coral/com.amazon.bedrock/
    x-amzn-RequestId: <uuid>
    {"message": "..."}
Status codes per code follow botocore's bedrock-runtime 2023-09-30 service model.
"""

from __future__ import annotations

from dataclasses import dataclass

BEDROCK_NS = "http://internal.amazon.com/coral/com.amazon.bedrock/"
CORAL_NS = "http://internal.amazon.com/coral/com.amazon.coral.service/"

# Messages Bedrock really sends (from the contract's "Facts", AWS documentation and public
# bug reports quoting real answers). Ones marked "emulator wording" are not verified.
MSG_ACCESS_DENIED = "You don't have access to the model with the specified model ID."
MSG_THROTTLED = "Too many requests, please wait before trying again."
MSG_INVALID_MODEL = "The provided model identifier is invalid."
MSG_END_OF_LIFE = (
    "This model version has reached the end of its life. Please refer to the AWS documentation for more details."
)
MSG_LEGACY_UNUSED = (
    "Access denied. This Model is marked by provider as Legacy and you have not been actively using "
    "the model in the last 30 days. Please upgrade to an active model on Amazon Bedrock"
)
MSG_MODEL_TIMEOUT = "Model has timed out in processing the request. Try your request again."
MSG_INTERNAL = "The system encountered an unexpected error during processing. Try your request again."
MSG_UNAVAILABLE = "Bedrock is unable to process your request."
MSG_QUOTA = "Your request exceeds the service quota for your account. You can view your quotas at the Service Quotas console."  # emulator wording
MSG_NOT_READY = "Model is not ready to serve inference requests. Try again later."  # emulator wording
MSG_MODEL_ERROR = "The model returned an error. Try your request again."  # emulator wording
MSG_CONTENT_FILTERED = (
    "This request has been blocked by our content filters. Please adjust your text prompt to submit a new request."
)
MSG_OUTPUT_FILTERED = "All of the generated images have been blocked by our content filters."
MSG_CONVERSE_UNSUPPORTED = (
    "This action doesn't support the model that you provided. Try again with a supported text or chat model."
)
MSG_FM_NOT_FOUND = "Could not resolve the foundation model from the provided model identifier."
MSG_MISSING_TOKEN = "Missing Authentication Token"
MSG_BAD_TOKEN = "The security token included in the request is invalid."
MSG_BAD_REGION_SCOPE = "Credential should be scoped to a valid region. "
MSG_BEARER_FORMAT = "Invalid API Key format: Must start with pre-defined prefix"
MSG_BEARER_INVALID = "Authentication failed: Please make sure your API Key is valid."


def on_demand_message(model_id: str) -> str:
    # Bedrock's text, typographic apostrophe included (the brief quotes it so).
    return (
        f"Invocation of model ID {model_id} with on-demand throughput isn\u2019t supported. "
        "Retry your request with the ID or ARN of an inference profile that contains this model."
    )


@dataclass
class AwsError(Exception):
    """An error answer. `namespace` None sends the bare code in x-amzn-ErrorType."""

    status: int
    code: str
    message: str | None
    namespace: str | None = BEDROCK_NS
    message_key: str = "message"

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.status} {self.code}: {self.message}"

    @property
    def error_type(self) -> str:
        return f"{self.code}:{self.namespace}" if self.namespace else self.code

    def body(self) -> dict:
        return {self.message_key: self.message}


def access_denied(msg: str = MSG_ACCESS_DENIED) -> AwsError:
    return AwsError(403, "AccessDeniedException", msg)


def validation(msg: str) -> AwsError:
    return AwsError(400, "ValidationException", msg)


def not_found(msg: str) -> AwsError:
    return AwsError(404, "ResourceNotFoundException", msg)


def throttled(msg: str = MSG_THROTTLED) -> AwsError:
    return AwsError(429, "ThrottlingException", msg)


# Faults that answer with an error ("content-filtered" on a Stability model answers 200 with
# finish_reasons ["Filter reason: prompt"] instead, as Stability models do; see runtime.py).
# Other faults (no-images, bad-image, wrong-size, output-filtered, malformed-json, drop) change a
# successful answer; see runtime.py.
ERROR_FAULTS: dict[str, tuple[int, str, str]] = {
    "access-denied": (403, "AccessDeniedException", MSG_ACCESS_DENIED),
    "throttle": (429, "ThrottlingException", MSG_THROTTLED),
    "validation": (400, "ValidationException", "Malformed input request: please reformat your input and try again."),
    "not-found": (404, "ResourceNotFoundException", MSG_END_OF_LIFE),
    "end-of-life": (404, "ResourceNotFoundException", MSG_END_OF_LIFE),
    "legacy-unused": (404, "ResourceNotFoundException", MSG_LEGACY_UNUSED),
    "model-timeout": (408, "ModelTimeoutException", MSG_MODEL_TIMEOUT),
    "internal": (500, "InternalServerException", MSG_INTERNAL),
    "unavailable": (503, "ServiceUnavailableException", MSG_UNAVAILABLE),
    "quota": (400, "ServiceQuotaExceededException", MSG_QUOTA),
    "model-not-ready": (429, "ModelNotReadyException", MSG_NOT_READY),
    "model-error": (424, "ModelErrorException", MSG_MODEL_ERROR),
    "content-filtered": (400, "ValidationException", MSG_CONTENT_FILTERED),
}

ANSWER_FAULTS = ("output-filtered", "no-images", "bad-image", "wrong-size", "malformed-json", "drop")

FAULTS = tuple(ERROR_FAULTS) + ANSWER_FAULTS


def fault_error(fault: str, message: str | None = None) -> AwsError:
    status, code, default = ERROR_FAULTS[fault]
    return AwsError(status, code, message or default)
