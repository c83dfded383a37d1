"""Fixtures of the Bedrock tests (helpers are in bedrock_helpers.py): a fresh emulator per test and a
home folder without any AWS setup."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bedrock_helpers import SIGV4, aws_env  # noqa: E402
from canvas_doctor_emulator import BedrockEmulator  # noqa: E402
from canvas_doctor_emulator.testing import NOVA_BEFORE_END_OF_LIFE  # noqa: E402


@pytest.fixture
def emu() -> Iterator[BedrockEmulator]:
    """A Bedrock emulator in us-east-1 (Nova Canvas, Titan Image ... from its catalog)."""
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(region="us-east-1", lifecycle=NOVA_BEFORE_END_OF_LIFE) as e:
        yield e


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Dummy SigV4 keys in the environment; nothing else from this machine's AWS setup."""
    return aws_env(tmp_path / "home", **SIGV4)


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """No AWS credentials of any kind."""
    return aws_env(tmp_path / "home")
