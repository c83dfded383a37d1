"""Checklist: Open WebUI's image settings (guide: "Images Not Appearing in Open WebUI").

Each rule judges one Open WebUI definition (a target); the framework runs it on every compose
service and every CloudFormation container of Open WebUI, under each origin's own check id.
Facts from Open WebUI 0.12.4's open_webui/config.py (see canvas_doctor.facts).
"""
from __future__ import annotations

from canvas_doctor.api import Result, check, failed, passed, rule, skipped, warned
from canvas_doctor.facts import OPENAI_PUBLIC_BASE, OPENWEBUI_DEFAULT_IMAGE_SIZE, is_true, parse_size
from canvas_doctor.stack.model import Service, Stack
from canvas_doctor.stack.queries import deployment_image_model, wanted_image_model
from canvas_doctor.fixes import Fix, OneOf, Variant


# -- the fixes this module's rules give (other rules import them from here) ----------------------
OPENWEBUI_IMAGE_MODEL_UNSET = Fix(
    id="openwebui-image-model-unset",
    title="Tell Open WebUI which model generates images",
    cause=(
        "Without IMAGE_GENERATION_MODEL, Open WebUI asks for `dall-e-2`, a model the LiteLLM proxy does not "
        "serve."
    ),
    steps=(
        "Add IMAGE_GENERATION_MODEL={model} to the {service} environment in {file}",
        "{recreate}",
        (
            "Open WebUI 0.10+ keeps its first settings in its database: also set it in Admin Settings > Images, "
            "or start once with RESET_CONFIG_ON_START=true"
        ),
    ),
    snippet="- IMAGE_GENERATION_MODEL={model}",
    guide_section='Error: "No image generation model configured"',
    params=("file", "model"),
    variants={
        "cloudformation": Variant(
            steps=(
                "Add IMAGE_GENERATION_MODEL to the Environment of the {service} container in {file}",
                "{recreate}",
                (
                    "Open WebUI 0.10+ keeps its first settings in its database: also set it in Admin Settings > "
                    "Images, or start once with RESET_CONFIG_ON_START=true"
                ),
            ),
            snippet=(
                "- Name: IMAGE_GENERATION_MODEL\n"
                '  Value: "{model}"\n'
            ),
        ),
    },
    edit="canvas_doctor.edits.planner:plan_image_model",
)

OPENWEBUI_IMAGE_GENERATION_DISABLED = Fix(
    id="openwebui-image-generation-disabled",
    title="Turn on image generation in Open WebUI",
    cause="ENABLE_IMAGE_GENERATION is not true, so Open WebUI offers no image generation at all.",
    steps=(
        "Set ENABLE_IMAGE_GENERATION=True in the {service} environment in {file}",
        "{recreate}",
    ),
    snippet="- ENABLE_IMAGE_GENERATION=True",
    guide_section="Images Not Appearing in Open WebUI",
    params=("file",),
    variants={
        "cloudformation": Variant(
            steps=(
                (
                    'Set ENABLE_IMAGE_GENERATION to "True" in the Environment of the {service} container in '
                    "{file}"
                ),
                "{recreate}",
            ),
            snippet=(
                "- Name: ENABLE_IMAGE_GENERATION\n"
                '  Value: "True"\n'
            ),
        ),
    },
    edit="canvas_doctor.edits.planner:plan_image_generation",
)

OPENWEBUI_IMAGE_ENGINE_NOT_OPENAI = Fix(
    id="openwebui-image-engine-not-openai",
    title="Use the OpenAI-compatible image engine",
    cause="LiteLLM speaks the OpenAI images API; with another IMAGE_GENERATION_ENGINE Open WebUI never calls it.",
    steps=(
        "Set IMAGE_GENERATION_ENGINE=openai in the {service} environment in {file}",
        "{recreate}",
    ),
    snippet="- IMAGE_GENERATION_ENGINE=openai",
    guide_section="Images Not Appearing in Open WebUI",
    params=("file",),
    variants={
        "cloudformation": Variant(
            steps=(
                (
                    'Set IMAGE_GENERATION_ENGINE to "openai" in the Environment of the {service} container in '
                    "{file}"
                ),
                "{recreate}",
            ),
            snippet=(
                "- Name: IMAGE_GENERATION_ENGINE\n"
                '  Value: "openai"\n'
            ),
        ),
    },
    edit="canvas_doctor.edits.planner:plan_image_engine",
)

