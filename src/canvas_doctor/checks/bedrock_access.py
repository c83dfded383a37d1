"""Checklist: Bedrock from this machine, as boto3 sees it (guide: "Method 2: Direct API Call" and
"Images Not Appearing", item 6: "Model access enabled in AWS Bedrock console").

1. Credentials: which source boto3 resolves, whether a Bedrock API key is in play, and whether STS
   accepts the SigV4 credentials (GetCallerIdentity; a Bedrock API key cannot be checked there).
2. Model access: GetFoundationModelAvailability (botocore >= 1.38.43), else GetFoundationModel.
3. Lifecycle and on-demand use: GetFoundationModel's modelLifecycle and inferenceTypesSupported.
Shapes as in botocore 1.44.8's bedrock 2023-04-20 service model. No call costs money.
"""
from __future__ import annotations

from datetime import datetime, timezone

from canvas_doctor.api import Result, check, failed, passed, skipped, warned
from canvas_doctor.aws_client import Aws, AwsCallError, CredentialReport, classify
from canvas_doctor.facts import LIFECYCLE_EOL, image_model, lifecycle_params, profile_prefix
from canvas_doctor.fixes import Fix, OneOf


# -- the fixes this module's rules give (other rules import them from here) ----------------------
AWS_CREDENTIALS_MISSING = Fix(
    id="aws-credentials-missing",
    title="Give the proxy AWS credentials or a Bedrock API key",
    cause=(
        "Neither AWS credentials nor a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) reach the LiteLLM proxy, so "
        'every Bedrock call fails with "Invalid Authentication".'
    ),
    steps=(
        "Put AWS_BEARER_TOKEN_BEDROCK=... (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) in .env",
        "Pass it to the {service} service's environment in {file}",
        "Recreate the container: docker compose up -d {service}",
    ),
    snippet="- AWS_BEARER_TOKEN_BEDROCK=${{AWS_BEARER_TOKEN_BEDROCK}}",
    guide_section="Method 2: Direct API Call",
    params=("file",),
)

BEDROCK_REGION_UNSUPPORTED = Fix(
    id="bedrock-region-unsupported",
    title="Use a region that offers the model",
    cause="The model is not offered in the configured region.",
    steps=(
        "Set aws_region_name to one of {regions} for the {model} deployment in {file}",
        "{restart_proxy}",
    ),
    snippet=OneOf(
        "aws_region_name: {offered_region}",
        None,
    ),
    params=("file", "model", "offered_region", "regions"),
    edit="canvas_doctor.edits.from_stack:plan_region",
)

BEDROCK_THROTTLED = Fix(
    id="bedrock-throttled",
    title="Bedrock is throttling requests",
    cause="The account's on-demand quota for the model is used up for now.",
    steps=(
        (
            "Retry later; check Service Quotas > Amazon Bedrock > On-demand InvokeModel requests per minute for "
            "{model_id}"
        ),
        "Request a quota increase, or use provisioned throughput",
    ),
    guide_section="Performance Tuning",
    params=("model_id",),
)

BEDROCK_INFERENCE_PROFILE_REQUIRED = Fix(
    id="bedrock-inference-profile-required",
    title="Call the model through its inference profile",
    cause=(
        "Newer models (Claude 3.5 Sonnet v2 and later, among others) cannot be invoked on demand by their bare "
        "model id; Bedrock answers \"on-demand throughput isn't supported\"."
    ),
    steps=(
        "In {file}, change model: bedrock/{value} to model: bedrock/{profile}",
        "{restart_proxy}",
    ),
    snippet="model: bedrock/{profile}",
    params=("file", "profile", "value"),
    edit="canvas_doctor.edits.planner:plan_inference_profile",
)

