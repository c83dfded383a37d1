"""botocore's requests sent over the doctor's bounded HTTP (canvas_doctor.http), so a Bedrock or STS
call has what a probe has: one total deadline (connect, headers, body), a body cap that holds after
decompression, no redirect followed, and a clear account of what came back when it is not AWS.

botocore 1.44.8 sends through urllib3 with per-read timeouts only and reads every error body whole;
its `before-send` event lets a handler return the response instead (endpoint.Endpoint._do_get_response),
which is how this module takes over the wire. Signing, retries (one attempt), parsing and errors
stay botocore's. Proxies (HTTPS_PROXY, NO_PROXY) and AWS_CA_BUNDLE / ca_bundle are honoured as
botocore would.

Checks done here, because botocore would accept the answer silently:
- a 2xx answer of a JSON protocol (bedrock, bedrock-runtime) that is not JSON: botocore's parser
  turns it into {"message": <the body>} (parsers.BaseJSONParser._parse_body_as_json);
- an error answer that is not AWS's (an HTML page from a proxy in front, a 403 of a captive portal):
  botocore would make a ClientError of it, read as Bedrock's own refusal.
"""
from __future__ import annotations

import io
import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Iterator

from .http import Answer, Http, ProbeError, first_bytes

CONTROL_MAX_BODY = 4 * 1024 * 1024     # ListFoundationModels is about 100 KiB; anything past 4 MiB is hostile
INVOKE_MAX_BODY = 32 * 1024 * 1024     # an InvokeModel answer: base64 images (5 x 1024x1024 PNG fit)
JSON_PROTOCOLS = ("rest-json", "json")


@dataclass(frozen=True)
class Exchange:
    """What came back for the last request of an AWS call on this thread."""

    url: str
    status: int
    content_type: str
    body: bytes

    def describe(self) -> str:
        kind = self.content_type or "without a content type"
        if not self.body:
            return f"HTTP {self.status} {kind} with an empty body"
        return f"HTTP {self.status} {kind}: {first_bytes(self.body)}"


_last = threading.local()


def begin_call() -> None:
    """Forget the exchange of the previous call on this thread."""
    _last.exchange = None


def last_exchange() -> Exchange | None:
    return getattr(_last, "exchange", None)


class _Raw(io.BytesIO):
    """An already-read body, shaped as botocore expects `AWSResponse.raw` (read(amt) and stream())."""

    def stream(self, amt: int = 1024, decode_content: bool | None = None) -> Iterator[bytes]:
        while True:
            chunk = self.read(amt)
            if not chunk:
                return
            yield chunk


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _is_aws_error(answer: Answer, protocol: str) -> bool:
    """Whether an error answer looks like AWS's own (its error header, or the protocol's body format)."""
    if "x-amzn-errortype" in answer.headers or "x-amz-request-id" in answer.headers \
            or "x-amzn-requestid" in answer.headers:
        return True
    body = answer.body.strip()
    if protocol in JSON_PROTOCOLS:
        return body[:1] == b"{" and _is_json(body)
    return body[:1] == b"<" and (b"<ErrorResponse" in body[:300] or b"<Error>" in body[:300])


class BoundedSender:
    """A `before-send` handler: sends botocore's prepared request over Http and returns its answer."""

    def __init__(self, http: Http, service_model: Any, timeout: float):
        self.http = http
        self.service_model = service_model
        self.protocol = service_model.protocol
        self.timeout = timeout

    def __call__(self, request: Any, event_name: str = "", **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        operation = self.service_model.operation_model(event_name.rsplit(".", 1)[-1]) \
            if event_name.count(".") >= 2 else None
        streaming = bool(operation is not None and operation.has_streaming_output)
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        headers = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()}
        answer = self.http.exchange(request.method, request.url, headers=headers, content=body or None,
                                    timeout=self.timeout, max_body=INVOKE_MAX_BODY if streaming else CONTROL_MAX_BODY)
        _last.exchange = Exchange(request.url, answer.status, answer.content_type, answer.body)
        if answer.status >= 300 and not _is_aws_error(answer, self.protocol):
            raise ProbeError("answer", f"{request.url} answered {answer.describe()}: not an AWS error answer "
                                       "(a proxy or another server answers there)")
        if answer.status < 300 and not streaming and self.protocol in JSON_PROTOCOLS and answer.body.strip() \
                and not _is_json(answer.body):
            raise ProbeError("answer", f"{request.url} answered {answer.describe()}: not the JSON an AWS "
                                       "service sends")
        return AWSResponse(request.url, answer.status, answer.headers, _Raw(answer.body))