OPENWEBUI_AUTOMATIC_GENERATION_ON = Fix(
    id="openwebui-automatic-generation-on",
    title="AUTOMATIC_IMAGE_GENERATION does nothing; control image cost elsewhere",
    cause=(
        "No Open WebUI version from 0.6 to 0.12 reads AUTOMATIC_IMAGE_GENERATION, so it neither turns automatic "
        "generation on nor off. Images are generated when a user asks (the image button, or the image tool). "
        "ENABLE_IMAGE_PROMPT_GENERATION (default true) is the nearest real setting; Nova Canvas takes at most "
        "1,024 characters of prompt."
    ),
    steps=(
        "Remove AUTOMATIC_IMAGE_GENERATION from {file}: it changes nothing",
        (
            "To limit cost, restrict who may generate images (Admin Settings > Users > Permissions) and "
            "rate-limit at the load balancer"
        ),
    ),
    snippet="- ENABLE_IMAGE_PROMPT_GENERATION=False   # optional: send the user's words as the prompt",
    guide_section="1. Don't Enable Automatic Image Generation",
    params=("file",),
    variants={
        "cloudformation": Variant(
            steps=(
                (
                    "Remove AUTOMATIC_IMAGE_GENERATION from the Environment of the {service} container in "
                    "{file}: it changes nothing"
                ),
                (
                    "To limit cost, restrict who may generate images (Admin Settings > Users > Permissions) and "
                    "rate-limit at the load balancer (a WAF rate-based rule)"
                ),
            ),
            snippet=(
                "- Name: ENABLE_IMAGE_PROMPT_GENERATION   # optional: send the user's words as the prompt\n"
                '  Value: "False"\n'
            ),
        ),
    },
    edit="canvas_doctor.edits.planner:plan_automatic_generation",
)

OPENWEBUI_IMAGES_API_BASE_UNSET = Fix(
    id="openwebui-images-api-base-unset",
    title="Point Open WebUI's image requests at LiteLLM",
    cause=(
        "IMAGES_OPENAI_API_BASE_URL and IMAGES_OPENAI_API_KEY do not follow OPENAI_API_BASE_URL/OPENAI_API_KEY "
        "(Open WebUI 0.12.4); unset, image requests go to https://api.openai.com/v1 with an empty key."
    ),
    steps=(
        "Add {var}={expected} to the {service} environment in {file}",
        "{recreate}",
    ),
    snippet=OneOf(
        (
            "- IMAGES_OPENAI_API_BASE_URL={base}\n"
            "- IMAGES_OPENAI_API_KEY=${{LITELLM_MASTER_KEY}}\n"
        ),
        (
            "- IMAGES_OPENAI_API_BASE_URL=http://<litellm service>:<port>/v1\n"
            "- IMAGES_OPENAI_API_KEY=${{LITELLM_MASTER_KEY}}\n"
        ),
    ),
    guide_section="Open WebUI Configuration",
    params=("base", "expected", "file", "var"),
    variants={
        "cloudformation": Variant(
            steps=(
                (
                    "Add IMAGES_OPENAI_API_BASE_URL (under Environment) and IMAGES_OPENAI_API_KEY (under "
                    "Secrets, from the secret that holds the proxy's LITELLM_MASTER_KEY) to the {service} "
                    "container in {file}"
                ),
                "{recreate}",
            ),
            snippet=OneOf(
                (
                    "Environment:\n"
                    "  - Name: IMAGES_OPENAI_API_BASE_URL\n"
                    '    Value: "{base}"\n'
                    "Secrets:\n"
                    "  - Name: IMAGES_OPENAI_API_KEY\n"
                    "    ValueFrom: !Ref LiteLLMMasterKeySecret   # the secret that holds the proxy's LITELLM_MASTER_KEY\n"
                ),
                (
                    "Environment:\n"
                    "  - Name: IMAGES_OPENAI_API_BASE_URL\n"
                    '    Value: "http://localhost:4000/v1"   # the LiteLLM container of the same task, at its port\n'
                    "Secrets:\n"
                    "  - Name: IMAGES_OPENAI_API_KEY\n"
                    "    ValueFrom: !Ref LiteLLMMasterKeySecret   # the secret that holds the proxy's LITELLM_MASTER_KEY\n"
                ),
            ),
        ),
    },
    edit="canvas_doctor.edits.planner:plan_images_api",
)

