"""The live Open WebUI checks, run through the real CLI against the real Open WebUI (the version in play, testbed.versions).

    /work/main/.venv/bin/pytest tests/live/test_openwebui_live.py -m services
"""
from __future__ import annotations

import time

import pytest
from helpers import clean_env, run_cli
from openwebui_fixtures import (HEALTHY, MASTER_KEY, LiveOpenWebUI, compose_env, hostile_openwebui,  # noqa: F401
                                line_of, live_openwebui, openwebui_or_skip, statuses, write_project)

from testbed.openwebui import create_admin, free_port, launch_openwebui, start_openwebui
from testbed.versions import OPENWEBUI_SEEDS_CONFIG_AT_FIRST_START, openwebui_has, openwebui_version

pytestmark = pytest.mark.services

CHECKS = ("openwebui.health", "openwebui.version", "openwebui.image-settings", "openwebui.config-persisted")
SAMPLE_MASTER_KEY = "sk-sample-master-0123456789"  # fixtures/stacks/healthy/.env


def run_against(url: str, *extra: str, project=HEALTHY, env=None):
    return run_cli("--project", str(project), "--only", "openwebui", "--openwebui-url", url, "--json", *extra,
                   env=clean_env(**(env or {})))


@pytest.mark.versioned
def test_healthy_openwebui_with_an_admin_api_key_passes(live_openwebui: LiveOpenWebUI):
    run = run_against(live_openwebui.url, "--openwebui-token", live_openwebui.admin.api_key)

    assert run.code == 0, run.stdout + run.stderr
    assert statuses(run) == {c: {"pass"} for c in CHECKS}
    assert run.results("openwebui.version")[0]["data"]["version"] == openwebui_version()
    # the report's stack object carries the version the running service reported (contract: "stack")
    assert {"service": "openwebui", "component": "openwebui", "version": openwebui_version(),
            "source": f"the running service at {live_openwebui.url}"} in run.json["stack"]["running_versions"]
    effective = run.results("openwebui.image-settings")[0]
    assert effective["data"]["model"] == "nova-canvas"
    assert effective["data"]["images_api_base_url"] == "http://litellm-image:4100/v1"
    assert effective["data"]["images_api_key_set"] is True
    assert "IMAGE_GENERATION_MODEL" in run.results("openwebui.config-persisted")[0]["message"]
    for secret in (live_openwebui.admin.api_key, SAMPLE_MASTER_KEY):
        assert secret not in run.stdout and secret not in run.stderr


def test_without_a_token_says_what_was_not_read_and_how_to_give_one(live_openwebui: LiveOpenWebUI):
    run = run_against(live_openwebui.url)

    assert run.code == 0, run.stdout + run.stderr
    seen = statuses(run)
    assert seen["openwebui.health"] == {"pass"} and seen["openwebui.version"] == {"pass"}
    for check in ("openwebui.image-settings", "openwebui.config-persisted"):
        (result,) = run.results(check)
        assert result["status"] == "skip"
        assert "--openwebui-token" in result["message"] and "admin" in result["message"]


def test_session_token_works_and_a_wrong_token_is_a_warning(live_openwebui: LiveOpenWebUI):
    good = run_against(live_openwebui.url, "--openwebui-token", live_openwebui.admin.token)
    assert good.code == 0 and statuses(good)["openwebui.image-settings"] == {"pass"}, good.stdout

    wrong = run_against(live_openwebui.url, env={"CANVAS_DOCTOR_OPENWEBUI_TOKEN": "sk-not-a-real-key-0000000000"})
    assert wrong.code == 0, wrong.stdout + wrong.stderr  # a warning: exit 0 unless --strict
    (result,) = wrong.results("openwebui.image-settings")
    assert result["status"] == "warn" and result["fix"]["id"] == "openwebui-token-rejected"
    assert "401" in result["message"]
    assert wrong.results("openwebui.config-persisted")[0]["status"] == "skip"
    assert "sk-not-a-real-key-0000000000" not in wrong.stdout
    assert live_openwebui.admin.token not in good.stdout


