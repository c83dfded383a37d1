"""Example env files: the `.env.example` a repository commits in place of the `.env` it ignores."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ENV_EXAMPLES = (".env.example", "example.env", ".env.template", ".env.sample", ".env-example", ".env_example", "env.example",
                "env.sample", ".env.dist", ".env.local.example", "sample.env")


@dataclass(frozen=True)
class MissingEnvFile:
    """An env file the stack reads that does not exist, and the example it was meant to be copied from."""

    missing: str        # display path
    example: str        # display path
    reader: str         # who reads it: "compose interpolation" or "env_file of <service>"
    line: int | None    # where it is named (the env_file entry), if anywhere
    named_in: str | None = None  # the compose file that names it


def find_env_example(folder: Path, name: str = ".env") -> Path | None:
    """The example a missing env file was meant to be copied from (`.env.example`, `litellm.env.example` ...)."""
    stem = name[:-4] if name.endswith(".env") and name != ".env" else name
    candidates = ENV_EXAMPLES if name == ".env" else (
        f"{name}.example", f"{name}.sample", f"{name}.template", f"{stem}.env.example", f"{stem}.example.env")
    for cand in candidates:
        if (folder / cand).is_file():
            return folder / cand
    return None


def find_file_example(path: Path) -> Path | None:
    """The committed example of a missing config file: `litellm-config.example.yaml`, `config.yaml.example` ..."""
    stem, suffix = path.stem, path.suffix
    for name in (f"{stem}.example{suffix}", f"{stem}-example{suffix}", f"{stem}_example{suffix}",
                 f"{stem}.sample{suffix}", f"{stem}.template{suffix}", f"{path.name}.example",
                 f"{path.name}.sample", f"example.{path.name}", f"example-{path.name}"):
        if (path.parent / name).is_file():
            return path.parent / name
    return None
