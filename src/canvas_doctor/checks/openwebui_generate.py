"""Checklist: an image made the way a user makes one, through Open WebUI (the guide's test: `/image` in a chat).

Open WebUI 0.12.4 (routers/images.py): POST /api/v1/images/generations {"prompt": ...} with a user's
token; Open WebUI sends its own stored settings' request to LiteLLM (URL, key, model, size from its
database), stores the image as a file and answers [{"id", "url": "/api/v1/files/ID/content"}]. So this
path also proves what only Open WebUI's database holds. It writes: the image is stored in Open WebUI
like any user's. The way in is an admin's API key or session token (--openwebui-token), or, where
/api/config says auth is off (WEBUI_AUTH=False), the sign-in such an instance gives anyone (which
creates Open WebUI's default admin on an instance that has no user yet).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from canvas_doctor.api import Result, check, failed, passed, skipped
from canvas_doctor.checks.generate import PROMPT
from canvas_doctor.checks.openwebui_live import TOKEN_HELP, openwebui_service, openwebui_target
from canvas_doctor.http import Http, ProbeError, shorten
from canvas_doctor.png_check import NotPng, png_info, save_image
from canvas_doctor.run_context import RunContext
from canvas_doctor.settings import Settings

IMAGE_BODY = 64 * 1024 * 1024
SMALL_BODY = 256 * 1024
NOT_WALKED = "the Open WebUI hop was not walked"


@dataclass(frozen=True)
class WayIn:
    token: str | None
    how: str          # "--openwebui-token", "the sign-in Open WebUI gives anyone with WEBUI_AUTH=False"
    why_not: str = ""


def way_in(http: Http, base: str, settings: Settings, context: RunContext) -> WayIn:
    """A token Open WebUI accepts for this user's path, or why there is none."""
    if settings.openwebui_token:
        return WayIn(settings.openwebui_token, "--openwebui-token")
    try:
        config = http.get(f"{base}/api/config", max_body=SMALL_BODY).json()
    except ProbeError as err:
        return WayIn(None, "", f"{base}/api/config did not say whether sign-in is needed ({err})")
    features = config.get("features") if isinstance(config, dict) else None
    if not isinstance(features, dict) or features.get("auth") is not False:
        return WayIn(None, "", f"no token given ({TOKEN_HELP})")
    try:
        answer = http.post(f"{base}/api/v1/auths/signin", {"email": "admin@localhost", "password": "admin"},
                           max_body=SMALL_BODY)
        token = answer.json().get("token") if answer.status == 200 else None
    except (ProbeError, AttributeError) as err:
        return WayIn(None, "", f"auth is off, but the sign-in failed ({err})")
    if not token:
        return WayIn(None, "", f"auth is off, but the sign-in answered {answer.status}: {answer.error_message()}")
    context.add_secret(token)  # masked in every output format
    return WayIn(token, "the sign-in Open WebUI gives anyone with WEBUI_AUTH=False")


def _direct(results: dict[str, list[Result]]) -> Result | None:
    """generate.image's result, when it ran: did LiteLLM alone make the image?"""
    found = results.get("generate.image") or []
    return found[0] if found else None


def _hop_fix(detail: str) -> tuple[str, str]:
    """Which part of the Open WebUI hop failed, from Open WebUI's answer (LiteLLM alone made an image)."""
    low = detail.lower()
    if "unauthorized" in low or "no connected db" in low or "401" in low:
        return "Open WebUI -> LiteLLM: LiteLLM refuses the key Open WebUI sends", "openwebui-api-key-mismatch"
    if "prohibited" in low or "forbidden" in low:
        return "Open WebUI: image generation is off there, or this user may not generate", \
            "openwebui-image-generation-disabled"
    return ("Open WebUI -> LiteLLM: the URL, key or model Open WebUI uses (its stored settings; see "
            "openwebui.image-settings)", "openwebui-api-base-wrong")


def _stored_difference(http: Http, base: str, token: str, litellm: Any) -> tuple[str, str] | None:
    """What Open WebUI's stored image settings hold that differs from what works against LiteLLM directly
    (an admin token reads them; the key is compared, never shown)."""
    try:
        answer = http.get(f"{base}/api/v1/images/config", key=token, max_body=SMALL_BODY)
        config = answer.json() if answer.status == 200 else None
    except ProbeError:
        return None
    if not isinstance(config, dict):
        return None
    working = litellm.image_target
    stored_key = config.get("IMAGES_OPENAI_API_KEY")
    if working.key and isinstance(stored_key, str) and stored_key != working.key:
        return (f"Open WebUI -> LiteLLM: the IMAGES_OPENAI_API_KEY stored in Open WebUI's database is not the key "
                f"LiteLLM accepts ({working.key_origin}, which works: generate.image)", "openwebui-api-key-mismatch")
    stored_url = str(config.get("IMAGES_OPENAI_API_BASE_URL") or "")
    if stored_url and not stored_url.rstrip("/").endswith("/v1"):
        return (f"Open WebUI -> LiteLLM: Open WebUI's stored IMAGES_OPENAI_API_BASE_URL {stored_url!r} is not a "
                "LiteLLM /v1 URL", "openwebui-api-base-wrong")
    return None