IMAGE_SIZE_UNSUPPORTED = Fix(
    id="image-size-unsupported",
    title="Use an image size the model accepts",
    cause=(
        "IMAGE_SIZE is not a size the image model accepts (Nova Canvas: 320-4096 px, multiples of 16, at most "
        "4,194,304 pixels, aspect at most 4:1; Titan Image v2: its listed sizes)."
    ),
    steps=(
        "Set IMAGE_SIZE={expected} in the {service} environment in {file}",
        "{recreate}",
    ),
    snippet="- IMAGE_SIZE={expected}",
    params=("expected", "file"),
    variants={
        "cloudformation": Variant(
            steps=(
                'Set IMAGE_SIZE to "{expected}" in the Environment of the {service} container in {file}',
                "{recreate}",
            ),
            snippet=(
                "- Name: IMAGE_SIZE\n"
                '  Value: "{expected}"\n'
            ),
        ),
    },
    edit="canvas_doctor.edits.from_stack:plan_image_size",
)


def _params(svc: Service, **extra) -> dict:
    return {"service": svc.name, "file": svc.file, **extra}


# -- 1. ENABLE_IMAGE_GENERATION=True ----------------------------------------------------------
@rule(ids={"compose": "compose.openwebui.image-generation", "cloudformation": "cloudformation.openwebui.image-generation"},
      role="openwebui", area="config", title="Open WebUI has image generation on",
      fixes=(OPENWEBUI_IMAGE_GENERATION_DISABLED,), image_path=True)
def enable_image_generation(svc: Service) -> Result:
    """Open WebUI turns image generation on only for ENABLE_IMAGE_GENERATION=true (its default is false)."""
    value = svc.get("ENABLE_IMAGE_GENERATION")
    if is_true(value):
        return passed(f"{svc.name}: ENABLE_IMAGE_GENERATION={value}", at=svc.at("ENABLE_IMAGE_GENERATION"))
    why = "is not set (Open WebUI's default is false)" if value is None else \
        f"is {value!r}; Open WebUI turns image generation on only for 'true'"
    return failed(f"ENABLE_IMAGE_GENERATION {why} ({svc.name})", fix="openwebui-image-generation-disabled",
                  at=svc.at("ENABLE_IMAGE_GENERATION"), params=_params(svc))



# -- 2. IMAGE_GENERATION_ENGINE=openai --------------------------------------------------------
@rule(ids={"compose": "compose.openwebui.image-engine", "cloudformation": "cloudformation.openwebui.image-engine"},
      role="openwebui", area="config", title="Open WebUI uses the OpenAI-compatible engine",
      fixes=(OPENWEBUI_IMAGE_ENGINE_NOT_OPENAI,), image_path=True)
def image_engine_is_openai(svc: Service) -> Result:
    """IMAGE_GENERATION_ENGINE is openai (or unset), the engine that calls LiteLLM's OpenAI-compatible images API."""
    value = svc.get("IMAGE_GENERATION_ENGINE")
    if value is None or value.strip() == "openai":
        return passed(f"{svc.name}: image engine openai" + (" (default)" if value is None else ""),
                      at=svc.at("IMAGE_GENERATION_ENGINE"))
    return failed(f"IMAGE_GENERATION_ENGINE is {value!r} for {svc.name}: Open WebUI will not call LiteLLM's "
                  "OpenAI-compatible images API", fix="openwebui-image-engine-not-openai",
                  at=svc.at("IMAGE_GENERATION_ENGINE"), params=_params(svc))



