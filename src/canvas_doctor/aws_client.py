"""The `aws` input of the Bedrock checks: which model, which region, which credentials, and bounded
boto3 clients. boto3/botocore are imported here only, inside the methods that need them.

Facts read in botocore 1.44.8's source (the project's venv):
- Credentials (credentials.create_credential_resolver): environment, assume-role, then the profile's
  providers (web identity, sso, shared-credentials-file, custom-process, config-file, login), then
  ec2-credentials-file, boto-config, container-role and iam-role (instance metadata). The provider
  that answered is `Credentials.method`. An explicit profile drops the environment provider.
  Instance metadata waits `metadata_service_timeout` (default 1 s) per attempt.
- Bedrock API keys (botocore >= 1.39): tokens.ScopedEnvTokenProvider and
  utils.get_token_from_environment read AWS_BEARER_TOKEN_<SIGNING NAME>, i.e. AWS_BEARER_TOKEN_BEDROCK
  for both `bedrock` and `bedrock-runtime`; handlers._should_prefer_bearer_auth then signs with
  `Authorization: Bearer` whenever it is set (no signature version set in code). auth.BearerAuth
  refuses a plain-http endpoint. STS does not accept it: GetCallerIdentity needs SigV4 credentials.
- Bedrock control plane: GetFoundationModelAvailability exists from botocore 1.38.43.
"""
from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar
from urllib.parse import urlsplit

from . import __version__
from .clients import Inputs, provides
from .models import Location
from .run_context import RunContext
from .settings import Settings
from .stack.model import Stack
from .stack.model_under_test import ModelUnderTest, model_under_test
from .stack.queries import deployment_region

LITELLM_FALLBACK_REGION = "us-west-2"   # LiteLLM 1.108.7 base_aws_llm._get_aws_region_name, when nothing is set
CREDENTIALS_BUDGET = 3.0                # seconds the whole credential lookup may take
METADATA_TIMEOUT = 1                    # s per instance-metadata request (botocore: an int; 1 is its default)
METADATA_PROBE = 0.3                    # s to connect to the instance-metadata address before asking it
BEARER_VAR = "AWS_BEARER_TOKEN_BEDROCK"
CALL_MARGIN = 5.0                       # s past the transport's deadline before a call is abandoned outright
T = TypeVar("T")

# Readable names of botocore's Credentials.method values.
CREDENTIAL_SOURCES = {
    "env": "environment variables (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
    "explicit": "credentials passed in code",
    "shared-credentials-file": "the shared credentials file (~/.aws/credentials)",
    "config-file": "the AWS config file (~/.aws/config)",
    "sso": "AWS IAM Identity Center (SSO) in the AWS config file",
    "login": "an `aws login` session",
    "assume-role": "a role assumed through the AWS config file (role_arn)",
    "assume-role-with-web-identity": "a web-identity role (AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN)",
    "custom-process": "a credential_process in the AWS config file",
    "container-role": "the container's task role (ECS/EKS credentials endpoint)",
    "iam-role": "the instance's IAM role (EC2 instance metadata)",
    "ec2-credentials-file": "the file AWS_CREDENTIAL_FILE names",
    "boto-config": "a boto config file (~/.boto, /etc/boto.cfg, BOTO_CONFIG)",
}

# Environment variables and files through which botocore's chain could find credentials.
_CREDENTIAL_VARS = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CREDENTIAL_FILE", "BOTO_CONFIG",
)


# ---------------------------------------------------------------- what is probed


@dataclass(frozen=True)
class RegionChoice:
    """The region the Bedrock checks use and where that choice came from."""

    name: str
    origin: str
    location: Location | None = None

    def __str__(self) -> str:
        return f"{self.name} ({self.origin})"


# ---------------------------------------------------------------- credentials


