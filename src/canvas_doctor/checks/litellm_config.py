"""Checklist: the LiteLLM config serves the image model the way Bedrock accepts it.

Facts from LiteLLM proxy 1.108.7 (see canvas_doctor.facts and the contract's "Facts behind the checks").
"""
from __future__ import annotations

from urllib.parse import urlsplit

from canvas_doctor.api import Result, check, failed, passed, skipped, warned
from canvas_doctor.facts import INFERENCE_PROFILE_ONLY, is_true, litellm_providers, profile_prefix
from canvas_doctor.stack.model import Deployment, Proxy, Stack
from canvas_doctor.versions import LITELLM, describe, holds
from canvas_doctor.stack.queries import (bedrock_image_deployments, deployment_image_model, deployment_region, image_deployments,
                                         image_model_set, is_image_deployment, param, wanted_image_model)
from canvas_doctor.fixes import Fix, OneOf


# -- the fixes this module's rules give (other rules import them from here) ----------------------
LITELLM_STREAM_ENABLED = Fix(
    id="litellm-stream-enabled",
    title="Do not stream an image model",
    cause=(
        "Image models answer in one piece; `stream: true` on an image deployment (or a client that asks to "
        "stream) breaks the request."
    ),
    steps=(
        (
            "Remove the `stream` line from the {model} deployment in {file} (do not write `stream: false` "
            "either: see litellm-stream-key-rejected)"
        ),
        "{restart_proxy}",
    ),
    snippet=OneOf(
        (
            "- model_name: {model}\n"
            "  litellm_params:\n"
            "    model: {litellm_model}\n"
            "    aws_region_name: {aws_region_name}\n"
            "    # your other keys as they are; no `stream` key on image models\n"
        ),
        (
            "- model_name: {model}\n"
            "  litellm_params:\n"
            "    model: {litellm_model}\n"
            "    # your other keys as they are; no `stream` key on image models\n"
        ),
        "# no `stream` key in the litellm_params of an image model",
    ),
    guide_section='Error: "Streaming not supported for image models"',
    params=("aws_region_name", "file", "litellm_model", "model"),
    edit="canvas_doctor.edits.planner:plan_stream",
)

LITELLM_STREAM_KEY_REJECTED = Fix(
    id="litellm-stream-key-rejected",
    title="Remove the `stream` key from the image model (the guide's `stream: false` too)",
    cause=(
        "LiteLLM (1.108.7) copies any `stream` value of an image deployment into the model's "
        'imageGenerationConfig (Nova Canvas, Titan Image), and Bedrock rejects it ("extraneous key [stream] is '
        "not permitted\"). The guide's advice to write `stream: false` is what breaks the request; image "
        "generation never streams anyway."
    ),
    steps=(
        "Delete the line `stream: ...` from the {model} deployment in {file}",
        "{restart_proxy}",
    ),
    snippet=OneOf(
        (
            "- model_name: {model}\n"
            "  litellm_params:\n"
            "    model: {litellm_model}\n"
            "    aws_region_name: {aws_region_name}\n"
            "    # your other keys as they are, without `stream`\n"
        ),
        (
            "- model_name: {model}\n"
            "  litellm_params:\n"
            "    model: {litellm_model}\n"
            "    # your other keys as they are, without `stream`\n"
        ),
        "# no `stream` key in the litellm_params of an image model",
    ),
    guide_section='Error: "Streaming not supported for image models"',
    params=("aws_region_name", "file", "litellm_model", "model"),
    edit="canvas_doctor.edits.planner:plan_stream",
)

LITELLM_API_BASE_INVALID = Fix(
    id="litellm-api-base-invalid",
    title="Remove the api_base that is not a URL (the guide's `api_base: bedrock-runtime`)",
    cause=(
        "LiteLLM uses api_base verbatim as the URL prefix; `bedrock-runtime` is not a URL, so every call fails "
        "(InvalidURL). Bedrock needs no api_base."
    ),
    steps=(
        "Delete `api_base: {value}` from the {model} deployment in {file}",
        "{restart_proxy}",
    ),
    snippet=OneOf(
        (
            "- model_name: {model}\n"
            "  litellm_params:\n"
            "    model: {litellm_model}\n"
            "    aws_region_name: {aws_region_name}\n"
            "    # your other keys as they are, without `api_base`\n"
        ),
        (
            "- model_name: {model}\n"
            "  litellm_params:\n"
            "    model: {litellm_model}\n"
            "    # your other keys as they are, without `api_base`\n"
        ),
        "# no `api_base` in the litellm_params of a Bedrock model",
    ),
    guide_section="Issue 1: Nova Canvas Doesn't Support Streaming",
    params=("aws_region_name", "file", "litellm_model", "model", "value"),
    edit="canvas_doctor.edits.planner:plan_api_base",
)

