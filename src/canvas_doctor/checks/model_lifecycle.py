"""Checklist: every Bedrock image model the stack deploys is still served on the day of the run.

Offline, from the shipped lifecycle data (canvas_doctor/data/bedrock_image_models.yaml, each date
with its source) and the run's clock (Settings.today; CANVAS_DOCTOR_TODAY in tests). Past the end
of life Bedrock refuses every call (ResourceNotFoundException "This model version has reached the
end of its life", or ValidationException "The provided model identifier is invalid."), whatever
the configuration: that is a failure at the deployment's `model:` line with the way out (the
Active text-to-image models of the region, or of the nearest region that has one). Legacy is a
warning with its date and the 15-30 day inactivity rule. When the live lifecycle check ran
(GetFoundationModel), its answer wins over the shipped data, and the report says so.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from canvas_doctor.api import Result, check, failed, passed, skipped, warned
from canvas_doctor.facts import (LEGACY_INACTIVITY_RULE, LIFECYCLE_ACTIVE, LIFECYCLE_EOL, LIFECYCLE_LEGACY,
                                 ImageModel, lifecycle_params)
from canvas_doctor.models import Status
from canvas_doctor.stack.model import Deployment, Proxy, Stack
from canvas_doctor.stack.queries import bedrock_image_deployments, deployment_region
from canvas_doctor.fixes import Fix


# -- the fixes this module's rules give (other rules import them from here) ----------------------
BEDROCK_MODEL_LEGACY = Fix(
    id="bedrock-model-legacy",
    title="{name} is Legacy in Bedrock: move before {end_of_life}",
    cause=(
        "Bedrock has set an end of life for {name} ({model_id}): {end_of_life} (source: {source}). Until then "
        "new accounts cannot start using it, and an account that has not called it for 15-30 days loses access "
        '(404 "Access denied. This Model is marked by provider as Legacy"); after it every call fails.'
    ),
    steps=(
        "Active text-to-image models: {alternatives}",
        (
            "Move the {model} deployment in {file} before {end_of_life} (canvas-doctor explain "
            "bedrock-model-end-of-life shows the move; canvas-doctor fix applies it once the date has passed)"
        ),
    ),
    guide_section="Switching to Different Image Models",
    params=("alternatives", "end_of_life", "file", "model", "model_id", "name", "source"),
)

BEDROCK_MODEL_END_OF_LIFE = Fix(
    id="bedrock-model-end-of-life",
    title="Move off {name}: Bedrock no longer serves it",
    cause=(
        "{name} ({model_id}) reached its end of life on {end_of_life} (source: {source}). Since then Bedrock "
        'answers every call to it with ResourceNotFoundException ("This model version has reached the end of its '
        'life") or ValidationException ("The provided model identifier is invalid."), whatever the '
        "configuration. An account that had not used it for 15-30 days while it was Legacy lost access earlier "
        '(404 "Access denied. This Model is marked by provider as Legacy").'
    ),
    steps=(
        "Bedrock still serves for text-to-image: {alternatives}",
        (
            "In {file}, move the {model} deployment to model: bedrock/{new_model_id} with aws_region_name: "
            "{new_region}, named {new_alias}; keep only keys {new_name} reads (remove stream and the other "
            "family's keys: cfgScale, width, height, numberOfImages ...)"
        ),
        (
            "In Open WebUI's environment (compose and CloudFormation): IMAGE_GENERATION_MODEL={new_alias}, "
            "IMAGE_SIZE=1024x1024 ({new_name} draws at its own size, 1024x1024 for 1:1: LiteLLM sends it no size)"
        ),
        "Production: the task role must allow bedrock:InvokeModel on {new_arn}",
        "Price: {price_change}",
        (
            "canvas-doctor fix makes these edits after showing the diff; then restart the proxy and recreate "
            "Open WebUI"
        ),
    ),
    snippet=(
        "- model_name: {new_alias}\n"
        "  litellm_params:\n"
        "    model: bedrock/{new_model_id}\n"
        "    aws_region_name: {new_region}\n"
        "    api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK\n"
        "  model_info:\n"
        "    mode: image_generation\n"
    ),
    guide_section="Switching to Different Image Models",
    params=("alternatives", "end_of_life", "file", "model", "model_id", "name", "new_alias", "new_arn", "new_model_id", "new_name", "new_region", "price_change", "source"),
    edit="canvas_doctor.edits.planner:plan_end_of_life",
)

LIVE_LIFECYCLE = "bedrock.model-lifecycle"


def _live_answer(results: dict, model_id: str) -> dict | None:
    """The live lifecycle result's data for this model, when that check ran and read it."""
    for r in results.get(LIVE_LIFECYCLE) or []:
        if r.status in (Status.PASS, Status.WARN, Status.FAIL) and r.data.get("model_id") == model_id \
                and r.data.get("lifecycle"):
            return r.data
    return None