@dataclass(frozen=True)
class CredentialReport:
    """What boto3 would sign with: SigV4 credentials (and their source), a Bedrock API key, or nothing."""

    method: str | None          # botocore's Credentials.method; None when no SigV4 credentials were found
    bearer_token: bool          # AWS_BEARER_TOKEN_BEDROCK is set: bedrock and bedrock-runtime use it
    profile: str | None
    problem: str | None = None  # why the lookup failed (a missing profile, an expired SSO session ...)
    searched: str = ""

    @property
    def source(self) -> str:
        if self.method is None:
            return "none"
        return CREDENTIAL_SOURCES.get(self.method, self.method)

    @property
    def sigv4(self) -> bool:
        return self.method is not None

    @property
    def found(self) -> bool:
        return self.sigv4 or self.bearer_token


def _aws_file(environ: Mapping[str, str], var: str, default: str) -> Path:
    return Path(os.path.expanduser(environ.get(var) or default))


def no_aws_setup(environ: Mapping[str, str]) -> bool:
    """No variable and no file through which botocore's chain could find credentials or a profile."""
    if any(environ.get(v) for v in (*_CREDENTIAL_VARS, BEARER_VAR)):
        return False
    files = (_aws_file(environ, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
             _aws_file(environ, "AWS_CONFIG_FILE", "~/.aws/config"),
             Path(os.path.expanduser("~/.boto")), Path("/etc/boto.cfg"))
    return not any(f.exists() for f in files)


def metadata_disabled(environ: Mapping[str, str]) -> bool:
    return environ.get("AWS_EC2_METADATA_DISABLED", "").strip().lower() == "true"


def metadata_endpoint(environ: Mapping[str, str]) -> tuple[str, int]:
    """Where botocore would ask for instance credentials (utils.IMDSFetcher's endpoints)."""
    url = environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT")
    if not url:
        ipv6 = environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "").lower() == "ipv6"
        url = "http://[fd00:ec2::254]" if ipv6 else "http://169.254.169.254"
    parts = urlsplit(url)
    return parts.hostname or "169.254.169.254", parts.port or (443 if parts.scheme == "https" else 80)


def metadata_answers(environ: Mapping[str, str], timeout: float = METADATA_PROBE) -> bool:
    """Whether anything accepts a connection at the instance-metadata address, within `timeout`.

    On EC2 it connects in about a millisecond; off EC2 the address is often a black hole where
    botocore would wait its whole timeout twice (IMDSv2 token, then v1)."""
    host, port = metadata_endpoint(environ)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class _MetadataIfAnswering:
    """botocore's instance-metadata provider, asked only when the address accepts a connection."""

    METHOD = "iam-role"

    def __init__(self, inner: Any, environ: Mapping[str, str]):
        self.inner = inner
        self.environ = environ

    def load(self) -> Any:
        return self.inner.load() if metadata_answers(self.environ) else None


def searched_places(environ: Mapping[str, str], profile: str | None) -> str:
    imds = "instance metadata (disabled: AWS_EC2_METADATA_DISABLED)" if metadata_disabled(environ) else \
        f"instance metadata ({metadata_endpoint(environ)[0]})"
    env = "" if profile else "the environment (AWS_ACCESS_KEY_ID, AWS_BEARER_TOKEN_BEDROCK), "
    name = profile or environ.get("AWS_PROFILE") or "default"
    return f"{env}the shared credentials and config files (profile {name}), SSO, a container role and {imds}"


# ---------------------------------------------------------------- calls and their failures


class AwsCallError(Exception):
    """An AWS call that failed: an AWS error answer, or no usable answer at all."""

    def __init__(self, kind: str, message: str, code: str = "", status: int = 0, operation: str = ""):
        super().__init__(message)
        self.kind = kind            # "aws" (an error answer) | "network" | "timeout" | "credentials" | "config"
        #                             | "answer" (something answered, but not as the AWS service does)
        self.message = message
        self.code = code
        self.status = status
        self.operation = operation

    def __str__(self) -> str:
        if self.kind == "aws":
            return f"{self.code} ({self.status}): {self.message}"
        return self.message


