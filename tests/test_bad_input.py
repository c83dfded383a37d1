"""Broken files give a clear `config-invalid` finding with the file (and line), never a traceback."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, run_cli


def healthy_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "stack"
    shutil.copytree(FIXTURES / "healthy", dest)
    return dest


def break_file(stack: Path, name: str, how: str) -> None:
    path = stack / name
    if how == "malformed":
        path.write_text("model_list:\n  - model_name: nova-canvas\n    litellm_params: {model: [\n")
    elif how == "empty":
        path.write_text("")
    elif how == "directory":
        path.unlink()
        path.mkdir()
    elif how == "missing":
        path.unlink()
    elif how == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif how == "latin1":
        path.write_bytes("model_list: []\n# caf\xe9\n".encode("latin-1"))
    elif how == "scalar":
        path.write_text("just a string\n")
    elif how == "deep":
        path.write_text("a: " + "[" * 20000 + "]" * 20000 + "\n")
    elif how == "alias-bomb":
        lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        for i in range(1, 10):
            prev = chr(ord("a") + i - 1)
            cur = chr(ord("a") + i)
            lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
        lines.append("model_list: *j")
        path.write_text("\n".join(lines) + "\n")
    elif how == "huge":
        path.write_text("# " + "x" * (6 * 1024 * 1024) + "\n")


CASES = [
    ("litellm-image-config.yaml", "malformed", "is not valid YAML", 3),
    ("litellm-image-config.yaml", "empty", "is empty", None),
    ("litellm-image-config.yaml", "directory", "is a directory", None),
    ("litellm-image-config.yaml", "missing", "does not exist", None),
    ("litellm-image-config.yaml", "binary", "is binary", None),
    ("litellm-image-config.yaml", "latin1", "is not UTF-8", None),
    ("litellm-image-config.yaml", "scalar", "not a mapping", 1),
    ("litellm-image-config.yaml", "deep", "not valid YAML", None),
    ("litellm-image-config.yaml", "alias-bomb", "alias bomb", None),
    ("litellm-image-config.yaml", "huge", "too large", None),
    ("docker-compose.yml", "malformed", "is not valid YAML", 3),
    ("docker-compose.yml", "binary", "is binary", None),
    ("docker-compose.yml", "directory", "is a directory", None),
    ("infrastructure/bedrock-image-chat-stack.yaml", "malformed", "is not valid YAML", 3),
    (".env", "directory", "is a directory", None),
]


@pytest.mark.parametrize("name,how,says,line", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_broken_file_is_a_finding(tmp_path: Path, name: str, how: str, says: str, line: int | None) -> None:
    stack = healthy_copy(tmp_path)
    break_file(stack, name, how)
    run = run_cli("--offline", "--json", "--project", str(stack))
    assert "Traceback" not in run.stdout + run.stderr
    assert run.code == 1
    findings = [r for r in run.json["results"] if r["status"] == "fail" and r["fix"]["id"] == "config-invalid"]
    assert findings, run.json["results"]
    assert any(f["location"]["file"] == name and says in f["message"] for f in findings), findings
    if line is not None:
        assert any(f["location"]["line"] == line for f in findings)
    assert not run.results(status="error")


def test_human_output_for_broken_file_names_the_fix(tmp_path: Path) -> None:
    stack = healthy_copy(tmp_path)
    break_file(stack, "docker-compose.yml", "malformed")
    run = run_cli("--offline", "--project", str(stack))
    assert run.code == 1
    assert "docker-compose.yml:3" in run.stdout and "config-invalid" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_empty_folder_says_what_it_expected(tmp_path: Path) -> None:
    run = run_cli("--offline", "--json", "--project", str(tmp_path))
    assert run.code == 1
    [finding] = run.results("config.files")
    assert finding["fix"]["id"] == "config-invalid" and "docker-compose.yml" in finding["message"]


def test_project_that_is_not_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    run = run_cli("--offline", "--project", str(tmp_path / "file"))
    assert run.code == 2 and "Traceback" not in run.stderr


def test_compose_without_services(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("volumes:\n  data: {}\n")
    run = run_cli("--offline", "--json", "--project", str(tmp_path))
    assert run.code == 1
    assert any("services" in r["message"] and r["fix"]["id"] == "config-invalid" for r in run.results(status="fail"))
