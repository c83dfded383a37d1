"""The pure parts of the docker checks, with no engine: project names, Docker times, log signatures,
webui.db layouts, environment comparison."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from canvas_doctor.checks.docker_env import env_drift
from canvas_doctor.checks.docker_logs import quote, scan
from canvas_doctor.checks.docker_openwebui_db import database_path, read_stored
from canvas_doctor.checks.docker_stack import LITELLM, OPENWEBUI, compose_project_name, parse_time
from canvas_doctor.stack.discover import discover


def test_project_name_is_the_folder_as_compose_normalizes_it(tmp_path: Path) -> None:
    root = tmp_path / "My.Stack_2-Prod"
    root.mkdir()
    (root / "docker-compose.yml").write_text("services: {}\n")
    stack = discover(root, environ={})
    assert compose_project_name(stack, {}) == "mystack_2-prod"
    assert compose_project_name(stack, {"COMPOSE_PROJECT_NAME": "Other"}) == "other"
    (root / ".env").write_text("COMPOSE_PROJECT_NAME=fromdotenv\n")
    assert compose_project_name(discover(root, environ={}), {}) == "fromdotenv"


def test_docker_times_with_nanoseconds() -> None:
    assert parse_time("2026-11-25T14:00:39.758272240Z") == datetime(2026, 11, 25, 14, 0, 39, 758272, tzinfo=timezone.utc)
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time("2026-11-25T15:00:39+01:00") == datetime(2026, 11, 25, 14, 0, 39, tzinfo=timezone.utc)


def test_log_signatures_are_counted_per_fix_and_by_role() -> None:
    lines = ["ok", "400 Invalid model name passed in model=nova-canvas. Call /v1/models",
             "x Invalid model name passed in model=titan-image.", "BedrockException Invalid Authentication - Unable"
             " to locate credentials"]
    found = {s.signature.fix: s for s in scan(lines, LITELLM)}
    assert set(found) == {"litellm-model-not-found", "aws-credentials-missing"}
    assert found["litellm-model-not-found"].count == 2 and "titan-image" in found["litellm-model-not-found"].line
    assert {s.signature.fix for s in scan(lines, OPENWEBUI)} == {"aws-credentials-missing"}
    long = "x" * 1000 + " extraneous key [stream] is not permitted " + "y" * 1000
    cut = quote(long, long.index("extraneous"))
    assert "extraneous key [stream]" in cut and len(cut) <= 242


def test_webui_db_both_layouts(tmp_path: Path) -> None:
    new = tmp_path / "new.db"
    con = sqlite3.connect(new)
    con.execute("CREATE TABLE config (key TEXT NOT NULL, value JSON NOT NULL, updated_at BIGINT, PRIMARY KEY (key))")
    con.execute("INSERT INTO config VALUES ('image_generation.model', ?, 0)", (json.dumps("nova-canvas"),))
    con.commit()
    con.close()
    assert read_stored(new) == {"image_generation.model": "nova-canvas"}
    old = tmp_path / "old.db"
    con = sqlite3.connect(old)
    con.execute("CREATE TABLE config (id INTEGER PRIMARY KEY, data JSON NOT NULL, version INTEGER NOT NULL)")
    for model in ("first", "latest"):
        con.execute("INSERT INTO config (data, version) VALUES (?, 0)",
                    (json.dumps({"image_generation": {"model": model, "openai": {"params": {"a": 1}}}}),))
    con.commit()
    con.close()
    stored = read_stored(old)
    assert stored["image_generation.model"] == "latest" and stored["image_generation.openai.params"] == {"a": 1}
    assert database_path({}) == ("/app/backend/data/webui.db", "")
    assert database_path({"DATA_DIR": "/data"})[0] == "/data/webui.db"
    assert database_path({"DATABASE_URL": "postgresql://u:p@db/x"})[0] is None


def test_env_drift_ignores_image_defaults_and_passed_through_variables(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  openwebui:\n    image: open-webui\n    environment:\n"
        "      - IMAGE_SIZE=1024x1024\n      - OPENAI_API_KEY\n      - IMAGE_GENERATION_MODEL=nova-canvas\n")
    svc = discover(tmp_path, environ={}).openwebui
    have = {"IMAGE_SIZE": "1024x1024", "OPENAI_API_KEY": "from-the-shell", "IMAGE_GENERATION_MODEL": "titan-image",
            "OPENAI_API_BASE_URL": "", "PATH": "/bin", "IMAGES_OPENAI_API_BASE_URL": "http://old:4000/v1"}
    image_env = {"OPENAI_API_BASE_URL": "", "PATH": "/bin"}
    assert env_drift(svc, have, image_env) == [
        ("IMAGES_OPENAI_API_BASE_URL", None, "http://old:4000/v1"),
        ("IMAGE_GENERATION_MODEL", "nova-canvas", "titan-image"),
    ]
