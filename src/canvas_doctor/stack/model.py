"""The discovered stack: services, settings and LiteLLM configs, each value with its file:line."""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..models import Location
from .roles import LITELLM, OPENWEBUI, Role, identify
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
    content: str | None = None  # a compose `configs:` entry given inline (content: / environment:)
    origin: str | None = None   # where the mounted text comes from, for messages (`configs: litellm_config`)
    content_file: str | None = None  # the file that holds inline content, and the line where it starts
    content_line: int | None = None


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
    own_env: set[str] = field(default_factory=set)   # names set in the service's own environment block
    profiles: list[str] = field(default_factory=list)
    build_context: Path | None = None                 # compose `build:` context, when the image is built
    dockerfile: str | None = None
    extra_hosts: dict[str, str] = field(default_factory=dict)
    networks: list[str] = field(default_factory=list)
    role: Role = field(default_factory=lambda: Role("other", "not identified"))
    source_path: Path | None = None                   # the file that defines it (absolute)
    missing_env_files: list[str] = field(default_factory=list)  # env_file entries that could not be read

    def api_base_urls(self) -> list[str]:
        """The OpenAI-compatible URLs Open WebUI uses for chat: OPENAI_API_BASE_URLS (`;`-separated) when set,
        else OPENAI_API_BASE_URL (open_webui/config.py, 0.5 - 0.12)."""
        plural = (self.get("OPENAI_API_BASE_URLS") or "").strip()
        if plural:
            return [u.strip() for u in plural.split(";") if u.strip()]
        single = (self.get("OPENAI_API_BASE_URL") or "").strip()
        return [single] if single else []

    def api_keys(self) -> list[str]:
        """The keys paired by position with api_base_urls()."""
        if (self.get("OPENAI_API_BASE_URLS") or "").strip():
            return [k.strip() for k in (self.get("OPENAI_API_KEYS") or "").split(";")]
        return [self.get("OPENAI_API_KEY") or ""]

    @property
    def url_var(self) -> str:
        """The variable that holds the chat URLs (for messages and locations)."""
        return "OPENAI_API_BASE_URLS" if (self.get("OPENAI_API_BASE_URLS") or "").strip() else "OPENAI_API_BASE_URL"

    def at(self, name: str | None = None) -> Location:
        """Where to point for variable `name`: its line, else the environment block, else the service."""
        if name and name in self.env and self.env[name].location:
            return self.env[name].location  # type: ignore[return-value]
        return Location(self.file, self.env_line or self.line)

    def get(self, name: str) -> str | None:
        s = self.env.get(name)
        return s.value if s else None

    def command_words(self) -> list[str]:
        """The command as words; a `sh -c SCRIPT` wrapper is looked into (its script split like a shell)."""
        cmd = self.command
        if len(cmd) >= 3 and cmd[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash") and cmd[1] == "-c":
            script = " ".join(cmd[2:])
            try:
                return shlex.split(script, comments=True)
            except ValueError:
                return script.split()
        return cmd

    def arg(self, flag: str) -> str | None:
        """Value of a `--flag VALUE` or `--flag=VALUE` in the command."""
        words = self.command_words()
        for i, part in enumerate(words):
            if part == flag and i + 1 < len(words):
                return words[i + 1]
            if part.startswith(flag + "=") and flag.startswith("--"):
                return part.split("=", 1)[1]
        return None

    def identify(self) -> None:
        """Give the service its role from its image, command and own settings (see roles.py)."""
        self.role = identify(self.image, self.command, self.own_env)

    @property
    def is_openwebui(self) -> bool:
        return self.role.kind == OPENWEBUI

    @property
    def is_litellm(self) -> bool:
        return self.role.kind == LITELLM


@dataclass
class Deployment:
    """One entry of a LiteLLM config's model_list."""

    model_name: str
    params: LMap
    model_info: LMap
    line: int
    index: int
    file: str = ""  # display path of the file the entry is written in (a LiteLLM `include:` may split them)

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

    def at(self, key: str | None = None) -> Location:
        """The file:line of litellm_params `key` (else of the entry itself)."""
        return Location(self.file, self.line_of(key) if key else self.line)


@dataclass
class LiteLLMConfig:
    """A LiteLLM proxy config file, loaded (or why it could not be)."""

    path: Path
    display: str
    data: LMap | None = None
    error: str | None = None
    error_line: int | None = None
    deployments: list[Deployment] = field(default_factory=list)
    included: list[str] = field(default_factory=list)  # files read through LiteLLM's own `include:`
    origin: str = "file"  # file, a compose `configs:` entry, the service's command (inline), the image build

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
    config_elsewhere: str | None = None        # the config lives where files cannot show it (S3, the image)
    models_in_db: bool = False                 # STORE_MODEL_IN_DB: models may live in LiteLLM's database
    config_in_env: Setting | None = None       # config text handed over in a variable LiteLLM never reads
    config_example_for: str | None = None      # the mounted config is missing; this is read from its example

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
    compose_files: list[str] = field(default_factory=list)  # every compose file read, includes too
    openwebuis: list[Service] = field(default_factory=list)  # every Open WebUI service of the compose project
    env_missing: list[Any] = field(default_factory=list)     # MissingEnvFile: env files read from their example
    image_intent: Any = None                                 # intent.ImageIntent, decided at discovery
    external_networks: set[str] = field(default_factory=set)  # compose networks shared with other projects
    compose_services: dict[str, Service] = field(default_factory=dict)
    env_file: Any = None
    cfn_files: list[str] = field(default_factory=list)
    cfn_services: list[Service] = field(default_factory=list)
    deployed_services: list[Service] = field(default_factory=list)  # containers of running ECS task definitions
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

    def versions_in_play(self) -> list[Any]:
        """The version of every Open WebUI and LiteLLM definition, as its image says (versions.VersionInPlay)."""
        from ..versions import LITELLM, OPENWEBUI, from_image
        out = []
        for svc in list(self.compose_services.values()) + self.cfn_services:
            if svc.is_openwebui or svc.is_litellm:
                out.append(from_image(svc.name, OPENWEBUI if svc.is_openwebui else LITELLM, svc.image))
        return out

    def version_of(self, component: str, service: str | None = None) -> Any:
        """The version in play of `component` (openwebui, litellm): that service's, else the first known, else
        the first definition's (whose effective() is the assumed version), else None."""
        found = [v for v in self.versions_in_play() if v.component == component]
        if service is not None:
            found = [v for v in found if v.service == service] or found
        return next((v for v in found if v.known), found[0] if found else None)

    @property
    def openwebui_services(self) -> list[Service]:
        """Every Open WebUI definition: the compose services and any CloudFormation container."""
        out = list(self.openwebuis) or ([self.openwebui] if self.openwebui else [])
        return out + [s for s in self.cfn_services if s.is_openwebui]

    def proxy_for_url(self, url: str | None) -> Proxy | None:
        """The proxy a URL in Open WebUI's environment reaches (by host name), if any."""
        if not url:
            return None
        try:
            parts = urlsplit(url.strip())
            host, port = (parts.hostname or "").lower(), parts.port
        except ValueError:
            return None
        for proxy in self.proxies.values():
            if proxy.service and host in {h.lower() for h in proxy.service.hostnames}:
                return proxy
        if host == "host.docker.internal":  # this machine, seen from a container: the published port decides
            for proxy in self.proxies.values():
                if proxy.service and any(pm.host_port == (port or 80) and pm.host_ip in (None, "", "0.0.0.0", "::")
                                         for pm in proxy.service.ports):
                    return proxy
        return None
