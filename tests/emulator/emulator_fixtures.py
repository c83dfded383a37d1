"""Fixtures for the Bedrock emulator tests: a started emulator and real boto3 clients on it.

Only loopback traffic; dummy credentials; no instance metadata lookups. Each test module imports
them (`from emulator_fixtures import aws_env, emu, ...`): this folder has no conftest.py, because a
second module named `conftest` would shadow tests/conftest.py, which other tests import by name."""

from __future__ import annotations

import pytest

from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import DUMMY_ENV, NOVA_BEFORE_END_OF_LIFE, boto_client

_CLEARED = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL_STS", "AWS_CA_BUNDLE", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)  # fmt: skip


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    """Dummy SigV4 credentials only; nothing from the machine's AWS config."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in DUMMY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def emu():
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(region="us-east-1", lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        yield e


@pytest.fixture
def runtime(emu):
    return boto_client("bedrock-runtime", emu)


@pytest.fixture
def bedrock(emu):
    return boto_client("bedrock", emu)
