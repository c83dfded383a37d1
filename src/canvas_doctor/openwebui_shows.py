"""What an Open WebUI user sees in the chat when the image request fails, by Open WebUI version.

versions.md O9 (routers/images.py except blocks, constants.py):
- up to 0.8.12 the LiteLLM error's own text: `[ERROR: litellm.BadRequestError: BedrockException - ...]`;
- 0.9.x the HTTP reason phrase (`[ERROR: Bad Request]`), the exception text for other failures;
- from 0.10.0 the reason phrase, and `Something went wrong :/` for failures that are no HTTP answer
  (a timeout, a dropped connection).
"""
from __future__ import annotations

from http import HTTPStatus

from .versions import VersionInPlay, describe, holds


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def user_sees(version: VersionInPlay | None, *, status: int | None, litellm_message: str = "",
              exception: str = "TimeoutError") -> str:
    """The chat's error text for a failed image request (status None: no HTTP answer, e.g. a timeout)."""
    if not holds("openwebui.hides-upstream-error", version):
        return f"[ERROR: {litellm_message or exception}]"
    if status is not None:
        return f"[ERROR: {_reason(status)}]"
    if holds("openwebui.something-went-wrong", version):
        return "Something went wrong :/"
    return f"[ERROR: {exception}]"


def sentence(version: VersionInPlay | None, *, status: int | None, litellm_message: str = "") -> str:
    """`; in Open WebUI 0.12.4 (image tag v0.12.4) users see "[ERROR: Bad Request]"`."""
    shown = user_sees(version, status=status, litellm_message=litellm_message)
    return f"; in {describe(version, 'openwebui').replace('openwebui', 'Open WebUI', 1)} users see \"{shown}\""
