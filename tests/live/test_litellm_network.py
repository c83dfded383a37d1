"""A broken network or a hostile answer gives a clear finding within the timeout, fast.

No real services needed: nothing listening, a socket that never answers, and a LiteLLM look-alike
whose routes answer badly on purpose (tests/live/hostile.py), all on 127.0.0.1.
"""
from __future__ import annotations

import pytest

from testbed.process import free_port
from hostile import HTML, NOT_JSON, FakeLiteLLM, answer, black_hole, drip, huge, litellm_routes
from litellm_fixtures import REPO, doctor

HEALTHY = REPO / "fixtures" / "pre-eol" / "healthy-nova-canvas"   # Nova Canvas before its end of life (helpers.PRE_EOL)
KEY = "sk-sample-master-0123456789"


def run_at(url: str, *extra: str, image_url: str | None = None, only: str = "litellm,generate"):
    return doctor("--json", "--project", str(HEALTHY), "--litellm-url", url, "--litellm-image-url", image_url or url,
                  "--litellm-key", KEY, "--only", only, *extra)


def test_nothing_listening_reports_in_under_3_seconds():
    run = run_at(f"http://127.0.0.1:{free_port()}", image_url=f"http://127.0.0.1:{free_port()}")
    assert run.code == 1, run.explain()
    reach = run.results("litellm.live.reachable")
    assert [r["fix"]["id"] for r in reach] == ["litellm-unreachable"] * 2          # chat and image proxy
    assert all("connection refused: nothing listens there" in r["message"] for r in reach)
    assert {r["status"] for r in run.json["results"] if r["check"] != "litellm.live.reachable"} == {"skip"}
    assert run.seconds < 3, f"{run.seconds:.2f} s"


def test_the_whole_default_run_is_fast_with_nothing_listening():
    """Every area the doctor has, on a stack whose services are all down (a blackholed machine)."""
    port = free_port()
    run = doctor("--json", "--project", str(HEALTHY), "--litellm-url", f"http://127.0.0.1:{port}",
                 "--litellm-image-url", f"http://127.0.0.1:{port}", "--openwebui-url", f"http://127.0.0.1:{port}",
                 "--no-live")
    assert run.code == 1
    assert run.seconds < 3, f"{run.seconds:.2f} s\n{run.explain()}"


def test_a_proxy_that_accepts_and_never_answers():
    with black_hole() as hole:
        run = run_at(hole.url)
    reach = run.one("litellm.live.reachable")
    assert (reach["status"], reach["fix"]["id"]) == ("fail", "litellm-unreachable")
    assert "no answer within 5 s" in reach["message"]
    assert run.seconds < 5 + 3, f"{run.seconds:.2f} s"


@pytest.mark.parametrize("route, words", [
    (huge(), "sent more than 4096 KiB"),
    (HTML, "an HTML page"),
    (NOT_JSON, "not a LiteLLM proxy"),
    (answer(404, {"detail": "Not Found"}), "404"),
    (drip(), "did not finish answering within 5 s"),
], ids=["huge", "html", "not-json", "404", "drip"])
def test_hostile_liveliness(route, words):
    with FakeLiteLLM({"/health/liveliness": route}) as fake:
        run = run_at(fake.url)
    reach = run.one("litellm.live.reachable")
    assert (reach["status"], reach["fix"]["id"]) == ("fail", "litellm-unreachable"), run.explain()
    assert words in reach["message"]
    assert run.seconds < 9


@pytest.mark.parametrize("route, words", [
    (NOT_JSON, "not with LiteLLM's model list"),
    (HTML, "not with LiteLLM's model list"),
    (huge(), "sent more than 4096 KiB"),
    (answer(404, {"detail": "Not Found"}), "404"),
], ids=["not-json", "html", "huge", "404"])
def test_hostile_model_list(route, words):
    with FakeLiteLLM({**litellm_routes(), "/v1/models": route}) as fake:
        run = run_at(fake.url, only="litellm.live.reachable,litellm.live.key")
    key = run.one("litellm.live.key")
    assert (key["status"], key["fix"]["id"]) == ("fail", "litellm-unhealthy"), run.explain()
    assert words in key["message"]


def test_plain_text_500_is_a_refused_key():
    """LiteLLM without prisma answers a refused key with a bare text/plain 500 (see litellm_errors)."""
    routes = {**litellm_routes(), "/v1/models": answer(500, "Internal Server Error", "text/plain; charset=utf-8")}
    with FakeLiteLLM(routes) as fake:
        run = run_at(fake.url, only="litellm.live.reachable,litellm.live.key")
    key = run.one("litellm.live.key")
    assert (key["status"], key["fix"]["id"]) == ("fail", "openwebui-api-key-mismatch"), run.explain()
    assert "prisma" in key["message"]


def test_compromised_release():
    with FakeLiteLLM(litellm_routes(version="1.107.3")) as fake:
        run = run_at(fake.url, only="litellm.live.reachable,litellm.live.version")
    version = run.one("litellm.live.version")
    assert (version["status"], version["fix"]["id"]) == ("fail", "litellm-version-compromised"), run.explain()
    assert "1.107.3" in version["message"]
    assert run.code == 1


# The real LiteLLM 1.108.7 answer once a deployment is parked after failures (measured: cooldowns on,
# three Bedrock errors in a row).
COOLDOWN = {"error": {"message": "No deployments available for selected model, Try again in 5 seconds. All "
                      "deployments for selected model are in cooldown. Passed model=nova-canvas. pre-call-checks="
                      "False, cooldown_list=['f55be111ce70']", "type": "all_deployments_in_cooldown", "param": None,
                      "code": "429"}}


@pytest.mark.parametrize("route, fix, words", [
    (answer(429, COOLDOWN), "litellm-unhealthy", "cooldown"),
    (huge(), "generation-invalid-image", "sent more than"),
    (NOT_JSON, "generation-invalid-image", "not JSON"),
    (HTML, "generation-invalid-image", "HTML page"),
    (answer(200, {"data": [{"url": "https://example.com/a.png"}]}), "generation-invalid-image", "URL"),
    (drip(), "generation-timeout", "no image within 2 s"),
], ids=["cooldown", "huge", "not-json", "html", "url", "drip"])
def test_hostile_generation(route, fix, words):
    with FakeLiteLLM({**litellm_routes(), "/v1/images/generations": route}) as fake:
        run = run_at(fake.url, "--generation-timeout", "2",
                     only="generate,litellm.live.reachable,litellm.live.key,litellm.live.image-model")
    gen = run.one("generate.image")
    assert (gen["status"], gen["fix"]["id"]) == ("fail", fix), run.explain()
    assert words in gen["message"]
    assert run.seconds < 7


def test_no_paid_health_call_without_a_model():
    """Never GET /health (it bills one image per image model): only liveliness and authenticated free routes."""
    with FakeLiteLLM(litellm_routes()) as fake:
        run_at(fake.url, "--no-live", only="litellm")
        seen = fake.seen
    assert "/health" not in seen and "/v1/images/generations" not in seen
    assert "/health/liveliness" in seen
