"""Helpers of the live LiteLLM tests: the stacks the session fixtures (conftest.py) start, and the
doctor run against them. Test modules import what they use: `from litellm_fixtures import ...`.

Two real LiteLLM 1.108.7 proxies per session at most, both calling the in-process Bedrock emulator:
- healthy: the healthy sample's image models (nova-canvas, titan-image), production-like settings.
- faults: one deployment per config fault of the guide, plus a plain nova-canvas for the faults the
  emulator makes (403, 429, 404, 408, on-demand). Cooldowns off and no retries there, so one
  test's Bedrock error does not park the model for the next test, and each answer comes at once.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canvas_doctor_emulator import BedrockEmulator
from testbed.litellm import Deployment, LiteLLMProxy, ProxySpec, start_litellm
from testbed.process import free_port
from testbed.project import Project, ProjectSpec, write_project
from helpers import PRE_EOL

REPO = Path(__file__).resolve().parents[2]
NOVA = "amazon.nova-canvas-v1:0"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

HEALTHY_SPEC = ProxySpec([
    Deployment("nova-canvas", "bedrock/amazon.nova-canvas-v1:0"),
    Deployment("titan-image", "bedrock/amazon.titan-image-generator-v2:0"),
])

# The faults proxy: its Bedrock key lives in BEDROCK_API_KEY, so a deployment without `api_key`
# really has no credentials (no AWS_BEARER_TOKEN_BEDROCK, no ~/.aws, no instance metadata).
FAULTS_SPEC = ProxySpec(
    [
        Deployment("nova-canvas", params={"drop_params": True}),
        Deployment("nova-stream", params={"drop_params": True, "stream": False}),          # the guide's Issue 1
        Deployment("nova-apibase", params={"drop_params": True, "api_base": "bedrock-runtime"},
                   to_emulator=False),                                                     # the guide's api_base
        Deployment("nova-nodrop"),                                                         # no drop_params
        Deployment("nova-nocreds", params={"drop_params": True}, credentials=False),
        Deployment("nova-short-timeout", params={"drop_params": True, "timeout": 1}),
    ],
    key_var="BEDROCK_API_KEY",
    drop_params=None,
    router_settings={"disable_cooldowns": True, "num_retries": 0},
)


@dataclass
class LiveStack:
    """A running proxy and the project folder that describes it."""

    name: str
    project: Project
    proxy: LiteLLMProxy
    spec: ProxySpec
    emulator: BedrockEmulator

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def key(self) -> str:
        return self.spec.master_key

    def flags(self, *, key: str | None = None, project: Path | None = None) -> list[str]:
        return ["--project", str(project or self.project.root), "--litellm-url", self.url,
                "--litellm-image-url", self.url, "--litellm-key", key or self.key]


def start_stack(name: str, root: Path, spec: ProxySpec, emulator: BedrockEmulator,
                openwebui_env: dict[str, str | None] | None = None) -> LiveStack:
    """Write the project folder and start its proxy on the port the compose file publishes."""
    port = free_port()
    project = write_project(root, ProjectSpec(spec.config_text(emulator.url), spec.environment(), host_port=port,
                                              openwebui_env=openwebui_env or {}))
    proxy = start_litellm(project.config, spec.environment(), port=port, log_path=root.parent / f"{name}.litellm.log")
    return LiveStack(name, project, proxy, spec, emulator)


def copy_project(stack: LiveStack, root: Path, *, config_text: str | None = None,
                 openwebui_env: dict[str, str | None] | None = None, image_model: str = "nova-canvas",
                 image_size: str = "512x512") -> Project:
    """Another project folder for the same running proxy (a changed file, other Open WebUI settings)."""
    return write_project(root, ProjectSpec(config_text or stack.project.config.read_text(), stack.spec.environment(),
                                           host_port=stack.proxy.port, openwebui_env=openwebui_env or {},
                                           image_model=image_model, image_size=image_size))


@dataclass
class Run:
    """What the real CLI printed and returned, and how long it took."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    args: list[str] = field(default_factory=list)

    @property
    def json(self) -> dict[str, Any]:
        try:
            return json.loads(self.stdout)
        except ValueError:
            raise AssertionError(f"not JSON (exit {self.code}):\n{self.stdout[-2000:]}\n{self.stderr[-2000:]}") from None

    def results(self, check: str) -> list[dict[str, Any]]:
        return [r for r in self.json["results"] if r["check"] == check]

    def one(self, check: str) -> dict[str, Any]:
        found = self.results(check)
        assert len(found) == 1, f"{check}: {len(found)} results\n{self.explain()}"
        return found[0]

    def fix(self, check: str) -> str | None:
        r = self.one(check)
        return r["fix"]["id"] if r["fix"] else None

    def explain(self) -> str:
        """Every result in one line each: what an assertion message should show."""
        try:
            rows = self.json["results"]
        except AssertionError as exc:
            return str(exc)
        return "\n".join(f"{r['status']:5} {r['check']}: {r['message']}" + (f" [{r['fix']['id']}]" if r["fix"] else "")
                         for r in rows) + f"\n(exit {self.code}, {self.seconds:.1f} s)\n{self.stderr[-1500:]}"


def user_env(**extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    # The emulator rehearses Nova Canvas before its end of life (NOVA_BEFORE_END_OF_LIFE): the doctor's clock
    # is set to match (helpers.PRE_EOL); tests of today's Bedrock set their own day.
    env.update({"AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1", "CANVAS_DOCTOR_TODAY": PRE_EOL})
    env.update(extra)
    return env


def doctor(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> Run:
    """`canvas-doctor ARGS` in a subprocess, as a user or CI would run it."""
    cmd = [sys.executable, "-m", "canvas_doctor", *args]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env or user_env(), cwd=REPO, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0, list(args))


def live(stack: LiveStack, *extra: str, model: str | None = None, only: str = "litellm,generate",
         key: str | None = None, project: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """The doctor on a test stack: JSON, the live areas only, pointed at the stack's proxy."""
    args = ["--json", *stack.flags(key=key, project=project), "--only", only, *extra]
    if model:
        args += ["--model", model]
    return doctor(*args, env=env)
