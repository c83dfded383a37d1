"""A running stack that drifts from its files (fixtures/docker/drift), started for real with
docker-compose: stale environment, configs edited or replaced after start, a config that is not
mounted, Open WebUI settings stored in webui.db that differ from its environment, and a LiteLLM
log line with a known error signature."""
from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from docker_fixtures import DOCKER_FIXTURES, ComposeStack, of_service, put_file
from helpers import CliRun

pytestmark = pytest.mark.docker

MASTER_KEY = "drift-master-key-0123456789"     # fixtures/docker/drift/.env
OLD_IMAGES_KEY = "old-images-key-value-0042"    # stored in webui.db only: registered nowhere
NEW_KEY = "nomount-new-master-key-7777"         # written into the compose file after up
DATA = "/app/backend/data"


def webui_db_012(base: dict[str, Any], in_wal: dict[str, Any]) -> dict[str, bytes]:
    """webui.db as Open WebUI 0.12.4 lays it out (models/config.py: key TEXT primary key, value
    JSON, updated_at BIGINT), in WAL mode with `in_wal` written after the last checkpoint: those
    values exist only in webui.db-wal."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "webui.db"
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE config (key TEXT NOT NULL, value JSON NOT NULL, updated_at BIGINT, PRIMARY KEY (key))")
        now = int(time.time())
        con.executemany("INSERT INTO config VALUES (?, ?, ?)", [(k, json.dumps(v), now) for k, v in base.items()])
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.executemany("UPDATE config SET value = ?, updated_at = ? WHERE key = ?",
                        [(json.dumps(v), now, k) for k, v in in_wal.items()])
        con.commit()
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir()}  # while open: the WAL is not checkpointed
        con.close()
    assert set(files) == {"webui.db", "webui.db-wal", "webui.db-shm"}
    return files


def webui_db_legacy(blob: dict[str, Any]) -> bytes:
    """webui.db before 0.10's per-key rows: one `config` row with the whole config as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "webui.db"
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE config (id INTEGER NOT NULL PRIMARY KEY, data JSON NOT NULL, version INTEGER NOT NULL, "
                    "created_at DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL, updated_at DATETIME)")
        con.execute("INSERT INTO config (data, version) VALUES (?, 0)", (json.dumps(blob),))
        con.commit()
        con.close()
        return path.read_bytes()


@pytest.fixture(scope="module")
def drift(make_stack) -> tuple[ComposeStack, CliRun, CliRun]:
    """(stack, run before the edits, run after them)."""
    stack = make_stack(DOCKER_FIXTURES / "drift", "drift")
    stack.up()
    openwebui = stack.container("openwebui")
    base = {
        "image_generation.enable": True, "image_generation.engine": "openai", "image_generation.model": "",
        "image_generation.size": "1024x1024", "image_generation.openai.api_base_url": "http://litellm-image:4100/v1",
        "image_generation.openai.api_key": MASTER_KEY, "openai.api_base_urls": ["http://litellm:4000/v1"],
        "openai.api_keys": [MASTER_KEY], "ui.enable_signup": True,
    }
    for name, data in webui_db_012(base, {"image_generation.size": "512x512",
                                          "image_generation.openai.api_key": OLD_IMAGES_KEY}).items():
        put_file(openwebui, DATA, name, data)
    stack.wait_for("the litellm log line", lambda: b"Invalid model name" in stack.container("litellm").logs())
    before = stack.doctor()

    # Edits after start, nothing recreated or restarted:
    stack.edit("docker-compose.yml", "      - IMAGE_GENERATION_ENGINE=openai\n",
               "      - IMAGE_GENERATION_ENGINE=openai\n      - IMAGE_GENERATION_MODEL=nova-canvas\n")
    stack.edit("docker-compose.yml", '"4200"]\n    environment:\n      - LITELLM_MASTER_KEY=${LITELLM_MASTER_KEY}',
               f'"4200"]\n    environment:\n      - LITELLM_MASTER_KEY={NEW_KEY}')
    stack.edit("litellm-config.yaml", "model_list:\n", "model_list:\n  - model_name: claude-haiku\n"
               "    litellm_params:\n      model: bedrock/anthropic.claude-3-haiku-20240307-v1:0\n")
    stack.replace("litellm-image-config.yaml", "model_list:\n", "model_list:\n  - model_name: nova-canvas\n"
                  "    litellm_params:\n      model: bedrock/amazon.nova-canvas-v1:0\n"
                  "      aws_region_name: us-east-1\n    model_info:\n      mode: image_generation\n")
    after = stack.doctor("--only", "docker,compose.openwebui.image-model")
    return stack, before, after


def one(results: list[dict]) -> dict:
    assert len(results) == 1, results
    return results[0]


def test_before_the_edits_every_container_has_its_environment(drift) -> None:
    _, before, _ = drift
    env = before.results("docker.env")
    assert {r["data"]["service"] for r in env} == {"openwebui", "litellm", "litellm-image", "litellm-nomount"}
    assert {r["status"] for r in env} == {"pass"}
    for service in ("litellm", "litellm-image"):
        assert one(of_service(before, "docker.litellm.config", service))["status"] == "pass"


def test_compose_edit_after_up_is_a_stale_container(drift) -> None:
    stack, _, after = drift
    assert {r["data"]["service"] for r in after.results("docker.env", "fail")} == {"openwebui", "litellm-nomount"}
    r = one([r for r in of_service(after, "docker.env", "openwebui") if r["status"] == "fail"])
    assert r["fix"]["id"] == "container-env-stale" and r["data"]["variable"] == "IMAGE_GENERATION_MODEL"
    line = stack.line_of("docker-compose.yml", "IMAGE_GENERATION_MODEL=")
    assert r["location"] == {"file": "docker-compose.yml", "line": line}
    assert "IMAGE_GENERATION_MODEL is 'nova-canvas' in docker-compose.yml:%d" % line in r["message"]
    assert "does not have it" in r["message"]