LITELLM_PROVIDER_INVALID = Fix(
    id="litellm-provider-invalid",
    title="Use a provider prefix LiteLLM knows",
    cause=(
        "LiteLLM drops a deployment whose `model:` has an unknown provider prefix, silently; the model is then "
        '"not found".'
    ),
    steps=(
        "Write the model as bedrock/<model id> in {file} (found: {value})",
        "{restart_proxy}",
    ),
    snippet=OneOf(
        "model: bedrock/{model_id}   # a Bedrock model; another provider has its own prefix",
        "model: bedrock/<model id>   # e.g. bedrock/amazon.nova-canvas-v1:0",
    ),
    params=("file", "model_id", "value"),
    edit="canvas_doctor.edits.from_stack:plan_provider_invalid",
)

LITELLM_DROP_PARAMS_OFF = Fix(
    id="litellm-drop-params-off",
    title="Turn on drop_params for the image proxy",
    cause=(
        "Open WebUI always sends response_format; without drop_params LiteLLM rejects the parameter for Bedrock "
        "image models."
    ),
    steps=(
        "Set litellm_settings.drop_params: true in {file}",
        "{restart_proxy}",
    ),
    snippet=(
        "litellm_settings:\n"
        "  drop_params: true\n"
    ),
    guide_section="Model Configuration (litellm-config.yaml)",
    params=("file",),
    edit="canvas_doctor.edits.planner:plan_drop_params",
)

LITELLM_PROVISIONED_MODEL_FORMAT = Fix(
    id="litellm-provisioned-model-format",
    title="Name the base model in `model:` and the ARN in `model_id`",
    cause=(
        "With `model: bedrock/arn:...` LiteLLM cannot tell the ARN is Nova Canvas and sends a Stability-format "
        "body, which Bedrock rejects."
    ),
    steps=(
        (
            "In the {model} deployment of {file}, set model: bedrock/amazon.nova-canvas-v1:0 and model_id: "
            "{value}"
        ),
        "Add model_info: {{mode: image_generation}} so health checks treat it as an image model",
        "{restart_proxy}",
    ),
    snippet=OneOf(
        (
            "- model_name: {model}\n"
            "  litellm_params:\n"
            "    model: bedrock/amazon.nova-canvas-v1:0\n"
            "    model_id: {value}\n"
            "    aws_region_name: {aws_region_name}\n"
            "  model_info:\n"
            "    mode: image_generation\n"
        ),
        (
            "- model_name: {model}\n"
            "  litellm_params:\n"
            "    model: bedrock/amazon.nova-canvas-v1:0\n"
            "    model_id: {value}\n"
            "  model_info:\n"
            "    mode: image_generation\n"
        ),
    ),
    guide_section="For Higher Throughput",
    params=("aws_region_name", "file", "model", "value"),
    edit="canvas_doctor.edits.planner:plan_provisioned",
)

IMAGE_MODEL_IN_CHAT = Fix(
    id="image-model-in-chat",
    title="Keep the image model out of Open WebUI's chat model list",
    cause=(
        "The proxy Open WebUI uses for chat also serves the image model, so it appears as a chat model; chatting "
        'with it fails with "required key [messages] not found".'
    ),
    steps=(
        (
            "Serve image models from a second proxy (e.g. litellm-image) that only IMAGES_OPENAI_API_BASE_URL "
            "points at, or"
        ),
        "Hide {model} in Open WebUI: Admin Settings > Models",
    ),
    guide_section="Use Both Models (User Selectable)",
    params=("model",),
)

LITELLM_PARAM_WRONG_FAMILY = Fix(
    id="litellm-param-wrong-family",
    title="Remove `{key}` from the {model} deployment: {name} does not read it",
    cause=(
        "LiteLLM 1.108.7 copies litellm_params it does not know into the Bedrock request (Nova Canvas and Titan: "
        "into imageGenerationConfig; Stability: at the top of the body), and Bedrock rejects keys the model's "
        'schema does not have ("extraneous key [{key}] is not permitted"). `{key}` is a key of another model '
        "family, often left over from a move between models."
    ),
    steps=(
        "In {file}, remove `{key}` from the {model} deployment ({name} reads: {keys})",
        "Restart the proxy: docker compose restart {service}",
    ),
    guide_section="Switching to Different Image Models",
    params=("file", "key", "keys", "model", "name"),
)

