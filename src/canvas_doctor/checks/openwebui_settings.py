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


def _params(svc: Service, **extra) -> dict:
    return {"service": svc.name, "file": svc.file, **extra}


# -- 1. ENABLE_IMAGE_GENERATION=True ----------------------------------------------------------
@rule(ids={"compose": "compose.openwebui.image-generation", "cloudformation": "cloudformation.openwebui.image-generation"},
      role="openwebui", area="config", title="Open WebUI has image generation on",
      fixes=("openwebui-image-generation-disabled",), image_path=True)
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
      fixes=("openwebui-image-engine-not-openai",), image_path=True)
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
      fixes=("openwebui-image-model-unset",), image_path=True)
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
      fixes=("openwebui-automatic-generation-on",))
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
    if svc.kind == "cloudformation":
        port = proxy.port if proxy else 4000
        return f"http://localhost:{port}/v1"
    if proxy and proxy.service:
        return f"http://{proxy.service.name}:{proxy.port}/v1"
    return "http://litellm:4000/v1"


@rule(ids={"compose": "compose.openwebui.images-api", "cloudformation": "cloudformation.openwebui.images-api"},
      role="openwebui", area="config", title="Open WebUI sends image requests to LiteLLM, with a key",
      fixes=("openwebui-images-api-base-unset",), image_path=True)
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
       fixes=("image-size-unsupported",), image_path=True)
def image_size_accepted(stack, settings):
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
