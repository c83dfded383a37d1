"""The pre-commit hook (.pre-commit-hooks.yaml) with the real `pre-commit` tool, and the GitHub Action
(action.yml) as far as it runs outside GitHub.

pre-commit installs the hook as a user's repository would: from this repository at its HEAD commit
(`repo: <path>`, `rev: <sha>`), pip-installing the doctor into pre-commit's own environment, once for
the module (PRE_COMMIT_HOME is shared). The sample repositories are git repositories made in tmp.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import FIXTURES, PRE_EOL, REPO

pytestmark = pytest.mark.timeout(900)


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _sample_repo(root: Path, stack: str) -> Path:
    repo = root / "repo"
    shutil.copytree(FIXTURES / stack, repo, ignore=shutil.ignore_patterns("expected.yaml", "README.md"))
    rev = _git("rev-parse", "HEAD", cwd=REPO)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(REPO), "rev": rev, "hooks": [{"id": "canvas-doctor"}]}]}), encoding="utf-8")
    _git("init", "-q", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-q", "-m", "the stack", cwd=repo)
    return repo


def _pre_commit(repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANVAS_DOCTOR_", "GIT_"))}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1", AWS_EC2_METADATA_DISABLED="true",
               CANVAS_DOCTOR_TODAY=PRE_EOL)
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=800)


def test_the_hook_is_offline_on_the_stacks_files_and_takes_no_file_names() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "canvas-doctor" and hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook["entry"] == "canvas-doctor run --offline"
    files = re.compile(hook["files"])
    for name in ("docker-compose.yml", "compose.yaml", "deploy/docker-compose.prod.yml", ".env", "litellm-config.yaml",
                 "litellm/config.yaml", "infrastructure/bedrock-image-chat-stack.yaml"):
        assert files.search(name), name
    assert not files.search("src/app.py") and not files.search("README.md")


def test_pre_commit_fails_on_the_guides_stack_and_passes_on_a_healthy_one(tmp_path: Path, pre_commit_home: Path) -> None:
    broken = _pre_commit(_sample_repo(tmp_path / "broken", "guide-as-written"), pre_commit_home)
    assert broken.returncode == 1, broken.stdout[-3000:] + broken.stderr[-3000:]
    assert re.search(r"canvas-doctor \(offline\)\.+Failed", broken.stdout), broken.stdout[-3000:]
    assert "- exit code: 1" in broken.stdout
    assert "litellm-stream-key-rejected" in broken.stdout and "litellm-config.yaml:8" in broken.stdout
    healthy = _pre_commit(_sample_repo(tmp_path / "healthy", "healthy"), pre_commit_home)
    assert healthy.returncode == 0, healthy.stdout[-3000:] + healthy.stderr[-3000:]
    assert re.search(r"canvas-doctor \(offline\)\.+Passed", healthy.stdout), healthy.stdout


# --- the GitHub Action ---------------------------------------------------------------------------

def _action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def _step(action: dict, step_id: str) -> dict:
    return next(s for s in action["runs"]["steps"] if s.get("id") == step_id)


def test_the_action_installs_runs_the_doctor_and_uploads_sarif() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"project", "format", "args"} and action["inputs"]["format"]["default"] == "sarif"
    install = _step(action, "install")
    assert "pip install" in install["run"] and "$GITHUB_ACTION_PATH" in install["run"]
    upload = next(s for s in action["runs"]["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ steps.doctor.outputs.report }}"
    assert "inputs.format == 'sarif'" in upload["if"]
    # Every input reaches the script through the environment (no ${{ }} inside the script: no injection).
    assert "${{" not in _step(action, "doctor")["run"]


def test_the_command_the_action_runs_is_the_readmes() -> None:
    run = _step(_action(), "doctor")["run"]
    (command,) = [line.strip() for line in run.splitlines() if line.strip().startswith("canvas-doctor ")]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert command in readme, command


def test_the_actions_run_step_runs_the_doctor_and_reports_its_exit_code(tmp_path: Path) -> None:
    """The doctor step's own bash script, run with the environment GitHub gives it: the SARIF report
    file is written, the exit code is an output, and the step itself does not fail before the upload."""
    step = _step(_action(), "doctor")
    output = tmp_path / "github-output"
    output.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_DOCTOR_")}
    env.update({k: str(v) for k, v in step.get("env", {}).items() if "${{" not in str(v)})
    env.update(INPUT_PROJECT=str(FIXTURES / "guide-as-written"), INPUT_FORMAT="sarif", INPUT_ARGS="--offline",
               RUNNER_TEMP=str(tmp_path), GITHUB_OUTPUT=str(output), NO_COLOR="1", AWS_EC2_METADATA_DISABLED="true",
               CANVAS_DOCTOR_TODAY=PRE_EOL, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["exit-code"] == "1"
    log = json.loads(Path(outputs["report"]).read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0" and log["runs"][0]["results"]
