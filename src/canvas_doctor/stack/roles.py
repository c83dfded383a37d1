"""What a container definition is: Open WebUI, a LiteLLM proxy, a database, or something else.

The role comes from evidence, strongest first, and the evidence is kept so the report can show it:

1. the image repository (a table of known images, targets and known non-targets alike);
2. the command or entrypoint (`litellm --config ...`, `open-webui serve`);
3. settings only that program reads (a custom build of Open WebUI or LiteLLM under another name).

A service name alone never decides (`litellm-db` is a postgres), and a known non-target image is
never judged as a target, whatever settings it shares through an env_file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

OPENWEBUI = "open-webui"
LITELLM = "litellm"
DATABASE = "database"
OTHER = "other"


@dataclass(frozen=True)
class Role:
    """A role and the evidence for it, in words a user can check."""

    kind: str
    evidence: str


# Image repositories (registry host and tag stripped, lower case) -> role. Checked by exact name,
# then by the last path part, so mirrors (`myregistry/open-webui/open-webui`) are recognised too.
_OPENWEBUI_IMAGES = {"open-webui/open-webui", "openwebui/open-webui", "open-webui"}
_LITELLM_IMAGES = {"berriai/litellm", "berriai/litellm-database", "berriai/litellm-non_root",
                   "berriai/litellm-database-non_root", "litellm/litellm", "litellm/litellm-database",
                   "litellm/litellm-non_root", "litellm", "litellm-database"}
# Other images of the same organisations: siblings, not the targets.
_SIBLING_PREFIXES = ("open-webui/", "berriai/")
_DATABASE_IMAGES = ("postgres", "postgresql", "mysql", "mariadb", "mongo", "redis", "valkey", "keydb", "memcached",
                    "pgvector", "timescaledb", "cockroach", "clickhouse", "qdrant", "chroma", "chromadb", "milvus",
                    "weaviate", "elasticsearch", "opensearch", "dragonfly", "etcd", "minio", "supabase")
_OTHER_IMAGES = ("prometheus", "grafana", "nginx", "traefik", "caddy", "haproxy", "envoy", "ollama", "pipelines",
                 "open-terminal", "mcpo", "searxng", "tika", "jupyter", "comfyui", "stable-diffusion", "watchtower",
                 "cloudflared", "tailscale", "langfuse", "otel", "jaeger", "loki", "promtail", "alertmanager",
                 "node-exporter", "cadvisor", "portainer", "vllm", "llama.cpp", "llama-cpp", "localai", "n8n",
                 "certbot", "busybox", "alpine", "docling", "playwright", "kokoro", "whisper", "edge-tts",
                 "speaches", "openedai", "perplexica", "litellm-ui", "prisma", "pgadmin", "adminer", "redisinsight")

# Settings only Open WebUI reads / only the LiteLLM proxy reads.
# (OLLAMA_BASE_URL, OPENAI_API_KEY ... are read by many other programs too: they decide nothing.)
OPENWEBUI_ONLY_SETTINGS = ("ENABLE_IMAGE_GENERATION", "IMAGE_GENERATION_MODEL", "IMAGE_GENERATION_ENGINE",
                           "IMAGES_OPENAI_API_BASE_URL", "WEBUI_SECRET_KEY", "WEBUI_NAME", "WEBUI_AUTH",
                           "ENABLE_OLLAMA_API", "ENABLE_OPENAI_API", "ENABLE_IMAGE_PROMPT_GENERATION")
LITELLM_ONLY_SETTINGS = ("LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "STORE_MODEL_IN_DB", "LITELLM_LOG",
                         "LITELLM_CONFIG_BUCKET_NAME", "LITELLM_LOCAL_MODEL_COST_MAP", "LITELLM_MODE")

_TAG = re.compile(r"[@:][^/]*$")


def image_repository(image: str) -> str:
    """`ghcr.io/open-webui/open-webui:main` -> `open-webui/open-webui` (no registry host, no tag)."""
    ref = (image or "").strip().lower()
    ref = _TAG.sub("", ref)
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts and parts[0] == "library":
        parts = parts[1:]
    return "/".join(parts)


def image_tag(image: str) -> str | None:
    """The tag of an image reference (`main`, `v0.6.5`), or None when it has none (or only a digest)."""
    ref = (image or "").strip()
    if "@" in ref:
        return None
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def _by_image(image: str) -> Role | None:
    if not image.strip() or "${" in image:
        return None
    repo = image_repository(image)
    last = repo.rsplit("/", 1)[-1]
    shown = f"image {image}"
    if repo in _OPENWEBUI_IMAGES or (last in ("open-webui", "openwebui") and not repo.startswith(_SIBLING_PREFIXES)):
        return Role(OPENWEBUI, shown)
    if repo in _LITELLM_IMAGES or (last in ("litellm", "litellm-database", "litellm-non_root")
                                   and not repo.startswith(_SIBLING_PREFIXES)):
        return Role(LITELLM, shown)
    if repo.startswith(_SIBLING_PREFIXES):
        return Role(OTHER, f"{shown} (not Open WebUI or the LiteLLM proxy itself)")
    if any(last == name or last.startswith(name + "-") or last.startswith(name + "_") for name in _DATABASE_IMAGES):
        return Role(DATABASE, shown)
    if any(last == name or last.startswith((name + "-", name + "_")) for name in _OTHER_IMAGES):
        return Role(OTHER, shown)
    return None


def _by_command(command: list[str]) -> Role | None:
    words = [w.rsplit("/", 1)[-1].lower() for w in command[:12]]
    text = " ".join(command).lower()
    if "litellm" in words or re.search(r"(^|[\s/;&|])litellm(\s|$)", text) or "litellm.proxy" in text:
        return Role(LITELLM, f"command runs litellm ({' '.join(command[:4])})")
    if "open-webui" in words and "serve" in words:
        return Role(OPENWEBUI, "command runs open-webui serve")
    return None


def _by_settings(own_names: set[str]) -> Role | None:
    """Settings from the service's own environment count; a shared env_file alone does not."""
    ow = sorted(n for n in OPENWEBUI_ONLY_SETTINGS if n in own_names)
    ll = sorted(n for n in LITELLM_ONLY_SETTINGS if n in own_names)
    if ow and not ll:
        return Role(OPENWEBUI, f"sets {', '.join(ow[:3])}, which only Open WebUI reads")
    if ll and not ow:
        return Role(LITELLM, f"sets {', '.join(ll[:3])}, which only the LiteLLM proxy reads")
    return None


def identify(image: str, command: list[str], own_env_names: set[str]) -> Role:
    """The role of one container definition, with its evidence."""
    by_image = _by_image(image)
    if by_image is not None and by_image.kind in (OPENWEBUI, LITELLM, DATABASE):
        return by_image
    by_cmd = _by_command(command)
    if by_image is not None:  # a known other image: only a generic base image running a target changes that
        return by_cmd if by_cmd is not None and repo_is_generic(image) else by_image
    if by_cmd is not None:
        return by_cmd
    by_settings = _by_settings(own_env_names)
    if by_settings is not None:
        return by_settings
    return Role(OTHER, f"image {image}" if image else "no known image, command or setting")


def repo_is_generic(image: str) -> bool:
    """A plain base image (python, alpine, busybox ...) that any program can run in."""
    last = image_repository(image).rsplit("/", 1)[-1]
    return last in ("python", "alpine", "busybox", "debian", "ubuntu")


def is_official_litellm_image(image: str) -> bool:
    """BerriAI's own images, whose default command passes no --config (Dockerfile: CMD ["--port", "4000"])."""
    repo = image_repository(image)
    return repo.startswith(("berriai/", "litellm/")) and repo in _LITELLM_IMAGES