def _came_back() -> str:
    """What the endpoint answered to the call in flight on this thread (status, content type, first bytes)."""
    from .aws_transport import last_exchange

    seen = last_exchange()
    return f"; it answered {seen.describe()}" if seen is not None else ""


def _translate(exc: Exception, what: str) -> AwsCallError:
    """Any exception of a botocore call -> AwsCallError with a sentence a user can act on, naming the
    endpoint and what came back. Never raises: an unknown exception is an unusable answer."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    from .http import ProbeError

    if isinstance(exc, AwsCallError):
        return exc
    if isinstance(exc, ProbeError):  # the bounded transport (canvas_doctor.aws_transport)
        kind = {"timeout": "timeout", "refused": "network", "dns": "network", "closed": "network",
                "invalid-url": "config"}.get(exc.kind, "answer")
        operation = what.split(" at ", 1)[0]  # the probe's message names the URL itself
        hint = "; for a private CA set AWS_CA_BUNDLE" if "TLS failed" in str(exc) else ""
        return AwsCallError(kind, f"{operation}: {exc}{hint}")
    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        return AwsCallError("aws", str(err.get("Message") or err.get("message") or exc), str(err.get("Code") or ""),
                            int(meta.get("HTTPStatusCode") or 0), exc.operation_name)
    if isinstance(exc, (bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return AwsCallError("timeout", f"{what}: no answer in time ({exc})")
    if isinstance(exc, bx.EndpointConnectionError):
        return AwsCallError("network", f"{what}: cannot connect to {exc.kwargs.get('endpoint_url', 'the endpoint')}")
    if isinstance(exc, bx.NoCredentialsError):
        return AwsCallError("credentials", f"{what}: no credentials to sign with")
    if isinstance(exc, bx.InvalidEndpointConfigurationError):
        return AwsCallError("config", f"{what}: {exc} A Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) is sent only "
                                      "over HTTPS: use an https:// --bedrock-endpoint")
    if isinstance(exc, (bx.SSLError,)):
        return AwsCallError("network", f"{what}: TLS failed ({exc}); for a private CA set AWS_CA_BUNDLE")
    if isinstance(exc, bx.ConnectionClosedError):
        return AwsCallError("network", f"{what}: the connection was closed before an answer came")
    if isinstance(exc, bx.HTTPClientError):
        return AwsCallError("network", f"{what}: {exc}")
    if isinstance(exc, (ResponseParserError, bx.IncompleteReadError, bx.ResponseStreamingError)):
        return AwsCallError("answer", f"{what}: the answer is not what the AWS service sends{_came_back()}")
    if isinstance(exc, bx.BotoCoreError):
        return AwsCallError("config", f"{what}: {exc}")
    if isinstance(exc, OSError):  # an AWS_CA_BUNDLE that cannot be read
        return AwsCallError("config", f"{what}: {exc}")
    # botocore broke on an answer it did not expect (a wrong shape): the answer is at fault, not the check
    return AwsCallError("answer", f"{what}: botocore could not read the answer ({type(exc).__name__}: "
                                  f"{str(exc)[:120]}){_came_back()}")


def _with_deadline(work: Callable[[], T], budget: float, what: str) -> T:
    """`work` in a daemon thread, abandoned (never joined) past `budget` seconds: a last guard over the
    transport's deadline for what runs outside it (credential refreshes, parsing)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=run, name="aws-call", daemon=True)
    thread.start()
    thread.join(budget)
    if thread.is_alive():
        raise AwsCallError("timeout", f"{what}: the call did not finish within {budget:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


# ---------------------------------------------------------------- the input


@dataclass
class Aws:
    """Lazily built boto3 session and clients for one run; every call is bounded (one total deadline,
    capped bodies: canvas_doctor.aws_transport) and never retried."""

    settings: Settings
    stack: Stack
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    context: RunContext | None = None   # where the resolved credentials are registered as secrets
    _lock: threading.RLock = field(default_factory=threading.RLock)          # session, clients, region
    _cred_lock: threading.Lock = field(default_factory=threading.Lock)       # the credential lookup
    _session: Any = None
    _botocore: Any = None
    _clients: dict[tuple[str, float], Any] = field(default_factory=dict)
    _transport: Any = None
    _credentials: CredentialReport | None = None
    _region: RegionChoice | None = None
    _model: ModelUnderTest | None = None

    # -- what is probed ----------------------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        return self.settings.bedrock_endpoint or None

    @property
    def profile(self) -> str | None:
        return self.settings.profile or None

    @property
    def model(self) -> ModelUnderTest:
        with self._lock:
            if self._model is None:
                self._model = model_under_test(self.stack, self.settings)
            return self._model

    @property
    def region(self) -> RegionChoice:
        """--region, else the image deployment's region, else AWS_REGION/AWS_DEFAULT_REGION, else the profile."""
        with self._lock:
            if self._region is None:
                self._region = self._choose_region()
            return self._region

    def _choose_region(self) -> RegionChoice:
        if self.settings.region:
            return RegionChoice(self.settings.region, "--region")
        m = self.model
        if m.deployment is not None and m.proxy is not None:
            region, origin = deployment_region(m.deployment, m.proxy)
            if region:
                if origin == "aws_region_name":
                    at = m.line_of("aws_region_name")
                    return RegionChoice(region, f"aws_region_name of the {m.name} deployment, {at}", at)
                return RegionChoice(region, f"{origin} of the {m.proxy.name} service", m.proxy.service.at(origin)
                                    if m.proxy.service else None)
            if m.invoke_id.startswith("arn:"):
                return RegionChoice(m.invoke_id.split(":")[3], f"the region in the {m.name} deployment's ARN")
        here = self._region_of_this_machine()
        if here is not None:
            return here
        if m.deployment is not None:
            return RegionChoice(LITELLM_FALLBACK_REGION, f"LiteLLM's fallback: the {m.name} deployment sets no "
                                                         "aws_region_name and no AWS_REGION is set",
                                m.location)
        return RegionChoice("us-east-1", "no region configured anywhere; us-east-1 offers both image models")

    # -- boto3 -------------------------------------------------------------------------------

    def _region_of_this_machine(self) -> RegionChoice | None:
        """AWS_REGION / AWS_DEFAULT_REGION, else the AWS profile's region, as boto3 would pick it."""
        for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if self.environ.get(var):
                return RegionChoice(self.environ[var], f"{var} on this machine")
        if not no_aws_setup(self.environ):
            try:
                region = self.session().region_name
            except Exception:  # a broken profile is reported by the credentials check
                region = None
            if region:
                return RegionChoice(region, f"the region of AWS profile {self.profile or 'default'}")
        return None

    def session(self) -> Any:
        """The boto3 Session (profile applied, instance-metadata waits kept short). Raises ProfileNotFound."""
        with self._lock:
            if self._session is None:
                import boto3
                import botocore.session

                core = botocore.session.get_session()
                # Keep instance-metadata lookups short unless the user tuned them (botocore reads
                # AWS_METADATA_SERVICE_TIMEOUT / _NUM_ATTEMPTS; the instance variable wins over both).
                if not self.environ.get("AWS_METADATA_SERVICE_TIMEOUT"):
                    core.set_config_variable("metadata_service_timeout", METADATA_TIMEOUT)
                if not self.environ.get("AWS_METADATA_SERVICE_NUM_ATTEMPTS"):
                    core.set_config_variable("metadata_service_num_attempts", 1)
                self._botocore = core
                self._session = boto3.session.Session(botocore_session=core, profile_name=self.profile)
            return self._session

    def client(self, service: str, read_timeout: float | None = None) -> Any:
        """A bounded client (one attempt, one total deadline per request, capped bodies; see
        canvas_doctor.aws_transport) for bedrock, bedrock-runtime or sts."""
        timeout = float(read_timeout or self.settings.read_timeout)
        key = (service, timeout)
        with self._lock:
            if key not in self._clients:
                from botocore.config import Config

                config = Config(connect_timeout=self.settings.connect_timeout, read_timeout=timeout,
                                retries={"total_max_attempts": 1, "mode": "standard"},
                                user_agent_extra=f"canvas-doctor/{__version__}")
                kwargs: dict[str, Any] = {"region_name": self.region.name, "config": config}
                if self.endpoint:
                    kwargs["endpoint_url"] = self.endpoint
                try:
                    client = self.session().client(service, **kwargs)
                    self._transport_for().attach(client, timeout)
                except Exception as exc:
                    raise _translate(exc, f"{service} client") from None
                self._clients[key] = client
            return self._clients[key]

    def _transport_for(self) -> Any:
        with self._lock:
            if self._transport is None:
                from .aws_transport import AwsTransport

                bundle = self._botocore.get_config_variable("ca_bundle") if self._botocore is not None else None
                self._transport = AwsTransport(self.settings.connect_timeout, self.settings.read_timeout,
                                               ca_bundle=bundle)
            return self._transport

    def _where(self, service: str, operation: str) -> str:
        api = "".join(part.title() for part in operation.split("_")) if "_" in operation else operation
        return f"{service} {api} at {self.endpoint or 'AWS'}"

    def call(self, service: str, operation: str, *, read_timeout: float | None = None, **params: Any) -> dict:
        """One AWS call; every failure, and an answer that does not fit the operation, is an AwsCallError."""
        where = self._where(service, operation)
        timeout = float(read_timeout or self.settings.read_timeout)
        client = self.client(service, read_timeout)

        def work() -> dict:
            from .aws_transport import answer_problem, begin_call

            begin_call()
            try:
                answer = getattr(client, operation)(**params)
                model = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[operation])
                problem = answer_problem(answer, model)
            except Exception as exc:
                raise _translate(exc, where) from None
            if problem:
                raise AwsCallError("answer", f"{where}: not a {model.name} answer ({problem}){_came_back()}")
            return answer

        return _with_deadline(work, timeout + CALL_MARGIN, where)

    def invoke_model(self, model_id: str, body: bytes, *, timeout: float) -> bytes:
        """InvokeModel (bedrock-runtime), the answer body (capped by the transport); failures as AwsCallError."""
        where = self._where("bedrock-runtime", "InvokeModel")
        client = self.client("bedrock-runtime", timeout)

        def work() -> bytes:
            from .aws_transport import begin_call

            begin_call()
            try:
                answer = client.invoke_model(modelId=model_id, body=body, contentType="application/json",
                                             accept="application/json")
                return answer["body"].read()
            except Exception as exc:
                raise _translate(exc, where) from None

        return _with_deadline(work, timeout + CALL_MARGIN, where)

    def has_operation(self, service: str, operation: str) -> bool:
        """Whether the installed botocore knows an operation (GetFoundationModelAvailability: >= 1.38.43)."""
        return operation in self.client(service).meta.method_to_api_mapping

    # -- credentials -------------------------------------------------------------------------

    def credentials(self) -> CredentialReport:
        """What boto3 resolves, within CREDENTIALS_BUDGET seconds whatever the chain does."""
        with self._cred_lock:  # not self._lock: the lookup thread needs that one for the session
            if self._credentials is None:
                self._credentials = self._bounded(self._resolve_credentials, CREDENTIALS_BUDGET)
            return self._credentials

    def _bounded(self, work: Callable[[], CredentialReport], budget: float) -> CredentialReport:
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = work()
            except Exception as exc:  # reported as a problem, never raised into the check
                box["error"] = exc

        thread = threading.Thread(target=run, name="aws-credentials", daemon=True)
        thread.start()
        thread.join(budget)
        bearer = bool(self.environ.get(BEARER_VAR))
        searched = searched_places(self.environ, self.profile)
        if thread.is_alive():
            return CredentialReport(None, bearer, self.profile, f"the credential lookup did not finish within "
                                    f"{budget:g} s (instance metadata, SSO or an assume-role call did not answer)",
                                    searched)
        if "error" in box:
            exc = box["error"]
            return CredentialReport(None, bearer, self.profile, f"{type(exc).__name__}: {exc}", searched)
        return box["value"]

    def _resolve_credentials(self) -> CredentialReport:
        bearer = bool(self.environ.get(BEARER_VAR))
        searched = searched_places(self.environ, self.profile)
        if not self.profile and no_aws_setup(self.environ) and (
                metadata_disabled(self.environ) or not metadata_answers(self.environ)):
            return CredentialReport(None, bearer, None, None, searched)  # nothing to find: no boto3 import
        session = self.session()
        if not metadata_disabled(self.environ):
            resolver = self._botocore.get_component("credential_provider")
            methods = [p.METHOD for p in resolver.providers]
            if "iam-role" in methods:
                i = methods.index("iam-role")
                resolver.providers[i] = _MetadataIfAnswering(resolver.providers[i], self.environ)
        creds = session.get_credentials()
        if creds is None:
            return CredentialReport(None, bearer, self.profile, None, searched)
        frozen = creds.get_frozen_credentials()  # SSO and assume-role fetch now: an expired session fails here
        # The doctor's own credentials: masked wherever an answer or an error quotes them.
        if self.context is not None:
            self.context.add_secrets((frozen.secret_key, frozen.token))
        return CredentialReport(creds.method, bearer, self.profile, None, searched)

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                try:
                    client.close()
                except Exception:  # closing must never break a report
                    pass
            self._clients.clear()
            if self._transport is not None:
                self._transport.close()
                self._transport = None


