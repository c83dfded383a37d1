"""bedrock.credentials through the real CLI: which source boto3 resolves, Bedrock API keys, refused
keys, and no credentials at all (fast)."""
from __future__ import annotations

import time

import pytest

from bedrock_helpers import SIGV4, aws_env, doctor, one, sts_error
from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import DUMMY_API_KEY, NOVA_BEFORE_END_OF_LIFE

CRED = "bedrock.credentials"


def test_environment_keys_are_named_verified_and_the_region_is_explained(emu, env):
    run = doctor(emu, env)
    r = one(run, CRED)
    assert r["status"] == "pass", r
    assert r["data"]["source"] == "env"
    assert r["data"]["bearer_token"] is False
    assert r["data"]["account"] == "123456789012"
    # The region comes from the image deployment, with its file:line.
    assert r["data"]["region"] == "us-east-1"
    assert "aws_region_name" in r["data"]["region_origin"]
    assert "litellm-image-config.yaml:7" in r["data"]["region_origin"]
    assert [q.operation for q in emu.requests if q.operation == "GetCallerIdentity"] == ["GetCallerIdentity"]
    assert SIGV4["AWS_SECRET_ACCESS_KEY"] not in run.stdout


def test_no_credentials_in_the_doctors_shell_is_said_as_such_and_skips_the_bedrock_checks(bare_env):
    """Issue 8 class 8: the doctor's own missing credentials are no fault of the stack (which is healthy)."""
    t0 = time.perf_counter()
    run = doctor(None, bare_env, only="bedrock,bedrock.generate")   # the paid call named too: skipped for want of keys
    wall = time.perf_counter() - t0
    r = one(run, CRED)
    print(f"\nno credentials: bedrock area {wall:.2f} s wall (CLI start included), check {r['duration_ms']} ms")
    assert run.code == 0, run.stdout
    assert r["status"] == "skip" and r["fix"] is None
    assert "no AWS credentials and no Bedrock API key in the shell running the doctor" in r["message"]
    assert "the doctor's own credentials, not the proxy's" in r["message"]
    assert "--profile NAME" in r["message"] and "AWS_BEARER_TOKEN_BEDROCK" in r["message"]
    assert "give the proxy" not in r["message"].lower()
    assert "instance metadata (disabled" in r["message"]
    assert r["duration_ms"] < 1000
    assert wall < 2.0
    others = [x for x in run.json["results"] if x["check"] != CRED]
    assert others and all(x["status"] == "skip" for x in others)
    assert all("bedrock.credentials" in x["message"] for x in others)
    assert not [x for x in run.json["results"] if x["status"] in ("warn", "fail")]


def test_a_profile_without_credentials_is_missing_too(tmp_path):
    """Through botocore's own chain (a config file exists, so the shortcut does not apply)."""
    env = aws_env(tmp_path / "home")
    (tmp_path / "home" / "aws-config").write_text("[default]\nregion = eu-west-1\n")
    t0 = time.perf_counter()
    run = doctor(None, env, project=tmp_path)
    wall = time.perf_counter() - t0
    r = one(run, CRED)
    print(f"\nno credentials, botocore's chain: {wall:.2f} s wall, check {r['duration_ms']} ms")
    assert r["status"] == "skip" and r["fix"] is None  # the doctor's own credentials: no stack fault
    # No stack here: the region is the profile's.
    assert r["data"]["region"] == "eu-west-1" and "profile" in r["data"]["region_origin"]
    assert r["duration_ms"] < 1500 and wall < 3.0


def test_a_profile_that_does_not_exist_is_named(bare_env):
    run = doctor(None, bare_env, "--profile", "no-such-profile")
    r = one(run, CRED)
    assert r["status"] == "skip" and r["fix"] is None  # the doctor's own credentials: no stack fault
    assert "no-such-profile" in r["message"]


def test_the_shared_credentials_file_is_named_as_the_source(emu, tmp_path):
    env = aws_env(tmp_path / "home")
    (tmp_path / "home" / "aws-credentials").write_text(
        "[canvas]\naws_access_key_id = testing\naws_secret_access_key = testing-secret-0123456789\n")
    run = doctor(emu, env, "--profile", "canvas")
    r = one(run, CRED)
    assert r["status"] == "pass", r
    assert r["data"]["source"] == "shared-credentials-file"
    assert "shared credentials file" in r["message"]
    assert r["data"]["profile"] == "canvas"


def test_keys_that_sts_refuses_are_told_apart_from_missing_ones(env):
    with BedrockEmulator(region="us-east-1", valid_keys={"AKIAOTHERKEY00000000"}) as e:
        run = doctor(e, env)
    r = one(run, CRED)
    assert r["status"] == "fail" and r["fix"]["id"] == "aws-credentials-missing"
    assert "are refused" in r["message"] and "InvalidClientTokenId" in r["message"]
    assert "does not know the access key" in r["message"]
    assert r["data"]["error_code"] == "InvalidClientTokenId"


def test_expired_session_credentials_are_named_as_expired(tmp_path):
    env = aws_env(tmp_path / "home", **SIGV4, AWS_SESSION_TOKEN="FwoGZXIvYXdzEXAMPLETOKEN0123456789")
    with sts_error("ExpiredToken", "The security token included in the request is expired") as sts:
        run = doctor(sts, env)
    r = one(run, CRED)
    assert r["status"] == "fail" and r["fix"]["id"] == "aws-credentials-missing"
    assert "have expired" in r["message"] and r["data"]["error_code"] == "ExpiredToken"
    assert "FwoGZXIvYXdzEXAMPLETOKEN0123456789" not in run.stdout


