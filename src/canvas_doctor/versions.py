"""Which Open WebUI and LiteLLM versions are in play, and which version-bound facts hold for them.

A version comes from the best evidence there is: the running service's own answer (Open WebUI's
/api/version, LiteLLM's x-litellm-version header) beats the image tag in the files, and a tag beats
nothing. Where none is known the doctor assumes the newest version it was measured on, and says so.
Moving tags (`main`, `latest`, `main-stable`) name no version: what they run changes under the user.
The facts and their ranges are data (data/version_facts.yaml, from versions.md).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

OPENWEBUI = "openwebui"
LITELLM = "litellm"

# Tags that follow a branch, not a release (Open WebUI: main, dev, cuda, ollama; LiteLLM: main-latest,
# main-stable, litellm_stable_release_branch; both: latest).
MOVING_TAGS = re.compile(r"^(latest|main|dev|cuda|ollama|main-latest|main-stable|stable|nightly|"
                         r"litellm_stable_release_branch.*|main-(?!v\d)[\w.-]*|(cuda|ollama|dev)-[\w.-]*)$")
_VERSION_IN_TAG = re.compile(r"(?:^|[^\d.])v?(\d+)\.(\d+)\.(\d+)(?:[.-]|$)")


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`v0.6.34`, `main-v1.74.3-stable`, `1.108.7.post1` -> (major, minor, patch); None when no version is named."""
    if not text:
        return None
    m = _VERSION_IN_TAG.search(text.strip())
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def show(version: tuple[int, int, int] | None) -> str:
    return ".".join(map(str, version)) if version else "unknown"


def image_tag(image: str) -> tuple[str | None, bool]:
    """The tag of an image reference and whether it is pinned by digest (`repo@sha256:...`)."""
    ref = image.strip()
    if "@" in ref:
        return None, True
    last = ref.rsplit("/", 1)[-1]
    return (last.split(":", 1)[1] if ":" in last else "latest"), False


@dataclass(frozen=True)
class VersionInPlay:
    """One Open WebUI or LiteLLM definition's version and the evidence for it."""

    service: str
    component: str                       # openwebui or litellm
    version: tuple[int, int, int] | None
    source: str                          # "image tag v0.6.34", "the running service", "assumed"
    image: str = ""
    tag: str | None = None
    moving: bool = False                 # a branch tag: the version changes under the user
    digest: bool = False                 # pinned by digest: fixed, but which release is not named

    @property
    def known(self) -> bool:
        return self.version is not None

    def effective(self) -> tuple[int, int, int]:
        """The version facts are applied for: the known one, else the assumed newest measured one."""
        return self.version or assumed(self.component)

    def describe(self) -> str:
        if self.version:
            return f"{self.component} {show(self.version)} ({self.source})"
        return f"{self.component} {show(assumed(self.component))} assumed ({self.source})"

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service, "component": self.component, "version": show(self.version) if self.version
                else None, "source": self.source, "image": self.image, "tag": self.tag, "moving": self.moving,
                "assumed": None if self.version else show(assumed(self.component))}


def from_image(service: str, component: str, image: str) -> VersionInPlay:
    """What an image reference says about the version (a tag such as `v0.6.34` or `main-v1.74.3-stable`)."""
    tag, digest = image_tag(image)
    if digest:
        return VersionInPlay(service, component, None, "pinned by digest, release not named", image, None, False, True)
    if not image.strip():
        return VersionInPlay(service, component, None, "no image named (built or installed otherwise)", image)
    version = parse_version(tag)
    if version:
        return VersionInPlay(service, component, version, f"image tag {tag}", image, tag)
    moving = bool(tag and MOVING_TAGS.match(tag))
    why = f"image tag {tag!r} follows a branch" if moving else f"image tag {tag!r} names no version"
    return VersionInPlay(service, component, None, why, image, tag, moving)


def from_service(previous: VersionInPlay | None, service: str, component: str, version_text: str) -> VersionInPlay:
    """The running service's own answer: it decides, whatever the files said."""
    version = parse_version(version_text)
    base = previous or VersionInPlay(service, component, None, "")
    if version is None:
        return base
    return VersionInPlay(service, component, version, "the running service", base.image, base.tag, base.moving,
                         base.digest)


# -- facts ----------------------------------------------------------------------------------------
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    import yaml
    with _LOCK:
        text = resources.files("canvas_doctor").joinpath("data/version_facts.yaml").read_text(encoding="utf-8")
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def assumed(component: str) -> tuple[int, int, int]:
    """The version assumed for a component when none is known: the newest the doctor was measured on."""
    version = parse_version(str(_data()["assumed"][component]))
    assert version is not None
    return version


@dataclass(frozen=True)
class Fact:
    id: str
    component: str
    says: str
    evidence: str
    since: tuple[int, int, int] | None = None
    until: tuple[int, int, int] | None = None

    def holds(self, version: tuple[int, int, int]) -> bool:
        return (self.since is None or version >= self.since) and (self.until is None or version < self.until)

    def range(self) -> str:
        if self.since and self.until:
            return f"{show(self.since)} to before {show(self.until)}"
        return f"from {show(self.since)}" if self.since else f"before {show(self.until)}"


@lru_cache(maxsize=None)
def fact(fact_id: str) -> Fact:
    """A version-bound fact by id (KeyError for an unknown id: a typo is a bug, not a silent False)."""
    raw = _data()["facts"][fact_id]
    return Fact(fact_id, raw["component"], raw["says"], raw["evidence"],
                parse_version(raw.get("since")), parse_version(raw.get("until")))


def all_facts() -> list[Fact]:
    return [fact(f) for f in _data()["facts"]]


def holds(fact_id: str, version: VersionInPlay | None) -> bool:
    """Whether the fact holds for this version in play (the assumed version when it is unknown)."""
    f = fact(fact_id)
    return f.holds(version.effective() if version else assumed(f.component))


def describe(version: VersionInPlay | None, component: str) -> str:
    """`litellm 1.74.0 (image tag main-v1.74.0)`, or the assumed version when none is known."""
    return version.describe() if version else f"{component} {show(assumed(component))} assumed (no image named)"