# fixes written in other rule modules are named by id (the registry resolves them at load; a typo
# fails there), so this module imports no other rule


def _loaded(stack: Stack) -> list[Proxy]:
    return [p for p in stack.proxies.values() if p.config is not None and p.config.data is not None]


def _params(proxy: Proxy, dep: Deployment, **extra) -> dict:
    """The deployment's own values for its fix texts (snippets show its model and region as written)."""
    known = deployment_image_model(dep)
    return {"service": proxy.name, "file": proxy.config.display if proxy.config else "", "model": dep.model_name,
            "litellm_model": dep.model or None, "model_id": dep.base_model_id or None,
            "aws_region_name": dep.params.get("aws_region_name"), "offered_region": known.regions[0] if known else None,
            **extra}


@check(id="litellm.config.image-model-served", area="config",
       title="LiteLLM serves the image model Open WebUI asks for",
       fixes=("litellm-model-not-found",), image_path=True)
def image_model_is_served(stack, settings):
    """Guide: Error "Model not found: nova-canvas", step 1."""
    proxy = stack.image_proxy
    if proxy is None:
        return skipped("no LiteLLM proxy or config found")
    if proxy.config is None and proxy.config_elsewhere:
        return skipped(f"the config of {proxy.name} comes from {proxy.config_elsewhere}")
    if proxy.config is None and proxy.models_in_db:
        return skipped(f"{proxy.name} keeps its models in its database (STORE_MODEL_IN_DB): the live checks see them")
    if proxy.config is None or proxy.config.data is None:
        return skipped(f"the config of {proxy.name} could not be read (see config.files / config-mounted)")
    if not settings.model and stack.openwebui_services and not image_model_set(stack):
        return skipped("IMAGE_GENERATION_MODEL is not set (see compose.openwebui.image-model)")
    if not settings.model and not stack.openwebui_services:
        return skipped("no Open WebUI in this project names an image model (pass --model to check one)")
    wanted = wanted_image_model(stack, settings.model)
    cfg = proxy.config
    if cfg.find(wanted.name):
        dep = cfg.find(wanted.name)[0]
        return passed(f"{proxy.name} serves {wanted.name} ({dep.model})", at=dep.at())
    served = ", ".join(cfg.served()) or "none"
    asked = f" ({wanted.origin} at {wanted.location})" if wanted.location else f" ({wanted.origin})"
    if proxy.models_in_db:
        return skipped(f"{cfg.display} serves no {wanted.name!r}, but {proxy.name} also keeps models in its database "
                       "(STORE_MODEL_IN_DB): the live checks tell")
    return failed(f"Open WebUI asks for {wanted.name!r}{asked}, but {cfg.display} serves no model_name "
                  f"{wanted.name!r} (it serves: {served})", fix="litellm-model-not-found",
                  at=cfg.at(cfg.data.line_of("model_list") if "model_list" in cfg.data else 1),
                  params={"model": wanted.name, "served": served, "service": proxy.name, "file": cfg.display})


@check(id="litellm.config.image-stream", area="config", title="Image models carry no `stream` key",
       fixes=(LITELLM_STREAM_ENABLED, LITELLM_STREAM_KEY_REJECTED), image_path=True)
def image_models_do_not_stream(stack):
    """Guide Issue 1 says `stream: false`; LiteLLM 1.108.7 forwards any `stream` into Nova's
    imageGenerationConfig and Bedrock rejects it, so the key must go."""
    out: list[Result] = []
    for proxy in _loaded(stack):
        for dep in image_deployments(proxy):
            if "stream" not in dep.params:
                out.append(passed(f"{dep.model_name}: no stream key", at=dep.at()))
                continue
            value = dep.params["stream"]
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            target = deployment_image_model(dep)
            if target is not None and target.family == "stability":
                # LiteLLM 1.108.7 amazon_stability3_transformation: {"prompt": ..., **optional_params}
                config_name = (f"the top level of {target.name}'s request body ({{\"prompt\": ..., \"stream\": "
                               f"{shown}}}), a key Bedrock's Stability request schema does not have,")
            else:
                config_name = f"{target.name}'s imageGenerationConfig" if target else "the image request"
            at = dep.at("stream")
            if value is True or is_true(str(value)):
                out.append(failed(f"{dep.model_name} has `stream: {shown}`: image models do not stream, and LiteLLM "
                                  "passes the key to Bedrock, which rejects it", fix="litellm-stream-enabled",
                                  at=at, params=_params(proxy, dep)))
            else:
                out.append(failed(
                    f"{dep.model_name} has `stream: {shown}`: the guide says to add it, but LiteLLM "
                    f"copies it into {config_name} and Bedrock rejects the request "
                    "(\"extraneous key [stream] is not permitted\"); remove the key", fix="litellm-stream-key-rejected",
                    at=at, params=_params(proxy, dep)))
    return out or [skipped("no image model deployments found")]


