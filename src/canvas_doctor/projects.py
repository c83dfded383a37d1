"""Which stacks a `--project` folder holds: itself, or (when it holds none) each sub-folder project.

Repositories keep one compose project per folder (`openwebui/`, `litellm/`, `stacks/x/`), or several
compose files side by side meant for `docker compose -f` (`docker-compose.prod.yml` ...). Each is
diagnosed on its own and reported under its folder or file.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .stack.cloudformation import find_templates
from .stack.compose import COMPOSE_NAMES, find_compose_file, find_compose_variants
from .stack.litellm_config import find_fallback_config
from .stack.yamlsource import read_text

_TOP_SERVICES = re.compile(r"^services:\s*$", re.M)
_TOP_RESOURCES = re.compile(r'^(Resources:|\s*"Resources"\s*:)', re.M)

MAX_DEPTH = 2
MAX_PROJECTS = 50
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".terraform", "vendor", "dist", "build"}


@dataclass(frozen=True)
class Project:
    """One stack to diagnose: its folder, the compose files to read (none: as Compose picks), its label."""

    folder: Path
    compose_files: tuple[str, ...] = ()
    group: str | None = None


def _holds_stack(folder: Path) -> bool:
    return (find_compose_file(folder) is not None or find_fallback_config(folder) is not None
            or any(_is_template_text(p) for p in find_templates(folder)[:40]))


def _is_template_text(path: Path) -> bool:
    text, _ = read_text(path)
    return bool(text) and ("AWSTemplateFormatVersion" in text or _TOP_RESOURCES.search(text) is not None)


def find_projects(root: Path, compose_files: tuple[str, ...] = (), environ: dict[str, str] | None = None) -> list[Project]:
    """The stacks under `root`: root itself when it holds one, else its sub-folder projects (depth 2)."""
    environ = dict(os.environ if environ is None else environ)
    if compose_files or environ.get("COMPOSE_FILE") or _dotenv_names_compose_file(root) \
            or find_compose_file(root) is not None:
        return [Project(root, compose_files)]
    variants = find_compose_variants(root)
    if len(variants) > 1:
        variants = [v for v in variants if _names_a_target(v)] or variants
    if len(variants) > 1:
        return [Project(root, (v.name,), v.name) for v in variants]
    if len(variants) == 1:
        return [Project(root, (variants[0].name,))]
    if variants or _holds_stack(root):
        return [Project(root)]
    found: list[Project] = []
    for folder in _folders(root):
        if len(found) >= MAX_PROJECTS:
            break
        base = find_compose_file(folder)
        if base is not None:
            if _names_a_target(base):
                found.append(Project(folder, (), f"{folder.relative_to(root)}/"))
            continue
        for v in find_compose_variants(folder) or _loose_compose_files(folder):
            if _names_a_target(v):
                found.append(Project(folder, (v.name,), str(v.relative_to(root))))
    return found or [Project(root)]


def _dotenv_names_compose_file(root: Path) -> bool:
    """COMPOSE_FILE in the folder's `.env` (or its committed example) makes the listed files one project."""
    from .stack.envfile import parse_env_file
    from .stack.examples import find_env_example
    env = root / ".env"
    source = env if env.is_file() else find_env_example(root)
    if source is None:
        return False
    parsed = parse_env_file(source)
    return not parsed.error and bool(parsed.values.get("COMPOSE_FILE", "").strip())


def _names_a_target(path: Path) -> bool:
    """A sub-folder project is diagnosed only when it runs Open WebUI or LiteLLM (a homelab repository
    holds many other stacks: pihole, traefik ... are none of the doctor's business)."""
    text, _ = read_text(path)
    low = (text or "").lower()
    return "open-webui" in low or "openwebui" in low or "litellm" in low


def _loose_compose_files(folder: Path) -> list[Path]:
    """YAML files with a top-level `services:` under other names (`compose/litellm.yaml`, run with -f)."""
    out = []
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    except OSError:
        return []
    for p in files[:40]:
        text, _ = read_text(p)
        if text and _TOP_SERVICES.search(text):
            out.append(p)
    return out


def _folders(root: Path) -> list[Path]:
    out: list[Path] = []
    level = [root]
    for _ in range(MAX_DEPTH):
        nxt: list[Path] = []
        for folder in level:
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()
                                  and p.name not in SKIP_DIRS and not p.name.startswith("."))
            except OSError:
                continue
            for child in children:
                out.append(child)
                if not any((child / n).exists() for n in COMPOSE_NAMES):
                    nxt.append(child)
        level = nxt
    return out