@check(id="generate.openwebui", area="generate", title="A live image generation through Open WebUI returns an image",
       needs=("network", "paid"), depends_on=("openwebui.version",), after=("generate.image",), timeout=330.0,
       image_path=True,
       fixes=("openwebui-api-key-mismatch", "openwebui-api-base-wrong", "openwebui-image-generation-disabled",
              "generation-invalid-image", "generation-timeout", "openwebui-token-rejected"))
def generation_through_openwebui(settings, stack, http: Http, litellm, results, context: RunContext):
    """The user's own path: Open WebUI's image endpoint with its stored settings, the stored image fetched back."""
    direct = _direct(results)
    if direct is not None and direct.status.value in ("fail", "error"):
        return skipped("the LiteLLM hop already fails (generate.image): no image through Open WebUI is tried")
    target = openwebui_target(settings, stack)
    way = way_in(http, target.url, settings, context)
    if way.token is None:
        return skipped(f"{NOT_WALKED}: {way.why_not}; generate.image called LiteLLM directly instead")
    svc = openwebui_service(stack)
    params: dict[str, Any] = {"service": svc.name if svc else "openwebui", "file": svc.file if svc else
                              "docker-compose.yml", "var": "IMAGES_OPENAI_API_KEY"}
    t0 = time.monotonic()
    try:
        answer = http.post(f"{target.url}/api/v1/images/generations", {"prompt": PROMPT, "n": 1}, key=way.token,
                           timeout=max(1.0, min(settings.generation_timeout, 300.0)), max_body=SMALL_BODY)
    except ProbeError as err:
        if err.kind == "timeout":
            return failed(f"Open WebUI made no image within {settings.generation_timeout:g} s: {err}",
                          fix="generation-timeout", params=params, hop="openwebui")
        raise
    made_s = time.monotonic() - t0
    if answer.status in (401, 403) and "prohibited" not in answer.text.lower():
        return failed(f"Open WebUI refused the token ({way.how}) for its image endpoint (HTTP {answer.status}: "
                      f"{answer.error_message()})", fix="openwebui-token-rejected", params=params)
    if answer.status != 200:
        detail = answer.error_message()
        hop, fix = _stored_difference(http, target.url, way.token, litellm) or _hop_fix(detail)
        return failed(f"through Open WebUI the image failed after {made_s:.1f} s (HTTP {answer.status}: "
                      f"{shorten(detail, 200)!r}); the hop that failed: {hop}", fix=fix, params=params,
                      hop=hop, status=answer.status)
    try:
        files = answer.json()
        url = files[0]["url"]
    except (ProbeError, LookupError, TypeError):
        return failed(f"Open WebUI answered 200 but named no stored image: {answer.describe()}",
                      fix="generation-invalid-image", params=params)
    t1 = time.monotonic()
    stored = http.get(f"{target.url}{url}" if str(url).startswith("/") else str(url), key=way.token,
                      max_body=IMAGE_BODY)
    fetched_s = time.monotonic() - t1
    if stored.status != 200:
        return failed(f"Open WebUI made the image but serves it with HTTP {stored.status} at {url}",
                      fix="generation-invalid-image", params=params)
    saved = save_image(settings.save_image, stored.body)
    try:
        info = png_info(stored.body)
    except NotPng as err:
        return failed(f"the image Open WebUI stored at {url} is not a valid PNG: {err}{saved}",
                      fix="generation-invalid-image", params=params)
    litellm_s = direct.data.get("seconds") if direct is not None and direct.status.value != "skip" else None
    hops = f"Open WebUI {made_s:.1f} s in all" + (f" (LiteLLM and Bedrock alone: {litellm_s:.1f} s)"
                                                  if isinstance(litellm_s, (int, float)) else "")
    return passed(f"through Open WebUI ({way.how}): a {info.size} PNG stored at {url}, fetched back in "
                  f"{fetched_s:.1f} s; {hops}{saved}", seconds=round(made_s, 2), size=info.size, stored_url=url,
                  way_in=way.how, saved=str(settings.save_image) if saved.startswith("; saved") else "")