@check(id="litellm.config.api-base", area="config", title="Every api_base is an http(s) URL",
       fixes=(LITELLM_API_BASE_INVALID,))
def api_base_is_url(stack):
    """The guide's `api_base: bedrock-runtime` is used verbatim as a URL prefix: every call fails."""
    out: list[Result] = []
    for proxy in _loaded(stack):
        for dep in proxy.config.deployments:
            for key in ("api_base", "aws_bedrock_runtime_endpoint"):
                if key not in dep.params:
                    continue
                value, ref = param(dep, key, proxy.service)
                at = dep.at(key)
                if ref and not value:
                    out.append(skipped(f"{dep.model_name}: {key} comes from {dep.params[key]}, not set in the files"))
                    continue
                try:
                    ok = bool(value) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)
                except ValueError:
                    ok = False
                version = stack.version_of(LITELLM, proxy.service.name if proxy.service else None)
                if ok:
                    out.append(passed(f"{dep.model_name}: {key} {value}", at=at))
                elif key == "api_base" and not holds("litellm.api-base-for-bedrock-images", version):
                    out.append(passed(f"{dep.model_name}: `api_base: {dep.params[key]}` is no URL, but LiteLLM before "
                                      f"1.74.3 does not use api_base for Bedrock images ({describe(version, LITELLM)}); it "
                                      "breaks at the upgrade", at=at))
                else:
                    out.append(failed(f"{dep.model_name} has `{key}: {dep.params[key]}`, which is not an http(s) URL: "
                                      "LiteLLM uses it verbatim as the URL prefix, so every call fails (InvalidURL); "
                                      "Bedrock needs no api_base", fix="litellm-api-base-invalid", at=at,
                                      params=_params(proxy, dep, value=dep.params[key])))
    return out or [passed("no api_base set (LiteLLM builds the Bedrock URL from the region)")]


@check(id="litellm.config.provider", area="config", title="Every model has a provider prefix LiteLLM knows",
       fixes=(LITELLM_PROVIDER_INVALID,))
def provider_is_known(stack):
    """LiteLLM drops a deployment with an unknown provider prefix silently."""
    known = litellm_providers()
    out: list[Result] = []
    for proxy in _loaded(stack):
        for dep in proxy.config.deployments:
            at = dep.at("model")
            explicit = dep.params.get("custom_llm_provider")
            provider = str(explicit) if explicit else dep.provider
            if dep.model.startswith("os.environ/"):
                out.append(skipped(f"{dep.model_name}: `model: {dep.model}` is resolved when the proxy starts, from a "
                                   "variable not set in the files"))
                continue
            if not dep.model:
                out.append(failed(f"{dep.model_name} has no `model:` in litellm_params", fix="litellm-provider-invalid",
                                  at=dep.at(), params=_params(proxy, dep, value="(none)")))
            elif not provider:
                continue  # a bare model name: LiteLLM looks it up in its model map
            elif provider not in known:
                out.append(failed(f"{dep.model_name}: `model: {dep.model}` has the provider prefix {provider!r}, "
                                  "which LiteLLM 1.108.7 does not know; the proxy drops this deployment silently",
                                  fix="litellm-provider-invalid", at=at, params=_params(proxy, dep, value=dep.model)))
            else:
                out.append(passed(f"{dep.model_name}: provider {provider}", at=at))
    return out or [skipped("no deployments found")]


@check(id="litellm.config.provisioned-model", area="config",
       title="A provisioned Nova Canvas keeps the base model in `model:`",
       fixes=(LITELLM_PROVISIONED_MODEL_FORMAT,))