BEDROCK_REQUEST_REJECTED = Fix(
    id="bedrock-request-rejected",
    title="Bedrock rejected the image request",
    cause=(
        "Bedrock answered ValidationException (or its content filter blocked the prompt) for a request the proxy "
        "built from Open WebUI's body: a parameter, size or prompt the model does not accept."
    ),
    steps=(
        "Read Bedrock's message in this report (LiteLLM passes it after 'BedrockException - ')",
        (
            "Compare IMAGE_SIZE and the {model} deployment's litellm_params in {file} with what the model "
            "accepts; remove parameters Bedrock does not know"
        ),
        OneOf(
            (
                "Retry by hand with the same body: curl -X POST {url}/v1/images/generations -d '{{\"model\": "
                "\"{model}\", \"prompt\": \"...\", \"n\": 1, \"size\": \"512x512\", \"response_format\": \"b64_json\"}}'"
            ),
            (
                "Retry by hand with the same body: curl -X POST <proxy>/v1/images/generations -d '{{\"model\": "
                "\"{model}\", \"prompt\": \"...\", \"n\": 1, \"size\": \"512x512\", \"response_format\": \"b64_json\"}}'"
            ),
        ),
    ),
    params=("file", "model", "url"),
)

BEDROCK_SERVICE_ERROR = Fix(
    id="bedrock-service-error",
    title="Bedrock (or the proxy's connection to it) failed; retry, then check the endpoint",
    cause=(
        "Bedrock answered a server error (LiteLLM turns it into 503 after 3 retries), or the proxy's connection "
        "to the Bedrock endpoint broke."
    ),
    steps=(
        "Retry in a minute; check the AWS Health Dashboard for Amazon Bedrock in the region",
        "Read the proxy's log: {proxy_logs}",
        (
            "If the deployment sets aws_bedrock_runtime_endpoint or an api_base, check that it reaches Bedrock "
            "from the container"
        ),
    ),
    guide_section="Images Not Appearing in Open WebUI",
)

# fixes declared by the rules that give them most (imported after this module's own)
from canvas_doctor.checks.cloudformation_iam import BEDROCK_MODEL_ACCESS_DENIED
from canvas_doctor.checks.generate import GENERATION_TIMEOUT
from canvas_doctor.checks.litellm_config import LITELLM_STREAM_KEY_REJECTED
from canvas_doctor.checks.model_lifecycle import BEDROCK_MODEL_LEGACY, BEDROCK_MODEL_END_OF_LIFE

CREDENTIALS = "bedrock.credentials"
ACCESS = "bedrock.model-access"
LIFECYCLE = "bedrock.model-lifecycle"
INVOKE_ACTION = "bedrock:InvokeModel"
AVAILABILITY_OP = "get_foundation_model_availability"   # botocore >= 1.38.43


def fix_params(aws: Aws, **extra) -> dict:
    """Placeholders of the Bedrock fixes: model, region, ARN, the deployment's file and service."""
    m, region = aws.model, aws.region.name
    known = image_model(m.foundation_id)
    params = lifecycle_params(m.foundation_id, region, aws.settings.today)
    params.update({"model": m.name, "model_id": m.foundation_id, "region": region, "arn": m.arn(region),
                   "regions": ", ".join(known.regions) if known else "a region that offers it",
                   "value": m.invoke_id, "profile": profile_prefix(region) + m.foundation_id,
                   "offered_region": known.regions[0] if known else None})
    if m.proxy is not None:
        params["service"] = m.proxy.name
        if m.proxy.config is not None:
            params["file"] = m.proxy.config.display
    params.update(extra)
    return params


def _service_params(aws: Aws) -> dict:
    """aws-credentials-missing's steps name the proxy's service and the file that sets its environment."""
    proxy = aws.model.proxy
    if proxy is not None and proxy.service is not None:
        return fix_params(aws, file=proxy.service.file)
    return fix_params(aws)


def where(aws: Aws) -> str:
    return f"{aws.model.foundation_id} in {aws.region.name}"


