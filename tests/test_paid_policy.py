"""One meaning of "paid" (canvas_doctor.policy): a paid check runs with the live generation or when
--only names its own id; an area or a glob never opts it in; --no-live and --offline always win.
And every call that spends money sits in a check that declares "paid"."""
from __future__ import annotations

import inspect
import re

import pytest

from helpers import REPO

from canvas_doctor import policy
from canvas_doctor.registry import load_registry
from canvas_doctor.settings import Settings

CHECKS = load_registry().by_id()
GENERATE, DIRECT, HEALTH = CHECKS["generate.image"], CHECKS["bedrock.generate"], CHECKS["litellm.live.model-health"]


def _runs(spec, **settings) -> bool:
    s = Settings(**settings)
    selected = [c for c in CHECKS.values() if s.selects(c)]
    assert spec in selected, "the case must select the check"
    return policy.why_not(spec, s, policy.generation_on(s, selected)) is None


@pytest.mark.parametrize("spec,settings,runs", [
    (GENERATE, {}, True),                                                  # the default run generates
    (DIRECT, {}, True),                                                    # ... so the follow-up may run
    (HEALTH, {}, False),                                                   # opt-in: billed when all is well
    (GENERATE, {"only": ("generate",)}, True),
    (DIRECT, {"only": ("bedrock",)}, False),                               # an area: no paid call
    (DIRECT, {"only": ("bedrock.*",)}, False),                             # a glob: none either
    (DIRECT, {"only": ("bedrock.generate",)}, True),                       # its own id
    (DIRECT, {"only": ("bedrock", "generate")}, True),                     # with the generation
    (HEALTH, {"only": ("litellm",)}, False),
    (HEALTH, {"only": ("litellm*",)}, False),
    (HEALTH, {"only": ("litellm", "generate")}, False),
    (HEALTH, {"only": ("litellm.live.model-health",)}, True),
    (GENERATE, {"no_live": True}, False),
    (DIRECT, {"no_live": True, "only": ("bedrock.generate",)}, False),     # --no-live wins over the id
    (HEALTH, {"offline": True, "only": ("litellm.live.model-health",)}, False),
], ids=lambda v: v.id if hasattr(v, "id") else None)
def test_when_a_paid_check_runs(spec, settings, runs) -> None:
    assert _runs(spec, **settings) is runs


def test_the_skip_says_why_and_how_to_opt_in() -> None:
    s = Settings(only=("bedrock",))
    why = policy.why_not(DIRECT, s, policy.generation_on(s, [c for c in CHECKS.values() if s.selects(c)]))
    assert why is not None and "--only bedrock.generate" in why and "never opts a paid check in" in why
    why = policy.why_not(HEALTH, Settings(), True)
    assert why is not None and why.startswith("opt-in:") and "--only litellm.live.model-health" in why


# Calls that spend money: Bedrock's InvokeModel, LiteLLM's image route and its /health with a model,
# Open WebUI's image generation route (generate.openwebui).
PAID_CALL = re.compile(r"invoke_model\(|litellm\.generate\(|/health\?model=|/images/generations[\"']|"
                       r"/api/v1/images/generations")
CLIENTS = {"aws_client.py", "litellm_client.py"}   # where the paid calls are defined, not made


def test_every_paid_call_sits_in_a_check_that_declares_paid() -> None:
    declared = {spec.func.__module__ for spec in CHECKS.values() if policy.is_paid(spec)}
    makers = set()
    for path in (REPO / "src" / "canvas_doctor").rglob("*.py"):
        if path.name in CLIENTS:
            continue
        code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        code = re.sub(r'"""[\s\S]*?"""', "", code)  # docstrings describe calls; they make none
        if PAID_CALL.search(code):
            makers.add(path)
    assert makers, "the scan must find the paid calls"
    for path in makers:
        module = "canvas_doctor." + ".".join(path.relative_to(REPO / "src" / "canvas_doctor").with_suffix("").parts)
        assert module in declared, f"{path.name} makes a paid call but none of its checks declares paid"
        for spec in CHECKS.values():
            if spec.func.__module__ == module and PAID_CALL.search(inspect.getsource(spec.func)):
                assert policy.is_paid(spec), f"{spec.id} makes a paid call without declaring paid"
    assert {p.name for p in makers} == {"generate.py", "bedrock_generate.py", "litellm_live.py", "openwebui_generate.py"}
