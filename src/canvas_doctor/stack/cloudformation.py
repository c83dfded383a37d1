"""CloudFormation templates: the ECS container definitions, with their environment by line."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..models import Location
from ..safefile import walk_files
from .model import PortMap, Service, Setting
from .yamlsource import LMap, LSeq

TEMPLATE_GLOBS = ("*.yaml", "*.yml", "*.json", "*.template")


def find_templates(root: Path) -> list[Path]:
    """Templates under infrastructure/ (and cloudformation/, cfn/), sorted."""
    out: list[Path] = []
    for folder in ("infrastructure", "cloudformation", "cfn"):
        base = root / folder
        if base.is_dir():  # bounded in depth and count, symlinked folders not entered (no loop)
            out += walk_files(base, TEMPLATE_GLOBS)
    return sorted(set(out))


def is_template(data: Any) -> bool:
    return isinstance(data, dict) and ("Resources" in data or "AWSTemplateFormatVersion" in data)


class TemplateReader:
    """Reads ECS container definitions out of one template."""

    def __init__(self, data: LMap, display: str):
        self.data = data
        self.display = display
        params = data.get("Parameters") if isinstance(data.get("Parameters"), dict) else {}
        self.defaults = {k: str(v.get("Default")) for k, v in params.items()
                         if isinstance(v, dict) and v.get("Default") is not None}
        self.no_echo = {k for k, v in params.items() if isinstance(v, dict) and str(v.get("NoEcho")).lower() == "true"}

    def resolve(self, value: Any) -> tuple[str, bool]:
        """A literal as text; an intrinsic function as its best static value, marked as a reference."""
        if isinstance(value, bool):
            return ("true" if value else "false"), False
        if isinstance(value, (str, int, float)):
            return str(value), False
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Ref":
                return self.defaults.get(str(arg), f"${{{arg}}}"), True
            if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                parts = [self.resolve(a)[0] for a in arg[1]]
                return str(arg[0]).join(parts), True
            if fn == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(text, str):
                    return re.sub(r"\$\{([^}!]+)\}", lambda m: self.defaults.get(m.group(1), m.group(0)), text), True
        return "", True

    def services(self) -> list[Service]:
        resources = self.data.get("Resources")
        if not isinstance(resources, dict):
            return []
        out: list[Service] = []
        for res_name, res in resources.items():
            if not isinstance(res, dict) or res.get("Type") != "AWS::ECS::TaskDefinition":
                continue
            props = res.get("Properties") or {}
            containers = props.get("ContainerDefinitions") if isinstance(props, dict) else None
            if not isinstance(containers, LSeq):
                continue
            for i, cdef in enumerate(containers):
                if not isinstance(cdef, LMap):
                    continue
                name = self.resolve(cdef.get("Name"))[0] or f"{res_name}[{i}]"
                service = Service(name=name, kind="cloudformation", file=self.display,
                                  line=containers.line_of(i), image=self.resolve(cdef.get("Image"))[0],
                                  raw=cdef)
                # awsvpc: the containers of one task share localhost
                service.hostnames = {"localhost", "127.0.0.1"}
                cmd = cdef.get("Command")
                if isinstance(cmd, list):
                    service.command = [self.resolve(c)[0] for c in cmd]
                env = cdef.get("Environment")
                if isinstance(env, LSeq):
                    service.env_line = cdef.line_of("Environment")
                    for j, item in enumerate(env):
                        if isinstance(item, dict) and item.get("Name"):
                            value, ref = self.resolve(item.get("Value"))
                            line = item.line_of("Value") if isinstance(item, LMap) and "Value" in item else env.line_of(j)
                            n = str(item["Name"])
                            service.env[n] = Setting(n, value, Location(self.display, line), "cloudformation", ref)
                secrets = cdef.get("Secrets")
                if isinstance(secrets, LSeq):
                    for j, item in enumerate(secrets):
                        if isinstance(item, dict) and item.get("Name"):
                            n = str(item["Name"])
                            service.env[n] = Setting(n, "", Location(self.display, secrets.line_of(j)),
                                                     "cloudformation secret", True)
                ports = cdef.get("PortMappings")
                if isinstance(ports, LSeq):
                    for j, pm in enumerate(ports):
                        if isinstance(pm, dict) and pm.get("ContainerPort") is not None:
                            try:
                                service.ports.append(PortMap(int(self.resolve(pm["ContainerPort"])[0]), None,
                                                             None, ports.line_of(j)))
                            except ValueError:
                                pass
                out.append(service)
        return out
