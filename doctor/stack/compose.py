"""Docker Compose files: services with their resolved environment, ports and mounts."""
from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any, Callable, Mapping

from ..models import Location
from .envfile import parse_env_file
from .interpolate import interpolate
from .model import FileProblem, Mount, PortMap, Service, Setting
from .yamlsource import LMap, LSeq

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_NAMES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")


def find_compose_file(root: Path) -> Path | None:
    """The file `docker compose` would pick in this folder."""
    for name in COMPOSE_NAMES:
        if (root / name).exists():
            return root / name
    return None


def find_override_file(root: Path) -> Path | None:
    """The override file `docker compose` merges in by default, if the folder has one."""
    for name in OVERRIDE_NAMES:
        if (root / name).exists():
            return root / name
    return None


def merge_override(base: dict[str, Service], override: dict[str, Service]) -> None:
    """Merge an override file's services into the base ones the way Compose does: scalars and the
    command replace, environment entries override by name, ports add up, volumes replace by target.
    Every setting keeps the file:line it came from."""
    for name, over in override.items():
        svc = base.get(name)
        if svc is None:
            base[name] = over
            continue
        raw = over.raw if over.raw is not None else {}
        if "image" in raw:
            svc.image = over.image
        if "container_name" in raw:
            svc.container_name = over.container_name
        if "command" in raw or "entrypoint" in raw:
            svc.command = over.command
        if "network_mode" in raw:
            svc.network_mode = over.network_mode
        svc.hostnames |= over.hostnames
        svc.env.update(over.env)
        if svc.env_line is None and over.env_line is not None:
            svc.env_line = over.env_line
        svc.ports += over.ports
        targets = {m.target for m in over.mounts}
        svc.mounts = [m for m in svc.mounts if m.target not in targets] + over.mounts


