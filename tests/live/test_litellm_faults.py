"""Each live fault made for real: a config with the fault in the real LiteLLM 1.108.7, or Bedrock
(the emulator) answering the error; the doctor must name the fix, say what happened and where."""
from __future__ import annotations

from pathlib import Path

import pytest

from litellm_fixtures import LiveStack, copy_project, doctor, live

pytestmark = pytest.mark.services


def line_in(path: Path, model_name: str, key: str | None = None) -> int:
    """1-based line of `key:` inside the model_list entry of `model_name` (the entry's line without key)."""
    lines = path.read_text().splitlines()
    start = next(i for i, text in enumerate(lines) if text.strip() == f"- model_name: {model_name}")
    if key is None:
        return start + 1
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("- model_name:"):
            break
        if lines[i].strip().startswith(f"{key}:"):
            return i + 1
    raise AssertionError(f"{key} not in {model_name}")


def compose_line(path: Path, text: str) -> int:
    return next(i + 1 for i, line in enumerate(path.read_text().splitlines()) if text in line)


# -- faults in the proxy's config: the proxy refuses, or builds a request Bedrock refuses ----------

@pytest.mark.parametrize("model, fix, words, key", [
    ("nova-stream", "litellm-stream-key-rejected", "extraneous key [stream] is not permitted", "stream"),
    ("nova-apibase", "litellm-api-base-invalid", "api_base is not a URL", "api_base"),
    ("nova-nodrop", "litellm-drop-params-off", "response_format", None),
])
def test_config_faults_fail_the_generation(faults_stack: LiveStack, bedrock, model, fix, words, key):
    run = live(faults_stack, model=model)
    assert run.code == 1, run.explain()
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", fix), run.explain()
    assert words in gen["message"]
    assert gen["location"] == {"file": "litellm-config.yaml", "line": line_in(faults_stack.project.config, model, key)}
    # The free checks passed: the fault shows only where the request is made.
    assert {r["status"] for r in run.results("litellm.live.image-model")} == {"pass"}
    assert len(gen["message"]) < 600  # LiteLLM's 17 KB traceback is cut to a readable length


def test_stream_key_is_bedrocks_answer_not_the_proxys(faults_stack: LiveStack, bedrock):
    run = live(faults_stack, model="nova-stream")
    gen = run.one("generate.image")
    assert "Bedrock refused it" in gen["message"] and gen["data"]["side"] == "bedrock"
    # The request really reached Bedrock with the key LiteLLM copied in.
    assert "stream" in bedrock.invocations()[-1].body["imageGenerationConfig"]


def test_no_aws_credentials(faults_stack: LiveStack, bedrock):
    run = live(faults_stack, model="nova-nocreds")
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "aws-credentials-missing"), run.explain()
    assert "Unable to locate credentials" in gen["message"] and "the proxy refused it" in gen["message"]
    assert gen["location"]["file"] == "docker-compose.yml"
    assert bedrock.invocations() == []  # LiteLLM gave up before calling Bedrock


# -- Bedrock's answers, passed through the proxy ------------------------------------------------