class AwsTransport:
    """The bounded HTTP client behind every botocore client of a run."""

    def __init__(self, connect_timeout: float, read_timeout: float, ca_bundle: str | None = None):
        verify: Any = True
        if ca_bundle:  # AWS_CA_BUNDLE or ca_bundle in the profile, as botocore reads it
            import ssl

            path = os.path.expanduser(ca_bundle)
            verify = ssl.create_default_context(capath=path) if os.path.isdir(path) else \
                ssl.create_default_context(cafile=path)
        self.http = Http(connect_timeout=connect_timeout, read_timeout=read_timeout, trust_env=True, verify=verify)

    def attach(self, client: Any, timeout: float) -> None:
        """Send every request of `client` through the bounded HTTP, each within `timeout` seconds."""
        client.meta.events.register("before-send", BoundedSender(self.http, client.meta.service_model, timeout),
                                    unique_id="canvas-doctor-bounded-send")

    def close(self) -> None:
        self.http.close()


# ---------------------------------------------------------------- answers botocore parsed, checked


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "structure": (dict,), "map": (dict,), "list": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "long": (int,), "float": (int, float), "double": (int, float),
}
# Members the checks read although botocore's model does not mark them required.
EXPECTED_MEMBERS = {
    "GetCallerIdentity": ("Account", "Arn"),
    "GetFoundationModel": ("modelDetails",),
    "ListFoundationModels": ("modelSummaries",),
}


def shape_problem(value: Any, shape: Any, path: str = "", depth: int = 0) -> str | None:
    """The first place where a parsed answer does not fit botocore's output shape (type or required member)."""
    if shape is None or depth > 8:
        return None
    if shape.type_name == "string" and isinstance(value, (dict, list)) and "policydocument" in shape.name.lower():
        return None  # botocore decodes IAM's URL-encoded policy documents into JSON (handlers.json_decode_policies)
    want = _PY_TYPES.get(shape.type_name)
    if want is not None and (not isinstance(value, want) or (shape.type_name != "boolean" and isinstance(value, bool)
                                                             and bool not in want)):
        return f"{path or 'the answer'} is {type(value).__name__}, not {shape.type_name}"
    if shape.type_name == "structure":
        for name in shape.required_members:
            if name not in value:
                return f"{path + '.' if path else ''}{name} is missing"
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                found = shape_problem(value[name], member, f"{path + '.' if path else ''}{name}", depth + 1)
                if found:
                    return found
    elif shape.type_name == "list":
        for i, item in enumerate(value[:50]):
            found = shape_problem(item, shape.member, f"{path}[{i}]", depth + 1)
            if found:
                return found
    return None


def answer_problem(result: Any, operation_model: Any) -> str | None:
    """Why a parsed, successful answer is not what the operation returns (None: it is)."""
    if not isinstance(result, dict):
        return f"the answer is {type(result).__name__}, not a structure"
    shape = operation_model.output_shape
    required = [*(shape.required_members if shape is not None else ()), *EXPECTED_MEMBERS.get(operation_model.name, ())]
    missing = [m for m in dict.fromkeys(required) if m not in result]
    if missing:
        return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    for name, member in (shape.members.items() if shape is not None else ()):
        if member.serialization.get("streaming") or result.get(name) is None:
            continue
        found = shape_problem(result[name], member, name)
        if found:
            return found
    return None