class ComposeReader:
    """Turns a loaded compose mapping into :class:`Service` objects."""

    def __init__(self, data: LMap, display: str, base_dir: Path, variables: Mapping[str, str],
                 variable_location: Callable[[str], Location | None], display_path: Callable[[Path], str]):
        self.data = data
        self.display = display
        self.base_dir = base_dir
        self.variables = variables
        self.variable_location = variable_location
        self.display_path = display_path
        self.problems: list[FileProblem] = []

    # -- values ----------------------------------------------------------------------------
    def _interp(self, value: Any) -> tuple[str, bool]:
        text = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
        result = interpolate(text, self.variables)
        return result.value, bool(result.used)

    def _setting(self, name: str, raw: Any, line: int, origin: str = "compose environment") -> Setting:
        value, via_var = self._interp(raw)
        location = Location(self.display, line)
        if via_var:
            # The value really lives where the variable is set (.env line), if we know it.
            used = interpolate(str(raw), self.variables).used
            for var in used:
                loc = self.variable_location(var)
                if loc is not None:
                    location = loc
                    break
        return Setting(name, value, location, origin, from_reference=via_var)

    # -- service parts ---------------------------------------------------------------------
    def _environment(self, svc: LMap, service: Service) -> None:
        for env_file in self._as_list(svc.get("env_file")):
            path_str = env_file.get("path") if isinstance(env_file, dict) else env_file
            if not path_str:
                continue
            path = (self.base_dir / self._interp(path_str)[0]).resolve()
            parsed = parse_env_file(path)
            if parsed.error:
                required = not (isinstance(env_file, dict) and env_file.get("required") is False)
                if required:
                    self.problems.append(FileProblem(self.display_path(path), parsed.error,
                                                     role=f"env_file of {service.name}"))
                continue
            for name, value in parsed.values.items():
                service.env[name] = Setting(name, value, Location(self.display_path(path), parsed.lines[name]),
                                            "env_file")
        env = svc.get("environment")
        if env is None:
            return
        service.env_line = svc.line_of("environment")
        if isinstance(env, LMap):
            for key, raw in env.items():
                name = str(key)
                if raw is None:  # `KEY:` alone passes the variable through from the environment
                    if name in self.variables:
                        service.env[name] = Setting(name, self.variables[name], self.variable_location(name)
                                                    or Location(self.display, env.line_of(key)),
                                                    "passed through", from_reference=True)
                    continue
                service.env[name] = self._setting(name, raw, env.line_of(key))
        elif isinstance(env, LSeq):
            for i, item in enumerate(env):
                text = str(item)
                name, sep, raw = text.partition("=")
                name = name.strip()
                if not sep:
                    if name in self.variables:
                        service.env[name] = Setting(name, self.variables[name], self.variable_location(name)
                                                    or Location(self.display, env.line_of(i)),
                                                    "passed through", from_reference=True)
                    continue
                service.env[name] = self._setting(name, raw, env.line_of(i))

    def _ports(self, svc: LMap, service: Service) -> None:
        ports = svc.get("ports")
        if not isinstance(ports, LSeq):
            return
        for i, item in enumerate(ports):
            line = ports.line_of(i)
            if isinstance(item, dict):
                target, published = item.get("target"), item.get("published")
                try:
                    service.ports.append(PortMap(int(self._interp(target)[0]),
                                                 int(self._interp(published)[0]) if published else None,
                                                 item.get("host_ip"), line))
                except (TypeError, ValueError):
                    pass
                continue
            text = self._interp(item)[0].split("/", 1)[0]
            parts = text.rsplit(":", 2)
            try:
                if len(parts) == 1:
                    service.ports.append(PortMap(int(parts[0].split("-")[0]), None, None, line))
                elif len(parts) == 2:
                    service.ports.append(PortMap(int(parts[1].split("-")[0]), int(parts[0].split("-")[0]), None, line))
                else:
                    service.ports.append(PortMap(int(parts[2].split("-")[0]), int(parts[1].split("-")[0]) if parts[1] else None,
                                                 parts[0].strip("[]") or None, line))
            except ValueError:
                continue

    def _volumes(self, svc: LMap, service: Service) -> None:
        vols = svc.get("volumes")
        if not isinstance(vols, LSeq):
            return
        for i, item in enumerate(vols):
            line = vols.line_of(i)
            if isinstance(item, dict):
                source = self._interp(item.get("source") or "")[0]
                target = self._interp(item.get("target") or "")[0]
                bind = item.get("type") == "bind" or source.startswith((".", "/", "~"))
                ro = bool(item.get("read_only"))
            else:
                parts = self._interp(item)[0].split(":")
                if len(parts) == 1:
                    source, target, mode = "", parts[0], ""
                else:
                    source, target = parts[0], parts[1]
                    mode = parts[2] if len(parts) > 2 else ""
                bind = source.startswith((".", "/", "~"))
                ro = "ro" in mode.split(",")
            if bind:
                source = str((self.base_dir / os.path.expanduser(source)).resolve())
            service.mounts.append(Mount(source, target, bind, ro, line))

    @staticmethod
    def _as_list(value: Any) -> list[Any]:
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def _command(self, value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, list):
            return [self._interp(v)[0] for v in value]
        try:
            return shlex.split(self._interp(value)[0])
        except ValueError:
            return self._interp(value)[0].split()

    def services(self) -> dict[str, Service]:
        raw = self.data.get("services")
        if raw is None and "version" not in self.data:
            raw = {k: v for k, v in self.data.items() if isinstance(v, dict) and ("image" in v or "build" in v)}
        if not isinstance(raw, dict) or (not raw and "services" not in self.data):
            self.problems.append(FileProblem(self.display, "has no `services:` mapping",
                                             self.data.line_of("services") if "services" in self.data else 1,
                                             role="compose"))
            return {}
        out: dict[str, Service] = {}
        for name, svc in raw.items():
            if not isinstance(svc, LMap):
                continue
            line = raw.line_of(name) if isinstance(raw, LMap) else None
            service = Service(name=str(name), kind="compose", file=self.display, line=line,
                              image=self._interp(svc.get("image") or "")[0],
                              container_name=self._interp(svc.get("container_name"))[0] or None,
                              command=self._command(svc.get("command")),
                              network_mode=svc.get("network_mode"), raw=svc)
            service.command = self._command(svc.get("entrypoint")) + service.command \
                if svc.get("entrypoint") is not None else service.command
            service.hostnames = {service.name}
            if service.container_name:
                service.hostnames.add(service.container_name)
            if svc.get("hostname"):
                service.hostnames.add(str(svc.get("hostname")))
            networks = svc.get("networks")
            if isinstance(networks, dict):
                for net in networks.values():
                    if isinstance(net, dict):
                        service.hostnames.update(str(a) for a in net.get("aliases") or [])
            self._environment(svc, service)
            self._ports(svc, service)
            self._volumes(svc, service)
            out[service.name] = service
        return out
