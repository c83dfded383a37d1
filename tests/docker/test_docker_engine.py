"""Where the doctor looks for the engine (DOCKER_HOST, the Docker context) and what an engine that is
not there costs: one docker-unavailable warning, the other docker checks skipped, about a second."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from helpers import FIXTURES, CliRun, clean_env, run_cli

HEALTHY = str(FIXTURES / "healthy")


def docker_results(run: CliRun) -> list[dict]:
    return [r for r in run.json["results"] if r["area"] == "docker"]


def assert_one_unavailable_warning(run: CliRun, where: str) -> dict:
    unavailable = [r for r in run.json["results"] if r["fix"] and r["fix"]["id"] == "docker-unavailable"]
    assert len(unavailable) == 1, unavailable
    [warning] = unavailable
    assert warning["check"] == "docker.available" and warning["status"] == "warn"
    assert where in warning["message"]
    others = [r for r in docker_results(run) if r["check"] != "docker.available"]
    assert len(others) >= 6 and {r["status"] for r in others} == {"skip"}
    assert all("no Docker engine answers" in r["message"] for r in others)
    return warning


def test_refused_engine_is_one_warning_in_about_a_second() -> None:
    started = time.monotonic()
    run = run_cli("run", "--only", "docker", "--json", "--project", HEALTHY,
                  env=clean_env(DOCKER_HOST="tcp://127.0.0.1:1"))
    wall = time.monotonic() - started
    assert run.code == 0, run.stdout + run.stderr  # a warning does not fail the run
    warning = assert_one_unavailable_warning(run, "tcp://127.0.0.1:1 (DOCKER_HOST)")
    assert "connection refused" in warning["message"]
    assert run.json["duration_ms"] < 1000 and wall < 3.0, (run.json["duration_ms"], wall)
    assert run_cli("run", "--only", "docker", "--strict", "--json", "--project", HEALTHY,
                   env=clean_env(DOCKER_HOST="tcp://127.0.0.1:1")).code == 1


def test_full_run_without_engine_has_one_docker_warning() -> None:
    run = run_cli("run", "--json", "--project", HEALTHY, env=clean_env(DOCKER_HOST="tcp://127.0.0.1:1"))
    assert_one_unavailable_warning(run, "tcp://127.0.0.1:1")
    assert sum(r["duration_ms"] for r in docker_results(run)) < 1000


def test_engine_that_never_answers_costs_about_a_second() -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        run = run_cli("run", "--only", "docker", "--json", "--project", HEALTHY,
                      env=clean_env(DOCKER_HOST=f"tcp://127.0.0.1:{port}"))
    warning = assert_one_unavailable_warning(run, f"tcp://127.0.0.1:{port}")
    assert "no answer within 1 s" in warning["message"]
    assert 900 <= warning["duration_ms"] < 2000 and run.json["duration_ms"] < 2500


def make_context(config_dir: Path, name: str, host: str) -> dict[str, str]:
    """A Docker context made by the real docker CLI, made current in a private DOCKER_CONFIG."""
    if shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed")
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.json").write_text("{}")
    env = clean_env(DOCKER_CONFIG=str(config_dir))
    env.pop("DOCKER_HOST", None)  # it would win over the context
    for args in (["context", "create", name, "--docker", f"host={host}"], ["context", "use", name]):
        subprocess.run(["docker", *args], env=env, check=True, capture_output=True, timeout=30)
    return env


def test_current_docker_context_is_where_the_doctor_looks(tmp_path: Path) -> None:
    env = make_context(tmp_path / "docker-config", "nowhere", "tcp://127.0.0.1:1")
    run = run_cli("run", "--only", "docker", "--json", "--project", HEALTHY, env=env)
    assert_one_unavailable_warning(run, "tcp://127.0.0.1:1 (Docker context 'nowhere')")
    # DOCKER_HOST wins over the context, as with the docker CLI
    run = run_cli("run", "--only", "docker.available", "--json", "--project", HEALTHY,
                  env={**env, "DOCKER_HOST": "tcp://127.0.0.1:2"})
    assert "tcp://127.0.0.1:2 (DOCKER_HOST)" in run.results("docker.available")[0]["message"]


@pytest.mark.docker
def test_context_that_names_the_real_engine(tmp_path: Path, docker_ready: None) -> None:
    env = make_context(tmp_path / "docker-config", "local", "unix:///var/run/docker.sock")
    run = run_cli("run", "--only", "docker.available", "--json", "--project", HEALTHY, env=env)
    [r] = run.results("docker.available")
    assert r["status"] == "pass", r
    assert "(Docker context 'local')" in r["message"] and "API 1." in r["message"]
