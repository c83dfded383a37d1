"""The stack's own limits on one generation, read from the files (stack/limits.py)."""
from __future__ import annotations

from canvas_doctor.models import Location
from canvas_doctor.stack.limits import first_to_give_up, openwebui_limit
from canvas_doctor.stack.model import Service, Setting
from canvas_doctor.stack.roles import Role
from canvas_doctor.versions import from_image


def _openwebui(tag: str, timeout: str | None) -> tuple[Service, object]:
    env = {} if timeout is None else {"AIOHTTP_CLIENT_TIMEOUT": Setting("AIOHTTP_CLIENT_TIMEOUT", timeout,
                                                                        Location("docker-compose.yml", 9))}
    svc = Service(name="openwebui", kind="compose", file="docker-compose.yml", line=2, env=env,
                  image=f"ghcr.io/open-webui/open-webui:{tag}", role=Role("open-webui", "test"))
    return svc, from_image("openwebui", "openwebui", svc.image)


def test_open_webui_from_0_9_stops_at_aiohttp_client_timeout() -> None:
    limit = openwebui_limit(*_openwebui("v0.12.4", "20"))
    assert limit is not None and limit.seconds == 20 and limit.location == Location("docker-compose.yml", 9)
    assert limit.describe() == "Open WebUI gives up after 20 s (AIOHTTP_CLIENT_TIMEOUT=20) (docker-compose.yml:9)"


def test_unset_or_empty_is_no_limit_and_not_a_number_is_300() -> None:
    assert openwebui_limit(*_openwebui("v0.12.4", None)) is None
    assert openwebui_limit(*_openwebui("v0.12.4", "")) is None
    bad = openwebui_limit(*_openwebui("v0.12.4", "twenty"))
    assert bad is not None and bad.seconds == 300


def test_open_webui_before_0_9_has_no_timeout_at_all() -> None:
    assert openwebui_limit(*_openwebui("v0.8.12", "20")) is None


def test_the_first_to_give_up_is_the_shortest() -> None:
    a = openwebui_limit(*_openwebui("v0.12.4", "20"))
    b = openwebui_limit(*_openwebui("v0.12.4", "5"))
    assert first_to_give_up([a, None, b]) is b and first_to_give_up([None]) is None


def test_what_users_see_follows_the_open_webui_version() -> None:
    from canvas_doctor.openwebui_shows import user_sees
    text = "litellm.BadRequestError: BedrockException - extraneous key [stream]"
    assert user_sees(_openwebui("v0.8.12", None)[1], status=400, litellm_message=text) == f"[ERROR: {text}]"
    assert user_sees(_openwebui("v0.9.6", None)[1], status=400, litellm_message=text) == "[ERROR: Bad Request]"
    assert user_sees(_openwebui("v0.12.4", None)[1], status=None) == "Something went wrong :/"
    assert user_sees(_openwebui("v0.9.6", None)[1], status=None) == "[ERROR: TimeoutError]"
