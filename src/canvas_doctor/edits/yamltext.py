"""Edit YAML text in place, guided by ruamel.yaml's node positions.

ruamel.yaml (round-trip parser) tells where every key, value and list item starts and ends;
each edit replaces, removes or inserts whole lines there and leaves every other byte alone,
so comments, blank lines, key order, quoting and indentation survive exactly. Anything this
cannot do safely (flow collections, anchors and aliases, a key on a list item's dash line)
raises :class:`NotSpliceable`; the caller then falls back to a ruamel round-trip dump.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.comments import TaggedScalar
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

PathKey = str | int
YamlPath = tuple[PathKey, ...]

_safe = YAML(typ="safe", pure=True)


class NotSpliceable(Exception):
    """This edit cannot be made by replacing lines; the caller may re-dump the document instead."""


def compose(text: str) -> Node | None:
    """The node tree of `text`, with start/end marks (ruamel.yaml round-trip composer)."""
    return YAML(typ="rt").compose(text)


def _plain_is_safe(value: str) -> bool:
    if not value or value != value.strip() or "\n" in value or "\r" in value:
        return False
    try:
        return _safe.load(f"k: {value}\n") == {"k": value}
    except Exception:  # anything the parser rejects needs quotes
        return False


def render_scalar(value: Any, quote: str | None = None) -> str:
    """A YAML scalar for `value`: plain when that reads back the same, else quoted."""
    if isinstance(value, TaggedScalar):  # CloudFormation short form: !Ref Name, !Sub "..."
        return f"{value.tag} {render_scalar(value.value)}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if isinstance(value, DoubleQuotedScalarString):
        quote = '"'
    elif isinstance(value, SingleQuotedScalarString):
        quote = "'"
    if quote == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if quote == '"' or not _plain_is_safe(text):
        return json.dumps(text, ensure_ascii=False)
    return text


def _chosen_quote(sibling: Node) -> str | None:
    """The sibling's quote style, when it quotes by choice (a value such as "True" must be quoted)."""
    style = getattr(sibling, "style", None) if isinstance(sibling, ScalarNode) else None
    if style in ('"', "'") and _plain_is_safe(str(sibling.value)):
        return style
    return None


@dataclass(frozen=True)
class Layout:
    """How the file indents: nested mappings by `step`, list dashes by `dash` past their key."""

    step: int = 2
    dash: int = 2


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, MappingNode):
        for k, v in node.value:
            yield from _walk(k)
            yield from _walk(v)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _walk(item)


