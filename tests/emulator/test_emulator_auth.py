"""Authentication: SigV4, Bedrock API keys (Bearer), missing or unknown credentials."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError

from emulator_fixtures import aws_env, emu  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import DUMMY_API_KEY, NOVA, NOVA_BEFORE_END_OF_LIFE, boto_client, error_of, invoke, nova_body


def _post(url: str, headers: dict) -> urllib.error.HTTPError:
    req = urllib.request.Request(f"{url}/model/{NOVA}/invoke", data=nova_body().encode(), method="POST",
                                 headers=headers)  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=5)
    return exc.value


def test_no_authorization_header(emu):
    err = _post(emu.url, {"Content-Type": "application/json"})
    assert err.code == 403
    assert err.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(err.read()) == {"message": "Missing Authentication Token"}
    assert emu.requests[-1].auth is None
    assert emu.requests[-1].error_code == "MissingAuthenticationTokenException"


def test_unsigned_boto3_request(emu):
    import boto3

    rt = boto3.client("bedrock-runtime", endpoint_url=emu.url, region_name="us-east-1",
                      config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))  # fmt: skip
    with pytest.raises(ClientError) as exc:
        invoke(rt, NOVA, nova_body())
    assert error_of(exc) == ("MissingAuthenticationTokenException", 403, "Missing Authentication Token")


def test_unknown_access_key_id():
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(valid_keys={"AKIAGOODKEY"}, lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        with pytest.raises(ClientError) as exc:
            invoke(boto_client("bedrock-runtime", e), NOVA, nova_body())
        assert error_of(exc) == (
            "UnrecognizedClientException",
            403,
            "The security token included in the request is invalid.",
        )
        good = boto_client("bedrock-runtime", e, aws_access_key_id="AKIAGOODKEY", aws_secret_access_key="x")
        assert invoke(good, NOVA, nova_body(width=320, height=320))["images"]


def test_credential_scoped_to_another_region(emu):
    rt = boto_client("bedrock-runtime", emu, region="eu-west-1")
    with pytest.raises(ClientError) as exc:
        invoke(rt, NOVA, nova_body())
    assert error_of(exc) == ("InvalidSignatureException", 403, "Credential should be scoped to a valid region. ")


def test_follow_signed_region_serves_every_region():
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(region="us-east-1", follow_signed_region=True, lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        ok = boto_client("bedrock-runtime", e, region="eu-west-1")
        assert invoke(ok, NOVA, nova_body(width=320, height=320))["images"]
        assert e.requests[-1].auth_region == "eu-west-1"
        rt = boto_client("bedrock-runtime", e, region="us-west-2")
        with pytest.raises(ClientError) as exc:
            invoke(rt, NOVA, nova_body())
        assert error_of(exc) == ("ValidationException", 400, "The provided model identifier is invalid.")


def test_bedrock_api_key_from_the_environment(monkeypatch):
    """botocore >= 1.39 signs bedrock-runtime and bedrock with AWS_BEARER_TOKEN_BEDROCK, only over HTTPS."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", DUMMY_API_KEY)
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(tls=True, lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        assert e.url.startswith("https://127.0.0.1:")
        out = invoke(boto_client("bedrock-runtime", e), NOVA, nova_body(width=320, height=320))
        assert out["images"]
        assert boto_client("bedrock", e).list_foundation_models()["modelSummaries"]
        assert [(r.operation, r.auth, r.auth_region) for r in e.requests] == [
            ("InvokeModel", "bearer", None),
            ("ListFoundationModels", "bearer", None),
        ]
        dump = json.dumps([r.to_dict() for r in e.requests])
        assert DUMMY_API_KEY not in dump
        # A Bedrock API key does not sign STS: GetCallerIdentity fails with the key alone.
        with pytest.raises(NoCredentialsError):
            boto_client("sts", e).get_caller_identity()


def test_bearer_key_format_and_valid_keys(emu):
    err = _post(emu.url, {"Authorization": "Bearer sk-openai-key"})
    assert err.code == 403
    assert json.loads(err.read()) == {"Message": "Invalid API Key format: Must start with pre-defined prefix"}
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(valid_keys={DUMMY_API_KEY}, lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        err = _post(e.url, {"Authorization": "Bearer ABSKsomeotherkey"})
        assert err.code == 403
        assert json.loads(err.read()) == {"Message": "Authentication failed: Please make sure your API Key is valid."}
        req = urllib.request.Request(f"{e.url}/model/{NOVA}/invoke", data=nova_body(width=320, height=320).encode(),
                                     method="POST", headers={"Authorization": f"Bearer {DUMMY_API_KEY}"})  # fmt: skip
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200 and json.loads(resp.read())["images"]


def test_sts_get_caller_identity_with_sigv4(emu):
    ident = boto_client("sts", emu).get_caller_identity()
    assert ident["Account"] == "123456789012"
    assert ident["Arn"].startswith("arn:aws:iam::123456789012:")
    assert emu.requests[-1].operation == "GetCallerIdentity"


def test_unknown_route(emu):
    err = _post(emu.url + "/bedrock", {"Authorization": f"Bearer {DUMMY_API_KEY}"})
    assert err.code == 404
    assert err.headers["x-amzn-ErrorType"] == "UnknownOperationException"
