"""Checklist: each running LiteLLM container serves the config file on disk (guide: "Model not
found", steps 2 and 3: mount the config, restart the containers).

LiteLLM proxy 1.108.7 reads the file named by `--config` (or CONFIG_FILE_PATH) once, at start-up
(proxy_cli.py -> ProxyConfig.load_config); editing it later changes nothing until a restart. A
single-file bind mount also pins the file's inode: an editor that saves by replacing the file
leaves the container reading the old one. So three questions per container: does a mount
provide the --config path, does the file seen inside the container equal the file on disk, and
was the file changed after the container started.
"""
from __future__ import annotations

import os
import posixpath
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from canvas_doctor.api import Result, check, failed, passed, skipped
from canvas_doctor.docker_client import Engine
from canvas_doctor.stack.model import Stack

from .docker_stack import LITELLM, StackContainer, engine_skip, find_containers, shorten


# fixes declared by the rules that give them most (imported after this module's own)
from canvas_doctor.checks.litellm_live import LITELLM_CONFIG_STALE
from canvas_doctor.checks.litellm_service import LITELLM_CONFIG_NOT_MOUNTED

MAX_CONFIG = 2 * 1024 * 1024


def arg_value(args: list[str], *flags: str) -> str | None:
    """Value of `--flag VALUE` or `--flag=VALUE` in a command line."""
    for i, part in enumerate(args):
        for flag in flags:
            if part == flag and i + 1 < len(args):
                return args[i + 1]
            if part.startswith(flag + "="):
                return part.split("=", 1)[1]
    return None


def config_path(sc: StackContainer) -> str | None:
    """The absolute path the container's LiteLLM reads its config from, if it names one."""
    args = [str(sc.attrs.get("Path") or "")] + [str(a) for a in sc.attrs.get("Args") or []]
    path = arg_value(args, "--config", "-c") or sc.env.get("CONFIG_FILE_PATH")
    if not path:
        return None
    workdir = (sc.attrs.get("Config") or {}).get("WorkingDir") or "/"
    return posixpath.normpath(posixpath.join(workdir, path))


def mount_for(mounts: list[dict[str, Any]], target: str) -> tuple[dict[str, Any] | None, str]:
    """The mount that provides `target` (deepest first), and the path of target below it."""
    for mount in sorted(mounts, key=lambda m: -len(str(m.get("Destination", "")))):
        dest = posixpath.normpath(str(mount.get("Destination", "")))
        if dest == target:
            return mount, ""
        if target.startswith(dest.rstrip("/") + "/"):
            return mount, posixpath.relpath(target, dest)
    return None, ""


def read_inside(sc: StackContainer, path: str) -> tuple[bytes | None, str]:
    """The file as the container sees it (`cat`, as `docker exec` would), or why it could not be read."""
    try:
        code, (out, err) = sc.container.exec_run(["cat", path], stdout=True, stderr=True, demux=True)
    except Exception as exc:  # APIError: not running, no `cat` in the image ...
        return None, shorten(str(getattr(exc, "explanation", None) or exc), 160)
    if code != 0:
        return None, shorten((err or b"").decode("utf-8", "replace") or f"cat exited {code}", 160)
    return (out or b"")[:MAX_CONFIG], ""


def served_models(text: bytes) -> set[str] | None:
    """The model_names of a LiteLLM config text; None if it is not a readable config."""
    try:
        data = yaml.safe_load(text.decode("utf-8", "replace"))
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    return {str(m.get("model_name")) for m in data.get("model_list") or [] if isinstance(m, dict) and m.get("model_name")}


def content_difference(seen: bytes, disk: bytes) -> str:
    """What differs between the file in the container and on disk, without quoting its lines."""
    a, b = seen.decode("utf-8", "replace").splitlines(), disk.decode("utf-8", "replace").splitlines()
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))) + 1
    text = f"they differ from line {first} on"
    old, new = served_models(seen), served_models(disk)
    if old is not None and new is not None and old != new:
        if new - old:
            text += f"; models only on disk: {', '.join(sorted(new - old))}"
        if old - new:
            text += f"; models only in the container: {', '.join(sorted(old - new))}"
    return text


