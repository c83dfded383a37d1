"""Checklist: what the stack sets out to do, before any rule of the image path runs.

- Does it set up image generation through LiteLLM at all (intent first: stack/intent.py)?
- Are the env files it reads there, or only their committed examples?
"""
from __future__ import annotations

from canvas_doctor.api import Location, check, passed, skipped, warned
from canvas_doctor.stack.intent import LITELLM, NONE
from canvas_doctor.fixes import Fix


# -- the fixes this module's rules give (other rules import them from here) ----------------------
IMAGE_GENERATION_NOT_CONFIGURED = Fix(
    id="image-generation-not-configured",
    title="Set up image generation (Open WebUI -> LiteLLM -> Bedrock), if you want pictures",
    cause=(
        "No LiteLLM config of the stack serves an image model and Open WebUI has no image setting, so Open WebUI "
        "cannot draw pictures. That is right for a chat-only stack: then ignore this warning (or skip the check: "
        "--skip config.image-path)."
    ),
    steps=(
        (
            "Add an image model the stack's Bedrock region still serves to the {proxy} proxy's config (Nova "
            "Canvas v1 and Titan Image are past their end of life), with drop_params: true"
        ),
        (
            "Give Open WebUI ({service} in {file}) ENABLE_IMAGE_GENERATION=true, IMAGE_GENERATION_ENGINE=openai, "
            "IMAGE_GENERATION_MODEL=<that model_name>, IMAGES_OPENAI_API_BASE_URL={base} and "
            "IMAGES_OPENAI_API_KEY (the proxy's key)"
        ),
        "Recreate both containers, then run canvas-doctor again",
    ),
    snippet=(
        "# LiteLLM config\n"
        "model_list:\n"
        "  - model_name: stable-image-core\n"
        "    litellm_params:\n"
        "      model: bedrock/stability.stable-image-core-v1:1\n"
        "      aws_region_name: us-west-2\n"
        "    model_info:\n"
        "      mode: image_generation\n"
        "litellm_settings:\n"
        "  drop_params: true\n"
        "# Open WebUI environment\n"
        "- ENABLE_IMAGE_GENERATION=true\n"
        "- IMAGE_GENERATION_ENGINE=openai\n"
        "- IMAGE_GENERATION_MODEL=stable-image-core\n"
        "- IMAGES_OPENAI_API_BASE_URL={base}\n"
        "- IMAGES_OPENAI_API_KEY=${{LITELLM_MASTER_KEY}}\n"
    ),
    guide_section="Complete Configuration Reference",
    params=("base", "file", "proxy"),
)

ENV_FILE_MISSING = Fix(
    id="env-file-missing",
    title="Create {missing} from {example}",
    cause=(
        "The stack reads {missing}, which does not exist; the repository ships {example} instead (the real file "
        "is usually git-ignored). Compose then reads no values from it: variables come out empty and services "
        "start without their keys. The doctor read {example} in its place, so that nothing else is reported "
        "because of it."
    ),
    steps=(
        "Copy the example: cp {example} {missing}",
        "Fill in the real values (keys, passwords) in {missing}; never commit it",
        "Recreate the containers: docker compose up -d",
    ),
    snippet="cp {example} {missing}",
    params=("example", "missing"),
)


@check(id="config.image-path", area="config", title="The stack sets up image generation through LiteLLM",
       fixes=(IMAGE_GENERATION_NOT_CONFIGURED,))
def image_generation_is_set_up(stack, settings):
    """No image model in any LiteLLM config and no image setting in Open WebUI: one warning with the whole
    setup, and every rule of the image path skipped with this reason (never four separate failures).
    Another engine chosen on purpose (ComfyUI, Automatic1111, Gemini, another OpenAI-compatible URL):
    the LiteLLM/Bedrock image rules are skipped, and this check says where the images go."""
    intent = stack.image_intent
    if settings.model:
        return passed(f"--model {settings.model}: the image path is checked as asked")
    if intent is None or intent.kind == LITELLM:
        return passed(f"images go through LiteLLM: {intent.reason if intent else 'assumed'}",
                      at=intent.location if intent else None)
    if intent.kind == NONE and not stack.openwebui_services:
        return skipped("no Open WebUI in this project: nothing here would draw pictures")
    if intent.kind == NONE:
        ow = stack.openwebui_services[0]
        proxy = next(iter(stack.proxies.values()), None)
        return warned(f"the stack sets up no image generation: {intent.reason}, so Open WebUI cannot draw "
                      "pictures; the image checks are skipped", fix="image-generation-not-configured",
                      at=ow.at("ENABLE_IMAGE_GENERATION") if ow else None,
                      params={"service": ow.name if ow else "openwebui",
                              "proxy": proxy.name if proxy else "litellm",
                              "base": f"http://{proxy.name}:{proxy.port}/v1" if proxy and proxy.service
                              else "http://litellm:4000/v1",
                              "file": ow.file if ow else "docker-compose.yml"})
    return passed(f"images do not go through LiteLLM here: {intent.reason}; the LiteLLM/Bedrock image checks "
                  "are skipped", at=intent.location)


@check(id="config.env-file", area="config", title="The env files the stack reads exist",
       fixes=(ENV_FILE_MISSING,))
def env_files_exist(stack):
    """A repository commits `.env.example` and ignores `.env`: Compose then reads nothing. The doctor reads
    the example in its place (so nothing else fails because of it) and says so once."""
    out = []
    for missing in stack.env_missing:
        out.append(warned(f"{missing.missing} does not exist ({missing.reader} reads it); {missing.example} is "
                          f"there: copy it to {missing.missing} and fill in the values. The doctor read the "
                          "example in its place", fix="env-file-missing",
                          at=Location(missing.named_in, missing.line) if missing.named_in
                          else Location(missing.example, None),
                          params={"missing": missing.missing, "example": missing.example}))
    return out or [passed("every env file the stack reads exists")]