def provisioned_model_format(stack):
    """Guide "For Higher Throughput" puts the ARN in `model:`; LiteLLM then sends the wrong body."""
    out: list[Result] = []
    for proxy in _loaded(stack):
        for dep in proxy.config.deployments:
            if dep.provider != "bedrock" or not dep.provider_model.startswith("arn:"):
                continue
            if deployment_image_model(dep) is not None and not dep.provider_model.startswith("arn:"):
                continue
            looks_image = (str(dep.model_info.get("mode") or "") == "image_generation"
                           or any(w in (dep.model_name + dep.provider_model).lower() for w in ("canvas", "image", "titan")))
            if not looks_image:
                continue
            if any(base in dep.provider_model for base in ("nova-canvas", "titan-image")):
                continue  # a foundation-model ARN names its base model; LiteLLM can tell
            out.append(failed(
                f"{dep.model_name} names a provisioned/custom model ARN as `model:`; LiteLLM cannot tell it is Nova "
                "Canvas and sends a Stability-format body. Keep `model: bedrock/amazon.nova-canvas-v1:0` and put "
                "the ARN in `model_id`", fix="litellm-provisioned-model-format",
                at=dep.at("model"), params=_params(proxy, dep, value=dep.provider_model)))
    return out or [passed("no image deployment names a model ARN in `model:`")]


@check(id="litellm.config.inference-profile", area="config",
       title="Models that need an inference profile are called through one",
       fixes=("bedrock-inference-profile-required",))
def inference_profile_used(stack):
    """A model that Bedrock serves only through an inference profile in this region is called by its
    profile id (us./eu./apac.), not its plain model id."""
    out: list[Result] = []
    for proxy in _loaded(stack):
        for dep in proxy.config.deployments:
            if dep.provider != "bedrock":
                continue
            mid = dep.base_model_id.split("/")[-1]
            if INFERENCE_PROFILE_ONLY.match(mid):
                region, _ = deployment_region(dep, proxy)
                profile = profile_prefix(region) + mid
                out.append(failed(
                    f"{dep.model_name}: Bedrock does not serve {mid} on demand by its bare id; call it through "
                    f"the inference profile {profile}", fix="bedrock-inference-profile-required",
                    at=dep.at("model_id" if "model_id" in dep.params else "model"),
                    params=_params(proxy, dep, value=mid, profile=profile)))
    return out or [passed("no deployment needs an inference profile")]


@check(id="litellm.config.drop-params", area="config", title="The image proxy drops unsupported parameters",
       fixes=(LITELLM_DROP_PARAMS_OFF,), image_path=True)
def drop_params_on(stack):
    """Open WebUI always sends response_format; without drop_params LiteLLM rejects it for Bedrock."""
    proxy = stack.image_proxy
    if proxy is None or proxy.config is None or proxy.config.data is None:
        return skipped("no readable LiteLLM config for the image proxy")
    deps = image_deployments(proxy)
    if not deps:
        return skipped(f"{proxy.config.display} has no image model deployment")
    settings = proxy.config.section("litellm_settings")
    global_on = settings.get("drop_params") is True or is_true(str(settings.get("drop_params")))
    version = stack.version_of(LITELLM, proxy.service.name if proxy.service else None)
    per_model_counts = holds("litellm.per-model-drop-params-for-images", version)
    missing = [d for d in deps if not (global_on or (per_model_counts and d.params.get("drop_params") is True))]
    if missing and not per_model_counts and any(d.params.get("drop_params") is True for d in missing):
        line = proxy.config.data.line_of("litellm_settings") if "litellm_settings" in proxy.config.data else 1
        return failed(f"drop_params is set per deployment in {proxy.config.display}, but LiteLLM before 1.68.2 ignores "
                      f"a deployment's drop_params for image generation ({describe(version, LITELLM)}): set "
                      "litellm_settings.drop_params: true", fix="litellm-drop-params-off", at=proxy.config.at(line),
                      params={"service": proxy.name, "file": proxy.config.display})
    if not missing:
        line = settings.line_of("drop_params") if "drop_params" in settings else deps[0].line
        return passed(f"{proxy.name}: drop_params is on", at=proxy.config.at(line))
    line = settings.line_of("drop_params") if "drop_params" in settings else (
        proxy.config.data.line_of("litellm_settings") if "litellm_settings" in proxy.config.data else 1)
    return failed(f"drop_params is not true in {proxy.config.display}: LiteLLM rejects the response_format that "
                  f"Open WebUI always sends to {', '.join(d.model_name for d in missing)}",
                  fix="litellm-drop-params-off", at=proxy.config.at(line),
                  params={"service": proxy.name, "file": proxy.config.display})