@provides("aws")
def _aws(inputs: Inputs) -> Aws:
    # Cheap on purpose: the factory runs under the Inputs lock; boto3 loads on first use.
    return Aws(inputs.settings, inputs.stack, context=inputs.context)


# ---------------------------------------------------------------- what a Bedrock error means

@dataclass(frozen=True)
class BedrockFault:
    """An AwsCallError understood: the fix id and what it means."""

    fix: str
    summary: str
    error: AwsCallError


def classify(err: AwsCallError, *, model_id: str | None = None, today: Any = None) -> BedrockFault:
    """Map a Bedrock (or STS) failure to a fix id of the contract; codes and messages are read with the
    table the proxy's errors are read with (canvas_doctor.error_signatures), as LiteLLM passes them on
    verbatim; a row that table does not claim for Bedrock's own answers means a Bedrock service error."""
    if err.kind in ("network", "timeout", "config"):
        return BedrockFault("bedrock-service-error", "Bedrock could not be reached", err)
    if err.kind == "answer":
        return BedrockFault("bedrock-service-error", "the endpoint's answer is not a Bedrock answer", err)
    if err.kind == "credentials":
        return BedrockFault("aws-credentials-missing", "there are no credentials to sign with", err)
    from .error_signatures import BEDROCK_ANSWER, BEDROCK_ERROR_CODES
    from .litellm_errors import diagnose

    if err.code in BEDROCK_ERROR_CODES:
        fix, summary = BEDROCK_ERROR_CODES[err.code]
        return BedrockFault(fix, summary, err)
    d = diagnose(err.status, f"{err.code}: {err.message}", model_id=model_id, today=today, from_bedrock=True)
    if d.signature is None or BEDROCK_ANSWER not in d.signature.paths:  # only a proxy answers so
        return BedrockFault("bedrock-service-error", f"Bedrock answered {err.code or err.status}", err)
    return BedrockFault(d.fix, d.summary, err)


__all__ = [
    "Aws", "AwsCallError", "BedrockFault", "CredentialReport", "RegionChoice", "classify",
    "metadata_answers", "no_aws_setup",
]
