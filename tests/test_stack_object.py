"""The report's `stack` object: each service with its role and the evidence, the proxies, the image path;
and a large real-looking stack (20 services, three compose files, an include) read whole and quietly."""
from __future__ import annotations

import sys
from pathlib import Path

from helpers import FIXTURES, REPO, run_cli

sys.path.insert(0, str(REPO / "bench"))
from large_stack import write_large_stack  # noqa: E402


def test_large_stack_is_read_whole_with_every_role_and_no_finding(tmp_path: Path) -> None:
    run = run_cli("run", "--offline", "--json", "--project", str(write_large_stack(tmp_path / "big")))
    assert run.code == 0, run.stdout
    assert not [r for r in run.json["results"] if r["status"] in ("warn", "fail", "error")]
    stack = run.json["stack"]
    assert stack["files"][:3] == ["compose.yaml", "ui/compose.yaml", "compose.override.yaml"]
    roles = {s["name"]: s["role"] for s in stack["services"]}
    assert len(roles) == 19 and roles["openwebui"] == "open-webui"
    assert roles["litellm"] == roles["litellm-image"] == "litellm"
    assert roles["side-0"] == "database" and roles["side-6"] == "other"  # postgres; Open WebUI's pipelines
    assert stack["image_proxy"]["name"] == "litellm-image"
    assert "IMAGES_OPENAI_API_BASE_URL" in stack["image_proxy_reason"]
    assert stack["image_path"]["kind"] == "litellm"


def test_roles_carry_their_evidence_and_verbose_shows_them() -> None:
    project = FIXTURES / "field-databases-named-litellm"
    run = run_cli("run", "--offline", "--json", "--project", str(project))
    by_name = {s["name"]: s for s in run.json["stack"]["services"]}
    assert by_name["litellm-db"]["role"] == "database" and "postgres:16-alpine" in by_name["litellm-db"]["evidence"]
    assert by_name["pipelines"]["role"] == "other"
    verbose = run_cli("run", "--offline", "-v", "--project", str(project))
    assert "litellm-redis: database — image redis:7" in verbose.stdout


def test_sub_folder_projects_are_grouped_in_json_and_text() -> None:
    project = FIXTURES / "field-subfolder-projects"
    run = run_cli("run", "--offline", "--json", "--project", str(project))
    assert {r.get("group") for r in run.json["results"]} == {"litellm/", "openwebui/"}
    assert set(run.json["stack"]["groups"]) == {"litellm/", "openwebui/"}
    text = run_cli("run", "--offline", "--project", str(project)).stdout
    assert "== litellm/" in text and "== openwebui/" in text
    junit = run_cli("run", "--offline", "--junit", "/dev/stdout", "--project", str(project)).stdout
    assert 'name="canvas-doctor.litellm/.config"' in junit


def test_compose_file_option_reads_the_named_files(tmp_path: Path) -> None:
    project = FIXTURES / "field-compose-variants"
    run = run_cli("run", "--offline", "--json", "-f", "docker-compose.prod.yml", "--project", str(project))
    assert run.code == 0 and run.json["stack"]["files"][0] == "docker-compose.prod.yml"
    dev = run_cli("run", "--offline", "--json", "--compose-file", "docker-compose.dev.yml", "--project", str(project))
    assert dev.code == 1 and "litellm-model-not-found" in dev.fix_ids()
