"""Versions in play: read from the image tags, reported in `stack`, and each version-bound fact applied
for that version (data/version_facts.yaml, from versions.md), through the real CLI."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from canvas_doctor.versions import all_facts, from_image, parse_version
from helpers import FIXTURES, run_cli


@pytest.mark.parametrize("image, version, moving", [
    ("ghcr.io/open-webui/open-webui:v0.6.34", (0, 6, 34), False),
    ("ghcr.io/open-webui/open-webui:0.9.6-cuda", (0, 9, 6), False),
    ("ghcr.io/berriai/litellm:main-v1.74.3-stable", (1, 74, 3), False),
    ("ghcr.io/berriai/litellm:v1.108.7.post1", (1, 108, 7), False),
    ("ghcr.io/open-webui/open-webui:main", None, True),
    ("ghcr.io/open-webui/open-webui", None, True),          # no tag is :latest
    ("ghcr.io/berriai/litellm:main-stable", None, True),
    ("ghcr.io/berriai/litellm:main-latest", None, True),
    ("ghcr.io/open-webui/open-webui:cuda", None, True),
    ("ghcr.io/berriai/litellm@sha256:" + "a" * 64, None, False),  # a digest is fixed, its release not named
    ("registry.local:5000/litellm:custom-build", None, False),
])
def test_an_image_tag_names_a_release_or_follows_a_branch(image: str, version, moving: bool) -> None:
    v = from_image("svc", "litellm", image)
    assert (v.version, v.moving) == (version, moving)


def test_every_shipped_fact_has_a_range_and_evidence() -> None:
    facts = all_facts()
    assert len(facts) >= 10
    for f in facts:
        assert f.component in ("openwebui", "litellm") and (f.since or f.until) and "versions.md" in f.evidence
    assert parse_version("0.10.0") > parse_version("0.9.6")  # compared as numbers, not text


def _stack(tmp_path: Path, litellm_tag: str, *, edit_config=None, default_key: bool = False) -> Path:
    root = tmp_path / "stack"
    shutil.copytree(FIXTURES / "healthy", root)
    compose = root / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("ghcr.io/berriai/litellm:main-v1.108.7",
                                                   f"ghcr.io/berriai/litellm:{litellm_tag}"))
    if default_key:  # LiteLLM's own publicly known sk-1234
        env = root / ".env"
        env.write_text(env.read_text().replace("LITELLM_MASTER_KEY=sk-sample-master-0123456789",
                                               "LITELLM_MASTER_KEY=sk-1234"))
    if edit_config:
        cfg = root / "litellm-image-config.yaml"
        cfg.write_text(edit_config(cfg.read_text()))
    return root


def test_the_stack_object_lists_each_version_and_its_evidence(tmp_path: Path) -> None:
    run = run_cli("run", "--offline", "--json", "--project", str(_stack(tmp_path, "main-v1.103.0")))
    versions = {(v["service"], v["component"]): v for v in run.json["stack"]["versions"]}
    assert versions[("litellm", "litellm")]["version"] == "1.103.0"
    assert versions[("litellm", "litellm")]["source"] == "image tag main-v1.103.0"
    assert versions[("openwebui", "openwebui")]["version"] == "0.12.4"


def test_a_moving_tag_warns_at_its_image_line_and_says_what_is_assumed(tmp_path: Path) -> None:
    run = run_cli("run", "--offline", "--json", "--project", str(_stack(tmp_path, "main-stable")))
    warned = run.results("config.versions", "warn")
    assert [(r["location"]["file"], r["location"]["line"], r["fix"]["id"]) for r in warned] == [
        ("docker-compose.yml", 27, "image-tag-moving"), ("docker-compose.yml", 40, "image-tag-moving")]
    assert "follows a branch" in warned[0]["message"] and "assumes LiteLLM 1.108.7" in warned[0]["message"]
    assert "ghcr.io/berriai/litellm:main-v1.108.7" in warned[0]["fix"]["snippet"]
    assert run.code == 0  # a warning: the stack works today


def test_the_default_master_key_is_an_open_proxy_before_1_104_and_refused_from_it(tmp_path: Path) -> None:
    old = run_cli("run", "--offline", "--json", "--project", str(_stack(tmp_path / "a", "main-v1.103.0", default_key=True)))
    new = run_cli("run", "--offline", "--json", "--project", str(_stack(tmp_path / "b", "main-v1.104.0", default_key=True)))
    (o,) = [r for r in old.results("compose.litellm.master-key", "fail") if "the litellm proxy" in r["message"]]
    (n,) = [r for r in new.results("compose.litellm.master-key", "fail") if "the litellm proxy" in r["message"]]
    assert "accepts any key" in o["message"] and "1.103.0" in o["message"]
    assert "refuses to start" in n["message"] and "1.104.0" in n["message"]


def test_per_model_drop_params_counts_only_from_litellm_1_68_2(tmp_path: Path) -> None:
    def per_model(text: str) -> str:
        return text.replace("litellm_settings:\n  drop_params: true\n", "").replace(
            "      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK\n",
            "      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK\n      drop_params: true\n")
    old = run_cli("run", "--offline", "--json", "--project",
                  str(_stack(tmp_path / "a", "main-v1.67.6", edit_config=per_model)))
    new = run_cli("run", "--offline", "--json", "--project",
                  str(_stack(tmp_path / "b", "main-v1.70.4", edit_config=per_model)))
    (fail,) = old.results("litellm.config.drop-params", "fail")
    assert fail["fix"]["id"] == "litellm-drop-params-off" and "before 1.68.2" in fail["message"]
    assert new.results("litellm.config.drop-params")[0]["status"] == "pass"


def test_api_base_that_is_no_url_breaks_only_from_litellm_1_74_3(tmp_path: Path) -> None:
    def api_base(text: str) -> str:
        return text.replace("      aws_region_name: us-west-2\n",
                            "      aws_region_name: us-west-2\n      api_base: bedrock-runtime\n")
    old = run_cli("run", "--offline", "--json", "--project",
                  str(_stack(tmp_path / "a", "main-v1.74.0", edit_config=api_base)))
    new = run_cli("run", "--offline", "--json", "--project",
                  str(_stack(tmp_path / "b", "main-v1.74.3", edit_config=api_base)))
    (o,) = [r for r in old.results("litellm.config.api-base") if "bedrock-runtime" in r["message"]]
    assert o["status"] == "pass" and "before 1.74.3" in o["message"]
    assert new.fix_ids("fail") >= {"litellm-api-base-invalid"}
