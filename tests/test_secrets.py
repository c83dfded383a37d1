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


# ---------------------------------------------------------------- every form, every place, every format

HIDDEN = {
    "env_master": "sk-Qz7Wp2Lm9Xr4Tb8Nv3Kd",
    "env_webui": "Hj4Kq9Zx2Vb7Nm3Wr8Ty1Gc",
    "compose_key": "sk-Yc5Rf8$Gt2Hp6Jw9Lz3Qx",      # written `$$` in the compose file
    "compose_url_pass": "Ug3Fk8Dw5Sx1Lc7Vh4Pe",      # http://admin:...@litellm:4000/v1
    "config_api_key": "Pm6Vn2Bx8Qw4Ez7Rt5YaKo",
    "cfn_secret": "Cv9Dn4Ms7Kq2Wx6Zb3Hf8Lt/Ry5",
    "flag_key": "sk-Ob2Wm7Xc4Vt9Qn6Jd3Ls",
    "flag_token": "Ni8Rq3Ek6Yw1Tz5Gb9Mx",
    "flag_url_pass": "Ax7Hc2Ju9Pl4Bs6Wv3Dn",
    "flag_url_token": "Rk2Zu7Np4Ce9Xa5Wq8Mf",         # a token as the URL's user: https://TOKEN@host
}


def hidden_stack(tmp_path: Path) -> Path:
    stack = tmp_path / "stack"
    shutil.copytree(FIXTURES / "healthy", stack)
    (stack / "expected.yaml").unlink()
    (stack / ".env").write_text(f"LITELLM_MASTER_KEY={HIDDEN['env_master']}\nWEBUI_SECRET_KEY='{HIDDEN['env_webui']}'\n"
                                "AWS_BEARER_TOKEN_BEDROCK=ABSKsampleBedrockKey0000000000000000\n")
    compose = (stack / "docker-compose.yml").read_text()
    compose = compose.replace("      - OPENAI_API_KEY=${LITELLM_MASTER_KEY}",
                              f"      - OPENAI_API_KEY={HIDDEN['compose_key'].replace('$', '$$')}")
    compose = compose.replace("      - OPENAI_API_BASE_URL=http://litellm:4000/v1",
                              f"      - OPENAI_API_BASE_URL=http://admin:{HIDDEN['compose_url_pass']}@litellm:4000/v1")
    (stack / "docker-compose.yml").write_text(compose)
    cfg = stack / "litellm-image-config.yaml"
    text = cfg.read_text().replace("api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK", f"api_key: {HIDDEN['config_api_key']}", 1)
    cfg.write_text(text.replace("drop_params: true", "drop_params: false"))
    cfn = stack / "infrastructure" / "bedrock-image-chat-stack.yaml"
    cfn.write_text(cfn.read_text().replace(
        "            - Name: IMAGE_GENERATION_MODEL\n",
        "            - Name: AWS_ACCESS_KEY_ID\n              Value: AKIAPLANTED000000000\n"
        f"            - Name: AWS_SECRET_ACCESS_KEY\n              Value: \"{HIDDEN['cfn_secret']}\"\n"
        "            - Name: IMAGE_GENERATION_MODEL\n"))
    return stack


def leaked_pieces(text: str, width: int = 6) -> list[str]:
    """Every planted secret whose whole value, or any `width`-character piece of it, appears."""
    out = []
    for name, secret in HIDDEN.items():
        for form in {secret, secret.replace("$", "$$")}:
            pieces = [form[i:i + width] for i in range(len(form) - width + 1)]
            hit = next((p for p in pieces if p in text), None)
            if hit:
                out.append(f"{name}: {hit!r}")
                break
    return out


