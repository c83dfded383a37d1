"""bedrock.generate through the real CLI: one real InvokeModel on the emulator, Bedrock's errors mapped
to fix ids, and the rule that it runs only when the generation through LiteLLM failed (or when --only names
its id: the runner's paid policy, where an area or a glob never opts a paid check in)."""
from __future__ import annotations

import pytest

from bedrock_helpers import closed_port_url, doctor, fake_image_proxy, one
from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import NOVA, TITAN2
from canvas_doctor.png_check import png_info

GEN = "bedrock.generate"
NOT_THE_PROXY = "config,litellm,openwebui,docker"   # leaves the areas generate and bedrock


def test_a_healthy_bedrock_returns_a_real_png(emu, env, tmp_path):
    saved = tmp_path / "direct.png"
    run = doctor(emu, env, "--save-image", str(saved), only="bedrock,bedrock.generate", region="us-east-1")
    r = one(run, GEN)
    assert run.code == 0
    assert r["status"] == "pass" and r["message"].startswith("Bedrock works: ")
    assert "320x320 PNG" in r["message"] and "about $0.04 (Nova Canvas on demand)" in r["message"]
    assert r["data"]["size"] == "320x320" and r["data"]["saved"] == str(saved)
    info = png_info(saved.read_bytes())
    assert (info.width, info.height) == (320, 320)
    [call] = emu.invocations()
    body = call.body
    assert body["imageGenerationConfig"] == {"numberOfImages": 1, "width": 320, "height": 320}
    assert call.auth == "sigv4"


def test_titan_gets_its_smallest_listed_size(emu, env):
    """The endpoint given as CANVAS_DOCTOR_BEDROCK_ENDPOINT this time."""
    emu.set_model(TITAN2, end_of_life="2099-01-01")
    env = {**env, "CANVAS_DOCTOR_BEDROCK_ENDPOINT": emu.url}
    run = doctor(None, env, "--model", "titan-image", only="bedrock.generate", region="us-east-1")
    r = one(run, GEN)
    assert r["status"] == "pass" and r["data"]["size"] == "384x576"
    assert emu.invocations(TITAN2)


# Bedrock's InvokeModel errors (the contract's "Facts") -> fix ids.
FAULTS = [
    ("throttle", "bedrock-throttled", "On-demand InvokeModel requests per minute for Nova Canvas"),
    ("access-denied", "bedrock-model-access-denied", "You don't have access to the model"),
    ("validation", "bedrock-request-rejected", "Malformed input request"),
    ("legacy-unused", "bedrock-model-end-of-life", "marked by provider as Legacy"),
    ("end-of-life", "bedrock-model-end-of-life", "reached the end of its life"),
    ("model-timeout", "generation-timeout", "ModelTimeoutException (408)"),
    ("unavailable", "bedrock-service-error", "ServiceUnavailableException (503)"),
    ("bad-image", "generation-invalid-image", "does not start with the PNG signature"),
    ("wrong-size", "generation-invalid-image", "not the 320x320 asked for"),
]


@pytest.mark.parametrize("fault,fix,text", FAULTS, ids=[f[0] for f in FAULTS])
def test_bedrock_errors_map_to_their_fix(emu, env, fault, fix, text):
    emu.set_model(NOVA, fault=fault)
    run = doctor(emu, env, only="bedrock.generate", region="us-east-1")
    r = one(run, GEN)
    assert run.code == 1
    assert r["status"] == "fail" and r["fix"]["id"] == fix, r["message"]
    assert text in r["message"]
    if r["message"].startswith("Bedrock itself refuses"):
        assert r["data"]["error_code"]
    assert len(emu.invocations()) == 1  # one attempt: no retries of a paid call


def test_an_unknown_model_id_in_the_region_is_region_unsupported(env):
    with BedrockEmulator(region="us-east-1", follow_signed_region=True) as e:
        run = doctor(e, env, only="bedrock.generate", region="us-west-2")
    r = one(run, GEN)
    assert r["fix"]["id"] == "bedrock-region-unsupported"
    assert "The provided model identifier is invalid" in r["message"]


