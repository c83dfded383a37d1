"""The discovered stack: services, settings and LiteLLM configs, each value with its file:line."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..models import Location
from .yamlsource import LMap


@dataclass
class Setting:
    """One environment variable as a service will see it, and where it was set."""

    name: str
    value: str
    location: Location | None = None
    origin: str = "environment"  # compose environment, env_file, container, cloudformation ...
    from_reference: bool = False  # came through ${VAR}, !Ref, a Secret ... (not written literally)


@dataclass
class PortMap:
    container_port: int
    host_port: int | None
    host_ip: str | None = None
    line: int | None = None


@dataclass
class Mount:
    source: str          # host path (bind, resolved absolute) or volume name
    target: str          # path inside the container
    bind: bool
    read_only: bool = False
    line: int | None = None


# Variables only Open WebUI reads: they identify its service whatever the image or name.
OPENWEBUI_ONLY_SETTINGS = ("ENABLE_IMAGE_GENERATION", "IMAGE_GENERATION_MODEL", "IMAGE_GENERATION_ENGINE",
                           "IMAGES_OPENAI_API_BASE_URL", "WEBUI_SECRET_KEY", "WEBUI_NAME")


@dataclass
class Service:
    """A container definition: a compose service or a CloudFormation ECS container."""

    name: str
    kind: str                    # "compose" or "cloudformation"
    file: str                    # display path of the file that defines it
    line: int | None
    image: str = ""
    container_name: str | None = None
    hostnames: set[str] = field(default_factory=set)  # names other containers reach it by
    command: list[str] = field(default_factory=list)
    env: dict[str, Setting] = field(default_factory=dict)
    env_line: int | None = None
    ports: list[PortMap] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    network_mode: str | None = None
    raw: LMap | None = None

    def at(self, name: str | None = None) -> Location:
        """Where to point for variable `name`: its line, else the environment block, else the service."""
        if name and name in self.env and self.env[name].location:
            return self.env[name].location  # type: ignore[return-value]
        return Location(self.file, self.env_line or self.line)

    def get(self, name: str) -> str | None:
        s = self.env.get(name)
        return s.value if s else None

    def arg(self, flag: str) -> str | None:
        """Value of a `--flag VALUE` or `--flag=VALUE` in the command."""
        for i, part in enumerate(self.command):
            if part == flag and i + 1 < len(self.command):
                return self.command[i + 1]
            if part.startswith(flag + "="):
                return part.split("=", 1)[1]
        return None

    @property
    def is_openwebui(self) -> bool:
        """By its image, else (a custom build, another name) by settings only Open WebUI reads."""
        image = self.image.lower()
        if "open-webui" in image or "openwebui" in image:
            return True
        if "litellm" in image:
            return False
        return "webui" in self.name.lower() or any(name in self.env for name in OPENWEBUI_ONLY_SETTINGS)

    @property
    def is_litellm(self) -> bool:
        """By its image or command, else by the master key only the proxy reads."""
        image = self.image.lower()
        if "litellm" in image or "litellm" in " ".join(self.command).lower():
            return True
        if "open-webui" in image or "openwebui" in image:
            return False
        return "litellm" in self.name.lower() or "LITELLM_MASTER_KEY" in self.env


@dataclass
class Deployment:
    """One entry of a LiteLLM config's model_list."""

    model_name: str
    params: LMap
    model_info: LMap
    line: int
    index: int

    @property
    def model(self) -> str:
        return str(self.params.get("model") or "")

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0] if "/" in self.model else ""

    @property
    def provider_model(self) -> str:
        """The model id after the provider prefix (`amazon.nova-canvas-v1:0`)."""
        return self.model.split("/", 1)[1] if "/" in self.model else self.model

    @property
    def base_model_id(self) -> str:
        """The Bedrock model id the request goes to: model_id when given, else the model."""
        return str(self.params.get("model_id") or self.provider_model)

    def line_of(self, key: str) -> int:
        return self.params.line_of(key) if key in self.params else self.line


