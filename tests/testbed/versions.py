"""Which LiteLLM and Open WebUI the test bed runs, and the version-dependent facts the tests expect.

The versions come from CANVAS_DOCTOR_LITELLM_VERSION / CANVAS_DOCTOR_OPENWEBUI_VERSION (the pytest
options --litellm-version / --openwebui-version set them; LITELLM_VERSION / OPENWEBUI_VERSION, the
install script's names, are read too), read at call time, so a session runs one version pair.

Each fact names the first release it holds in (shared/reference/versions.md, confirmed on the real
services by tests/live/test_versions.py).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_LITELLM = "1.108.7"
DEFAULT_OPENWEBUI = "0.12.4"

# What the matrix runs (scripts/matrix.sh, .ci/run): newest that runs here, the default, one older.
LITELLM_MATRIX = ("1.110.2", "1.108.7", "1.103.11")
OPENWEBUI_MATRIX = ("0.12.4", "0.9.6")


def parse(version: str) -> tuple[int, ...]:
    """'1.108.7' -> (1, 108, 7); a leading 'v' and a suffix after '-' or '+' are ignored."""
    core = version.lstrip("v").split("-")[0].split("+")[0]
    return tuple(int(p) for p in core.split(".") if p.isdigit())


def litellm_version() -> str:
    return os.environ.get("CANVAS_DOCTOR_LITELLM_VERSION") or os.environ.get("LITELLM_VERSION") or DEFAULT_LITELLM


def openwebui_version() -> str:
    return (os.environ.get("CANVAS_DOCTOR_OPENWEBUI_VERSION") or os.environ.get("OPENWEBUI_VERSION")
            or DEFAULT_OPENWEBUI)


def environment() -> dict[str, str]:
    """The versions in play as variables, for a subprocess that starts services of its own."""
    return {"CANVAS_DOCTOR_LITELLM_VERSION": litellm_version(), "CANVAS_DOCTOR_OPENWEBUI_VERSION": openwebui_version()}


@dataclass(frozen=True)
class Fact:
    """A behaviour that holds from release `since` on (and not before)."""

    name: str
    since: str

    def holds(self, version: str) -> bool:
        return parse(version) >= parse(self.since)


# LiteLLM (versions.md §1b)
LITELLM_REFUSES_WEAK_MASTER_KEY = Fact("refuses a missing, empty or sk-1234 master key at start (L12)", "1.104.0")
LITELLM_HEALTH_MODEL_503 = Fact("/health?model= answers 503 when no deployment is healthy (L10)", "1.84.0")
LITELLM_READINESS_HIDES_VERSION = Fact("/health/readiness carries no litellm_version (L11)", "1.84.0")
# Open WebUI (versions.md §1a)
OPENWEBUI_HIDES_UPSTREAM_ERROR = Fact("hides LiteLLM's error text from the user (O9)", "0.9.0")
OPENWEBUI_SEEDS_CONFIG_AT_FIRST_START = Fact("stores every setting in its database at first start (O6b)", "0.10.0")
OPENWEBUI_CONFIG_PER_KEY_ROWS = Fact("config table holds one row per key (O7)", "0.10.0")


def litellm_has(fact: Fact) -> bool:
    return fact.holds(litellm_version())


def openwebui_has(fact: Fact) -> bool:
    return fact.holds(openwebui_version())


def litellm_image_tag(version: str | None = None) -> str:
    return f"ghcr.io/berriai/litellm:main-v{version or litellm_version()}"


def openwebui_image_tag(version: str | None = None) -> str:
    return f"ghcr.io/open-webui/open-webui:v{version or openwebui_version()}"
