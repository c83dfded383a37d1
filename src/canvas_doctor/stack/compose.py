"""Docker Compose files: services with their resolved environment, ports and mounts."""
from __future__ import annotations

import copy
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..models import Location
from .envfile import parse_env_file
from .examples import MissingEnvFile, find_env_example
from .interpolate import interpolate
from .model import FileProblem, Mount, PortMap, Service, Setting
from .yamlsource import resolved, LMap, LSeq, load_yaml

MAX_EXTENDS_DEPTH = 8
MAX_INCLUDE_DEPTH = 5
_VARIANT = re.compile(r"^(docker-)?compose[.-_].+\.ya?ml$")

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


def find_compose_variants(root: Path) -> list[Path]:
    """Other compose files of the folder, meant for `docker compose -f` (docker-compose.prod.yml ...)."""
    try:
        names = sorted(p.name for p in root.iterdir() if p.is_file())
    except OSError:
        return []
    return [root / n for n in names if _VARIANT.match(n) and n not in COMPOSE_NAMES and n not in OVERRIDE_NAMES]


def merge_override(base: dict[str, Service], override: dict[str, Service]) -> None:
    """Merge an override file's services into the base ones the way Compose does: scalars and the
    command replace, environment entries override by name, ports add up, volumes replace by target.
    Every setting keeps the file:line it came from."""
    for name, over in override.items():
        svc = base.get(name)
        if svc is None:
            base[name] = over
            continue
        merge_service(svc, over)


