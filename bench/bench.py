"""Start-up and run-time figures for the README: `.venv/bin/python bench/bench.py`.

Each figure is the median of several runs of the real CLI in a subprocess (what a user waits for);
the first run of a row fills the registry's cache (~/.cache/canvas-doctor/registry), so the median
is a warm run, and one row measures the same run with the cache off.
The "sandbox" rows run against the bundled healthy sample stack served live: the project's Bedrock
emulator and two real LiteLLM 1.108.7 proxies on 127.0.0.1 (the same set-up as scripts/demo.sh).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test bed (tests/testbed)
from large_stack import write_large_stack  # noqa: E402
HEALTHY = REPO / "fixtures" / "stacks" / "healthy"
CLI = [sys.executable, "-m", "canvas_doctor"]
ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "NO_COLOR": "1",
       "AWS_EC2_METADATA_DISABLED": "true"}
NOVA_LATENCY = 2.0  # seconds the emulator takes per image in the "with generation" row


def timed(args: list[str], runs: int = 11, env: dict[str, str] | None = None) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(CLI + args, capture_output=True, env=env or ENV)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def interleaved(args: list[str], variants: dict[str, dict[str, str]], runs: int = 25) -> dict[str, list[float]]:
    """The same command under each environment, alternating run by run (this machine's speed drifts
    over a minute, so back-to-back series are not comparable): sorted samples in ms per variant."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, env in variants.items():
            t0 = time.perf_counter()
            subprocess.run(CLI + args, capture_output=True, env=env)
            samples[name].append((time.perf_counter() - t0) * 1000)
    return {name: sorted(v) for name, v in samples.items()}


def import_time(module: str) -> float:
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         capture_output=True, text=True).stderr.splitlines()
    last = [line for line in out if line.rstrip().endswith(f"| {module}")]
    return int(last[-1].split("|")[1]) / 1000 if last else float("nan")


def sandbox_rows() -> list[tuple[str, float]]:
    from canvas_doctor_emulator import BedrockEmulator
    from canvas_doctor_emulator.testing import NOVA_BEFORE_END_OF_LIFE
    from testbed.process import free_port
    from testbed.walkthrough import PROXIES, _copy_sample, _start

    out = Path(tempfile.mkdtemp(prefix="canvas-doctor-bench-"))
    project = out / "project"
    ports = {name: free_port() for name in PROXIES}
    rows = []
    # Rehearses the stack as it was before Nova Canvas's end of life (2026-09-30).
    with BedrockEmulator(region="us-east-1", lifecycle=NOVA_BEFORE_END_OF_LIFE) as emu:
        _copy_sample(project, emu.url, ports)
        proxies = {name: _start(project, name, ports[name], out) for name in PROXIES}
        try:
            for p in proxies.values():
                p.wait_ready()
            env = {**ENV, "AWS_ACCESS_KEY_ID": "AKIAEMULATOR00000000", "AWS_SECRET_ACCESS_KEY": "emulator-only"}
            base = ["--json", "--project", str(project), "--skip", "docker,openwebui", "--bedrock-endpoint", emu.url]
            rows.append(("sandbox: full run without generation (--no-live)", timed(base + ["--no-live"], 5, env)))
            rows.append(("sandbox: full run with generation (emulator 0 s)", timed(base, 5, env)))
            emu.set_model("amazon.nova-canvas-v1:0", latency_s=NOVA_LATENCY)
            with_latency = timed(base, 3, env)
            rows.append((f"sandbox: full run with generation (emulator {NOVA_LATENCY:g} s)", with_latency))
            rows.append(("  = the doctor's overhead over the emulator's latency", with_latency - NOVA_LATENCY * 1000))
        finally:
            for p in proxies.values():
                p.stop()
    return rows


def main() -> None:
    nothing = ["--json", "--project", str(HEALTHY), "--litellm-url", "http://127.0.0.1:9",
               "--litellm-image-url", "http://127.0.0.1:9", "--openwebui-url", "http://127.0.0.1:9"]
    rows = [
        ("canvas-doctor --help", timed(["--help"])),
        ("canvas-doctor --version", timed(["--version"])),
        ("offline run, healthy sample (--json)", timed(["--offline", "--json", "--project", str(HEALTHY)])),
        ("  the same, no registry cache (CANVAS_DOCTOR_NO_CACHE=1)",
         timed(["--offline", "--json", "--project", str(HEALTHY)], env={**ENV, "CANVAS_DOCTOR_NO_CACHE": "1"})),
        ("offline run, guide-as-written sample", timed(["--offline", "--project",
                                                        str(REPO / "fixtures/stacks/guide-as-written")])),
        ("offline run, large stack (20 services, 3 compose files, include)",
         timed(["--offline", "--json", "--project", str(write_large_stack(Path(tempfile.mkdtemp()) / "big"))])),
        ("full run, nothing listening, no Docker engine", timed(nothing, 3, {**ENV, "DOCKER_HOST": "tcp://127.0.0.1:1"})),
    ]
    if "--no-sandbox" not in sys.argv:
        rows += sandbox_rows()
    print(f"| {'what':56} | {'median ms':>9} |")
    print(f"|{'-' * 58}|{'-' * 11}|")
    for name, ms in rows:
        print(f"| {name:56} | {ms:9.0f} |")
    print()
    ab = interleaved(["--offline", "--json", "--project", str(HEALTHY)],
                     {"cache warm": ENV, "cache off": {**ENV, "CANVAS_DOCTOR_NO_CACHE": "1"}})
    print("Offline run of the healthy sample, interleaved, 25 runs each: " + "; ".join(
        f"{name} median {statistics.median(v):.0f} ms (p75 {v[len(v) * 3 // 4]:.0f})" for name, v in ab.items()))
    print("Import cost that start-up avoids (ms): "
          + ", ".join(f"{m} {import_time(m):.0f}" for m in ("boto3", "docker", "httpx", "rich")))


if __name__ == "__main__":
    main()