class YamlText:
    """One YAML document's text and its node tree; each method returns the edited text."""

    def __init__(self, text: str):
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.root = compose(text)
        self._starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        seen: set[int] = set()
        self._shared: set[int] = set()
        if self.root is not None:
            for node in _walk(self.root):
                if id(node) in seen:
                    self._shared.add(id(node))
                seen.add(id(node))

    # -- positions ---------------------------------------------------------------------------
    def _line_start(self, line: int) -> int:
        return self._starts[line] if line < len(self._starts) else len(self.text)

    def _after_line(self, line: int) -> int:
        """Offset just past the newline that ends `line` (0-based)."""
        return self._line_start(line + 1)

    def _line_of(self, index: int) -> int:
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _last_line(self, node: Node) -> int:
        """The last line that holds text of `node` (block collections end before trailing comments)."""
        if isinstance(node, MappingNode) and not node.flow_style and node.value:
            return self._last_line(node.value[-1][1])
        if isinstance(node, SequenceNode) and not node.flow_style and node.value:
            return self._last_line(node.value[-1])
        pos = node.end_mark.index
        while pos > node.start_mark.index and self.text[pos - 1] in " \t\r\n":
            pos -= 1
        return self._line_of(max(pos - 1, node.start_mark.index))

    def _prefix(self, node: Node) -> str:
        """The text of node's line before the node."""
        return self.text[self._line_start(node.start_mark.line):node.start_mark.index]

    def layout(self) -> Layout:
        """The indentation this file already uses (defaults: 2 and 2)."""
        step = dash = None
        for node in _walk(self.root) if self.root is not None else ():
            if not isinstance(node, MappingNode) or node.flow_style:
                continue
            for k, v in node.value:
                if step is None and isinstance(v, MappingNode) and not v.flow_style and v.value:
                    if v.start_mark.line > k.start_mark.line:
                        step = v.value[0][0].start_mark.column - k.start_mark.column
                if dash is None and isinstance(v, SequenceNode) and not v.flow_style and v.value:
                    if v.start_mark.line > k.start_mark.line:
                        dash = v.start_mark.column - k.start_mark.column
        return Layout(step if step and step > 0 else 2, dash if dash is not None and dash >= 0 else 2)

    # -- lookup ------------------------------------------------------------------------------
    def _check(self, node: Node) -> Node:
        if id(node) in self._shared or getattr(node, "anchor", None):
            raise NotSpliceable("the value is shared through a YAML anchor")
        if isinstance(node, (MappingNode, SequenceNode)) and node.flow_style:
            raise NotSpliceable("the value is written in flow style ({...} or [...])")
        return node

    def node_at(self, path: YamlPath) -> Node:
        node = self.root
        if node is None:
            raise NotSpliceable("the document is empty")
        self._check(node)
        for key in path:
            node = self._child(node, key)[1]
            self._check(node)
        return node

    @staticmethod
    def _child(node: Node, key: PathKey) -> tuple[Node | None, Node]:
        if isinstance(node, MappingNode) and isinstance(key, str):
            for k, v in node.value:
                if isinstance(k, ScalarNode) and k.value == key:
                    return k, v
        elif isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            return None, node.value[key]
        raise NotSpliceable(f"{key!r} is not where the file's structure says")

    # -- rendering ---------------------------------------------------------------------------
    def _block(self, value: Any, indent: int, quote: str | None) -> list[str]:
        """Lines for a collection `value` whose parent key sits at column `indent` - step."""
        lay = self.layout()
        pad = " " * indent
        lines: list[str] = []
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, (dict, list)):
                    lines.append(f"{pad}{render_scalar(k)}:")
                    lines += self._block(v, indent + (lay.step if isinstance(v, dict) else lay.dash), quote)
                else:
                    lines.append(f"{pad}{render_scalar(k)}: {render_scalar(v, quote)}")
        elif isinstance(value, list):
            for item in value:
                lines += self._item(item, pad, "- ", quote)
        return lines

    def _item(self, item: Any, pad: str, dash: str, quote: str | None) -> list[str]:
        """Lines for one list item written as `pad` + `dash` + item."""
        if isinstance(item, dict):
            inner = self._block(item, len(pad) + len(dash), quote)
            return [pad + dash + inner[0].lstrip(" ")] + inner[1:] if inner else [pad + dash.rstrip() + " {}"]
        if isinstance(item, list):
            raise NotSpliceable("a list inside a list")
        return [pad + dash + render_scalar(item, quote)]

    def _join(self, lines: list[str]) -> str:
        return "".join(line + self.newline for line in lines)

    def _insert_at(self, offset: int, block: str) -> str:
        head = self.text[:offset]
        if head and not head.endswith("\n"):
            head += self.newline
        return head + block + self.text[offset:]

    # -- edits -------------------------------------------------------------------------------
    def set_scalar(self, path: YamlPath, value: Any, quote: str | None = None) -> str:
        """Replace the scalar at `path`, keeping its quote style."""
        node = self.node_at(path)
        if not isinstance(node, ScalarNode) or getattr(node, "style", None) in ("|", ">"):
            raise NotSpliceable("the value to replace is not a one-line scalar")
        style = getattr(node, "style", None)
        new = render_scalar(value, quote or (style if style in ('"', "'") else None))
        start, end = node.start_mark.index, node.end_mark.index
        if start == end and self.text[start - 1:start] == ":":
            new = " " + new
        return self.text[:start] + new + self.text[end:]

    def insert_key(self, path: YamlPath, key: str, value: Any, after: str | None = None,
                   quote: str | None = None) -> str:
        """Add `key: value` to the block mapping at `path` (after `after`, else at its end)."""
        mapping = self.node_at(path)
        if not isinstance(mapping, MappingNode) or not mapping.value:
            raise NotSpliceable("the target is not a non-empty block mapping")
        first_key = mapping.value[0][0]
        column = first_key.start_mark.column
        anchor_value = mapping.value[-1][1]
        for k, v in mapping.value:
            if after is not None and isinstance(k, ScalarNode) and k.value == after:
                anchor_value = v
        if quote is None and isinstance(value, str):
            quote = _chosen_quote(mapping.value[-1][1])
        pad = " " * column
        if isinstance(value, (dict, list)):
            lay = self.layout()
            lines = [f"{pad}{render_scalar(key)}:"] + self._block(
                value, column + (lay.step if isinstance(value, dict) else lay.dash), quote)
        else:
            lines = [f"{pad}{render_scalar(key)}: {render_scalar(value, quote)}"]
        if not path and isinstance(value, (dict, list)):
            lines = [""] + lines  # a new top-level section gets a blank line before it
        return self._insert_at(self._after_line(self._last_line(anchor_value)), self._join(lines))

    def delete_key(self, path: YamlPath, key: str) -> str:
        """Remove `key` and its value (with the comment on its line) from the mapping at `path`."""
        mapping = self.node_at(path)
        if not isinstance(mapping, MappingNode):
            raise NotSpliceable("the target is not a mapping")
        if len(mapping.value) < 2:
            raise NotSpliceable("removing the only key would leave an empty mapping")
        k, v = self._child(mapping, key)
        assert k is not None
        if self._prefix(k).strip():
            raise NotSpliceable("the key shares its line with a list dash")
        return self._cut(k.start_mark.line, self._last_line(v))

    def append_item(self, path: YamlPath, value: Any, quote: str | None = None) -> str:
        """Add an item after the last one of the block sequence at `path`."""
        seq = self.node_at(path)
        if not isinstance(seq, SequenceNode) or not seq.value:
            raise NotSpliceable("the target is not a non-empty block sequence")
        last = seq.value[-1]
        prefix = self._prefix(last)
        m = re.fullmatch(r"([ ]*)-([ ]+)", prefix)
        if not m:
            raise NotSpliceable("the list item does not start its own line")
        if quote is None:
            quote = _chosen_quote(last)
        lines = self._item(value, m.group(1), "-" + m.group(2), quote)
        return self._insert_at(self._after_line(self._last_line(last)), self._join(lines))

    def delete_item(self, path: YamlPath, index: int) -> str:
        """Remove one item of the block sequence at `path`."""
        seq = self.node_at(path)
        if not isinstance(seq, SequenceNode) or len(seq.value) < 2:
            raise NotSpliceable("removing the only item would leave an empty list")
        item = self._child(seq, index)[1]
        if not re.fullmatch(r"[ ]*-[ ]*", self._prefix(item)):
            raise NotSpliceable("the list item does not start its own line")
        return self._cut(item.start_mark.line, self._last_line(item))

    def _cut(self, first: int, last: int) -> str:
        return self.text[:self._line_start(first)] + self.text[self._after_line(last):]
