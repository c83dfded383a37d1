"""Small process helpers of the test bed: free loopback ports, cached venvs, process-group stop."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Callable

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO / "tests" / "testbed" / "install-services.sh"


class TestbedError(RuntimeError):
    """A service could not be installed, started or stopped; the message carries the tail of its log."""


def venv_env(venv: Path, home: Path) -> dict[str, str]:
    """The base of a service process's whole environment: its venv first on PATH, its own HOME, nothing of
    the caller's."""
    home.mkdir(parents=True, exist_ok=True)
    return {"PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "VIRTUAL_ENV": str(venv)}


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def cache_dir() -> Path:
    return Path(os.environ.get("CANVAS_DOCTOR_CACHE", Path.home() / ".cache" / "canvas-doctor"))


def ensure_venv(service: str, version: str, executable: str) -> Path:
    """The cached venv of `service`; built by tests/testbed/install-services.sh when missing (needs PyPI)."""
    venv = cache_dir() / "venvs" / f"{service}-{version}"
    if (venv / ".complete").exists() and (venv / "bin" / executable).exists():
        return venv
    env = {**os.environ, f"{service.upper()}_VERSION": version}
    proc = subprocess.run(["bash", str(INSTALL_SCRIPT), service], capture_output=True, text=True, env=env,
                          timeout=1800)
    if proc.returncode != 0 or not (venv / "bin" / executable).exists():
        raise TestbedError(f"{INSTALL_SCRIPT} {service} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return venv


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt, so a runner script stops the services it started (they
    run in their own sessions and would outlive it)."""
    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _raise)


def run_until_interrupted(wait: Callable[[], object], *stops: Callable[[], object]) -> None:
    """Block in `wait` until Ctrl-C (or SIGTERM), then call every stop. A second Ctrl-C during the
    stops is ignored, so no service is left running on its own."""
    interrupt_on_sigterm()
    try:
        wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for stop in stops:
            stop()


def stop_group(process: subprocess.Popen, timeout: float = 15.0) -> int | None:
    """SIGTERM the process group the process leads, then SIGKILL it; returns the exit status."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(10)
    return process.returncode
