"""Shared test helpers (import with `from helpers import ...`): run the real CLI as a user would, and read what it printed."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "stacks"

# Tests talk to loopback only; boto3 must never wait on the instance-metadata address.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    def results(self, check: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        out = self.json["results"]
        return [r for r in out if (check is None or r["check"] == check) and (status is None or r["status"] == status)]

    def fix_ids(self, *statuses: str) -> set[str]:
        wanted = statuses or ("warn", "fail")
        return {r["fix"]["id"] for r in self.json["results"] if r["status"] in wanted and r["fix"]}


PRE_EOL = "2025-12-01"   # Nova Canvas and Titan Image v2 Active (fixtures/pre-eol/README.md)
TODAY = "2026-12-01"     # the day issue 9 describes: both past their end of life


def clean_env(**extra: str) -> dict[str, str]:
    """The environment a user would have, minus anything that would leak into Compose interpolation."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "DOCKER_HOST", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["NO_COLOR"] = "1"
    # The suite's world is before Nova Canvas's end of life (2026-09-30), so the tests of other faults
    # keep testing their own fault; the lifecycle tests set their day (TODAY) explicitly.
    env["CANVAS_DOCTOR_TODAY"] = PRE_EOL
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 120) -> CliRun:
    """Run `canvas-doctor ARGS` in a subprocess, exactly as a user or CI would."""
    proc = subprocess.run([sys.executable, "-m", "canvas_doctor", *args], capture_output=True, text=True,
                          env=env if env is not None else clean_env(), cwd=cwd or REPO, timeout=timeout)
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


def in_terminal(args: list[str], answers: list[tuple[bytes, str]], env: dict[str, str]) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, answering each prompt (trigger text -> answer) in turn."""
    import pty
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "canvas_doctor", *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=REPO, close_fds=True)
    os.close(slave)
    out, pending, seen, deadline = b"", list(answers), 0, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
                if pending and pending[0][0] in out[seen:]:
                    os.write(master, pending.pop(0)[1].encode() + b"\n")
                    seen = len(out)
            elif proc.poll() is not None:
                break
        return proc.wait(timeout=30), out.decode("utf-8", "replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
