"""The README's first command (`bash scripts/demo.sh`) runs this walkthrough: it must stay true.

The guide's Nova Canvas stack (fixtures/pre-eol/healthy-nova-canvas), served by the Bedrock emulator
as Bedrock is today and two real LiteLLM 1.108.7 proxies, is diagnosed as past its end of life, in
the files and in Bedrock's own answers; `canvas-doctor fix --yes` moves it to Stable Image Core in
us-west-2, and it then runs green with a real PNG saved.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from canvas_doctor.png_check import png_info
from helpers import REPO, TODAY, clean_env

from testbed import versions


@pytest.mark.services
def test_walkthrough_the_guides_dead_model_diagnosed_fixed_then_green(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    # The test bed lives under tests/ (as scripts/demo.sh runs it); the versions in play go along.
    env = clean_env(CANVAS_DOCTOR_TODAY=TODAY, PYTHONPATH=str(REPO / "tests"), **versions.environment())
    proc = subprocess.run([sys.executable, "-m", "testbed.walkthrough", str(out)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text[-3000:]
    broken, _, after = text.partition("$ canvas-doctor fix --yes")
    # As of today: the files, the control plane and the generation through LiteLLM all say end of life.
    assert "[bedrock-model-end-of-life]" in broken and "(exit 1)" in broken
    assert "Nova Canvas (amazon.nova-canvas-v1:0) reached its end of life on 2026-09-30" in broken
    assert "Titan Image Generator v2 (amazon.titan-image-generator-v2:0) reached its end of life on 2026-06-30" in broken
    assert "amazon.nova-canvas-v1:0 in us-east-1 reached its end of life on 2026-09-30" in broken
    assert "Way out: stability.stable-image-core-v1:1 (Stable Image Core; $0.04 an image, the same as Nova Canvas) " \
           "in us-west-2" in broken
    assert "the generation failed" in broken and "Nova Canvas reached its end of life" in broken
    # The fix, then green with a real image at the model's own size.
    assert "+    model: bedrock/stability.stable-image-core-v1:1\n" in after
    assert "+                  - arn:aws:bedrock:us-west-2::foundation-model/stability.stable-image-core-v1:1\n" in after
    assert "Checked again (config checks, offline): 2 fixed, 0 remaining." in after
    assert "(exit 0; the generated image is" in after
    assert "stable-image-core: a 1024x1024 PNG" in after
    info = png_info((out / "stable-image-core.png").read_bytes())
    assert (info.width, info.height) == (1024, 1024)
    assert "Traceback" not in text
