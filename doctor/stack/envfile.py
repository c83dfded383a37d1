"""`.env` files as Docker Compose reads them, keeping the line of every variable."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .yamlsource import read_text

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=\s*(.*))?$")


@dataclass
class EnvFile:
    path: Path
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    bad_lines: list[int] = field(default_factory=list)


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        inner = raw[1:-1]
        if raw[0] == '"':
            inner = inner.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        return inner
    if raw and raw[0] in "'\"":
        # quoted value followed by a comment: KEY="a b" # note
        quote = raw[0]
        end = raw.find(quote, 1)
        if end > 0:
            return raw[1:end]
    # unquoted: an inline comment starts at " #"
    m = re.search(r"\s+#", raw)
    return (raw[: m.start()] if m else raw).strip()


def parse_env_file(path: Path) -> EnvFile:
    """Parse KEY=VALUE lines (export prefix, quotes, comments); never raises."""
    env = EnvFile(path)
    text, why = read_text(path)
    if text is None:
        env.error = why
        return env
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            env.bad_lines.append(number)
            continue
        name, value = m.group(1), m.group(2)
        env.values[name] = _unquote(value) if value is not None else ""
        env.lines[name] = number
    return env
