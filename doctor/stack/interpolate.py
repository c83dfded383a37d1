"""Docker Compose variable interpolation: ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR:+a}, $VAR, $$."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

_PATTERN = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass
class Interpolated:
    value: str
    used: list[str] = field(default_factory=list)      # variables that were read
    missing: list[str] = field(default_factory=list)   # read but unset (and no default)
    errors: list[str] = field(default_factory=list)    # ${VAR:?message} that fired


def interpolate(text: str, env: Mapping[str, str]) -> Interpolated:
    """Substitute variables the way Compose does; unknown ones become empty strings."""
    out = Interpolated("")

    def sub(m: re.Match[str]) -> str:
        if m.group("escaped"):
            return "$"
        name = m.group("braced") or m.group("named")
        out.used.append(name)
        op, arg = m.group("op"), m.group("arg") or ""
        present = name in env
        value = env.get(name, "")
        if op is None:
            if not present:
                out.missing.append(name)
            return value
        unset = (not present) or (op.startswith(":") and value == "")
        kind = op[-1]
        if kind == "-":
            return interpolate(arg, env).value if unset else value
        if kind == "?":
            if unset:
                out.errors.append(f"{name}: {arg or 'required variable is missing a value'}")
            return value
        # "+": the alternative when set
        return "" if unset else interpolate(arg, env).value

    out.value = _PATTERN.sub(sub, text)
    return out