def test_no_output_format_shows_any_piece_of_a_planted_secret(tmp_path: Path) -> None:
    stack = hidden_stack(tmp_path)
    junit = tmp_path / "report.xml"
    common = ("--project", str(stack), "--offline", "--litellm-key", HIDDEN["flag_key"],
              "--openwebui-token", HIDDEN["flag_token"],
              "--litellm-url", f"http://doctor:{HIDDEN['flag_url_pass']}@127.0.0.1:9")
    human = run_cli("run", *common, "-v")
    as_json = run_cli("run", *common, "--json", "--junit", str(junit))
    fix = run_cli("fix", "--dry-run", "--project", str(stack))
    # Probes that quote the URLs they were given (loopback port 9: nothing listens, refused at once).
    urls = ("--litellm-url", f"http://{HIDDEN['flag_url_token']}@127.0.0.1:9",
            "--openwebui-url", f"http://doctor:{HIDDEN['flag_url_pass']}@127.0.0.1:9")
    probes = run_cli("run", "--project", str(stack), "--no-live", "--only", "litellm,openwebui", *urls, "--json")
    probes_human = run_cli("run", "--project", str(stack), "--no-live", "--only", "litellm,openwebui", *urls, "-v")
    assert "does not answer" in probes.stdout and "127.0.0.1:9" in probes_human.stdout
    assert human.code == as_json.code == fix.code == 1
    # The findings are about these very values (so the masking is really tested), and fix has a diff.
    ids = {r["fix"]["id"] for r in as_json.json["results"] if r["fix"]}
    assert {"openwebui-api-key-mismatch", "production-static-credentials", "litellm-drop-params-off"} <= ids
    assert fix.stdout.count("\n+") >= 1 and "@@" in fix.stdout
    outputs = {"human": human.stdout + human.stderr, "json": as_json.stdout + as_json.stderr,
               "junit": junit.read_text(), "fix --dry-run": fix.stdout + fix.stderr,
               "probes json": probes.stdout + probes.stderr, "probes human": probes_human.stdout + probes_human.stderr}
    leaks = {fmt: leaked_pieces(text) for fmt, text in outputs.items()}
    assert not any(leaks.values()), leaks


def test_every_form_of_a_secret_is_masked() -> None:
    import json as _json
    from urllib.parse import quote

    from canvas_doctor.redact import Redactor
    from canvas_doctor.secret_sources import url_secrets
    secret = "Zt5#Qm8&Lw3+Kp9 $Vx"
    r = Redactor([secret, "sk-Ab3Cd5Ef7Gh9Jk2Mn4", *url_secrets("see https://bob:p%40ssW0rd-Xy9Qz@example.com/x")])
    texts = [
        f"whole {secret} here", f"url {quote(secret, safe='')}", f"json {_json.dumps(secret)}",
        f"compose {secret.replace('$', '$$')}", "prefix sk-Ab3Cd5Ef7G... truncated", "suffix ...Gh9Jk2Mn4 end",
        "server said: key 'sk-Ab3Cd5' is invalid", "https://bob:p%40ssW0rd-Xy9Qz@example.com", "p@ssW0rd-Xy9Qz",
    ]
    for text in texts:
        masked = r.text(text)
        for s in (secret, "sk-Ab3Cd5Ef7Gh9Jk2Mn4", "p@ssW0rd-Xy9Qz", "p%40ssW0rd-Xy9Qz"):
            for form in {s, quote(s, safe=""), _json.dumps(s)[1:-1], s.replace("$", "$$")}:
                assert not any(form[i:i + 6] in masked for i in range(len(form) - 5)), (text, masked)
    # Innocent text stays readable: a common word that starts like a short secret is not masked.
    r2 = Redactor(["changeme99"])
    assert r2.text("the file changed") == "the file changed"


def test_pieces_of_secrets_do_not_mask_names() -> None:
    from canvas_doctor.redact import Redactor
    r = Redactor(["nomount-new-master-key-7777", "123456789-not-a-name-x1"])
    assert r.text("service litellm-nomount") == "service litellm-nomount"
    assert r.text("arn:aws:bedrock:us-east-1:123456789:provisioned-model/your-id").count("123456789") == 1
    assert "nomount-new-mast" not in r.text("echo: nomount-new-master-k...")


def test_a_value_that_names_a_variable_is_not_masked() -> None:
    """`OPENAI_API_KEY_ENV: OPENAI_API_KEY` names a secret; masking it would garble every message and snippet."""
    from canvas_doctor.redact import Redactor
    r = Redactor(["OPENAI_API_KEY", "sk-real-0123456789abcdef"])
    text = "Set IMAGES_OPENAI_API_KEY=${LITELLM_MASTER_KEY}; OPENAI_API_KEY is sk-real-0123456789abcdef"
    out = r.text(text)
    assert "IMAGES_OPENAI_API_KEY=${LITELLM_MASTER_KEY}" in out and "OPENAI_API_KEY is" in out
    assert "0123456789abcdef" not in out