# -- 3. IMAGE_GENERATION_MODEL set ------------------------------------------------------------
def _suggested_model(stack: Stack) -> str:
    proxy = stack.image_proxy
    if proxy and proxy.config:
        for dep in proxy.config.deployments:
            if deployment_image_model(dep):
                return dep.model_name
    return "nova-canvas"


@rule(ids={"compose": "compose.openwebui.image-model", "cloudformation": "cloudformation.openwebui.image-model"},
      role="openwebui", area="config", title="Open WebUI knows which image model to use",
      fixes=(OPENWEBUI_IMAGE_MODEL_UNSET,), image_path=True)
def image_model_is_set(svc: Service, stack: Stack) -> Result:
    """IMAGE_GENERATION_MODEL is set: unset, Open WebUI asks for dall-e-2, which LiteLLM does not serve."""
    value = (svc.get("IMAGE_GENERATION_MODEL") or "").strip()
    if value:
        return passed(f"{svc.name}: IMAGE_GENERATION_MODEL={value}", at=svc.at("IMAGE_GENERATION_MODEL"))
    return failed(f"IMAGE_GENERATION_MODEL is not set for the {svc.name} "
                  f"{'service' if svc.kind == 'compose' else 'container'}; Open WebUI would ask for dall-e-2",
                  fix="openwebui-image-model-unset", at=svc.at("IMAGE_GENERATION_MODEL"),
                  params=_params(svc, model=_suggested_model(stack)))



# -- 4. AUTOMATIC_IMAGE_GENERATION: read by no Open WebUI 0.6 - 0.12.4 ------------------------
@rule(ids={"compose": "compose.openwebui.automatic-generation", "cloudformation": "cloudformation.openwebui.automatic-generation"},
      role="openwebui", area="config", title="No reliance on AUTOMATIC_IMAGE_GENERATION",
      fixes=(OPENWEBUI_AUTOMATIC_GENERATION_ON,))
def automatic_generation(svc: Service) -> Result:
    """No Open WebUI from 0.6 to 0.12 reads AUTOMATIC_IMAGE_GENERATION: the guide's setting changes nothing."""
    value = svc.get("AUTOMATIC_IMAGE_GENERATION")
    if value is None:
        return passed(f"{svc.name}: AUTOMATIC_IMAGE_GENERATION not set (Open WebUI reads no such setting)")
    if is_true(value):
        return warned(f"AUTOMATIC_IMAGE_GENERATION={value} for {svc.name}: no Open WebUI version from 0.6 to "
                      "0.12 reads this variable, so it changes nothing — neither on nor off",
                      fix="openwebui-automatic-generation-on", at=svc.at("AUTOMATIC_IMAGE_GENERATION"),
                      params=_params(svc))
    return passed(f"{svc.name}: AUTOMATIC_IMAGE_GENERATION={value} is harmless but does nothing: Open WebUI "
                  "0.6-0.12 does not read it (the guide's Security advice has no effect)",
                  at=svc.at("AUTOMATIC_IMAGE_GENERATION"), ignored_setting=True)



# -- 5. IMAGES_OPENAI_API_BASE_URL / IMAGES_OPENAI_API_KEY set --------------------------------
def _internal_url(stack: Stack, svc: Service, image: bool) -> str:
    proxy = stack.image_proxy if image else stack.chat_proxy
    if svc.kind in ("cloudformation", "ecs"):  # the containers of one task reach each other on localhost
        port = proxy.port if proxy else 4000
        return f"http://localhost:{port}/v1"
    if proxy and proxy.service:
        return f"http://{proxy.service.name}:{proxy.port}/v1"
    return "http://litellm:4000/v1"


@rule(ids={"compose": "compose.openwebui.images-api", "cloudformation": "cloudformation.openwebui.images-api"},
      role="openwebui", area="config", title="Open WebUI sends image requests to LiteLLM, with a key",
      fixes=(OPENWEBUI_IMAGES_API_BASE_UNSET,), image_path=True)
