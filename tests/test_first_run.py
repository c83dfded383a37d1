"""A first run that explains itself: the README's first command says what it installs before it
installs it, the set-up says how to reach the command, and the test bed's entry points parse their
arguments (`--help` prints the usage and runs nothing)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import REPO, clean_env


def _first_lines(cmd: list[str], env: dict[str, str], until: str, limit: float) -> tuple[list[str], float]:
    """Start `cmd`, read its stdout until a line containing `until` (or `limit` s), then stop it."""
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    t0 = time.monotonic()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if until in line or time.monotonic() - t0 > limit:
                break
        return lines, time.monotonic() - t0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_demo_says_what_it_installs_and_how_long_within_two_seconds(tmp_path: Path) -> None:
    """The first run of `bash scripts/demo.sh` (a fresh venv and cache): progress before any install."""
    env = clean_env(CANVAS_DOCTOR_VENV=str(tmp_path / "venv"), CANVAS_DOCTOR_CACHE=str(tmp_path / "cache"))
    lines, seconds = _first_lines(["bash", "scripts/demo.sh"], env, until="==> installing", limit=10)
    assert seconds < 2, (seconds, lines)
    assert lines[0].startswith("canvas-doctor demo: three steps, about 3-5 min the first time (two installs)")
    step = lines[-1]
    assert step.startswith(f"==> installing canvas-doctor, its test tools and the Bedrock emulator into {tmp_path}/venv")
    assert "(about 60 s and 370 MB the first time) ..." in step


def test_set_up_again_is_quick_and_says_how_to_reach_the_command(tmp_path: Path) -> None:
    """An installed venv (its stamp newer than both pyproject.toml files) is not reinstalled."""
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".canvas-doctor-installed").touch()
    t0 = time.monotonic()
    run = subprocess.run(["bash", "scripts/setup.sh"], cwd=REPO, capture_output=True, text=True, timeout=30,
                         env=clean_env(CANVAS_DOCTOR_VENV=str(venv)))
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - t0 < 2
    assert run.stdout.splitlines() == [
        f"==> canvas-doctor is installed in {venv} (editable: source changes need no reinstall)",
        f"    the command: {venv}/bin/canvas-doctor --help (or `source {venv}/bin/activate`, then canvas-doctor)",
    ]


def test_a_failed_install_shows_pips_last_lines(tmp_path: Path) -> None:
    """pip's output is kept in a log; when the install fails, its tail is what the user sees."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    run = subprocess.run(["bash", "scripts/setup.sh"], cwd=REPO, capture_output=True, text=True, timeout=60,
                         env=clean_env(CANVAS_DOCTOR_VENV=str(venv)))
    assert run.returncode != 0
    assert run.stdout.startswith("==> installing canvas-doctor")
    assert f"failed: {venv}/bin/pip install" in run.stderr and f"{venv}/setup.log" in run.stderr


@pytest.mark.parametrize("module, usage", [
    ("walkthrough", "usage: python -m testbed.walkthrough [-h] [--serve] [OUT_DIR]"),
    ("litellm", "usage: python -m testbed.litellm [-h] CONFIG.yaml [NAME=VALUE ...]"),
    ("openwebui", "usage: python -m testbed.openwebui [-h]"),
])
def test_testbed_entry_points_print_usage_and_run_nothing(module: str, usage: str, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", f"testbed.{module}", "--help"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=30, env=clean_env(PYTHONPATH=str(REPO / "tests")))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(usage)
    assert list(tmp_path.iterdir()) == []   # no demo-out, no --help folder, no data dir


def test_testbed_litellm_without_a_config_is_a_usage_error(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "testbed.litellm"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=30, env=clean_env(PYTHONPATH=str(REPO / "tests")))
    assert run.returncode == 2
    assert "error: the following arguments are required: CONFIG.yaml" in run.stderr
