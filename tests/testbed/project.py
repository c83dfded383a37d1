"""A stack folder for the doctor to read: docker-compose.yml, litellm-config.yaml and .env.

The layout is the healthy sample's (fixtures/stacks/healthy), with one LiteLLM service that
serves chat and images; its published port is the test proxy's port, so the doctor finds the
running proxy from the compose file alone, as it would find a real one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml

from .versions import litellm_image_tag, openwebui_image_tag



@dataclass
class Project:
    root: Path
    compose: Path
    config: Path
    env_file: Path


@dataclass
class ProjectSpec:
    """What the compose file says. `openwebui_env` entries override the defaults (None removes one)."""

    config_text: str
    proxy_env: Mapping[str, str]
    host_port: int = 4000
    service: str = "litellm"
    image_model: str = "nova-canvas"
    image_size: str = "512x512"
    openwebui_env: Mapping[str, str | None] = field(default_factory=dict)

    def compose(self) -> dict:
        base = f"http://{self.service}:4000/v1"
        ow = {
            "OPENAI_API_BASE_URL": base,
            "OPENAI_API_KEY": "${LITELLM_MASTER_KEY}",
            "ENABLE_IMAGE_GENERATION": "True",
            "IMAGE_GENERATION_ENGINE": "openai",
            "IMAGE_GENERATION_MODEL": self.image_model,
            "IMAGE_SIZE": self.image_size,
            "IMAGES_OPENAI_API_BASE_URL": base,
            "IMAGES_OPENAI_API_KEY": "${LITELLM_MASTER_KEY}",
        }
        for name, value in self.openwebui_env.items():
            if value is None:
                ow.pop(name, None)
            else:
                ow[name] = value
        proxy_env = [f"{k}=${{{k}}}" if _secret(k) else f"{k}={v}" for k, v in self.proxy_env.items()]
        return {"services": {
            "openwebui": {
                "image": openwebui_image_tag(),   # the versions in play (testbed.versions)
                "ports": ["8080:8080"],
                "environment": [f"{k}={v}" for k, v in ow.items()],
                "depends_on": [self.service],
            },
            self.service: {
                "image": litellm_image_tag(),
                "command": ["--config", "/app/config.yaml", "--port", "4000"],
                "ports": [f"{self.host_port}:4000"],
                "environment": proxy_env,
                "volumes": ["./litellm-config.yaml:/app/config.yaml:ro"],
            },
        }}

    def dotenv(self) -> str:
        lines = ["# Written by testbed: test values, valid nowhere."]
        lines += [f"{k}={v}" for k, v in self.proxy_env.items() if _secret(k)]
        return "\n".join(lines) + "\n"


def _secret(name: str) -> bool:
    return any(word in name for word in ("KEY", "TOKEN", "SECRET"))


def write_project(root: Path, spec: ProjectSpec) -> Project:
    """Write the three files under `root` (created when missing)."""
    root.mkdir(parents=True, exist_ok=True)
    project = Project(root, root / "docker-compose.yml", root / "litellm-config.yaml", root / ".env")
    project.config.write_text(spec.config_text)
    project.compose.write_text("# Written by testbed\n" + yaml.safe_dump(spec.compose(), sort_keys=False))
    project.env_file.write_text(spec.dotenv())
    return project
