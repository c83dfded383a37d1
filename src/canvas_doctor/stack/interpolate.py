"""Docker Compose variable interpolation: ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR:+a}, $VAR, $$.

As compose-go's template package (template/template.go) does it, nesting included
(`${A:-${B:-x}}`), in one left-to-right pass: every brace is matched once up front, so a
100,000-character chain of `${A:-` with no closing brace costs linear time, not quadratic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

MAX_NESTING = 50  # `${A:-${B:-...}}` levels; Compose has no limit, real files use two or three

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS = (":-", ":?", ":+", "-", "?", "+")


@dataclass
class Interpolated:
    value: str
    used: list[str] = field(default_factory=list)      # variables that were read
    missing: list[str] = field(default_factory=list)   # read but unset (and no default)
    errors: list[str] = field(default_factory=list)    # ${VAR:?message} that fired, malformed ${


def _closing_braces(text: str) -> dict[int, int]:
    """For every `{`, the index of its matching `}` (absent when it has none)."""
    out: dict[int, int] = {}
    open_at: list[int] = []
    for m in re.finditer(r"[{}]", text):
        if m.group() == "{":
            open_at.append(m.start())
        elif open_at:
            out[open_at.pop()] = m.start()
    return out


class _Expander:
    def __init__(self, text: str, env: Mapping[str, str], out: Interpolated):
        self.text = text
        self.env = env
        self.out = out
        self.close = _closing_braces(text) if "${" in text else {}

    def span(self, start: int, end: int, depth: int = 0) -> str:
        text, parts, i = self.text, [], start
        while i < end:
            j = text.find("$", i, end)
            if j < 0:
                parts.append(text[i:end])
                break
            parts.append(text[i:j])
            nxt = text[j + 1] if j + 1 < end else ""
            if nxt == "$":
                parts.append("$")
                i = j + 2
            elif nxt == "{":
                value, i = self.braced(j, end, depth)
                parts.append(value)
            else:
                m = _NAME.match(text, j + 1, end)
                if m:
                    parts.append(self.lookup(m.group()))
                    i = m.end()
                else:
                    parts.append("$")
                    i = j + 1
        return "".join(parts)

    def lookup(self, name: str) -> str:
        self.out.used.append(name)
        if name not in self.env:
            self.out.missing.append(name)
            return ""
        return self.env[name]

    def braced(self, dollar: int, end: int, depth: int) -> tuple[str, int]:
        """`${...}` starting at `dollar`: its value and the index after it."""
        text = self.text
        close = self.close.get(dollar + 1, -1)
        m = _NAME.match(text, dollar + 2, end)
        if close < 0 or close >= end or m is None or m.end() > close:
            self.out.errors.append(f"invalid interpolation format: {text[dollar:dollar + 40]!r}")
            return "$", dollar + 1  # kept as written; the rest is read as plain text
        name, rest = m.group(), m.end()
        if rest == close:
            return self.lookup(name), close + 1
        op = next((o for o in _OPS if text.startswith(o, rest)), None)
        if op is None:
            self.out.errors.append(f"invalid interpolation format: {text[dollar:close + 1][:40]!r}")
            return text[dollar:close + 1], close + 1
        if depth >= MAX_NESTING:
            self.out.errors.append(f"interpolation nested more than {MAX_NESTING} levels")
            return text[dollar:close + 1], close + 1
        self.out.used.append(name)
        present = name in self.env
        value = self.env.get(name, "")
        unset = (not present) or (op.startswith(":") and value == "")

        def arg() -> str:
            return self.span(rest + len(op), close, depth + 1)

        kind = op[-1]
        if kind == "-":
            return (arg() if unset else value), close + 1
        if kind == "?":
            if unset:
                self.out.errors.append(f"{name}: {arg() or 'required variable is missing a value'}")
            return value, close + 1
        return ("" if unset else arg()), close + 1  # "+": the alternative when set


def interpolate(text: str, env: Mapping[str, str]) -> Interpolated:
    """Substitute variables the way Compose does; unknown ones become empty strings."""
    out = Interpolated("")
    if "$" not in text:
        out.value = text
        return out
    out.value = _Expander(text, env, out).span(0, len(text))
    return out
