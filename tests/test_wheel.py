"""The wheel users install: the doctor only (no emulator, no test bed), and it works from a fresh venv.

Built from this checkout with pip, installed into a new venv outside the repository (its
dependencies from the package index, as a user's pip would), then run as a user runs it; and
installed as a tool the way `uv tool install` (and pipx) users install it: its own venv, the command
in a bin folder, here both under tmp (UV_TOOL_DIR, UV_TOOL_BIN_DIR).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from canvas_doctor import __version__
from helpers import FIXTURES, REPO

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(out)],
                   check=True, timeout=300)
    (found,) = out.glob("canvas_doctor-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("user-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(wheel)],
                   check=True, timeout=500)
    return venv / "bin" / "canvas-doctor"


@pytest.fixture(scope="module")
def uv_tool(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`uv tool install canvas_doctor-*.whl`: the command uv puts in UV_TOOL_BIN_DIR."""
    tools = tmp_path_factory.mktemp("uv-tools")
    env = {**os.environ, "UV_TOOL_DIR": str(tools / "tools"), "UV_TOOL_BIN_DIR": str(tools / "bin"),
           "UV_NATIVE_TLS": "1", "UV_NO_PROGRESS": "1"}
    uv = Path(sys.executable).parent / "uv"
    done = subprocess.run([str(uv), "tool", "install", "--python", sys.executable, str(wheel)], env=env,
                          capture_output=True, text=True, timeout=500)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Installed 1 executable: canvas-doctor" in done.stderr + done.stdout
    return tools / "bin" / "canvas-doctor"


def test_the_wheel_holds_the_doctor_and_its_data_and_no_test_only_code(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"canvas_doctor", f"{wheel.name.split('-py')[0]}.dist-info"}
    assert not [n for n in names if "emulator" in n or "testbed" in n or "/tests/" in n]
    assert "canvas_doctor/data/bedrock_image_models.yaml" in names
    assert "canvas_doctor/report/report.schema.json" in names


def _user_env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "NO_COLOR": "1", "AWS_EC2_METADATA_DISABLED": "true",
            "CANVAS_DOCTOR_TODAY": "2026-12-01"}


def test_the_installed_command_runs_every_subcommand_outside_the_repository(installed: Path, tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    shutil.copytree(FIXTURES / "healthy", stack)
    env = _user_env(tmp_path)
    run = lambda *args: subprocess.run([str(installed), *args], cwd=tmp_path, env=env, capture_output=True,  # noqa: E731
                                       text=True, timeout=60)
    helped = run("--help")
    assert helped.returncode == 0 and "run" in helped.stdout
    listed = run("list", "--json")
    assert listed.returncode == 0
    ids = {c["id"] for c in json.loads(listed.stdout)["checks"]}
    assert {"compose.openwebui.image-model", "cloudformation.openwebui.image-model", "generate.image"} <= ids
    explained = run("explain", "compose.openwebui.image-model")
    assert explained.returncode == 0 and "IMAGE_GENERATION_MODEL" in explained.stdout
    offline = run("run", "--offline", "--json", "--project", str(stack))
    report = json.loads(offline.stdout)
    assert offline.returncode == 0, offline.stdout[-2000:] + offline.stderr[-2000:]
    assert not [r for r in report["results"] if r["status"] in ("fail", "error")]
    # the registry's cache, written by the full loads above, serves the next run the same report
    assert list((tmp_path / ".cache" / "canvas-doctor" / "registry").glob("index-*.json"))
    warm = run("run", "--offline", "--json", "--project", str(stack))
    assert warm.returncode == 0
    assert [(r["check"], r["status"], r["message"]) for r in json.loads(warm.stdout)["results"]] == \
        [(r["check"], r["status"], r["message"]) for r in report["results"]]


def test_uv_tool_install_gives_a_working_command(uv_tool: Path, tmp_path: Path) -> None:
    env = _user_env(tmp_path)
    run = lambda *args: subprocess.run([str(uv_tool), *args], cwd=tmp_path, env=env, capture_output=True,  # noqa: E731
                                       text=True, timeout=60)
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"canvas-doctor {__version__}"
    healthy, broken = tmp_path / "healthy", tmp_path / "broken"
    shutil.copytree(FIXTURES / "healthy", healthy)
    shutil.copytree(FIXTURES / "guide-as-written", broken)
    passed = run("run", "--offline", "--project", str(healthy))
    assert passed.returncode == 0, passed.stdout[-2000:] + passed.stderr[-2000:]
    failed = run("run", "--offline", "--format", "sarif", "--project", str(broken))
    assert failed.returncode == 1
    assert {r["ruleId"] for r in json.loads(failed.stdout)["runs"][0]["results"]} >= {"litellm.config.image-stream"}