def test_a_bedrock_api_key_signs_bedrock_and_is_never_sent_to_sts(tmp_path):
    """botocore >= 1.39 sends AWS_BEARER_TOKEN_BEDROCK as a Bearer token, over HTTPS only."""
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(region="us-east-1", tls=True, lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        env = aws_env(tmp_path / "home", AWS_BEARER_TOKEN_BEDROCK=DUMMY_API_KEY, AWS_CA_BUNDLE=e.ca_file)
        run = doctor(e, env, only="bedrock,bedrock.generate")
        requests = e.requests
    r = one(run, CRED)
    assert r["status"] == "pass", r
    assert r["data"]["bearer_token"] is True and r["data"]["source"] is None
    assert "AWS_BEARER_TOKEN_BEDROCK" in r["message"] and "STS cannot verify" in r["message"]
    assert requests and all(q.auth == "bearer" for q in requests)
    assert "GetCallerIdentity" not in {q.operation for q in requests}
    assert one(run, "bedrock.model-access")["status"] == "pass"
    assert one(run, "bedrock.generate")["status"] == "pass"
    assert DUMMY_API_KEY not in run.stdout


def test_a_bedrock_api_key_that_bedrock_refuses(tmp_path):
    with BedrockEmulator(region="us-east-1", tls=True, valid_keys={"ABSKsomeotherkey0000000000"}) as e:
        env = aws_env(tmp_path / "home", AWS_BEARER_TOKEN_BEDROCK=DUMMY_API_KEY, AWS_CA_BUNDLE=e.ca_file)
        run = doctor(e, env)
    r = one(run, "bedrock.model-access")
    assert r["status"] == "fail" and r["fix"]["id"] == "aws-credentials-missing"
    assert "Please make sure your API Key is valid" in r["message"]


def test_an_expired_sso_session_is_told_apart_from_missing_credentials(tmp_path):
    env = aws_env(tmp_path / "home")
    (tmp_path / "home" / "aws-config").write_text(
        "[profile team]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n")
    run = doctor(None, env, "--profile", "team")
    r = one(run, CRED)
    assert r["status"] == "skip" and r["fix"] is None  # the doctor's own credentials: no stack fault
    assert r["message"].startswith("boto3 could not load the doctor's AWS credentials: ")
    assert "SSO" in r["message"] and "aws sso login --profile team" in r["message"]


def test_a_silent_instance_metadata_address_does_not_hold_the_run(tmp_path):
    """Metadata lookups on (AWS_EC2_METADATA_DISABLED unset), at an address that accepts and never answers."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = aws_env(tmp_path / "home")
        del env["AWS_EC2_METADATA_DISABLED"]
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
        t0 = time.perf_counter()
        run = doctor(None, env)
        wall = time.perf_counter() - t0
    r = one(run, CRED)
    print(f"\nsilent instance metadata: check {r['duration_ms']} ms, {wall:.2f} s wall")
    assert r["status"] == "skip" and r["fix"] is None  # the doctor's own credentials: no stack fault
    assert r["duration_ms"] < 3500 and wall < 5.0


def test_a_hung_credential_lookup_is_cut_at_the_budget(tmp_path):
    env = aws_env(tmp_path / "home")
    (tmp_path / "home" / "aws-config").write_text("[default]\ncredential_process = sleep 6\n")
    run = doctor(None, env)
    r = one(run, CRED)
    assert r["status"] == "skip" and r["fix"] is None  # the doctor's own credentials: no stack fault
    assert "did not finish within 3 s" in r["message"]
    assert 2900 <= r["duration_ms"] < 4500


def _black_hole():
    """A loopback address that never completes a TCP handshake (its one-slot backlog is taken)."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    filler = socket.create_connection(server.getsockname(), timeout=1)
    return server, filler


@pytest.mark.parametrize("with_config", [False, True], ids=["no-aws-files", "config-file"])
def test_a_black_holed_metadata_address_costs_a_short_probe_only(tmp_path, with_config):
    """Off EC2, 169.254.169.254 often drops packets: botocore alone would wait 2 x 1 s there."""
    server, filler = _black_hole()
    with server, filler:
        env = aws_env(tmp_path / "home")
        del env["AWS_EC2_METADATA_DISABLED"]
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:%d" % server.getsockname()[1]
        if with_config:
            (tmp_path / "home" / "aws-config").write_text("[default]\nregion = us-east-1\n")
        run = doctor(None, env)
    r = one(run, CRED)
    print(f"\nblack-holed instance metadata ({'config file' if with_config else 'no AWS files'}): "
          f"check {r['duration_ms']} ms")
    assert r["status"] == "skip" and r["fix"] is None  # the doctor's own credentials: no stack fault
    assert r["duration_ms"] < 1000


def test_with_a_bedrock_api_key_refused_sigv4_keys_are_only_a_warning(tmp_path):
    """Both set: STS judges the SigV4 keys, but Bedrock calls are signed with the API key."""
    with BedrockEmulator(region="us-east-1", tls=True, valid_keys={DUMMY_API_KEY}) as e:
        env = aws_env(tmp_path / "home", **SIGV4, AWS_BEARER_TOKEN_BEDROCK=DUMMY_API_KEY, AWS_CA_BUNDLE=e.ca_file)
        run = doctor(e, env, only="bedrock.credentials,bedrock.model-access")
        auth = {q.operation: q.auth for q in e.requests}
    r = one(run, CRED)
    assert r["status"] == "warn" and r["fix"]["id"] == "aws-credentials-missing"
    assert "InvalidClientTokenId" in r["message"] and "Bedrock calls use the Bedrock API key" in r["message"]
    assert one(run, "bedrock.model-access")["status"] == "pass"
    assert auth == {"GetCallerIdentity": "sigv4", "GetFoundationModelAvailability": "bearer"}
