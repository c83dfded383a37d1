"""Start-up and run-time figures for the README: `python bench/bench.py`.

Each figure is the median of several runs of the real CLI in a subprocess (what a user waits for).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEALTHY = REPO / "fixtures" / "stacks" / "healthy"
CLI = [sys.executable, "-m", "canvas_doctor"]


def timed(args: list[str], runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(CLI + args, capture_output=True, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1",
                                                             "AWS_EC2_METADATA_DISABLED": "true"})
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def import_time(module: str) -> float:
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         capture_output=True, text=True).stderr.splitlines()
    last = [line for line in out if line.rstrip().endswith(f"| {module}")]
    return int(last[-1].split("|")[1]) / 1000 if last else float("nan")


def main() -> None:
    rows = [
        ("canvas-doctor --help", timed(["--help"])),
        ("canvas-doctor --version", timed(["--version"])),
        ("offline run, healthy sample (--json)", timed(["--offline", "--json", "--project", str(HEALTHY)])),
        ("offline run, guide-as-written sample", timed(["--offline", "--project", str(REPO / "fixtures/stacks/guide-as-written")])),
        ("full run, nothing listening (--no-live)", timed(["--no-live", "--json", "--project", str(HEALTHY),
                                                            "--litellm-url", "http://127.0.0.1:9",
                                                            "--litellm-image-url", "http://127.0.0.1:9",
                                                            "--openwebui-url", "http://127.0.0.1:9"], runs=3)),
    ]
    print(f"{'what':48} {'median ms':>10}")
    for name, ms in rows:
        print(f"{name:48} {ms:10.0f}")
    print()
    print("import cost of what start-up avoids (ms):",
          ", ".join(f"{m} {import_time(m):.0f}" for m in ("boto3", "docker", "httpx", "rich")))


if __name__ == "__main__":
    main()