def test_nothing_listening_is_openwebui_unreachable_fast():
    port = free_port()  # bound and released: nothing listens there now
    t0 = time.monotonic()
    run = run_against(f"http://127.0.0.1:{port}")
    elapsed = time.monotonic() - t0

    assert run.code == 1
    (health,) = run.results("openwebui.health")
    assert health["status"] == "fail" and health["fix"]["id"] == "openwebui-unreachable"
    assert f"127.0.0.1:{port}/health" in health["message"] and "refused" in health["message"]
    assert {r["status"] for r in run.json["results"] if r["check"] != "openwebui.health"} == {"skip"}
    assert elapsed < 10, f"took {elapsed:.1f} s"


def test_a_server_that_is_not_openwebui_is_a_clear_finding(hostile_openwebui):
    kind, url = hostile_openwebui
    run = run_against(url, "--openwebui-token", "sk-whatever-token-0000000000")

    assert run.code == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and run.json["summary"]["error"] == 0
    failing = [r for r in run.json["results"] if r["status"] == "fail"]
    assert len(failing) == 1 and failing[0]["fix"]["id"] == "openwebui-unreachable"
    if kind == "html-everywhere":
        assert failing[0]["check"] == "openwebui.health"
        assert "HTML page" in failing[0]["message"] and '{"status": true}' in failing[0]["message"]
    else:
        assert failing[0]["check"] == "openwebui.version"
        assert "not Open WebUI" in failing[0]["message"] and "HTML page" in failing[0]["message"]


MODEL_A, MODEL_B = "titan-image", "nova-canvas"
FIRST_KEY = "first-images-key-0123456789abcdef"  # not secret-shaped: only the check itself can keep it out


