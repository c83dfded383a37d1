"""The one table from error text to fix id (canvas_doctor.error_signatures), read on its three paths:
an answer of the LiteLLM proxy (litellm_errors.diagnose), Bedrock's own answer (aws_client.classify)
and a log line (checks.docker_logs.scan). Every row's texts give its fix on each path it claims,
and a row claimed for one path does not fire on another."""
from __future__ import annotations

import pytest

from canvas_doctor.aws_client import AwsCallError, classify
from canvas_doctor.checks import docker_stack
from canvas_doctor.checks.docker_logs import SIGNATURES, scan
from canvas_doctor.error_signatures import (
    ANSWER_SIGNATURES,
    BEDROCK,
    BEDROCK_ANSWER,
    LITELLM,
    LOG_FIXES,
    LOG_LINE,
    LOG_SIGNATURES,
    OPENWEBUI,
    PROXY,
    PROXY_ANSWER,
    ROWS,
    ErrorSignature,
)
from canvas_doctor.fixes import catalog
from canvas_doctor.litellm_errors import diagnose

ROLES = (LITELLM, OPENWEBUI)


def _text(needle: str | tuple[str, ...]) -> str:
    return needle if isinstance(needle, str) else " and it is ".join(needle)


def _proxy_answer(row: ErrorSignature, text: str) -> str:
    """The message as LiteLLM 1.108.7 words it: Bedrock's text after "BedrockException - ", or its own."""
    if row.side == BEDROCK:
        return f'litellm.BadRequestError: BedrockException - {{"message": "{text}"}}'
    return f"litellm.BadRequestError: {text}"


def _cases(path: str) -> list[tuple[ErrorSignature, str]]:
    return [(r, _text(n)) for r in ROWS if path in r.paths for n in r.answer]


def _case_id(case: tuple[ErrorSignature, str]) -> str:
    return f"{case[0].fix}:{case[1][:40]}"


def test_every_row_gives_a_fix_of_the_catalog_and_a_source() -> None:
    known = set(catalog())
    assert {r.fix for r in ROWS} - known == set()
    assert all(r.source for r in ROWS)
    assert (LITELLM, OPENWEBUI) == (docker_stack.LITELLM, docker_stack.OPENWEBUI)


def test_the_log_view_keeps_the_shape_and_precedence_of_0_1_0() -> None:
    """docker_logs.SIGNATURES (also read by the CloudWatch log check): text, fix, meaning, roles, in order."""
    assert SIGNATURES is LOG_SIGNATURES
    assert [(s.text, s.fix) for s in SIGNATURES] == [
        ("Invalid model name passed in model=", "litellm-model-not-found"),
        ("extraneous key", "litellm-stream-key-rejected"),
        ("No connected db", "openwebui-api-key-mismatch"),
        ("Unable to locate credentials", "aws-credentials-missing"),
        ("Invalid Authentication", "aws-credentials-missing"),
        ("The security token included in the request is invalid", "aws-credentials-missing"),
        ("UnsafeMasterKeyError", "litellm-master-key-unsafe"),
        ("LiteLLM proxy refused to start", "litellm-master-key-unsafe"),
        ("AccessDeniedException", "bedrock-model-access-denied"),
        ("You don't have access to the model", "bedrock-model-access-denied"),
        ("ThrottlingException", "bedrock-throttled"),
        ("on-demand throughput isn", "bedrock-inference-profile-required"),
        ("required key [messages] not found", "image-model-in-chat"),
        ("ModelTimeoutException", "generation-timeout"),
        ("Request URL is missing an 'http://' or 'https://' protocol", "litellm-api-base-invalid"),
    ]
    assert {s.text: s.roles for s in SIGNATURES if s.roles != ROLES} == {
        "Invalid model name passed in model=": (LITELLM,), "UnsafeMasterKeyError": (LITELLM,),
        "LiteLLM proxy refused to start": (LITELLM,),
        "Request URL is missing an 'http://' or 'https://' protocol": (LITELLM,)}
    assert LOG_FIXES == tuple(dict.fromkeys(s.fix for s in SIGNATURES))


# -- the proxy's answers ------------------------------------------------------------------------

@pytest.mark.parametrize("case", _cases(PROXY_ANSWER), ids=_case_id)
def test_each_answer_text_gives_its_row_on_the_proxy_path(case: tuple[ErrorSignature, str]) -> None:
    row, text = case
    for written in (text, text.upper()):  # an answer is read case-insensitively
        d = diagnose(418, _proxy_answer(row, written))
        assert d.signature is row, f"{written!r} gave {d}"
        assert (d.side, d.fix, d.summary) == (row.side, row.fix, row.summary.format(tried=""))


@pytest.mark.parametrize("row", [r for r in ANSWER_SIGNATURES if r.bedrock_status], ids=lambda r: r.fix)
def test_a_bedrock_status_counts_only_when_bedrock_answered(row: ErrorSignature) -> None:
    status = next(iter(row.bedrock_status))
    d = diagnose(status, 'litellm.APIError: BedrockException - {"message": "nothing the table knows"}')
    assert d.signature is row and d.fix == row.fix
    plain = diagnose(status, "litellm.APIError: nothing the table knows")  # the proxy's own status
    assert plain.signature is None and plain.side == PROXY
    assert plain.fix == ("generation-timeout" if status == 408 else "litellm-unhealthy")


