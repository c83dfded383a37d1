"""The README's first command (`bash scripts/demo.sh`) runs this walkthrough: it must stay true.

The bundled healthy sample stack, served by the Bedrock emulator and two real LiteLLM proxies,
is all green with a real PNG saved; the guide's `stream: false` is then found in the file and in
Bedrock's own answer.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from canvas_doctor.png_check import png_info
from helpers import REPO, clean_env


@pytest.mark.services
def test_walkthrough_green_then_the_guides_stream_false_diagnosed(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    proc = subprocess.run([sys.executable, "-m", "canvas_doctor.testbed.walkthrough", str(out)],
                          capture_output=True, text=True, env=clean_env(), cwd=REPO, timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text[-3000:]
    assert "(exit 0; the generated image is" in text and "(exit 1)" in text
    info = png_info((out / "nova-canvas.png").read_bytes())
    assert (info.width, info.height) == (1024, 1024)  # the sample's IMAGE_SIZE
    assert "[litellm-stream-key-rejected]" in text
    assert "extraneous key [stream] is not permitted" in text
    assert "Bedrock works; the proxy is at fault" in text
    assert "Traceback" not in text
