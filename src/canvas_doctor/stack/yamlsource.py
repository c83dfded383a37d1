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

from ..safefile import MAX_BYTES
from ..safefile import read_text as safe_read_text

MAX_VALUES = 500_000   # values a document may expand to, aliases counted at each use
MAX_DEPTH = 200        # nesting levels (the constructors recurse)


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
    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Any constructor failure (`!!int abc`, `2001-13-45`, a 5000-digit int) carries its line."""
        try:
            return super().construct_object(node, deep=deep)
        except (yaml.YAMLError, RecursionError, MemoryError):
            raise
        except Exception as exc:
            if getattr(exc, "yaml_line", None) is None:
                try:
                    exc.yaml_line = node.start_mark.line + 1  # type: ignore[attr-defined]
                except AttributeError:
                    pass
            raise


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


def read_text(path: Path) -> tuple[str | None, str | None]:
    """The file's text, or a readable reason why it has none (see :mod:`canvas_doctor.safefile`)."""
    return safe_read_text(path, max_bytes=MAX_BYTES)


def _line_of(mark: Any, text: str) -> int | None:
    if mark is None:
        return None
    line = mark.line + 1
    last = len(text.rstrip().splitlines()) or 1
    return min(line, last)  # "end of stream": point at the last line with content


def expansion_problem(node: yaml.Node, budget: int = MAX_VALUES) -> tuple[str, int] | None:
    """Why a composed document is refused before it is constructed, and the line: aliases that would
    expand to more than `budget` values (an alias bomb), or nesting deeper than MAX_DEPTH.

    Each distinct node is visited once (iteratively, so depth costs no recursion); its expanded
    size is 1 + the sizes of its children, so a billion laughs is counted, never expanded.
    """
    size: dict[int, int] = {}
    depth_of: dict[int, int] = {id(node): 1}
    todo: list[tuple[yaml.Node, bool]] = [(node, False)]
    on_path: set[int] = set()
    while todo:
        current, children_done = todo.pop()
        key = id(current)
        if children_done:
            on_path.discard(key)
            total = 1
            for child in _children(current):
                total += size.get(id(child), 1)
            size[key] = total
            if total > budget:
                return (f"its aliases would expand to more than {budget:,} values (an alias bomb?): refused",
                        current.start_mark.line + 1)
            continue
        if key in size:
            continue
        if key in on_path:  # a recursive alias (`&a [*a]`): the composer allows it, walking it never ends
            return "an alias refers to a value that contains it: refused", current.start_mark.line + 1
        depth = depth_of.get(key, 1)
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep", current.start_mark.line + 1
        on_path.add(key)
        todo.append((current, True))
        for child in _children(current):
            if id(child) not in size:
                depth_of[id(child)] = max(depth_of.get(id(child), 0), depth + 1)
                todo.append((child, False))
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def parse_yaml(text: str) -> tuple[Any, str | None, int | None]:
    """(data, None, None) or (None, why, line): any failure of any kind is a reason, never an exception."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, None
        refused = expansion_problem(node)
        if refused is not None:
            return None, f"is not valid YAML: {refused[0]}", refused[1]
        return loader.construct_document(node), None, None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, f"is not valid YAML: {exc.problem or exc.context or 'invalid YAML'}", _line_of(mark, text)
    except yaml.YAMLError as exc:
        return None, f"is not valid YAML: {exc}", None
    except RecursionError:
        return None, "is not valid YAML: nested too deeply", None
    except MemoryError:
        return None, "is not valid YAML: too large to load", None
    except Exception as exc:  # a constructor's ValueError/TypeError/OverflowError ...: a finding, not a crash
        line = getattr(exc, "yaml_line", None)
        return None, f"is not valid YAML: a value cannot be read ({_value_error(exc)})", line
    finally:
        loader.dispose()


def _value_error(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split(";")[0][:200]


def load_yaml(path: Path, *, expect_mapping: bool = True) -> YamlDoc:
    """Load one YAML file; any failure is a YamlDoc with an error, never an exception."""
    text, why = read_text(path)
    if text is None:
        return YamlDoc(path, error=why)
    return load_yaml_text(text, path, expect_mapping=expect_mapping)


def _kind_name(data: Any) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a string"
    if isinstance(data, bool):
        return "a boolean"
    if isinstance(data, (int, float)):
        return "a number"
    return f"a {type(data).__name__}"


def load_yaml_text(text: str, path: Path, *, expect_mapping: bool = True) -> YamlDoc:
    """YAML text from `path`, or written inline in another file (a compose `configs: content:`, a heredoc)."""
    if not text.strip():
        return YamlDoc(path, error="is empty")
    data, error, line = parse_yaml(text)
    if error is not None:
        return YamlDoc(path, error=error, error_line=line)
    if expect_mapping and not isinstance(data, dict):
        kind = "empty" if data is None else f"{_kind_name(data)}, not a mapping"
        return YamlDoc(path, data=data, error=f"is {kind} at the top level", error_line=1)
    return YamlDoc(path, data=data)


def resolved(path: Path) -> Path:
    """`path.resolve()` that survives a symlink loop (RuntimeError on Python 3.11) or an unreadable folder:
    the absolute path as written, and the safe reader then says what is wrong with it."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
