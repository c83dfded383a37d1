"""Who may use a LiteLLM or Open WebUI definition once they reach it: the proxy's master key, Open WebUI's
login and its signup, as the files set them (names and defaults read in LiteLLM 1.108.7 and Open WebUI
0.12.4: open_webui/env.py WEBUI_AUTH, open_webui/config.py ENABLE_SIGNUP, DEFAULT_USER_ROLE,
USER_PERMISSIONS_FEATURES_IMAGE_GENERATION)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from ..facts import LITELLM_PUBLIC_MASTER_KEYS
from ..models import Location
from .model import Service, Setting, Stack

GUIDE_KEYS = {"sk-test-1234567890"}   # printed in the image-generation guide's curl examples and compose file
MIN_KEY_LENGTH = 16                   # shorter than this is guessable (the guide's own key is 18)
_TRUE = ("true", "1", "yes", "on")


@dataclass(frozen=True)
class MasterKey:
    """The master key of a LiteLLM definition as far as the files show it."""

    setting: Setting | None
    known: bool              # False: it comes from somewhere the files do not show (a secret, an unset variable)

    @property
    def value(self) -> str:
        return self.setting.value if self.setting else ""

    @property
    def at(self) -> Location | None:
        return self.setting.location if self.setting else None


def master_key(stack: Stack, svc: Service) -> MasterKey:
    """general_settings.master_key or LITELLM_MASTER_KEY of a compose LiteLLM service or an ECS container."""
    proxy = stack.proxies.get(svc.name) if svc.kind == "compose" else None
    setting = proxy.master_key() if proxy is not None and proxy.service is svc else svc.env.get("LITELLM_MASTER_KEY")
    if setting is None:
        return MasterKey(None, not svc.missing_env_files)
    examples = {m.example for m in stack.env_missing}
    if setting.from_reference and not setting.value:
        return MasterKey(setting, False)
    if setting.location is not None and setting.location.file in examples:
        return MasterKey(setting, False)
    return MasterKey(setting, True)


def key_weakness(key: MasterKey) -> str | None:
    """Why anyone could know or guess the key (None: it is private, or the files do not show it)."""
    if not key.known:
        return None
    if key.setting is None or not key.value:
        return "no master key"
    if key.value in LITELLM_PUBLIC_MASTER_KEYS:
        return "LiteLLM's own default key"
    if key.value in GUIDE_KEYS:
        return "the key printed in the image-generation guide"
    if len(key.value) < MIN_KEY_LENGTH:
        return f"a short key ({len(key.value)} characters)"
    return None


def refused_at_start(key: MasterKey) -> bool:
    """No key or sk-1234: LiteLLM 1.104+ refuses to start (compose.litellm.master-key says so)."""
    return key.known and (key.setting is None or not key.value or key.value in LITELLM_PUBLIC_MASTER_KEYS)


def key_lets_strangers_in(stack: Stack, svc: Service) -> str | None:
    """key_weakness(), except for a key LiteLLM refuses at start-up in the version in play (no proxy runs)."""
    from ..versions import LITELLM, holds
    key = master_key(stack, svc)
    weak = key_weakness(key)
    if weak and refused_at_start(key) and holds("litellm.refuses-weak-master-key",
                                                stack.version_of(LITELLM, svc.name)):
        return None
    return weak


def in_tracked_file(setting: Setting | None) -> str | None:
    """The file a literal key is written in, when that file is one a repository tracks (the compose file, the
    template, the LiteLLM config) rather than .env, an env_file, a secret or Secrets Manager."""
    if setting is None or setting.from_reference or not setting.value or setting.location is None:
        return None
    name = PurePosixPath(setting.location.file).name
    if name.startswith(".env") or name.endswith(".env"):
        return None
    return setting.location.file


def _flag(svc: Service, name: str, default: bool) -> bool:
    value = svc.get(name)
    return default if value is None or not value.strip() else value.strip().lower() in _TRUE


def auth_disabled(svc: Service) -> bool:
    """WEBUI_AUTH=False: Open WebUI has no login; everyone is the admin (env.py: default True)."""
    return not _flag(svc, "WEBUI_AUTH", True)


def signup_grants_images(svc: Service) -> str | None:
    """Open signup whose new accounts may generate images at once, said as the settings that make it so."""
    if auth_disabled(svc) or not _flag(svc, "ENABLE_SIGNUP", True):
        return None
    role = (svc.get("DEFAULT_USER_ROLE") or "pending").strip().lower()
    if role == "admin":
        return "ENABLE_SIGNUP is on and DEFAULT_USER_ROLE=admin: every new account is an admin"
    if role == "user" and _flag(svc, "USER_PERMISSIONS_FEATURES_IMAGE_GENERATION", True):
        return ("ENABLE_SIGNUP is on, DEFAULT_USER_ROLE=user and the image-generation permission is on "
                "(USER_PERMISSIONS_FEATURES_IMAGE_GENERATION, default True): anyone can sign up and generate images")
    return None