def test_stale_secret_is_named_not_shown(drift) -> None:
    stack, _, after = drift
    r = one([r for r in of_service(after, "docker.env", "litellm-nomount") if r["status"] == "fail"])
    assert r["fix"]["id"] == "container-env-stale" and r["data"]["variable"] == "LITELLM_MASTER_KEY"
    assert "(secret: values compared, not shown)" in r["message"]
    assert r["location"]["line"] == stack.line_of("docker-compose.yml", NEW_KEY)
    for key in (MASTER_KEY, NEW_KEY):
        assert key not in after.stdout and f"{key[:4]}…{key[-4:]}" not in r["message"]


def test_running_container_without_image_model_fails_though_the_file_is_right(drift) -> None:
    _, _, after = drift
    assert one(after.results("compose.openwebui.image-model"))["status"] == "pass"
    r = one([r for r in after.results("docker.openwebui.settings", "fail")
             if r["fix"]["id"] == "openwebui-image-model-unset"])
    assert "IMAGE_GENERATION_MODEL is not set for the openwebui container" in r["message"]
    assert r["data"]["source"] == "container environment"


def test_config_edited_in_place_after_start_needs_a_restart(drift) -> None:
    _, _, after = drift
    r = one(of_service(after, "docker.litellm.config", "litellm"))
    assert r["status"] == "fail" and r["fix"]["id"] == "litellm-config-stale"
    assert "litellm-config.yaml was modified at" in r["message"] and "after the container started" in r["message"]
    assert "differ" not in r["message"]  # same inode: the container sees the new text, the proxy has not read it
    assert r["location"]["file"] == "litellm-config.yaml"
    assert "docker compose restart litellm" in " ".join(r["fix"]["steps"])


def test_config_replaced_after_start_is_another_file_in_the_container(drift) -> None:
    _, _, after = drift
    r = one(of_service(after, "docker.litellm.config", "litellm-image"))
    assert r["status"] == "fail" and r["fix"]["id"] == "litellm-config-stale"
    assert "is not litellm-image-config.yaml on disk" in r["message"]
    assert "models only on disk: nova-canvas" in r["message"]


def test_config_not_mounted(drift) -> None:
    _, before, _ = drift
    r = one(of_service(before, "docker.litellm.config", "litellm-nomount"))
    assert r["status"] == "fail" and r["fix"]["id"] == "litellm-config-not-mounted"
    assert "reads --config /app/config.yaml, but no mount provides it" in r["message"]
    assert "no such file in the container" in r["message"]


def test_stored_settings_that_differ_from_the_environment(drift) -> None:
    _, before, _ = drift
    found = {r["data"]["key"]: r for r in before.results("docker.openwebui.stored-settings", "fail")}
    assert set(found) == {"image_generation.size", "image_generation.openai.api_key"}  # both only in the -wal file
    size = found["image_generation.size"]
    assert size["fix"]["id"] == "openwebui-config-persisted"
    assert '"512x512" from its database' in size["message"] and 'IMAGE_SIZE = "1024x1024"' in size["message"]
    key = found["image_generation.openai.api_key"]
    assert "(secret, not shown)" in key["message"]
    assert OLD_IMAGES_KEY not in before.stdout and MASTER_KEY not in before.stdout


def test_stored_settings_of_the_legacy_layout(drift) -> None:
    stack, _, _ = drift
    openwebui = stack.container("openwebui")
    blob = {"version": 0, "image_generation": {"enable": True, "engine": "openai", "size": "768x768",
                                                "openai": {"api_base_url": "http://litellm-image:4100/v1",
                                                           "api_key": MASTER_KEY}}}
    assert openwebui.exec_run(["rm", "-f", f"{DATA}/webui.db-wal", f"{DATA}/webui.db-shm"]).exit_code == 0
    put_file(openwebui, DATA, "webui.db", webui_db_legacy(blob))
    run = stack.doctor("--only", "docker.openwebui.stored-settings")
    r = one(run.results("docker.openwebui.stored-settings", "fail"))
    assert r["data"]["key"] == "image_generation.size" and '"768x768" from its database' in r["message"]


def test_log_signature_is_quoted_with_the_key_masked(drift) -> None:
    _, before, _ = drift
    r = one(of_service(before, "docker.logs", "litellm"))
    assert r["status"] == "warn" and r["fix"]["id"] == "litellm-model-not-found"
    assert "Invalid model name passed in model=nova-canvas" in r["message"]
    assert "api_key=drif…6789" in r["message"]
    assert MASTER_KEY not in before.stdout
    assert [x["status"] for x in of_service(before, "docker.logs", "openwebui")] == ["pass"]


def test_bedrock_and_auth_signatures_of_the_image_proxy(drift) -> None:
    _, before, _ = drift
    found = {r["fix"]["id"]: r for r in of_service(before, "docker.logs", "litellm-image")}
    assert set(found) == {"openwebui-api-key-mismatch", "litellm-stream-key-rejected", "bedrock-model-access-denied"}
    assert {r["status"] for r in found.values()} == {"warn"}  # the proxy runs: past errors, worth a look
    key = found["openwebui-api-key-mismatch"]
    assert "No connected db" in key["message"]
    assert "IMAGES_OPENAI_API_KEY" in " ".join(key["fix"]["steps"])  # litellm-image serves Open WebUI's images
    access = found["bedrock-model-access-denied"]
    assert "enable amazon.titan-image-generator-v2:0 in us-east-1" in access["fix"]["steps"][0]
    assert "extraneous key [stream] is not permitted" in found["litellm-stream-key-rejected"]["message"]
