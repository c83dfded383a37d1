"""The Bedrock lifecycle as data and the clock: what the checks say on a given day, and why."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from canvas_doctor.aws_client import AwsCallError, classify
from canvas_doctor.facts import IMAGE_MODELS, image_model, lifecycle_params, ways_out
from canvas_doctor.litellm_errors import diagnose
from helpers import TODAY, clean_env, run_cli

DAY = date.fromisoformat(TODAY)
INVALID = "BedrockException - {\"message\":\"The provided model identifier is invalid.\"}"


def test_every_entry_has_its_source_regions_and_price():
    for m in IMAGE_MODELS.values():
        assert m.lifecycle.source and m.regions and m.price_per_image > 0 and m.family in ("nova", "titan", "stability")
    assert image_model("us.amazon.nova-canvas-v1:0").lifecycle.end_of_life == date(2026, 9, 30)
    assert image_model("amazon.titan-image-generator-v2:0").lifecycle.end_of_life == date(2026, 6, 30)
    # Where sources disagree, the data says so.
    assert "LiteLLM" in image_model("amazon.titan-image-generator-v1").lifecycle.note


@pytest.mark.parametrize("day, status", [("2026-01-01", "active"), ("2026-03-30", "legacy"),
                                         ("2026-09-29", "legacy"), ("2026-09-30", "end-of-life")])
def test_nova_canvas_on_each_day(day, status):
    assert image_model("amazon.nova-canvas-v1:0").status_on(date.fromisoformat(day)) == status


def test_the_way_out_is_the_nearest_region_with_an_active_model_and_its_price():
    here, nearest = ways_out("us-east-1", DAY, exclude="amazon.nova-canvas-v1:0")
    assert nearest == "us-west-2" and here[0].model_id == "stability.stable-image-core-v1:1"
    p = lifecycle_params("amazon.titan-image-generator-v2:0", "us-east-1", DAY)
    assert p["new_arn"] == "arn:aws:bedrock:us-west-2::foundation-model/stability.stable-image-core-v1:1"
    assert p["price_change"] == "$0.04 an image instead of $0.008 (+$0.032 an image)"


def test_an_invalid_model_identifier_is_the_end_of_life_only_past_the_date():
    after = diagnose(400, INVALID, model_id="amazon.nova-canvas-v1:0", today=DAY)
    assert after.fix == "bedrock-model-end-of-life" and "2026-09-30" in after.summary
    before = diagnose(400, INVALID, model_id="amazon.nova-canvas-v1:0", today=date(2026, 1, 1))
    assert before.fix == "bedrock-region-unsupported"
    assert diagnose(400, INVALID).fix == "bedrock-region-unsupported"  # no model known: the region


def test_direct_answers_are_classified_the_same_way():
    eol = AwsCallError("aws", "This model version has reached the end of its life. Please refer to the AWS "
                              "documentation for more details.", "ResourceNotFoundException", 404, "InvokeModel")
    assert classify(eol).fix == "bedrock-model-end-of-life"
    invalid = AwsCallError("aws", "The provided model identifier is invalid.", "ValidationException", 400,
                           "InvokeModel")
    assert classify(invalid, model_id="amazon.titan-image-generator-v2:0", today=DAY).fix == "bedrock-model-end-of-life"
    assert classify(invalid).fix == "bedrock-region-unsupported"


def _stability_stack(tmp: Path, params: str, size: str = "512x512") -> Path:
    (tmp / "docker-compose.yml").write_text(f"""\
services:
  openwebui:
    image: ghcr.io/open-webui/open-webui:v0.12.4
    environment:
      - ENABLE_IMAGE_GENERATION=True
      - IMAGE_GENERATION_MODEL=stable-image-core
      - IMAGE_SIZE={size}
      - OPENAI_API_BASE_URL=http://litellm:4000/v1
      - OPENAI_API_KEY=${{LITELLM_MASTER_KEY}}
      - IMAGES_OPENAI_API_BASE_URL=http://litellm:4000/v1
      - IMAGES_OPENAI_API_KEY=${{LITELLM_MASTER_KEY}}
  litellm:
    image: ghcr.io/berriai/litellm:main-v1.108.7
    command: ["--config", "/app/config.yaml"]
    environment:
      - LITELLM_MASTER_KEY=${{LITELLM_MASTER_KEY}}
      - AWS_BEARER_TOKEN_BEDROCK=${{AWS_BEARER_TOKEN_BEDROCK}}
    volumes:
      - ./litellm-config.yaml:/app/config.yaml:ro
""")
    (tmp / ".env").write_text("LITELLM_MASTER_KEY=sk-a-long-private-key-0123456789\nAWS_BEARER_TOKEN_BEDROCK=x\n")
    (tmp / "litellm-config.yaml").write_text(f"""\
model_list:
  - model_name: stable-image-core
    litellm_params:
      model: bedrock/stability.stable-image-core-v1:1
      aws_region_name: us-west-2
      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK
{params}litellm_settings:
  drop_params: true
""")
    return tmp


def _image_findings(project: Path) -> dict[str, dict]:
    run = run_cli("run", "--offline", "--json", "--project", str(project), "--today", TODAY)
    checks = ("litellm.config.image-stream", "litellm.config.image-params", "compose.openwebui.image-size",
              "litellm.config.model-lifecycle", "litellm.config.region")
    return {r["check"]: r for r in run.json["results"] if r["check"] in checks}


def test_stable_image_core_in_us_west_2_with_a_512_image_size_is_quiet(tmp_path):
    found = _image_findings(_stability_stack(tmp_path, ""))
    assert {c: r["status"] for c, r in found.items()} == dict.fromkeys(found, "pass"), found
    assert "ignores IMAGE_SIZE" in found["compose.openwebui.image-size"]["message"]
    assert len(found) == 5


def test_a_stream_key_and_a_nova_key_are_still_caught_on_stability(tmp_path):
    found = _image_findings(_stability_stack(tmp_path, "      stream: false\n      cfgScale: 7\n"))
    stream, params = found["litellm.config.image-stream"], found["litellm.config.image-params"]
    assert stream["fix"]["id"] == "litellm-stream-key-rejected" and stream["location"]["line"] == 7
    assert "top level of Stable Image Core's request body" in stream["message"]
    assert "imageGenerationConfig" not in stream["message"]
    assert params["fix"]["id"] == "litellm-param-wrong-family" and params["location"]["line"] == 8
    assert "`cfgScale` is not a request key of Stable Image Core" in params["message"]


def test_explain_shows_the_whole_migration_with_the_price():
    run = run_cli("explain", "bedrock-model-end-of-life", env=clean_env(CANVAS_DOCTOR_TODAY=TODAY))
    out = run.stdout
    assert run.code == 0
    assert "model: bedrock/stability.stable-image-core-v1:1" in out and "us-west-2" in out
    assert "IMAGE_GENERATION_MODEL=stable-image-core" in out and "IMAGE_SIZE=1024x1024" in out
    assert "arn:aws:bedrock:us-west-2::foundation-model/stability.stable-image-core-v1:1" in out
    assert "Price:" in out and "{" not in out