def _when(stamp: datetime) -> str:
    return stamp.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def config_state(sc: StackContainer, local_engine: bool) -> Result:
    """Whether one running LiteLLM container serves the config file of the stack."""
    proxy = sc.target.proxy
    svc = sc.target.service
    file = svc.file if svc else ""
    target = config_path(sc)
    params = sc.params(target=target or "/app/config.yaml")
    at = proxy.config.at() if proxy and proxy.config else sc.target.at()
    if target is None:
        return failed(f"{sc.label()} runs LiteLLM without --config (nor CONFIG_FILE_PATH): it serves none of "
                      "your config's models", fix="litellm-config-not-mounted", at=sc.target.at(), params=params,
                      **sc.data())
    mount, below = mount_for(sc.attrs.get("Mounts") or [], target)
    seen, why = read_inside(sc, target)
    if mount is None:
        found = ("the image has a file of its own there, which does not follow your config" if seen is not None
                 else f"there is no such file in the container ({why}): LiteLLM starts without your models")
        return failed(f"{sc.label()} reads --config {target}, but no mount provides it: {found}",
                      fix="litellm-config-not-mounted", at=sc.target.at(), params=params, **sc.data())
    if proxy is None or proxy.config is None or not proxy.config.path.is_file():
        return skipped(f"{sc.label()} mounts {target}; no config file on disk to compare it with"
                       + (f" ({file} mounts none there)" if file else ""))
    disk_path = proxy.config.path
    shown = proxy.config.display
    problems: list[str] = []
    source = str(mount.get("Source") or "")
    if local_engine and mount.get("Type") == "bind" and source:
        mounted = Path(posixpath.join(source, below)) if below else Path(source)
        if os.path.realpath(mounted) != os.path.realpath(disk_path):
            problems.append(f"it mounts {mounted}, but {file} now mounts {disk_path}")
    disk = disk_path.read_bytes()[:MAX_CONFIG]
    if seen is None:
        compared = f"its copy could not be read ({why})"
    elif seen != disk:
        problems.append(f"the {target} it sees is not {shown} on disk: {content_difference(seen, disk)}")
        compared = "content differs"
    else:
        compared = "same content"
    started = sc.started_at
    modified = datetime.fromtimestamp(disk_path.stat().st_mtime, tz=timezone.utc)
    if started is not None and modified > started:
        problems.append(f"{shown} was modified at {_when(modified)}, after the container started at "
                        f"{_when(started)}: the running proxy read the file only at start-up")
    if problems:
        return failed(f"{sc.label()} does not serve {shown} as it is now: " + "; ".join(problems)
                      + f". Restart it: docker compose restart {sc.target.name}",
                      fix="litellm-config-stale", at=at, params=params,
                      **sc.data(config=target, mount=source, modified=_when(modified),
                                started=_when(started) if started else None))
    return passed(f"{sc.label()} serves {shown} ({target}, {compared}, unchanged since the container started)",
                  at=at, **sc.data(config=target, mount=source))


@check(id="docker.litellm.config", area="docker", title="Each LiteLLM container serves the config on disk",
       needs=("docker",), depends_on=("docker.available",), timeout=20,
       fixes=(LITELLM_CONFIG_NOT_MOUNTED, LITELLM_CONFIG_STALE))
def container_config_current(docker: Engine, stack: Stack):
    """Mounted where --config reads, same file as on disk, not edited since the container started."""
    skip = engine_skip(docker)
    if skip:
        return skip
    local = docker.endpoint.startswith("unix://")
    running = [sc for sc in find_containers(docker, stack)
               if sc.target.role == LITELLM and sc.container is not None and sc.running]
    if not running:
        return skipped("no running LiteLLM container (docker.containers says why)")
    return [config_state(sc, local) for sc in running]
