"""Checklist: what the stack sets out to do, before any rule of the image path runs.

- Does it set up image generation through LiteLLM at all (intent first: stack/intent.py)?
- Are the env files it reads there, or only their committed examples?
"""
from __future__ import annotations

from canvas_doctor.api import Location, check, passed, skipped, warned
from canvas_doctor.stack.intent import LITELLM, NONE


@check(id="config.image-path", area="config", title="The stack sets up image generation through LiteLLM",
       fixes=("image-generation-not-configured",))
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
       fixes=("env-file-missing",))
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
