"""A whole local stack to try the doctor on: the Bedrock emulator, a real LiteLLM proxy, a project folder.

    python -m canvas_doctor.testbed.demo [DIR]
    # then, in another terminal, the command it prints, e.g.
    canvas-doctor --project DIR/project --save-image /tmp/nova.png

Nothing leaves the machine: Bedrock is the emulator on 127.0.0.1, the keys are test values.
Ctrl-C stops everything.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..emulator import BedrockEmulator
from .litellm import Deployment, ProxySpec, start_litellm
from .process import free_port, interrupt_on_sigterm
from .project import ProjectSpec, write_project

DEMO_SPEC = ProxySpec([
    Deployment("nova-canvas", "bedrock/amazon.nova-canvas-v1:0"),
    Deployment("titan-image", "bedrock/amazon.titan-image-generator-v2:0"),
])


def main(argv: list[str]) -> int:
    interrupt_on_sigterm()
    base = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="canvas-doctor-demo-"))
    emu = BedrockEmulator(region="us-east-1").start()
    port = free_port()
    project = write_project(base / "project", ProjectSpec(DEMO_SPEC.config_text(emu.url), DEMO_SPEC.environment(),
                                                          host_port=port))
    print(f"Bedrock emulator at {emu.url}; starting LiteLLM on port {port} ...", flush=True)
    proxy = start_litellm(project.config, DEMO_SPEC.environment(), port=port, log_path=base / "litellm.log")
    print(f"LiteLLM at {proxy.url} (log {proxy.log_path})\n\nTry:\n"
          f"  canvas-doctor --project {project.root}\n"
          f"  canvas-doctor --project {project.root} --save-image /tmp/nova.png\n"
          f"Break it: edit {project.config} (add `stream: false` to nova-canvas) and run again.\n"
          "Ctrl-C stops the demo.", flush=True)
    try:
        assert proxy.process is not None
        proxy.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
