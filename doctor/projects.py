"""Which stacks a `--project` folder holds: itself, or (when it holds none) each sub-folder project.

Repositories keep one compose project per folder (`openwebui/`, `litellm/`, `stacks/x/`), or several
compose files side by side meant for `docker compose -f` (`docker-compose.prod.yml` ...). Each is
diagnosed on its own and reported under its folder or file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .stack.cloudformation import find_templates
from .stack.compose import COMPOSE_NAMES, find_compose_file, find_compose_variants
from .stack.litellm_config import find_fallback_config

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
            or bool(find_templates(folder)))


def find_projects(root: Path, compose_files: tuple[str, ...] = (), environ: dict[str, str] | None = None) -> list[Project]:
    """The stacks under `root`: root itself when it holds one, else its sub-folder projects (depth 2)."""
    environ = dict(os.environ if environ is None else environ)
    if compose_files or environ.get("COMPOSE_FILE") or find_compose_file(root) is not None:
        return [Project(root, compose_files)]
    variants = find_compose_variants(root)
    if len(variants) > 1:
        return [Project(root, (v.name,), v.name) for v in variants]
    if variants or _holds_stack(root):
        return [Project(root)]
    found: list[Project] = []
    for folder in _folders(root):
        if len(found) >= MAX_PROJECTS:
            break
        if find_compose_file(folder) is not None:
            found.append(Project(folder, (), f"{folder.relative_to(root)}/"))
        else:
            for v in find_compose_variants(folder):
                found.append(Project(folder, (v.name,), str(v.relative_to(root))))
    return found or [Project(root)]


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