def merge_service(svc: Service, over: Service) -> None:
    """Merge one service definition over another (an override file's, or an `extends` child's)."""
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
    svc.own_env |= over.own_env
    svc.extra_hosts.update(over.extra_hosts)
    svc.networks = sorted(set(svc.networks) | set(over.networks))
    if "profiles" in raw:
        svc.profiles = over.profiles
    if "build" in raw:
        svc.build_context, svc.dockerfile = over.build_context, over.dockerfile
    svc.identify()


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
        self._others: dict[Path, ComposeReader | None] = {}  # files named by `extends: file:`
        self.source_path: Path | None = None
        self.env_missing: list[MissingEnvFile] = []
        self._building: set[str] = set()

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
            path = resolved(self.base_dir / self._interp(path_str)[0])
            parsed = parse_env_file(path)
            example = find_env_example(path.parent, path.name) if parsed.error == "does not exist" else None
            if example is not None:
                parsed = parse_env_file(example)
                if not parsed.error:
                    self.env_missing.append(MissingEnvFile(self.display_path(path), self.display_path(example),
                                                           f"env_file of {service.name}",
                                                           svc.line_of("env_file"), self.display))
                    path = example
            if parsed.error:
                required = not (isinstance(env_file, dict) and env_file.get("required") is False)
                service.missing_env_files.append(self.display_path(path))
                outside = self.display_path(path).startswith("/") and parsed.error == "does not exist"
                if required and not outside:  # a server path (/srv/app/.env) is not this checkout's to have
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
                service.own_env.add(name)
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
                service.own_env.add(name)

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
                source = str(resolved(self.base_dir / os.path.expanduser(source)))
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

    def raw_services(self) -> LMap | dict:
        raw = self.data.get("services")
        if raw is None and "version" not in self.data and "include" not in self.data:
            raw = {k: v for k, v in self.data.items() if isinstance(v, dict) and ("image" in v or "build" in v)}
        return raw if isinstance(raw, dict) else {}

    def services(self) -> dict[str, Service]:
        raw = self.raw_services()
        if not raw and "services" not in self.data and "include" not in self.data:
            self.problems.append(FileProblem(self.display, "has no `services:` mapping", 1, role="compose"))
            return {}
        if "services" in self.data and not isinstance(self.data.get("services"), dict) \
                and self.data.get("services") is not None:
            self.problems.append(FileProblem(self.display, "has a `services:` that is not a mapping",
                                             self.data.line_of("services"), role="compose"))
            return {}
        out: dict[str, Service] = {}
        for name, svc in raw.items():
            if isinstance(svc, LMap):
                out[str(name)] = self.service(str(name), svc, raw)
        return out

    def service(self, name: str, svc: LMap, siblings: Mapping[Any, Any], depth: int = 0) -> Service:
        """One service, with what it `extends` merged in underneath it."""
        local = self._build(name, svc, siblings)
        ext = svc.get("extends")
        if ext is None:
            return local
        base_name = ext if isinstance(ext, str) else (ext.get("service") if isinstance(ext, dict) else None)
        base_file = ext.get("file") if isinstance(ext, dict) else None
        line = svc.line_of("extends")
        reader: ComposeReader | None = self
        if base_file:
            reader = self._other(self.base_dir / self._interp(base_file)[0], line)
        if reader is None or not isinstance(base_name, str):
            return local
        base_raw = reader.raw_services().get(base_name)
        key = f"{reader.display}:{base_name}"
        if not isinstance(base_raw, LMap) or depth >= MAX_EXTENDS_DEPTH or key in self._building:
            why = "does not exist" if not isinstance(base_raw, LMap) else "extends itself in a loop"
            self.problems.append(FileProblem(self.display, f"service {name} extends {base_name}, which {why}",
                                             line, role="compose"))
            return local
        self._building.add(key)
        try:
            base = reader.service(base_name, base_raw, reader.raw_services(), depth + 1)
        finally:
            self._building.discard(key)
        merged = copy.copy(base)
        merged.env, merged.hostnames = dict(base.env), set(local.hostnames)
        merged.ports, merged.mounts = list(base.ports), list(base.mounts)
        merged.own_env, merged.extra_hosts = set(base.own_env), dict(base.extra_hosts)
        merged.name, merged.file, merged.line, merged.raw = local.name, local.file, local.line, local.raw
        merged.container_name = local.container_name
        merge_service(merged, local)
        return merged

    def _other(self, path: Path, line: int) -> ComposeReader | None:
        path = resolved(path)
        if path not in self._others:
            doc = load_yaml(path)
            if not doc.ok:
                self.problems.append(FileProblem(self.display_path(path), doc.error or "", doc.error_line,
                                                 role=f"extends (from {self.display}:{line})"))
                self._others[path] = None
            else:
                other = ComposeReader(doc.data, self.display_path(path), path.parent, self.variables,
                                      self.variable_location, self.display_path)
                other.source_path = path
                self._others[path] = other
        return self._others[path]

    def _build(self, name: str, svc: LMap, siblings: Mapping[Any, Any]) -> Service:
        line = siblings.line_of(name) if isinstance(siblings, LMap) else None
        service = Service(name=name, kind="compose", file=self.display, line=line, source_path=self.source_path,
                          image=self._interp(svc.get("image") or "")[0],
                          container_name=self._interp(svc.get("container_name"))[0] or None,
                          command=self._command(svc.get("command")),
                          network_mode=svc.get("network_mode") if isinstance(svc.get("network_mode"), str) else None,
                          raw=svc)
        if svc.get("entrypoint") is not None:
            service.command = self._command(svc.get("entrypoint")) + service.command
        service.hostnames = {service.name}
        if service.container_name:
            service.hostnames.add(service.container_name)
        if isinstance(svc.get("hostname"), (str, int)):
            service.hostnames.add(str(svc.get("hostname")))
        networks = svc.get("networks")
        if isinstance(networks, dict):
            service.networks = [str(n) for n in networks]
            for net in networks.values():
                if isinstance(net, dict) and isinstance(net.get("aliases"), list):
                    service.hostnames.update(str(a) for a in net["aliases"] if isinstance(a, (str, int)))
        elif isinstance(networks, list):
            service.networks = [str(n) for n in networks if isinstance(n, (str, int))]
        profiles = svc.get("profiles")
        if isinstance(profiles, list):
            service.profiles = [str(p) for p in profiles]
        self._build_context(svc, service)
        self._extra_hosts(svc, service)
        self._environment(svc, service)
        self._ports(svc, service)
        self._volumes(svc, service)
        self._configs(svc, service)
        service.identify()
        return service

    def _build_context(self, svc: LMap, service: Service) -> None:
        build = svc.get("build")
        context, dockerfile = None, None
        if isinstance(build, str):
            context = build
        elif isinstance(build, dict):
            context = build.get("context") or "."
            dockerfile = build.get("dockerfile") if isinstance(build.get("dockerfile"), str) else None
        if isinstance(context, str) and "://" not in context:
            service.build_context = resolved(self.base_dir / self._interp(context)[0])
            service.dockerfile = dockerfile

    def _extra_hosts(self, svc: LMap, service: Service) -> None:
        hosts = svc.get("extra_hosts")
        items: list[tuple[str, str]] = []
        if isinstance(hosts, dict):
            items = [(str(k), str(v)) for k, v in hosts.items()]
        elif isinstance(hosts, list):
            for h in hosts:
                text = self._interp(h)[0]
                sep = "=" if "=" in text else ":"
                host, _, addr = text.partition(sep)
                items.append((host.strip(), addr.strip()))
        service.extra_hosts = {h.lower(): a for h, a in items if h}

    def _configs(self, svc: LMap, service: Service) -> None:
        """Compose `configs:` mounted into the service: a file, or text given inline (content / environment)."""
        wanted = svc.get("configs")
        top = self.data.get("configs")
        if not isinstance(wanted, LSeq) or not isinstance(top, dict):
            return
        for i, item in enumerate(wanted):
            source = item if isinstance(item, str) else (item.get("source") if isinstance(item, dict) else None)
            if not isinstance(source, str):
                continue
            target = item.get("target") if isinstance(item, dict) and isinstance(item.get("target"), str) else None
            target = target or f"/{source}"
            spec = top.get(source)
            line = wanted.line_of(i)
            if not isinstance(spec, dict):
                continue
            origin = f"configs: {source}"
            if isinstance(spec.get("file"), str):
                path = resolved(self.base_dir / self._interp(spec["file"])[0])
                service.mounts.append(Mount(str(path), target, True, True, line, origin=origin))
            elif isinstance(spec.get("content"), str):
                text = self._interp(spec["content"])[0]
                start = spec.line_of("content") + 1 if isinstance(spec, LMap) else None
                service.mounts.append(Mount("", target, False, True, line, content=text, origin=origin,
                                            content_file=self.display, content_line=start))
            elif isinstance(spec.get("environment"), str):
                text = self.variables.get(spec["environment"], "")
                service.mounts.append(Mount("", target, False, True, line, content=text, origin=origin))