@pytest.mark.parametrize("fault, fix, status, words", [
    ({"fault": "access-denied"}, "bedrock-model-access-denied", 403, "don't have access to the model"),
    ({"fault": "throttle"}, "bedrock-throttled", 429, "Too many requests"),
    ({"fault": "end-of-life"}, "bedrock-model-end-of-life", 404, "end of its life"),
    ({"fault": "legacy-unused"}, "bedrock-model-end-of-life", 404, "Legacy"),
    ({"fault": "model-timeout"}, "generation-timeout", 408, "timed out"),
    ({"on_demand": False}, "bedrock-inference-profile-required", 400, "on-demand throughput"),
    ({"regions": ["eu-west-1"]}, "bedrock-region-unsupported", 400, "model identifier is invalid"),
    ({"fault": "validation", "validation_message": "Malformed input request: #/textToImageParams/text: expected "
      "maxLength: 1024"}, "bedrock-request-rejected", 400, "expected maxLength: 1024"),
    ({"fault": "content-filtered"}, "bedrock-request-rejected", 400, "content filter"),
    ({"fault": "internal"}, "bedrock-service-error", 503, "unexpected error"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bedrock_errors(faults_stack: LiveStack, bedrock, fault, fix, status, words):
    bedrock.set_model("amazon.nova-canvas-v1:0", **fault)
    run = live(faults_stack)
    assert run.code == 1, run.explain()
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", fix), run.explain()
    assert gen["data"]["status"] == status
    assert words in gen["message"]
    assert gen["location"]["file"] == "litellm-config.yaml"


def test_access_denied_fix_names_the_model_and_region(faults_stack: LiveStack, bedrock):
    bedrock.set_model("amazon.nova-canvas-v1:0", authorized=False)
    gen = live(faults_stack).one("generate.image")
    assert gen["fix"]["id"] == "bedrock-model-access-denied"
    steps = " ".join(gen["fix"]["steps"])
    assert "amazon.nova-canvas-v1:0" in steps and "us-east-1" in steps
    assert "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0" in steps


def test_inference_profile_fix_names_the_profile(faults_stack: LiveStack, bedrock):
    bedrock.set_model("amazon.nova-canvas-v1:0", on_demand=False)
    gen = live(faults_stack).one("generate.image")
    assert gen["fix"]["snippet"] == "model: bedrock/us.amazon.nova-canvas-v1:0"


def test_litellm_own_timeout_is_a_generation_timeout(faults_stack: LiveStack, bedrock):
    """`timeout: 1` on the deployment and a 2.5 s Bedrock: LiteLLM gives up and answers 408."""
    bedrock.set_model("amazon.nova-canvas-v1:0", latency_s=2.5)
    run = live(faults_stack, model="nova-short-timeout")
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "generation-timeout"), run.explain()
    assert gen["data"]["status"] == 408
    assert gen["location"] == {"file": "litellm-config.yaml",
                               "line": line_in(faults_stack.project.config, "nova-short-timeout", "timeout")}


def test_the_doctors_own_time_limit(faults_stack: LiveStack, bedrock):
    bedrock.set_model("amazon.nova-canvas-v1:0", latency_s=4)
    run = live(faults_stack, "--generation-timeout", "1.5")
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "generation-timeout"), run.explain()
    assert "no image within 1.5 s" in gen["message"]
    assert run.seconds < 4 + 3  # the doctor stopped waiting; it did not sit out the 4 s


def test_a_slow_generation_is_a_warning(faults_stack: LiveStack, bedrock):
    bedrock.set_model("amazon.nova-canvas-v1:0", latency_s=1.3)
    run = live(faults_stack, "--generation-timeout", "2")
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("warn", "generation-timeout"), run.explain()
    assert gen["message"].startswith("slow:") and "5-7 s" in gen["message"]
    assert run.code == 0
    assert live(faults_stack, "--generation-timeout", "2", "--strict").code == 1


@pytest.mark.parametrize("fault, words", [
    ("bad-image", "does not start with the PNG signature"),
    ("wrong-size", "is 256x256, not the 512x512"),
    ("no-images", "holds no image"),
])
def test_invalid_images(faults_stack: LiveStack, bedrock, tmp_path, fault, words):
    bedrock.set_model("amazon.nova-canvas-v1:0", fault=fault)
    run = live(faults_stack, "--save-image", str(tmp_path / "x.png"))
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "generation-invalid-image"), run.explain()
    assert words in gen["message"]
    # What came back is kept for a look, when there was something.
    assert (tmp_path / "x.png").exists() == (fault != "no-images")


# -- the proxy's own refusals ---------------------------------------------------------------------

def test_model_not_served(healthy_stack: LiveStack, bedrock, tmp_path):
    project = copy_project(healthy_stack, tmp_path / "p", image_model="dall-e-3")
    run = live(healthy_stack, project=project.root)
    assert run.code == 1, run.explain()
    found = run.one("litellm.live.image-model")
    assert (found["status"], found["fix"]["id"]) == ("fail", "litellm-model-not-found"), run.explain()
    assert "'dall-e-3'" in found["message"] and "nova-canvas, titan-image" in found["message"]
    assert found["location"] == {"file": "docker-compose.yml",
                                 "line": compose_line(project.compose, "IMAGE_GENERATION_MODEL=")}
    assert run.one("generate.image")["status"] == "skip"     # nothing paid for a request that cannot work
    assert bedrock.invocations() == []


def test_model_not_served_as_the_generation_sees_it(healthy_stack: LiveStack, bedrock):
    """The generation alone (its prerequisite not selected): LiteLLM's 400 "Invalid model name"."""
    gen = live(healthy_stack, model="dall-e-3", only="generate").one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "litellm-model-not-found")
    assert "Invalid model name passed in model=dall-e-3" in gen["message"]


def test_wrong_key(healthy_stack: LiveStack, bedrock):
    run = live(healthy_stack, key="sk-not-the-master-key-000")
    assert run.code == 1
    key = run.one("litellm.live.key")
    assert (key["status"], key["fix"]["id"]) == ("fail", "openwebui-api-key-mismatch"), run.explain()
    assert "No connected db." in key["message"] and "--litellm-key" in key["message"]
    assert "sk-not-the-master-key-000" not in run.stdout       # masked
    assert run.one("generate.image")["status"] == "skip"
    assert run.one("litellm.live.version")["status"] == "skip"


def test_wrong_key_as_the_generation_sees_it(healthy_stack: LiveStack, bedrock):
    gen = live(healthy_stack, key="sk-not-the-master-key-000", only="generate").one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", "openwebui-api-key-mismatch")
    assert "No connected db" in gen["message"]