def test_answer_precedence_where_real_messages_hold_two_rows() -> None:
    """Texts LiteLLM 1.108.7 prints that two rows know: the earlier row wins."""
    creds = diagnose(401, "litellm.AuthenticationError: BedrockException Invalid Authentication - "
                          "Unable to locate credentials")
    assert (creds.side, creds.fix) == (PROXY, "aws-credentials-missing")
    stream = diagnose(400, 'litellm.BadRequestError: BedrockException - {"message": "ValidationException: '
                           'extraneous key [stream] is not permitted"}')
    assert stream.fix == "litellm-stream-key-rejected"
    model_id = diagnose(400, 'BedrockException - {"message": "ValidationException: The provided model '
                             'identifier is invalid."}')
    assert model_id.fix == "bedrock-region-unsupported"


def test_the_special_rules_in_code() -> None:
    assert diagnose(401, "").fix == "openwebui-api-key-mismatch"
    assert diagnose(401, "litellm.AuthenticationError: BedrockException - nothing known").fix != \
        "openwebui-api-key-mismatch"  # a 401 that names Bedrock is Bedrock's
    bare = diagnose(500, "Internal Server Error", "text/plain; charset=utf-8")
    assert (bare.fix, bare.side) == ("openwebui-api-key-mismatch", PROXY)
    assert diagnose(500, "Internal Server Error").fix == "litellm-unhealthy"  # JSON: not the bare 500
    url = diagnose(500, "litellm.APIConnectionError: APIConnectionError: "
                        "/bedrock-runtime/model/amazon.nova-canvas-v1:0/invoke")
    assert url.fix == "litellm-api-base-invalid"
    assert url.summary.endswith("(LiteLLM tried to post to '/bedrock-runtime/model/amazon.nova-canvas-v1:0/invoke')")
    assert url.detail == "httpx InvalidURL: a URL needs http:// or https:// and a host"


# -- Bedrock's own answers ----------------------------------------------------------------------

@pytest.mark.parametrize("case", _cases(PROXY_ANSWER), ids=_case_id)
def test_bedrock_path_gives_a_row_only_when_the_row_claims_it(case: tuple[ErrorSignature, str]) -> None:
    row, text = case
    fault = classify(AwsCallError("aws", text, code="UnlistedError", status=418))
    if BEDROCK_ANSWER in row.paths:
        assert fault.fix == row.fix and fault.summary == row.summary.format(tried="")
    else:  # an answer only a proxy gives
        assert fault.fix == "bedrock-service-error"
        assert fault.summary == "Bedrock answered UnlistedError"


def test_bedrock_error_codes_come_before_the_message() -> None:
    fault = classify(AwsCallError("aws", "Invalid model name passed", code="ThrottlingException", status=400))
    assert fault.fix == "bedrock-throttled"


# -- log lines ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sig", LOG_SIGNATURES, ids=lambda s: f"{s.fix}:{s.text[:40]}")
def test_each_log_text_gives_its_row_for_its_roles_only(sig) -> None:
    line = f"12:00:01 - LiteLLM Proxy:ERROR: proxy_server.py:1234 - {sig.text} (more)"
    for role in ROLES:
        found = scan([line, line], role)
        if role in sig.roles:
            assert [(s.signature, s.count, s.column) for s in found] == [(sig, 2, line.index(sig.text))]
            assert LOG_LINE in sig.row.paths and sig.text in sig.row.log
        else:
            assert found == []
    assert all(s.signature is not sig for s in scan([line.replace(sig.text, sig.text.upper())], LITELLM)), \
        "a log line is read case-sensitively"


@pytest.mark.parametrize("case", [c for c in _cases(PROXY_ANSWER) if LOG_LINE not in c[0].paths], ids=_case_id)
def test_an_answer_only_text_fires_on_the_log_path_only_through_a_log_row(case) -> None:
    row, text = case
    for role in ROLES:
        for s in scan([_proxy_answer(row, text)], role):
            assert s.signature.text in _proxy_answer(row, text) and s.signature.row is not row
    if row.fix not in LOG_FIXES:
        assert all(s.signature.fix != row.fix for role in ROLES for s in scan([_proxy_answer(row, text)], role))


@pytest.mark.parametrize("row", [r for r in ROWS if PROXY_ANSWER not in r.paths], ids=lambda r: r.fix)
def test_a_log_only_text_fires_on_the_answer_paths_only_through_an_answer_row(row: ErrorSignature) -> None:
    for text in row.log:
        for d in (diagnose(400, _proxy_answer(row, text)),
                  diagnose(400, text, from_bedrock=True)):
            assert d.signature is not row
            if d.fix == row.fix:  # another row of the same fix whose answer text is there
                assert d.signature is not None and any(_text(n).lower() in text.lower() for n in d.signature.answer)
        assert classify(AwsCallError("aws", text, code="UnlistedError", status=418)).fix != row.fix or \
            any(_text(n).lower() in text.lower() for r in ANSWER_SIGNATURES if r.fix == row.fix for n in r.answer)


# -- the table refuses a row that does not say where it applies -----------------------------------

@pytest.mark.parametrize("kwargs, problem", [
    ({"paths": (PROXY_ANSWER,), "summary": "s", "answer": ("x",), "log": ("x",), "log_meaning": "m"}, "log row"),
    ({"paths": (LOG_LINE,), "log": ("x",), "log_meaning": "m", "answer": ("x",), "summary": "s"}, "answer row"),
    ({"paths": (BEDROCK_ANSWER,), "summary": "s", "answer": ("x",)}, "claim PROXY_ANSWER"),
    ({"paths": (PROXY_ANSWER,), "summary": "{model} failed", "answer": ("x",)}, "other than {tried}"),
    ({"paths": (LOG_LINE,), "log": ("x",), "log_meaning": "m", "log_roles": ("nginx",)}, "log_roles"),
])
def test_a_row_that_contradicts_its_paths_is_refused_at_import(kwargs: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ErrorSignature("some-fix", PROXY, source="test", **kwargs)