@check(id="litellm.config.region", area="config", title="The image model is offered in the configured region",
       fixes=("bedrock-region-unsupported",), image_path=True)
def region_offers_model(stack):
    """The deployment's aws_region_name is a region where Bedrock offers the model (Stability's image
    models: us-west-2)."""
    out: list[Result] = []
    for proxy, dep, model in bedrock_image_deployments(stack):
        region, origin = deployment_region(dep, proxy)
        at = dep.at("aws_region_name")
        if region is None:
            out.append(skipped(f"{dep.model_name}: no region in the config or the proxy's environment"))
        elif region not in model.regions:
            out.append(failed(f"{dep.model_name}: {model.name} is not offered in {region} ({origin}); it is in "
                              f"{', '.join(model.regions)}", fix="bedrock-region-unsupported", at=at,
                              params=_params(proxy, dep, regions=", ".join(model.regions), region=region)))
        else:
            out.append(passed(f"{dep.model_name}: {model.name} is offered in {region}", at=at))
    return out or [skipped("no Bedrock image deployments found")]


@check(id="litellm.config.image-model-in-chat", area="config",
       title="The image model is not offered as a chat model",
       fixes=(IMAGE_MODEL_IN_CHAT,))
def image_model_not_in_chat(stack):
    """With one proxy for chat and images, Open WebUI lists the image model among chat models."""
    proxy = stack.chat_proxy
    if proxy is None or proxy.config is None or not stack.openwebui_services:
        return skipped("no chat proxy and Open WebUI pair found")
    urls = [u for svc in stack.openwebui_services for u in svc.api_base_urls()]
    if stack.openwebuis and not any(stack.proxy_for_url(u) is proxy for u in urls):
        return passed(f"Open WebUI lists no chat models from {proxy.name} (no OPENAI_API_BASE_URL names it)")
    deps = [d for d in proxy.config.deployments if is_image_deployment(d)]
    if not deps:
        return passed(f"{proxy.name} (chat) serves no image model")
    return [warned(f"{d.model_name} is served by {proxy.name}, the proxy Open WebUI lists chat models from: users "
                   "can pick it as a chat model, and chatting with it fails (\"required key [messages] not found\")",
                   fix="image-model-in-chat", at=d.at(), params=_params(proxy, d))
            for d in deps]


# Request keys that are OpenAI image parameters: LiteLLM maps them (Nova, Titan) or drops them with
# drop_params (Stability), so they never reach Bedrock as written.
OPENAI_IMAGE_PARAMS = frozenset({"size", "n", "quality", "style", "response_format", "user"})


@check(id="litellm.config.image-params", area="config",
       title="Image deployments carry only request keys their model family reads",
       fixes=(LITELLM_PARAM_WRONG_FAMILY,), image_path=True)
def image_params_fit_family(stack):
    """LiteLLM 1.108.7 copies unknown litellm_params into the Bedrock body (Nova/Titan: into
    imageGenerationConfig; Stability: at the top level), and Bedrock rejects keys its schema does not
    have. Flagged: keys of another family (cfgScale on Stability, aspect_ratio on Nova) that this one lacks."""
    from canvas_doctor.facts import IMAGE_MODELS

    by_family: dict[str, set[str]] = {}
    for m in IMAGE_MODELS.values():
        by_family.setdefault(m.family, set()).update(m.own_keys)
    out: list[Result] = []
    for proxy, dep, model in bedrock_image_deployments(stack):
        own = by_family.get(model.family, set())
        foreign = {k for fam, keys in by_family.items() if fam != model.family for k in keys}
        wrong = [k for k in dep.params if k in foreign and k not in own and k not in OPENAI_IMAGE_PARAMS]
        for key in wrong:
            out.append(failed(
                f"{dep.model_name}: `{key}` is not a request key of {model.name} (it belongs to another model "
                f"family); LiteLLM copies it into the request and Bedrock rejects it (\"extraneous key [{key}] "
                f"is not permitted\"). {model.name} reads: {', '.join(model.own_keys)}",
                fix="litellm-param-wrong-family", at=dep.at(key),
                params=_params(proxy, dep, key=key, name=model.name, keys=", ".join(model.own_keys))))
        if not wrong:
            out.append(passed(f"{dep.model_name}: no request key of another model family",
                              at=dep.at()))
    return out or [skipped("no Bedrock image deployments found")]