def test_openwebui_key_is_refused(healthy_stack: LiveStack, bedrock, tmp_path):
    """The doctor's key works; the key Open WebUI sends for images does not."""
    project = copy_project(healthy_stack, tmp_path / "p",
                           openwebui_env={"IMAGES_OPENAI_API_KEY": "sk-openwebui-stale-key-1111"})
    run = live(healthy_stack, project=project.root, only="litellm")
    key = run.one("litellm.live.key")
    assert (key["status"], key["fix"]["id"]) == ("fail", "openwebui-api-key-mismatch"), run.explain()
    assert "IMAGES_OPENAI_API_KEY" in key["message"]
    assert key["location"] == {"file": "docker-compose.yml",
                               "line": compose_line(project.compose, "IMAGES_OPENAI_API_KEY=")}
    assert "IMAGES_OPENAI_API_KEY" in " ".join(key["fix"]["steps"])


def test_master_key_changed_in_the_files(healthy_stack: LiveStack, bedrock, tmp_path):
    """.env says one master key, the running proxy was started with another: recreate it."""
    project = copy_project(healthy_stack, tmp_path / "p")
    project.env_file.write_text(project.env_file.read_text().replace(healthy_stack.key, "sk-rotated-not-restarted-22"))
    run = doctor("--json", "--project", str(project.root), "--litellm-url", healthy_stack.url, "--only", "litellm")
    key = run.one("litellm.live.key")
    assert (key["status"], key["fix"]["id"]) == ("fail", "container-env-stale"), run.explain()
    assert key["location"] == {"file": ".env", "line": 2}
    assert "sk-rotated-not-restarted-22" not in run.stdout


def test_config_changed_but_proxy_not_restarted(healthy_stack: LiveStack, bedrock, tmp_path):
    text = changed_config(healthy_stack.project.config.read_text(), region="us-west-2")
    project = copy_project(healthy_stack, tmp_path / "p", config_text=text)
    run = live(healthy_stack, project=project.root, only="litellm")
    cur = run.one("litellm.live.config-current")
    assert (cur["status"], cur["fix"]["id"]) == ("fail", "litellm-config-stale"), run.explain()
    assert "aws_region_name us-west-2 in the file, us-east-1 running" in cur["message"]
    assert "nova-canvas-hd" in cur["message"] and "is not served" in cur["message"]
    assert cur["location"] == {"file": "litellm-config.yaml", "line": line_in(project.config, "nova-canvas")}


def test_model_in_the_file_but_not_running_is_stale(healthy_stack: LiveStack, bedrock, tmp_path):
    text = changed_config(healthy_stack.project.config.read_text())
    project = copy_project(healthy_stack, tmp_path / "p", config_text=text, image_model="nova-canvas-hd")
    run = live(healthy_stack, project=project.root, only="litellm")
    found = run.one("litellm.live.image-model")
    assert (found["status"], found["fix"]["id"]) == ("fail", "litellm-config-stale"), run.explain()
    assert found["location"] == {"file": "litellm-config.yaml", "line": line_in(project.config, "nova-canvas-hd")}


def changed_config(text: str, region: str | None = None) -> str:
    """The config with one more model (nova-canvas-hd) and, if given, another region for the first one."""
    if region:
        text = text.replace("aws_region_name: us-east-1", f"aws_region_name: {region}", 1)
    head, sep, tail = text.partition("litellm_settings:")
    extra = ("- model_name: nova-canvas-hd\n  litellm_params:\n    model: bedrock/amazon.nova-canvas-v1:0\n"
             "    aws_region_name: us-east-1\n")
    return head + extra + sep + tail


# -- the opt-in paid health probe (GET /health?model=X) ---------------------------------------------

HEALTH_ONLY = "litellm.live.reachable,litellm.live.key,litellm.live.image-model,litellm.live.model-health"


def test_health_probe_runs_only_when_named(healthy_stack: LiveStack, bedrock):
    run = live(healthy_stack, only=HEALTH_ONLY)
    health = run.one("litellm.live.model-health")
    assert health["status"] == "pass" and "one image billed" in health["message"], run.explain()
    assert len(bedrock.invocations("amazon.nova-canvas-v1:0")) == 1    # /health?model= really generates


@pytest.mark.parametrize("only", ["litellm", "litellm*", "litellm.live.*"])
def test_health_probe_is_not_opted_in_by_an_area_or_a_glob(healthy_stack: LiveStack, bedrock, only):
    run = live(healthy_stack, only=only)
    health = run.one("litellm.live.model-health")
    assert health["status"] == "skip", run.explain()
    assert "opt-in" in health["message"] and "--only litellm.live.model-health" in health["message"]
    assert run.one("litellm.live.image-model")["status"] == "pass", run.explain()
    assert bedrock.invocations() == []                  # no /health?model=, no paid call


def test_health_probe_names_the_cause(faults_stack: LiveStack, bedrock):
    run = live(faults_stack, model="nova-nocreds", only=HEALTH_ONLY)
    health = run.one("litellm.live.model-health")
    assert (health["status"], health["fix"]["id"]) == ("fail", "litellm-unhealthy"), run.explain()
    assert "Unable to locate credentials" in health["message"]
    assert health["data"]["cause_fix"] == "aws-credentials-missing"