@dataclass
class LiteLLMConfig:
    """A LiteLLM proxy config file, loaded (or why it could not be)."""

    path: Path
    display: str
    data: LMap | None = None
    error: str | None = None
    error_line: int | None = None
    deployments: list[Deployment] = field(default_factory=list)

    def section(self, name: str) -> LMap:
        value = (self.data or {}).get(name) if self.data else None
        return value if isinstance(value, LMap) else LMap()

    def at(self, line: int | None = None) -> Location:
        return Location(self.display, line)

    def served(self) -> list[str]:
        return sorted({d.model_name for d in self.deployments})

    def find(self, model_name: str) -> list[Deployment]:
        return [d for d in self.deployments if d.model_name == model_name]


@dataclass
class Proxy:
    """A LiteLLM proxy of the stack: its service (if any), its config and how to reach it."""

    name: str
    service: Service | None
    config: LiteLLMConfig | None
    config_container_path: str | None = None  # what --config names inside the container
    config_mounted: bool = True
    port: int = 4000                           # where it listens inside the container
    host_url: str | None = None                # reachable from this machine

    def master_key(self) -> Setting | None:
        """general_settings.master_key (resolved) or LITELLM_MASTER_KEY of the service."""
        if self.config and self.config.data:
            gs = self.config.section("general_settings")
            raw = gs.get("master_key")
            if raw is not None:
                value, ref = resolve_os_environ(str(raw), self.service)
                return Setting("master_key", value or "", self.config.at(gs.line_of("master_key")),
                               origin="litellm config", from_reference=ref)
        if self.service and "LITELLM_MASTER_KEY" in self.service.env:
            return self.service.env["LITELLM_MASTER_KEY"]
        return None


def resolve_os_environ(value: str, service: Service | None) -> tuple[str | None, bool]:
    """LiteLLM's `os.environ/NAME`: the value from the proxy's environment (None when unset)."""
    if isinstance(value, str) and value.startswith("os.environ/"):
        name = value.split("/", 1)[1]
        if service is None:
            return None, True
        s = service.env.get(name)
        return (s.value if s else None), True
    return value, False


@dataclass
class FileProblem:
    """A stack file that is missing where needed, unreadable or not valid YAML."""

    path: str
    message: str
    line: int | None = None
    role: str = ""  # "compose", "litellm config", ".env", "cloudformation"


@dataclass
class Stack:
    """Everything discovery found; checks read it, never the files themselves."""

    root: Path
    compose_file: str | None = None
    compose_override: str | None = None   # docker-compose.override.yml, merged in as Compose does
    compose_name: str | None = None       # the compose file's top-level `name:` (Compose v2)
    compose_services: dict[str, Service] = field(default_factory=dict)
    env_file: Any = None
    cfn_files: list[str] = field(default_factory=list)
    cfn_services: list[Service] = field(default_factory=list)
    cfn_templates: dict[str, LMap] = field(default_factory=dict)
    openwebui: Service | None = None
    proxies: dict[str, Proxy] = field(default_factory=dict)
    chat_proxy: Proxy | None = None
    image_proxy: Proxy | None = None
    image_proxy_reason: str = ""
    problems: list[FileProblem] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    discovery_error: str | None = None        # discovery itself broke: the reason (an `error` result)
    discovery_traceback: str | None = None

    @property
    def openwebui_services(self) -> list[Service]:
        """Every Open WebUI definition: the compose service and any CloudFormation container."""
        out = [self.openwebui] if self.openwebui else []
        return out + [s for s in self.cfn_services if s.is_openwebui]

    def proxy_for_url(self, url: str | None) -> Proxy | None:
        """The proxy a URL in Open WebUI's environment reaches (by host name), if any."""
        if not url:
            return None
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return None
        for proxy in self.proxies.values():
            if proxy.service and host in {h.lower() for h in proxy.service.hostnames}:
                return proxy
        return None