def images_api_is_set(svc: Service, stack: Stack) -> list[Result]:
    """IMAGES_OPENAI_API_BASE_URL and IMAGES_OPENAI_API_KEY are set: Open WebUI 0.12 falls back to neither
    OPENAI_API_BASE_URL nor OPENAI_API_KEY for images."""
    out = []
    base = svc.get("IMAGES_OPENAI_API_BASE_URL")
    expected = _internal_url(stack, svc, image=True)
    if not (base or "").strip():
        out.append(failed(
            f"IMAGES_OPENAI_API_BASE_URL is not set for {svc.name}: Open WebUI 0.12 sends image requests to "
            f"{OPENAI_PUBLIC_BASE}, not to LiteLLM, whatever OPENAI_API_BASE_URL says",
            fix="openwebui-images-api-base-unset", at=svc.at("IMAGES_OPENAI_API_BASE_URL"),
            params=_params(svc, var="IMAGES_OPENAI_API_BASE_URL", expected=expected, base=expected)))
    key = svc.get("IMAGES_OPENAI_API_KEY")
    if key is None or (not key.strip() and not svc.env["IMAGES_OPENAI_API_KEY"].from_reference):
        out.append(failed(
            f"IMAGES_OPENAI_API_KEY is not set for {svc.name}: Open WebUI 0.12 sends image requests with an empty "
            "key (it does not fall back to OPENAI_API_KEY)",
            fix="openwebui-images-api-base-unset", at=svc.at("IMAGES_OPENAI_API_KEY"),
            params=_params(svc, var="IMAGES_OPENAI_API_KEY", expected="${LITELLM_MASTER_KEY}", base=expected)))
    return out or [passed(f"{svc.name}: image requests go to {base}", at=svc.at("IMAGES_OPENAI_API_BASE_URL"))]



# -- 6. IMAGE_SIZE accepted by the image model ------------------------------------------------
@check(id="compose.openwebui.image-size", area="config", title="IMAGE_SIZE is a size the image model accepts",
       fixes=(IMAGE_SIZE_UNSUPPORTED,), image_path=True)
def image_size_accepted(stack, settings):
    """IMAGE_SIZE (Open WebUI's default 512x512) is a size the image model accepts: Nova Canvas wants
    multiples of 16 between 320 and 4096 and fewer than 4,194,304 pixels; Stability ignores the size."""
    svcs = stack.openwebui_services
    if not svcs:
        return skipped("no Open WebUI service found")
    wanted = wanted_image_model(stack, settings.model)
    proxy = stack.image_proxy
    deps = proxy.config.find(wanted.name) if proxy and proxy.config else []
    models = [m for m in (deployment_image_model(d) for d in deps) if m]
    if not models:
        return skipped(f"the image model {wanted.name!r} is not a known Bedrock image deployment here")
    model = models[0]
    out = []
    if not model.takes_size:  # Stability: LiteLLM 1.108.7 maps no OpenAI parameter, so IMAGE_SIZE is not sent
        return [passed(f"{svc.name}: {model.name} ignores IMAGE_SIZE (LiteLLM sends it no size); it draws at its own "
                       f"size ({model.default_size} for 1:1)", at=svc.at("IMAGE_SIZE")) for svc in svcs]
    for svc in svcs:
        value = svc.get("IMAGE_SIZE") or OPENWEBUI_DEFAULT_IMAGE_SIZE
        size = parse_size(value)
        where = svc.at("IMAGE_SIZE")
        label = f"IMAGE_SIZE={value}" + ("" if svc.get("IMAGE_SIZE") else " (Open WebUI's default)")
        problem = "it is not WIDTHxHEIGHT" if size is None else model.size_problem(*size)
        if problem:
            out.append(failed(f"{label} for {svc.name}: {model.name} rejects it ({problem})",
                              fix="image-size-unsupported", at=where,
                              params=_params(svc, expected=model.nearest_size(), model=wanted.name)))
        else:
            out.append(passed(f"{svc.name}: {label} is accepted by {model.name}", at=where))
    return out
