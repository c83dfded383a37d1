"""YAML loading that keeps line numbers and turns every failure into a readable problem.

Mappings load as :class:`LMap` and sequences as :class:`LSeq`; both remember the 1-based line of
each key or item, so every finding can point at file:line. CloudFormation's short-form tags
(``!Ref``, ``!Sub``, ``!GetAtt``, ``!If`` ...) load as their long form (``{"Ref": ...}``,
``{"Fn::Sub": ...}``); a 20-line constructor does what cfn-lint's decoder would, without its
heavy dependency tree on the start-up path.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # the C parser is several times faster; the constructor stays in Python
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

MAX_BYTES = 5 * 1024 * 1024


class LMap(dict):
    """A dict that knows the line of its own start and of each key."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line) if hasattr(self, "key_lines") else self.line


class LSeq(list):
    """A list that knows the line of its own start and of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if 0 <= index < len(lines) else self.line


class _Loader(_Base):  # type: ignore[misc, valid-type]
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LMap:
    loader.flatten_mapping(node)
    out = LMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LSeq:
    out = LSeq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_CFN_LONG = {"Ref": "Ref", "Condition": "Condition"}


def _construct_cfn_tag(loader: _Loader, suffix: str, node: yaml.Node) -> LMap:
    """`!Sub x` -> {"Fn::Sub": x}; `!Ref x` -> {"Ref": x}; `!GetAtt a.b` -> {"Fn::GetAtt": [a, b]}."""
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = _construct_seq(loader, node)
    else:
        value = _construct_map(loader, node)
    name = _CFN_LONG.get(suffix, f"Fn::{suffix}")
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    out = LMap({name: value})
    out.line = node.start_mark.line + 1
    out.key_lines = {name: out.line}
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)
_Loader.add_multi_constructor("!", _construct_cfn_tag)


@dataclass
class YamlDoc:
    """A loaded file, or why it could not be loaded (with the line where YAML broke)."""

    path: Path
    data: Any = None
    error: str | None = None
    error_line: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


_KIND_NAMES = {LSeq: "list", list: "list", str: "text", int: "number", float: "number", bool: "boolean"}


def read_text(path: Path) -> tuple[str | None, str | None]:
    """The file's text, or a readable reason why it has none."""
    try:
        if path.is_dir():
            return None, "is a directory, not a file (a bind mount of a missing file creates one)"
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, f"is {size} bytes: too large to be a config file"
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, "does not exist"
    except PermissionError:
        return None, "cannot be read (permission denied)"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if b"\x00" in raw:
        return None, "is binary, not text"
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"is not UTF-8 text (byte {exc.start})"


def load_yaml(path: Path, *, expect_mapping: bool = True) -> YamlDoc:
    """Load one YAML file; any failure is a YamlDoc with an error, never an exception."""
    text, why = read_text(path)
    if text is None:
        return YamlDoc(path, error=why)
    return parse_yaml(text, path, expect_mapping=expect_mapping)


def parse_yaml(text: str, path: Path, *, expect_mapping: bool = True) -> YamlDoc:
    """Parse YAML text that came from `path` (a file, or text written inline in another file)."""
    if not text.strip():
        return YamlDoc(path, error="is empty")
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        last = len(text.rstrip().splitlines())
        if line is not None and line > last:  # "end of stream": point at the last line with content
            line = last
        problem = exc.problem or "invalid YAML"
        return YamlDoc(path, error=f"is not valid YAML: {problem}", error_line=line)
    except yaml.YAMLError as exc:
        return YamlDoc(path, error=f"is not valid YAML: {exc}")
    except RecursionError:
        return YamlDoc(path, error="is not valid YAML: nested too deeply")
    if expect_mapping and not isinstance(data, dict):
        kind = "empty" if data is None else f"a {_KIND_NAMES.get(type(data), 'single value')}, not a mapping"
        return YamlDoc(path, data=data, error=f"is {kind} at the top level", error_line=1)
    return YamlDoc(path, data=data)
