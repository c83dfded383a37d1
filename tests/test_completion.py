"""Shell completion through typer: reachable from the top command, completing commands, options and
--format's names, without slowing `--help` (the pre-flight start-up budget: 0.15 s)."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

from helpers import clean_env, run_cli


def _complete(words: str, cword: int) -> list[str]:
    env = clean_env(COMP_WORDS=words, COMP_CWORD=str(cword), _CANVAS_DOCTOR_COMPLETE="complete_bash")
    return run_cli(env=env).stdout.split()


def test_the_top_help_offers_the_completion_options() -> None:
    helped = run_cli("--help")
    assert helped.code == 0 and "--install-completion" in helped.stdout and "--show-completion" in helped.stdout


def test_show_completion_prints_the_script_for_the_command() -> None:
    shown = run_cli("--show-completion", "bash")
    assert shown.code == 0, shown.stderr
    assert "_CANVAS_DOCTOR_COMPLETE=complete_bash" in shown.stdout and "complete -o default -F" in shown.stdout
    assert shown.stdout.rstrip().endswith("canvas-doctor")


def test_completion_completes_commands_options_and_formats() -> None:
    assert _complete("canvas-doctor ru", 1) == ["run"]
    assert _complete("canvas-doctor run --offl", 2) == ["--offline"]
    assert set(_complete("canvas-doctor run --format ", 3)) >= {"human", "json", "junit", "sarif", "github", "markdown"}
    assert _complete("canvas-doctor run --format ma", 3) == ["markdown"]


def _median_ms(args: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, env=clean_env(), timeout=30, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def test_help_stays_within_the_start_up_budget() -> None:
    """The doctor's share of `--help` (above a bare interpreter's start) stays under 0.15 s, completion on."""
    bare = _median_ms(["-c", "pass"])
    helped = _median_ms(["-m", "canvas_doctor", "--help"])
    assert helped - bare < 150, f"--help {helped:.0f} ms, a bare interpreter {bare:.0f} ms"