@pytest.mark.versioned
def test_settings_kept_in_the_database_are_found(tmp_path):
    """Start with IMAGE_GENERATION_MODEL=A, stop, restart with B on the same DATA_DIR: Open WebUI 0.10+
    keeps A (seeded at first start); older ones serve B (nothing stored before an admin saves)."""
    openwebui_or_skip()
    data = tmp_path / "data"
    first = start_openwebui(data, {"ENABLE_IMAGE_GENERATION": "true", "IMAGE_GENERATION_MODEL": MODEL_A,
                                   "IMAGES_OPENAI_API_KEY": FIRST_KEY})
    try:
        admin = create_admin(first.url)
    finally:
        first.stop()

    port = free_port()
    project = write_project(tmp_path / "project", port=port, model=MODEL_B, served=MODEL_B)
    # The same stored settings, seen from a project that never set the images API and still says A.
    unchanged = write_project(tmp_path / "unchanged", port=port, model=MODEL_A, served=MODEL_B,
                              images_api=False)
    # The files turn persistence off, but the running container predates that: it must be recreated.
    not_recreated = write_project(tmp_path / "not-recreated", port=port, model=MODEL_B, served=MODEL_B,
                                  extra=("ENABLE_PERSISTENT_CONFIG=false",))
    second = launch_openwebui(data, compose_env(project), port=port)
    try:
        # Launched, not yet up: --wait makes the doctor retry /health until Open WebUI answers.
        token = clean_env(CANVAS_DOCTOR_OPENWEBUI_TOKEN=admin.api_key)
        run = run_cli("--project", str(project), "--only", "openwebui", "--wait", "120", "--json", env=token,
                      timeout=200)
        plain = run_cli("--project", str(unchanged), "--only", "openwebui", "--json", env=token)
        stale = run_cli("--project", str(not_recreated), "--only", "openwebui.config-persisted", "--json", env=token)
    finally:
        second.stop()

    health = run.results("openwebui.health")[0]
    assert health["status"] == "pass" and f"127.0.0.1:{port}" in health["data"]["url"]
    assert "compose port mapping" in health["data"]["url_from"]
    assert health["data"]["attempts"] > 1  # it was not up yet when the doctor started
    for secret in (FIRST_KEY, admin.api_key, MASTER_KEY):
        for out in (run.stdout, run.stderr, plain.stdout, plain.stderr, stale.stdout):
            assert secret not in out

    if not openwebui_has(OPENWEBUI_SEEDS_CONFIG_AT_FIRST_START):
        # Before 0.10 nothing reaches the database until an admin saves the Images page (O6b): the
        # second start serves the files' B, and the doctor must not report a stored setting.
        assert run.code == 0, run.stdout + run.stderr
        assert statuses(run)["openwebui.config-persisted"] == {"pass"}, run.stdout
        effective = run.results("openwebui.image-settings")
        assert [r["data"]["model"] for r in effective] == [MODEL_B], run.stdout
        assert "openwebui-config-persisted" not in {(r["fix"] or {}).get("id") for r in run.json["results"]}
        return

    assert run.code == 1, run.stdout + run.stderr

    compose = project / "docker-compose.yml"
    persisted = {r["data"]["setting"]: r for r in run.results("openwebui.config-persisted")}
    # IMAGE_SIZE too: the first start stored the default 512x512, the compose file now says 1024x1024.
    assert set(persisted) == {"IMAGE_GENERATION_MODEL", "IMAGE_SIZE", "IMAGES_OPENAI_API_BASE_URL",
                              "IMAGES_OPENAI_API_KEY"}
    for name, result in persisted.items():
        assert result["status"] == "fail" and result["fix"]["id"] == "openwebui-config-persisted"
        if name == "IMAGES_OPENAI_API_KEY":  # ${LITELLM_MASTER_KEY}: the value is set in .env
            assert result["location"] == {"file": ".env", "line": 1}
        else:
            assert result["location"] == {"file": "docker-compose.yml", "line": line_of(compose, f"- {name}=")}
    model = persisted["IMAGE_GENERATION_MODEL"]
    assert MODEL_A in model["message"] and MODEL_B in model["message"]
    assert model["data"]["stored"] == MODEL_A and model["data"]["file_value"] == MODEL_B
    assert "values not shown" in persisted["IMAGES_OPENAI_API_KEY"]["message"]
    assert "stored" not in persisted["IMAGES_OPENAI_API_KEY"]["data"]

    # What the stored settings break (images to api.openai.com, a model the proxy does not serve) is
    # checked too; the files already say otherwise, so the database is the cause.
    effective = {r["data"]["setting"]: r for r in run.results("openwebui.image-settings")}
    assert set(effective) == {"IMAGES_OPENAI_API_BASE_URL", "IMAGE_GENERATION_MODEL"}
    assert {r["fix"]["id"] for r in effective.values()} == {"openwebui-config-persisted"}
    assert "api.openai.com" in effective["IMAGES_OPENAI_API_BASE_URL"]["message"]
    assert f"{MODEL_A!r}" in effective["IMAGE_GENERATION_MODEL"]["message"]
    assert "does not serve" in effective["IMAGE_GENERATION_MODEL"]["message"]

    # Where the files agree with the database, the same faults get their own fixes.
    assert plain.code == 1, plain.stdout + plain.stderr
    assert statuses(plain)["openwebui.config-persisted"] == {"pass"}
    own = {r["fix"]["id"]: r for r in plain.results("openwebui.image-settings")}
    assert set(own) == {"openwebui-images-api-base-unset", "litellm-model-not-found"}
    assert own["litellm-model-not-found"]["location"]["file"] == "litellm-image-config.yaml"

    stale_model = [r for r in stale.results("openwebui.config-persisted")
                   if r["data"]["setting"] == "IMAGE_GENERATION_MODEL"]
    assert stale_model and stale_model[0]["fix"]["id"] == "container-env-stale", stale.stdout
    assert "ENABLE_PERSISTENT_CONFIG=false" in stale_model[0]["message"]
    assert "docker compose up -d openwebui" in stale_model[0]["fix"]["steps"][0]