def test_on_demand_refusal_needs_an_inference_profile(emu, env):
    emu.set_model(NOVA, on_demand=False, inference_profiles=["us"])
    run = doctor(emu, env, only="bedrock.generate", region="us-east-1")
    r = one(run, GEN)
    assert r["fix"]["id"] == "bedrock-inference-profile-required"
    assert "on-demand throughput" in r["message"]
    assert r["location"] == {"file": "litellm-image-config.yaml", "line": 4}


def test_a_slow_model_hits_the_generation_timeout(emu, env):
    emu.set_model(NOVA, latency_s=3)
    run = doctor(emu, env, "--generation-timeout", "1", only="bedrock.generate", region="us-east-1")
    r = one(run, GEN)
    assert r["status"] == "fail" and r["fix"]["id"] == "generation-timeout"
    assert "no answer within 1 s" in r["message"]


def test_it_runs_when_the_generation_through_litellm_failed(emu, env):
    """No --only: the direct call runs because generate.image failed, and blames the proxy."""
    run = doctor(emu, env, "--skip", NOT_THE_PROXY, "--litellm-image-url", closed_port_url(), only=None,
                 region="us-east-1")
    assert one(run, "generate.image")["status"] == "fail"
    r = one(run, GEN)
    assert r["status"] == "pass", r
    assert r["message"].startswith("Bedrock works; the proxy is at fault:")
    assert r["data"]["proxy"] == "failed"
    assert len(emu.invocations()) == 1


def test_bedrock_refusing_too_is_said_so(emu, env):
    emu.set_model(NOVA, fault="access-denied")
    run = doctor(emu, env, "--skip", NOT_THE_PROXY, "--litellm-image-url", closed_port_url(), only=None,
                 region="us-east-1")
    r = one(run, GEN)
    assert r["status"] == "fail" and r["fix"]["id"] == "bedrock-model-access-denied"
    assert r["message"].startswith("Bedrock itself refuses:")


def test_it_does_not_run_when_the_generation_through_litellm_worked(emu, env):
    with fake_image_proxy() as proxy:
        run = doctor(emu, env, "--skip", NOT_THE_PROXY, "--litellm-image-url", proxy.url, only=None,
                     region="us-east-1")
    assert one(run, "generate.image")["status"] == "pass"
    r = one(run, GEN)
    assert r["status"] == "skip" and "the generation through LiteLLM worked" in r["message"]
    assert emu.invocations() == []


def test_no_live_never_pays(emu, env):
    run = doctor(emu, env, "--no-live", region="us-east-1")
    assert one(run, GEN)["status"] == "skip"
    assert one(run, "bedrock.model-access")["status"] == "pass"
    assert emu.invocations() == []


@pytest.mark.parametrize("only", ["bedrock", "bedrock.*", "bedrock*,config", "bedrock.gen*"])
def test_an_area_or_a_glob_never_fires_the_paid_call(emu, env, only):
    """`--only bedrock` runs the free Bedrock checks; the InvokeModel needs its own id (or the generation)."""
    run = doctor(emu, env, only=only, region="us-east-1")
    r = one(run, GEN)
    assert r["status"] == "skip" and "--only bedrock.generate" in r["message"], r
    assert "an area or a glob never opts a paid check in" in r["message"]
    assert [q for q in emu.requests if q.operation == "InvokeModel"] == []     # the emulator's request log
    if only == "bedrock":
        assert one(run, "bedrock.model-access")["status"] == "pass"
        assert any(q.operation for q in emu.requests)                        # the free calls did reach it


def test_its_own_id_fires_exactly_one_paid_call(emu, env):
    run = doctor(emu, env, only="bedrock.generate", region="us-east-1")
    assert one(run, GEN)["status"] == "pass"
    assert [q.operation for q in emu.requests if q.operation == "InvokeModel"] == ["InvokeModel"]


def test_no_live_wins_over_its_own_id(emu, env):
    run = doctor(emu, env, "--no-live", only="bedrock.generate", region="us-east-1")
    r = one(run, GEN)
    assert r["status"] == "skip" and "--no-live" in r["message"]
    assert emu.invocations() == []
