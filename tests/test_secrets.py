"""Planted secrets never appear in any output: terminal, -v, JSON, JUnit, stderr, even in a check's traceback."""
from __future__ import annotations

import shutil
from pathlib import Path

from helpers import FIXTURES, clean_env, run_cli
from test_plugins import plugin_env

PLANTED = {
    "master": "sk-planted-master-7f3a9c1e55",
    "bedrock": "ABSKplantedBedrockToken9d8e7f6a5b4c",
    "webui": "planted-webui-secret-0f1e2d3c4b5a69788796",
    "owui_key": "sk-planted-openwebui-key-3344556677",
    "config_api_key": "planted-config-api-key-aabbccddeeff",
    "aws_secret": "plantedAwsSecretKey/ABCDEFGHIJKLMNOPQRSTUVWX",
    "aws_id": "AKIAPLANTED000000000",
    "flag_key": "sk-planted-flag-key-1029384756",
    "token": "planted-openwebui-token-5647382910",
    "env_token": "planted-env-token-value-1122334455",
}


def planted_stack(tmp_path: Path) -> Path:
    stack = tmp_path / "stack"
    shutil.copytree(FIXTURES / "healthy", stack)
    (stack / ".env").write_text(
        f"LITELLM_MASTER_KEY={PLANTED['master']}\nAWS_BEARER_TOKEN_BEDROCK={PLANTED['bedrock']}\n"
        f"WEBUI_SECRET_KEY={PLANTED['webui']}\n")
    compose = (stack / "docker-compose.yml").read_text()
    # A key mismatch, so the finding's message is about the very values that must stay hidden.
    compose = compose.replace("      - OPENAI_API_KEY=${LITELLM_MASTER_KEY}", f"      - OPENAI_API_KEY={PLANTED['owui_key']}")
    (stack / "docker-compose.yml").write_text(compose)
    cfg = (stack / "litellm-image-config.yaml").read_text()
    cfg = cfg.replace("api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK", f"api_key: {PLANTED['config_api_key']}", 1)
    cfg = cfg.replace("aws_region_name: us-east-1", "aws_region_name: us-east-1\n      stream: false", 1)
    (stack / "litellm-image-config.yaml").write_text(cfg)
    cfn = stack / "infrastructure" / "bedrock-image-chat-stack.yaml"
    cfn.write_text(cfn.read_text().replace(
        "            - Name: IMAGE_GENERATION_MODEL\n",
        f"            - Name: AWS_ACCESS_KEY_ID\n              Value: {PLANTED['aws_id']}\n"
        f"            - Name: AWS_SECRET_ACCESS_KEY\n              Value: \"{PLANTED['aws_secret']}\"\n"
        "            - Name: IMAGE_GENERATION_MODEL\n"))
    return stack


def assert_clean(*texts: str) -> None:
    joined = "\n".join(texts)
    leaked = [name for name, value in PLANTED.items() if value in joined]
    assert not leaked, f"leaked: {leaked}"


def test_no_output_format_leaks_a_planted_secret(tmp_path: Path) -> None:
    stack = planted_stack(tmp_path)
    junit = tmp_path / "report.xml"
    env = clean_env(MY_SERVICE_TOKEN=PLANTED["env_token"])
    common = ("--project", str(stack), "--litellm-key", PLANTED["flag_key"], "--openwebui-token", PLANTED["token"],
              "--offline")
    human = run_cli("run", *common, "-v", env=env)
    as_json = run_cli("run", *common, "--json", "--junit", str(junit), env=env)
    assert human.code == as_json.code == 1
    # The findings are really about these values: the masked forms are shown instead.
    assert "openwebui-api-key-mismatch" in as_json.stdout and "production-static-credentials" in as_json.stdout
    assert_clean(human.stdout, human.stderr, as_json.stdout, as_json.stderr, junit.read_text())


def test_a_check_that_crashes_with_a_secret_in_its_error_is_redacted(tmp_path: Path) -> None:
    stack = planted_stack(tmp_path)
    env = plugin_env(tmp_path, "leaky", f'''
from canvas_doctor.api import check

@check(id="leaky.crash", area="config", title="Leaks on purpose")
def leaky(stack):
    raise RuntimeError("token was " + "{PLANTED['master']}" + " and " + "{PLANTED['env_token']}")
''', MY_SERVICE_TOKEN=PLANTED["env_token"])
    verbose = run_cli("run", "--offline", "-v", "--project", str(stack), env=env)
    as_json = run_cli("run", "--offline", "--json", "--project", str(stack), env=env)
    [err] = [r for r in as_json.json["results"] if r["check"] == "leaky.crash"]
    assert err["status"] == "error" and "RuntimeError" in err["message"]
    assert "Traceback" in verbose.stdout  # -v shows the traceback, redacted
    assert_clean(verbose.stdout, verbose.stderr, as_json.stdout, as_json.stderr)
    assert "sk-p…1e55" in err["message"]  # masked, not dropped: the reader still sees which key