@dataclass
class ComposeProject:
    """What `docker compose` would read for one project: its files in order, merged into services."""

    files: list[str] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=dict)
    name: str | None = None
    problems: list[FileProblem] = field(default_factory=list)
    env_missing: list[MissingEnvFile] = field(default_factory=list)
    external_networks: set[str] = field(default_factory=set)  # shared with other compose projects


def load_compose_project(paths: list[Path], variables: Mapping[str, str],
                         variable_location: Callable[[str], Location | None],
                         display_path: Callable[[Path], str]) -> ComposeProject:
    """Read the compose files in order (the first is the base, the next override it, as `-f a -f b`),
    each with the files its top-level `include:` names."""
    project = ComposeProject()
    for n, path in enumerate(paths):
        services = _load_file(path, variables, variable_location, display_path, project, 0)
        if n == 0:
            project.services = services
        else:
            merge_override(project.services, services)
    return project


def _load_file(path: Path, variables: Mapping[str, str], variable_location, display_path,
               project: ComposeProject, depth: int) -> dict[str, Service]:
    shown = display_path(path)
    if shown in project.files:
        return {}
    project.files.append(shown)
    doc = load_yaml(path)
    if not doc.ok:
        project.problems.append(FileProblem(shown, doc.error or "", doc.error_line, "compose"))
        return {}
    reader = ComposeReader(doc.data, shown, path.parent, variables, variable_location, display_path)
    reader.source_path = path
    if project.name is None and isinstance(doc.data.get("name"), str):
        project.name = interpolate(doc.data["name"], variables).value or None
    services: dict[str, Service] = {}
    includes = doc.data.get("include")
    if isinstance(includes, LSeq) and depth < MAX_INCLUDE_DEPTH:
        for i, item in enumerate(includes):
            for inc_path, inc_vars in _include_targets(item, path.parent, variables):
                if not inc_path.is_file():
                    project.problems.append(FileProblem(shown, f"includes {display_path(inc_path)}, which does not "
                                                        "exist", includes.line_of(i), "compose"))
                    continue
                for name, svc in _load_file(inc_path, inc_vars, variable_location, display_path, project,
                                            depth + 1).items():
                    services.setdefault(name, svc)
    nets = doc.data.get("networks")
    if isinstance(nets, dict):
        project.external_networks |= {str(k) for k, v in nets.items() if isinstance(v, dict) and v.get("external")}
    services.update(reader.services())
    project.problems += reader.problems
    project.env_missing += reader.env_missing
    return services


def _include_targets(item: Any, base: Path, variables: Mapping[str, str]) -> list[tuple[Path, Mapping[str, str]]]:
    """An `include:` item (a path, or {path, project_directory, env_file}) -> files with their variables."""
    if isinstance(item, str):
        paths, env_files, project_dir = [item], [], None
    elif isinstance(item, dict):
        raw = item.get("path")
        paths = [raw] if isinstance(raw, str) else [p for p in raw or [] if isinstance(p, str)]
        ef = item.get("env_file")
        env_files = [ef] if isinstance(ef, str) else [e for e in ef or [] if isinstance(e, str)]
        project_dir = item.get("project_directory") if isinstance(item.get("project_directory"), str) else None
    else:
        return []
    out = []
    for p in paths:
        target = resolved(base / p)
        folder = resolved(base / project_dir) if project_dir else target.parent
        own: dict[str, str] = {}
        for env_path in ([base / e for e in env_files] or [folder / ".env"]):
            if env_path.is_file():
                parsed = parse_env_file(env_path)
                if not parsed.error:
                    own.update(parsed.values)
        out.append((target, {**own, **variables}))
    return out
