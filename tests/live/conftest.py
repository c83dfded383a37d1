"""Session fixtures of the live tests: the Bedrock emulator and the real LiteLLM proxies.

Each proxy starts once per session (about 6-12 s, about 350 MB) and is shared by every test that
asks for it; the cached venv is built by tests/testbed/install-services.sh when missing. Helpers are
in litellm_fixtures.py (test modules import them from there).
"""
from __future__ import annotations

from typing import Iterator

import pytest

from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import NOVA_BEFORE_END_OF_LIFE
from litellm_fixtures import FAULTS_SPEC, HEALTHY_SPEC, NOVA, LiveStack, start_stack


@pytest.fixture(scope="session")
def emulator() -> Iterator[BedrockEmulator]:
    """One Bedrock emulator (us-east-1) on 127.0.0.1 for the whole session."""
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    emu = BedrockEmulator(region="us-east-1", lifecycle=NOVA_BEFORE_END_OF_LIFE).start()
    yield emu
    emu.stop()


@pytest.fixture
def bedrock(emulator: BedrockEmulator) -> Iterator[BedrockEmulator]:
    """The emulator for one test: Nova Canvas is back to normal afterwards, whatever the test set."""
    emulator.clear_requests()
    yield emulator
    emulator.reset_model(NOVA)


@pytest.fixture(scope="session")
def healthy_stack(emulator: BedrockEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    stack = start_stack("healthy", tmp_path_factory.mktemp("healthy") / "project", HEALTHY_SPEC, emulator)
    yield stack
    stack.proxy.stop()


@pytest.fixture(scope="session")
def faults_stack(emulator: BedrockEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    stack = start_stack("faults", tmp_path_factory.mktemp("faults") / "project", FAULTS_SPEC, emulator)
    yield stack
    stack.proxy.stop()