def refused(aws: Aws, err: AwsCallError, doing: str) -> Result:
    """A failed control-plane call, mapped to its fix."""
    fault = classify(err, model_id=aws.model.foundation_id, today=aws.settings.today)
    return failed(f"{doing} failed: {fault.summary}: {err}", fix=fault.fix, params=fix_params(aws),
                  error_code=err.code, http_status=err.status)


# ---------------------------------------------------------------- 1. credentials


DOCTOR_CREDENTIALS_HOW = ("give the doctor credentials: --profile NAME (or AWS_PROFILE=NAME), or export "
                          "AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
NOT_THE_STACK = ("These are the doctor's own credentials, not the proxy's (compose.litellm.aws-credentials checks "
                 "what the proxy gets): this is no fault of the stack")


def _missing(aws: Aws, creds: CredentialReport) -> Result:
    """The shell running the doctor has no usable credentials: the Bedrock checks cannot run (a skip, not a fault)."""
    data = {"source": None, "bearer_token": False, "problem": creds.problem, "region": aws.region.name,
            "region_origin": aws.region.origin, "doctor_credentials": "missing"}
    if creds.problem:  # configured, but unusable: an expired SSO session, a missing profile, a hung lookup
        hint = f" (aws sso login --profile {creds.profile or 'default'})" if "SSO" in creds.problem else ""
        return skipped(f"boto3 could not load the doctor's AWS credentials: {creds.problem}{hint}. {NOT_THE_STACK}. "
                       f"The Bedrock checks are skipped; to run them, fix that or {DOCTOR_CREDENTIALS_HOW}", **data)
    return skipped(f"no AWS credentials and no Bedrock API key in the shell running the doctor: boto3 looked in "
                   f"{creds.searched}. {NOT_THE_STACK}. The Bedrock checks are skipped; to run them, "
                   f"{DOCTOR_CREDENTIALS_HOW}", **data)


def _sts_refusal(err: AwsCallError) -> str:
    code = err.code
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        return "they have expired (refresh them: aws sso login, or new session credentials)"
    if code in ("InvalidClientTokenId", "UnrecognizedClientException"):
        return "AWS does not know the access key (deleted, deactivated, or a typo)"
    if code == "SignatureDoesNotMatch":
        return "the secret access key does not belong to the access key"
    return f"STS answered {code or err.status}"


@check(id=CREDENTIALS, area="bedrock", title="AWS credentials or a Bedrock API key are found and accepted",
       needs=("aws",), timeout=20.0,
       fixes=(AWS_CREDENTIALS_MISSING, BEDROCK_INFERENCE_PROFILE_REQUIRED, BEDROCK_MODEL_ACCESS_DENIED, BEDROCK_MODEL_END_OF_LIFE, BEDROCK_REGION_UNSUPPORTED, BEDROCK_REQUEST_REJECTED, BEDROCK_SERVICE_ERROR, BEDROCK_THROTTLED, GENERATION_TIMEOUT, LITELLM_STREAM_KEY_REJECTED), image_path=True)
def credentials_are_usable(aws):
    """Which source boto3 resolves; STS GetCallerIdentity verifies SigV4 credentials."""
    creds: CredentialReport = aws.credentials()
    region = aws.region
    data = {"source": creds.method, "source_label": creds.source if creds.sigv4 else None,
            "bearer_token": creds.bearer_token, "profile": creds.profile, "region": region.name,
            "region_origin": region.origin, "endpoint": aws.endpoint}
    in_region = f"region {region}"
    if not creds.found:
        return _missing(aws, creds)
    key_note = "a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) signs the bedrock and bedrock-runtime calls"
    if not creds.sigv4:
        return passed(f"{key_note}; STS cannot verify a Bedrock API key, the model checks below do; {in_region}",
                      **data)
    try:
        ident = aws.call("sts", "get_caller_identity")
    except AwsCallError as err:
        if err.kind == "aws":
            text = (f"AWS credentials from {creds.source} are refused: {_sts_refusal(err)} "
                    f"({err.code}: {err.message}); {in_region}")
            if creds.bearer_token:  # Bedrock calls are signed with the key, not with these credentials
                return warned(f"{text}. Bedrock calls use the Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) instead",
                              fix="aws-credentials-missing", params=_service_params(aws), error_code=err.code,
                              **data)
            return failed(text, fix="aws-credentials-missing", params=_service_params(aws), error_code=err.code,
                          **data)
        fault = classify(err)
        return failed(f"could not verify the credentials from {creds.source}: {err}", fix=fault.fix,
                      params=fix_params(aws), **data)
    who = f"account {ident.get('Account')}, {ident.get('Arn')}"
    data.update(account=ident.get("Account"), arn=ident.get("Arn"))
    if creds.bearer_token:
        return passed(f"{key_note} (it wins over SigV4); the SigV4 credentials from {creds.source} are valid "
                      f"for STS ({who}); {in_region}", **data)
    return passed(f"AWS credentials from {creds.source}, accepted by STS ({who}); {in_region}", **data)


# ---------------------------------------------------------------- 2. model access


def _denied(aws: Aws, why: str, **data) -> Result:
    region = aws.region.name
    return failed(f"{where(aws)}: {why}. Enable model access (Bedrock console > Model access) and allow "
                  f"{INVOKE_ACTION} on {aws.model.arn(region)}", fix="bedrock-model-access-denied",
                  params=fix_params(aws), action=INVOKE_ACTION, arn=aws.model.arn(region), **data)


def _not_in_region(aws: Aws, detail: str) -> Result:
    known = image_model(aws.model.foundation_id)
    offered = f"; it is offered in {', '.join(known.regions)}" if known else ""
    region = aws.region
    return failed(f"{aws.model.foundation_id} is not offered in {region.name} ({region.origin}){offered}: {detail}",
                  fix="bedrock-region-unsupported", at=region.location, params=fix_params(aws))


def _availability(aws: Aws) -> Result:
    answer = aws.call("bedrock", AVAILABILITY_OP, modelId=aws.model.foundation_id)
    auth = answer.get("authorizationStatus")
    entitled = answer.get("entitlementAvailability")
    in_region = answer.get("regionAvailability")
    agreement = answer.get("agreementAvailability") or {}
    data = {"authorization": auth, "entitlement": entitled, "region_availability": in_region,
            "agreement": agreement.get("status")}
    if in_region == "NOT_AVAILABLE":
        return _not_in_region(aws, "GetFoundationModelAvailability says regionAvailability NOT_AVAILABLE")
    if auth == "NOT_AUTHORIZED":
        return _denied(aws, "this identity is NOT_AUTHORIZED for the model", **data)
    if entitled == "NOT_AVAILABLE":
        return _denied(aws, "the account has no entitlement to the model (model access not enabled)", **data)
    if agreement.get("status") not in (None, "AVAILABLE"):
        note = f": {agreement['errorMessage']}" if agreement.get("errorMessage") else ""
        return _denied(aws, f"the model's agreement is {agreement.get('status')}{note}", **data)
    return passed(f"{where(aws)}: authorized, entitled, agreement accepted, offered in the region", **data)


def _details_only(aws: Aws) -> Result:
    aws.call("bedrock", "get_foundation_model", modelIdentifier=aws.model.foundation_id)
    return passed(f"{where(aws)}: offered in the region (this botocore has no GetFoundationModelAvailability; "
                  "the direct generation tells whether the account may invoke it)")


@check(id=ACCESS, area="bedrock", title="The account may use the image model in the region",
       needs=("aws",), depends_on=(CREDENTIALS,), timeout=30.0,
       fixes=(AWS_CREDENTIALS_MISSING, BEDROCK_INFERENCE_PROFILE_REQUIRED, BEDROCK_MODEL_ACCESS_DENIED, BEDROCK_MODEL_END_OF_LIFE, BEDROCK_REGION_UNSUPPORTED, BEDROCK_REQUEST_REJECTED, BEDROCK_SERVICE_ERROR, BEDROCK_THROTTLED, GENERATION_TIMEOUT, LITELLM_STREAM_KEY_REJECTED), image_path=True)
def model_access(aws):
    """Guide: Images Not Appearing, item 6 ("Model access enabled in AWS Bedrock console")."""
    if aws.model.not_bedrock:
        return skipped(aws.model.not_bedrock)
    try:
        if aws.has_operation("bedrock", AVAILABILITY_OP):
            return _availability(aws)
        return _details_only(aws)
    except AwsCallError as err:
        if err.code in ("ResourceNotFoundException", "ValidationException") and err.kind == "aws":
            known = image_model(aws.model.foundation_id)
            if "end of its life" in err.message or (
                    known is not None and known.status_on(aws.settings.today) == LIFECYCLE_EOL):
                return _end_of_life(aws, None, f"{err.code}: {err.message}")
            return _not_in_region(aws, f"{err.code}: {err.message}")
        if err.code == "AccessDeniedException" and "not authorized to perform" in err.message:
            op = err.operation or "the control-plane call"
            return warned(f"this identity may not call bedrock:{op}, so model access cannot be read here "
                          f"({err.message}); it still needs {INVOKE_ACTION} on {aws.model.arn(aws.region.name)}",
                          fix="bedrock-model-access-denied", params=fix_params(aws), error_code=err.code)
        if err.code == "AccessDeniedException" and classify(err).fix == "bedrock-model-access-denied":
            return _denied(aws, f"AccessDeniedException: {err.message}")
        return refused(aws, err, f"reading model access for {where(aws)}")


# ---------------------------------------------------------------- 3. lifecycle


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def active_image_models(aws: Aws) -> list[str]:
    """ACTIVE image models on demand in the region (ListFoundationModels byOutputModality=IMAGE)."""
    answer = aws.call("bedrock", "list_foundation_models", byOutputModality="IMAGE")
    out = []
    for s in answer.get("modelSummaries") or []:
        life = (s.get("modelLifecycle") or {}).get("status")
        if life == "ACTIVE" and s.get("modelId") != aws.model.foundation_id and \
                "ON_DEMAND" in (s.get("inferenceTypesSupported") or ["ON_DEMAND"]):
            out.append(f"{s['modelId']} ({s.get('modelName') or s['modelId']})")
    return out


def _end_of_life(aws: Aws, end: datetime | None, answer: str = "") -> Result:
    """Past the end of life: the ACTIVE image models Bedrock lists in the region, else the shipped way out."""
    p = fix_params(aws)
    try:
        alternatives = active_image_models(aws)
    except AwsCallError as err:
        alternatives = []
        p["alternatives"] = f"{p['alternatives']} (from canvas-doctor's data: ListFoundationModels failed: {err})"
    if alternatives:
        p["alternatives"] = ", ".join(alternatives)
    known = image_model(aws.model.foundation_id)
    date = f"{end:%Y-%m-%d}" if end else (f"{known.lifecycle.end_of_life}" if known and known.lifecycle.end_of_life
                                          else None)
    if date:
        p["end_of_life"] = date
    said = f" (Bedrock: {answer})" if answer else ""
    offer = p["alternatives"] if alternatives else p["way_out"]
    return failed(f"{where(aws)} reached its end of life {'on ' + date if date else '(no date given)'}; every call "
                  f"fails{said}. Way out: {offer}", fix="bedrock-model-end-of-life", at=aws.model.line_of("model"),
                  params=p, end_of_life=date, alternatives=alternatives, model_id=aws.model.foundation_id)


@check(id=LIFECYCLE, area="bedrock", title="The image model is ACTIVE and callable on demand",
       needs=("aws",), depends_on=(CREDENTIALS,), timeout=30.0,
       fixes=(AWS_CREDENTIALS_MISSING, BEDROCK_INFERENCE_PROFILE_REQUIRED, BEDROCK_MODEL_ACCESS_DENIED, BEDROCK_MODEL_END_OF_LIFE, BEDROCK_REGION_UNSUPPORTED, BEDROCK_REQUEST_REJECTED, BEDROCK_SERVICE_ERROR, BEDROCK_THROTTLED, GENERATION_TIMEOUT, LITELLM_STREAM_KEY_REJECTED, BEDROCK_MODEL_LEGACY), image_path=True)
def model_lifecycle(aws):
    """modelLifecycle: LEGACY with an end-of-life date is a warning; past it, a failure."""
    if aws.model.not_bedrock:
        return skipped(aws.model.not_bedrock)
    try:
        details = aws.call("bedrock", "get_foundation_model",
                           modelIdentifier=aws.model.foundation_id).get("modelDetails") or {}
    except AwsCallError as err:
        if err.kind == "aws" and err.code in ("ResourceNotFoundException", "ValidationException"):
            return skipped(f"{where(aws)}: the model is not offered there (see {ACCESS})")
        if err.kind == "aws" and err.code == "AccessDeniedException" and "not authorized to perform" in err.message:
            return skipped(f"this identity may not call bedrock:GetFoundationModel ({err.message})")
        return refused(aws, err, f"reading the lifecycle of {where(aws)}")
    life = details.get("modelLifecycle") or {}
    status, end = life.get("status"), _when(life.get("endOfLifeTime"))
    data = {"lifecycle": status, "end_of_life": f"{end:%Y-%m-%d}" if end else None,
            "inference_types": details.get("inferenceTypesSupported"), "model_id": aws.model.foundation_id}
    today = aws.settings.today
    now = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    note = _shipped_data_note(aws, status, end, today)
    if note:
        data["shipped_data_wrong"] = note
    out: list[Result] = []
    if status == "LEGACY":
        if end is not None and end <= now:
            out.append(_end_of_life(aws, end))
        else:
            date = f"{end:%Y-%m-%d}" if end else "a date not yet published"
            out.append(warned(f"{where(aws)} is Legacy: its end of life is {date}; calls fail after it{note}",
                              fix="bedrock-model-legacy", at=aws.model.line_of("model"),
                              params=fix_params(aws, end_of_life=date), **data))
    types = details.get("inferenceTypesSupported") or []
    if types and "ON_DEMAND" not in types and not aws.model.uses_profile:
        p = fix_params(aws)
        out.append(failed(f"{where(aws)} cannot be invoked on demand by its model id (inferenceTypesSupported: "
                          f"{', '.join(types)}): call it through the inference profile {p['profile']}",
                          fix="bedrock-inference-profile-required", at=aws.model.line_of("model"), params=p, **data))
    return out or [passed(f"{where(aws)} is {status or 'listed'}, on demand{note}", **data)]


def _shipped_data_note(aws: Aws, status: str | None, end: datetime | None, today) -> str:
    """Where canvas-doctor's shipped lifecycle data disagrees with Bedrock's answer (which wins)."""
    known = image_model(aws.model.foundation_id)
    if known is None or status not in ("ACTIVE", "LEGACY"):
        return ""
    shipped_end = known.lifecycle.end_of_life
    live_end = end.date() if end else None
    if status == "ACTIVE" and known.status_on(today) != "active":
        return (f" (canvas-doctor's shipped data says {known.status_on(today)}"
                f"{', end of life ' + str(shipped_end) if shipped_end else ''}: Bedrock's answer wins)")
    if status == "LEGACY" and live_end and shipped_end and live_end != shipped_end:
        return f" (canvas-doctor's shipped data says end of life {shipped_end}; Bedrock says {live_end}, and wins)"
    return ""
