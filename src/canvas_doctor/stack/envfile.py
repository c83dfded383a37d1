"""`.env` files as Docker Compose reads them, keeping the line of every variable.

A port of compose-go's dotenv parser (dotenv/parser.go, dotenv/env.go): `KEY=value`, `KEY: value`,
`export KEY=...`, `KEY=` (empty), `KEY` alone (taken from the environment, if set there);
single quotes literal; double quotes with escapes (`\\n`, `\\t`, `\\"`, `\\$`, `\\0ddd` ...) and
values over several lines; unquoted values end at the line's end, an inline comment starts at
` #`; `${VAR}` in unquoted and double-quoted values is expanded from the environment first, then
from the values above it. A BOM and CRLF line ends are read as Compose reads them.

One pass over the text, no backtracking regex: a long run of blanks costs linear time. Where
Compose would refuse the whole file (a bad name, an unterminated quote), the line is recorded
in `bad_lines` and reading goes on at the next line, so the rest still counts.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .interpolate import interpolate
from .yamlsource import read_text

_SPACE = "\t\v\f\r \x85\xa0"   # compose-go isSpace: blanks, never a line break
_KEY_PUNCT = "_.-[]"
_ESCAPES = re.compile(r"\\(?:[abcfnrtv$\"\\]|0\d{0,3})")
_STOP = {"'": re.compile(r"['\\]"), '"': re.compile(r'["\\]')}
_SIMPLE = {"a": "\a", "b": "\b", "c": "\\c", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
           '"': '"', "\\": "\\"}


@dataclass
class EnvFile:
    path: Path
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    bad_lines: list[int] = field(default_factory=list)


def _unescape(match: re.Match[str]) -> str:
    seq = match.group()
    if seq == "\\$":
        return "$$"  # a literal dollar for the expansion that follows, as compose-go does
    if seq.startswith("\\0"):
        digits = seq[2:]
        if len(digits) == 3 and all(c in "01234567" for c in digits) and int(digits, 8) < 256:
            return chr(int(digits, 8))
        return seq  # Go's UnquoteChar refuses it: kept as written
    char = _SIMPLE[seq[1]]
    return seq if char == "\\c" else char


class _Parser:
    def __init__(self, text: str, env: EnvFile, environ: Mapping[str, str]):
        self.src = text
        self.n = len(text)
        self.i = 0
        self.line = 1
        self.env = env
        self.environ = environ

    # -- moving along, counting lines ----------------------------------------------------
    def advance_to(self, j: int) -> None:
        self.line += self.src.count("\n", self.i, j)
        self.i = j

    def skip_blanks(self) -> None:
        src, i, n = self.src, self.i, self.n
        while i < n and src[i] in _SPACE:
            i += 1
        self.i = i

    def skip_line(self) -> None:
        j = self.src.find("\n", self.i)
        self.advance_to(self.n if j < 0 else j + 1)

    def statement_start(self) -> bool:
        """Skip blank lines and comments; False at the end of the text."""
        src, n = self.src, self.n
        while True:
            j = self.i
            while j < n and src[j].isspace():
                j += 1
            self.advance_to(j)
            if j >= n:
                return False
            if src[j] != "#":
                return True
            self.skip_line()

    # -- one statement -------------------------------------------------------------------
    def expand(self, value: str) -> str | None:
        if "$" not in value:
            return value
        result = interpolate(value, _Lookup(self.environ, self.env.values))
        return None if result.errors else result.value

    def statement(self) -> None:
        src, n, start_line = self.src, self.n, self.line
        if src.startswith("export", self.i) and self.i + 6 < n and src[self.i + 6] in _SPACE:
            self.i += 6
            self.skip_blanks()
        key_start, j = self.i, self.i
        sep = ""
        while j < n:
            c = src[j]
            if c in "=:\n":
                sep = c
                break
            if c in _SPACE or c in _KEY_PUNCT or c.isalnum():
                j += 1
                continue
            self.bad(start_line)
            return
        key = src[key_start:j].rstrip()
        if not key or any(c in _SPACE for c in key):
            self.bad(start_line)
            return
        if sep in ("\n", ""):  # `KEY` alone: passed through from the environment, if it is set there
            self.advance_to(j)
            if key in self.environ:
                self.set(key, self.environ[key], start_line)
            return
        self.advance_to(j + 1)
        self.skip_blanks()
        quote = src[self.i] if self.i < n and src[self.i] in "'\"" else ""
        if not quote:
            end = src.find("\n", self.i)
            end = n if end < 0 else end
            value = src[self.i:end]
            self.advance_to(end)
            cut = value.find(" #")
            if cut >= 0:
                value = value[:cut]
            expanded = self.expand(value.rstrip())
            if expanded is None:
                self.bad(start_line)
                return
            self.set(key, expanded, start_line)
            return
        chars: list[str] = []
        escaped = False
        j = self.i + 1
        while j < n:
            c = src[j]
            if c != quote:
                if not escaped and c == "\\":
                    escaped = True
                elif escaped:
                    escaped = False
                    chars.append("\\" + c)
                else:  # copy the run up to the next quote or backslash in one step
                    m = _STOP[quote].search(src, j)
                    k = m.start() if m else n
                    chars.append(src[j:k])
                    j = k
                    continue
                j += 1
                continue
            if escaped:
                escaped = False
                chars.append(c)
                j += 1
                continue
            value = "".join(chars)
            self.advance_to(j + 1)
            if quote == '"':
                expanded = self.expand(_ESCAPES.sub(_unescape, value))
                if expanded is None:
                    self.bad(start_line)
                    return
                value = expanded
            self.set(key, value, start_line)
            return
        self.bad(start_line)  # an unterminated quote: Compose refuses the file

    def set(self, key: str, value: str, line: int) -> None:
        self.env.values[key] = value
        self.env.lines[key] = line

    def bad(self, line: int) -> None:
        """Compose refuses this statement: note the line, go on after it."""
        self.env.bad_lines.append(line)
        if self.line == line:
            self.skip_line()

    def run(self) -> None:
        while self.statement_start():
            self.statement()


class _Lookup(Mapping[str, str]):
    """The environment first, then the values read so far (compose-go's lookup order)."""

    def __init__(self, environ: Mapping[str, str], values: Mapping[str, str]):
        self.environ, self.values = environ, values

    def __getitem__(self, name: str) -> str:
        if name in self.environ:
            return self.environ[name]
        return self.values[name]

    def __contains__(self, name: object) -> bool:
        return name in self.environ or name in self.values

    def __iter__(self):
        return iter({**self.values, **self.environ})

    def __len__(self) -> int:
        return len({**self.values, **self.environ})


def parse_env_text(text: str, path: Path = Path(".env"), environ: Mapping[str, str] | None = None) -> EnvFile:
    """Parse the text of a .env file the way Compose does; never raises."""
    env = EnvFile(path)
    if text.startswith("\ufeff"):
        text = text[1:]
    _Parser(text, env, os.environ if environ is None else environ).run()
    return env


def parse_env_file(path: Path, environ: Mapping[str, str] | None = None) -> EnvFile:
    """Read and parse one .env file (the safe reader: no FIFO, no device, a size cap); never raises.

    `environ` is what `${VAR}` and a bare `KEY` read first (the process environment by default).
    """
    text, why = read_text(path)
    if text is None:
        env = EnvFile(path)
        env.error = why
        return env
    return parse_env_text(text, path, environ)
