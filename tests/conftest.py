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


@pytest.fixture
def cli():
    return run_cli
