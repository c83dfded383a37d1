"""Reading health-check commands: the form Docker runs them in, and the HTTP calls they make.

Docker (and ECS, which hands the same list to Docker) runs `["CMD", prog, arg, ...]` without a
shell and `["CMD-SHELL", "a command line"]` as `/bin/sh -c "a command line"`; a compose string
`test: curl ...` is the CMD-SHELL form. Measured on Docker Engine 20.10.24 with docker-compose 1.29:
`["CMD-SHELL", "wget", "-q", URL]` runs a bare `wget` (exit 1, never healthy); `["CMD", "wget -q URL"]`
fails with `exec: "wget -q URL": ... no such file or directory`; `["CMD-SHELL"]` fails with
`/bin/sh: -c requires an argument`; `["CMD-SHELL", ""]` and `test: ""` succeed at once; `["CMD"]`
alone makes the 20.10 daemon panic.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

from canvas_doctor.stack.interpolate import interpolate
from canvas_doctor.stack.yamlsource import LMap, LSeq

FORMS = ("CMD", "CMD-SHELL", "NONE")


@dataclass
class Probe:
    """One health-check test as written: its form, the items after the form word, and its lines."""

    form: str                 # CMD, CMD-SHELL, NONE, or "other" (a list that starts with anything else)
    items: list[str]
    line: int
    item_lines: list[int] = field(default_factory=list)
    written_as: str = "list"  # "list" or "string" (compose's `test: a command line`)
    interval_s: float = 30.0

    @property
    def runs(self) -> str:
        """The command line Docker really runs (CMD-SHELL: only the first item)."""
        if self.form == "CMD":
            return " ".join(self.items)
        return self.items[0] if self.items else ""


@dataclass
class HttpCall:
    """A URL a probe command calls."""

    url: str
    host: str
    port: int | None      # None when the URL has no port and no scheme says it
    path: str
    query: dict[str, list[str]]


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: Any, default: float = 30.0) -> float:
    """Compose's `1m30s` / `30s`, or ECS's plain seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) or default
    parts = _DURATION.findall(str(value or ""))
    total = sum(float(n) * _UNITS[u] for n, u in parts)
    return total or default


def _items(seq: LSeq) -> tuple[list[str], list[int]]:
    return [str(x) for x in seq], [seq.line_of(i) for i in range(len(seq))]


def compose_probe(raw: LMap | None) -> Probe | None:
    """The `healthcheck:` of a compose service (None: none written, disabled, or inherited)."""
    hc = raw.get("healthcheck") if raw is not None else None
    if not isinstance(hc, LMap) or hc.get("disable") is True or "test" not in hc:
        return None
    test, line = hc["test"], hc.line_of("test")
    interval = parse_duration(hc.get("interval"))
    if isinstance(test, str):
        return Probe("CMD-SHELL", [test], line, [line], "string", interval)
    if isinstance(test, LSeq) and test:
        items, lines = _items(test)
        form = items[0] if items[0] in FORMS else "other"
        rest, rest_lines = (items[1:], lines[1:]) if form != "other" else (items, lines)
        return Probe(form, rest, line, rest_lines, "list", interval)
    return None  # `test: []` inherits the image's HEALTHCHECK (Compose 1.29 refuses it)


def ecs_probe(container: LMap | None) -> Probe | None:
    """The `HealthCheck: {Command: [...]}` of an ECS container definition."""
    hc = container.get("HealthCheck") if container is not None else None
    if not isinstance(hc, LMap):
        return None
    cmd = hc.get("Command")
    if not isinstance(cmd, LSeq) or not cmd or not all(isinstance(c, str) for c in cmd):
        return None
    items, lines = _items(cmd)
    form = items[0] if items[0] in FORMS else "other"
    rest, rest_lines = (items[1:], lines[1:]) if form != "other" else (items, lines)
    return Probe(form, rest, hc.line_of("Command"), rest_lines, "list", parse_duration(hc.get("Interval")))


def expand(text: str, *envs: Mapping[str, str]) -> str:
    """Variables substituted in turn (compose's own, then the container shell's), for reading URLs."""
    for env in envs:
        text = interpolate(text, env).value
    return text


_URL = re.compile(
    r"(?:(?P<scheme>https?)://)?"
    r"(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9_][A-Za-z0-9_.-]*)"
    r"(?::(?P<port>\d{1,5}))?"
    r"(?P<path>/[^\s'\"\\)(,;|&<>]*)?")


def http_calls(text: str) -> list[HttpCall]:
    """Every http(s) URL of a command line, and `host:port/path` written without a scheme."""
    out: list[HttpCall] = []
    for m in _URL.finditer(text):
        scheme, port = m.group("scheme"), m.group("port")
        if not scheme and not (port and m.group("path")):
            continue
        if m.start() > 0 and text[m.start() - 1] in "/:@.":  # inside a longer word or URL
            continue
        url = m.group(0)
        parts = urlsplit(url if scheme else "http://" + url)
        port_n = int(port) if port else {"http": 80, "https": 443}.get(scheme or "")
        out.append(HttpCall(url, (parts.hostname or "").lower(), port_n, parts.path or "/", parse_qs(parts.query)))
    return out


_KEY = re.compile(r"(?i)authorization|bearer\b|x-litellm-api-key|\bapi-key\b|LITELLM_MASTER_KEY|\bsk-[A-Za-z0-9_-]{4,}")


def sends_key(text: str) -> bool:
    """Whether the command passes a key (a header, the master key variable, a literal sk- key)."""
    return bool(_KEY.search(text))


_NEVER_FAILS = re.compile(r"\|\|\s*(?:true|:|exit\s+0)\b")
_CURL_FAIL = re.compile(r"(?<!\S)(?:--fail(?:-with-body)?|-[A-Za-z]*f[A-Za-z]*)(?!\S)")
_STATUS_TEST = re.compile(r"urlopen|raise_for_status|[=!]=\s*200\b|grep\s+(?:-\w+\s+)*['\"]?200\b")


def fails_on_http_error(text: str) -> bool:
    """Whether the command exits non-zero on a 4xx answer (wget, curl -f, urlopen, a status test)."""
    if _NEVER_FAILS.search(text):
        return False
    if re.search(r"\bwget\b", text) or _STATUS_TEST.search(text):
        return True
    return bool(re.search(r"\bcurl\b", text) and _CURL_FAIL.search(text))


def as_list_literal(items: list[str]) -> str:
    """A YAML/JSON flow list of strings, as compose and CloudFormation both read it."""
    return "[" + ", ".join(_quote(i) for i in items) + "]"


def _quote(item: str) -> str:
    return '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'


def split_command(line: str) -> list[str]:
    """A command line as exec-form items (shell quoting honoured)."""
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()