def _params(proxy: Proxy, dep: Deployment, model: ImageModel, region: str | None, today: date) -> dict[str, Any]:
    return lifecycle_params(model.model_id, region, today, service=proxy.name,
                            file=proxy.config.display if proxy.config else "", model=dep.model_name)


def judge(proxy: Proxy, dep: Deployment, model: ImageModel, today: date, live: dict | None) -> Result:
    """One deployment's model, as of `today` (the live answer, when there is one, wins)."""
    region, _ = deployment_region(dep, proxy)
    at = dep.at("model")
    p = _params(proxy, dep, model, region, today)
    status = model.status_on(today)
    shipped = status
    correction = ""
    if live is not None:
        status = {"ACTIVE": LIFECYCLE_ACTIVE, "LEGACY": LIFECYCLE_LEGACY}.get(str(live["lifecycle"]), status)
        end = live.get("end_of_life")
        if status == LIFECYCLE_LEGACY and end and end <= f"{today}":
            status = LIFECYCLE_EOL
        if status != shipped:
            correction = (f" (canvas-doctor's shipped data says {shipped} on {today}; Bedrock's GetFoundationModel "
                          f"answer says {live['lifecycle']}{', end of life ' + end if end else ''}, and wins)")
    what = f"{dep.model_name}: {model.name} ({model.model_id})"
    if status == LIFECYCLE_EOL:
        return failed(f"{what} reached its end of life on {p['end_of_life']} (source: {p['source']}): Bedrock "
                      f"refuses every call to it, whatever the configuration. Way out: {p['way_out_short']}; "
                      f"`canvas-doctor fix` moves the deployment{correction}",
                      fix="bedrock-model-end-of-life", at=at, params=p, end_of_life=p["end_of_life"],
                      model_id=model.model_id, new_model_id=p.get("new_model_id"), new_region=p.get("new_region"))
    if status == LIFECYCLE_LEGACY:
        return warned(f"{what} is Legacy: its end of life is {p['end_of_life']} (source: {p['source']}); "
                      f"{LEGACY_INACTIVITY_RULE}. Move before then: {p['way_out_short']}{correction}",
                      fix="bedrock-model-legacy", at=at, params=p, end_of_life=p["end_of_life"],
                      model_id=model.model_id)
    return passed(f"{what} is Active on {today}{correction}", at=at, model_id=model.model_id)


@check(id="litellm.config.model-lifecycle", area="config", title="Bedrock still serves every image model deployed",
       after=(LIVE_LIFECYCLE,), fixes=(BEDROCK_MODEL_END_OF_LIFE, BEDROCK_MODEL_LEGACY), image_path=True)
def image_models_still_served(stack: Stack, settings, results):
    """Nova Canvas v1: end of life 2026-09-30; Titan Image v1/v2: 2026-06-30 (AWS's lifecycle page)."""
    out: list[Result] = []
    for proxy, dep, model in bedrock_image_deployments(stack):
        out.append(judge(proxy, dep, model, settings.today, _live_answer(results, model.model_id)))
    return out or [skipped("no Bedrock image model deployment found")]
