"""pytest fixtures shared by every test folder. Helpers live in tests/helpers.py (a unique module
name: every folder may have its own conftest.py, so none may be imported as `conftest`)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"  # boto3 must never wait on the instance-metadata address

from helpers import run_cli  # noqa: E402
from testbed.versions import litellm_version, openwebui_version  # noqa: E402


@pytest.fixture
def cli():
    return run_cli


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("canvas-doctor test bed")
    group.addoption("--litellm-version", default=None,
                    help="LiteLLM release the live tests run (CANVAS_DOCTOR_LITELLM_VERSION; default 1.108.7)")
    group.addoption("--openwebui-version", default=None,
                    help="Open WebUI release the live tests run (CANVAS_DOCTOR_OPENWEBUI_VERSION; default 0.12.4)")


def pytest_configure(config: pytest.Config) -> None:
    """The options win over the environment; testbed.versions reads the environment at call time."""
    for option, var in (("--litellm-version", "CANVAS_DOCTOR_LITELLM_VERSION"),
                        ("--openwebui-version", "CANVAS_DOCTOR_OPENWEBUI_VERSION")):
        value = config.getoption(option)
        if value:
            os.environ[var] = value


def pytest_report_header(config: pytest.Config) -> str:
    return f"test bed: LiteLLM {litellm_version()}, Open WebUI {openwebui_version()}"
