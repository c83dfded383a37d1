"""The patch language of the rule cases (tests/rule_cases/*.yaml): the few edits a person makes by hand.

A patch is a list of one-key operations, applied in order to a copy of the base stack:

    - env:     {service: openwebui, set: {IMAGE_SIZE: 1000x1000}, unset: [IMAGE_GENERATION_MODEL]}
               (file: docker-compose.yml unless given; list or mapping `environment:` alike)
    - yaml:    {file: litellm-image-config.yaml, set: {"model_list[model_name=nova-canvas].litellm_params.stream": true},
                unset: ["litellm_settings.drop_params"], append: {model_list: {model_name: x, litellm_params: {...}}}}
    - replace: {file: .env, old: "LITELLM_MASTER_KEY=sk-sample-master-0123456789", new: "LITELLM_MASTER_KEY=sk-1234"}
    - add:     {file: extra.env, text: "A=1\\n"}
    - delete:  infrastructure

A YAML path is keys joined by dots; `[2]` is a list index and `[Name=IMAGE_SIZE]` the list item whose
`Name` is `IMAGE_SIZE` (CloudFormation environments, LiteLLM's model_list). `set` writes a scalar in
place, or a new key (a mapping or list value is written as block YAML); `append` adds an item to a
block list; `unset` removes a key or a list item (within one step: set, then append, then unset).
`replace` needs `old` to occur exactly once. Every edit is made in the text, line by line: a set
value is rewritten on its own line, a new key or variable goes on new lines after its siblings, an
unset removes its lines, so every other line keeps its text, its comments and (above the edit) its
number, and a case's expected `line:` is the line a user would see in the patched file.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq


class PatchError(ValueError):
    """A patch that cannot apply to its base (a typo in a case, or a base that moved)."""


OPS = {"env": {"file", "service", "set", "unset"}, "yaml": {"file", "set", "unset", "append"},
       "replace": {"file", "old", "new"}, "add": {"file", "text"}, "delete": set()}
_SEGMENT = re.compile(r"\[([^\]]+)\]|([^.\[\]]+)")


def apply_patch(root: Path, patch: list[dict[str, Any]]) -> None:
    """Apply every operation of `patch` to the stack folder `root`, in order."""
    for op in patch:
        if not isinstance(op, dict) or len(op) != 1 or next(iter(op)) not in OPS:
            raise PatchError(f"a patch step is one of {', '.join(OPS)}, as a one-key mapping: {op!r}")
        [(kind, arg)] = op.items()
        if kind == "delete":
            _delete(root, str(arg))
            continue
        if not isinstance(arg, dict) or "file" not in arg and kind != "env" or set(arg) - OPS[kind]:
            raise PatchError(f"{kind}: takes a mapping of {', '.join(sorted(OPS[kind]))}: {arg!r}")
        path = _inside(root, str(arg.get("file", "docker-compose.yml")))
        if kind == "add":
            if path.exists():
                raise PatchError(f"add: {arg['file']} exists already (use replace or yaml)")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(arg["text"]))
            continue
        if not path.is_file():
            raise PatchError(f"{kind}: no file {arg.get('file', 'docker-compose.yml')} in the base")
        text = path.read_text()
        if kind == "replace":
            text = _replace(text, str(arg["old"]), str(arg["new"]))
        elif kind == "yaml":
            text = _yaml_edit(text, arg.get("set") or {}, arg.get("unset") or [], arg.get("append") or {})
        else:
            text = _env_edit(text, str(arg["service"]), arg.get("set") or {}, arg.get("unset") or [])
        path.write_text(text)


def _inside(root: Path, rel: str) -> Path:
    path = (root / rel).resolve()
    if root.resolve() not in path.parents:
        raise PatchError(f"{rel}: outside the stack")
    return path


def _delete(root: Path, rel: str) -> None:
    path = _inside(root, rel)
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    else:
        raise PatchError(f"delete: no {rel} in the base")


def _replace(text: str, old: str, new: str) -> str:
    count = text.count(old)
    if count != 1:
        raise PatchError(f"replace: {old!r} occurs {count} times, not once")
    return text.replace(old, new)


# --- YAML paths, edited as text -------------------------------------------------------------------

_PATH = re.compile(r"(?:[^.\[\]]+|\[[^\]]+\])(?:\.[^.\[\]]+|\[[^\]]+\])*")


def _load(text: str) -> Any:
    return YAML(typ="rt", pure=True).load(text)


def _segments(path: str) -> list[tuple[bool, str]]:
    """`a.b[Name=X][0]` -> [(False, 'a'), (False, 'b'), (True, 'Name=X'), (True, '0')]."""
    if not _PATH.fullmatch(path):
        raise PatchError(f"yaml: cannot read the path {path!r}")
    return [(m.group(1) is not None, m.group(1) if m.group(1) is not None else m.group(2))
            for m in _SEGMENT.finditer(path)]


def _step(node: Any, seg: tuple[bool, str], path: str) -> Any:
    """The key or index that `seg` names in `node`."""
    bracket, text = seg
    if isinstance(node, CommentedSeq) and bracket:
        if text.isdigit() and int(text) < len(node):
            return int(text)
        key, _, want = text.partition("=")
        for i, item in enumerate(node):
            if isinstance(item, CommentedMap) and str(item.get(key)) == want:
                return i
        raise PatchError(f"yaml: no item [{text}] in {path!r}")
    if isinstance(node, CommentedMap) and not bracket:
        return text
    raise PatchError(f"yaml: {path!r}: {text!r} does not fit the node it is applied to")


def _resolve(doc: Any, path: str) -> tuple[Any, Any]:
    """The parent node and the key/index of the last segment of `path`."""
    segs = _segments(path)
    node = doc
    for seg in segs[:-1]:
        key = _step(node, seg, path)
        if isinstance(node, CommentedMap) and key not in node:
            raise PatchError(f"yaml: no {seg[1]!r} on the way to {path!r}")
        node = node[key]
    return node, _step(node, segs[-1], path)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _span_end(lines: list[str], start: int, col: int) -> int:
    """One past the last line of the node that starts on line `start` at column `col`: the lines
    below it that are deeper (or, for a mapping key, a list written at the key's own column)."""
    opens_item = lines[start][col:col + 2] == "- "
    end = start + 1
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        depth = _indent(lines[i])
        if depth > col or (depth == col and stripped.startswith("- ") and not opens_item):
            end = i + 1
            continue
        break
    return end


def _render(value: Any, quoted: bool) -> str:
    if quoted:
        return json.dumps(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return text if yaml.safe_load(f"k: {text}") == {"k": text} else json.dumps(text)


def _scalar_end(line: str, col: int) -> int:
    """Where the scalar written at `col` of `line` ends (before a trailing comment)."""
    if line[col:col + 1] in ("'", '"'):
        close = line.find(line[col], col + 1)
        return close + 1 if close > 0 else len(line.rstrip())
    comment = line.find(" #", col)
    return comment if comment >= 0 else len(line.rstrip())


def _set_scalar(lines: list[str], line: int, col: int, value: Any) -> None:
    text = lines[line]
    if text[col:col + 1] in ("|", ">", "[", "{"):
        raise PatchError(f"yaml: line {line + 1} holds a block or flow value, not a scalar: {text.strip()!r}")
    end = _scalar_end(text, col)
    lines[line] = text[:col] + _render(value, text[col:col + 1] in ("'", '"')) + text[end:]


def _yaml_edit(text: str, sets: dict[str, Any], unsets: list[str], appends: dict[str, Any]) -> str:
    for path, value in sets.items():
        text = _yaml_set(text, path, value)
    for path, item in appends.items():
        text = _yaml_append(text, path, item)
    for path in unsets:
        text = _yaml_unset(text, path)
    return text


def _block(value: Any, indent: int, key: Any = None) -> list[str]:
    """`value` (under `key`, if given) as block YAML lines at column `indent`."""
    if key is not None and not isinstance(value, (dict, list)):
        return [" " * indent + f"{key}: {_render(value, False)}"]
    dumped = yaml.safe_dump(value if key is None else {key: value}, default_flow_style=False, sort_keys=False,
                            width=1000, allow_unicode=True)
    return [" " * indent + line for line in dumped.splitlines()]


def _yaml_set(text: str, path: str, value: Any) -> str:
    lines = text.splitlines()
    parent, key = _resolve(_load(text), path)
    collection = isinstance(value, (dict, list))
    if isinstance(parent, CommentedMap) and (key not in parent or collection):
        if not parent or parent.fa.flow_style():
            raise PatchError(f"yaml: {path!r}: its mapping is empty or written in flow style")
        if key in parent:  # a mapping or list replaces the key's whole block, where it stands
            kline, kcol = parent.lc.key(key)
            at = kline
            del lines[kline:_span_end(lines, kline, kcol)]
        else:
            kline, kcol = parent.lc.key(list(parent)[-1])
            at = _span_end(lines, kline, kcol)
        lines[at:at] = _block(value, kcol, key)
    else:
        if collection or isinstance(parent[key], (CommentedMap, CommentedSeq)):
            raise PatchError(f"yaml: {path!r}: a list item is set to a scalar only; append or unset items")
        line, col = parent.lc.value(key) if isinstance(parent, CommentedMap) else parent.lc.item(key)
        _set_scalar(lines, line, col, value)
    return "\n".join(lines) + "\n"


def _yaml_append(text: str, path: str, item: Any) -> str:
    lines = text.splitlines()
    parent, key = _resolve(_load(text), path)
    seq = parent.get(key) if isinstance(parent, CommentedMap) else parent[key]
    if not isinstance(seq, CommentedSeq) or not seq or seq.fa.flow_style():
        raise PatchError(f"yaml: append to {path!r}: not a non-empty block list")
    line, col = seq.lc.item(len(seq) - 1)
    dash = col - 2
    body = _block(item, 0)
    new = [" " * dash + ("- " if i == 0 else "  ") + row for i, row in enumerate(body)]
    at = _span_end(lines, line, dash)
    lines[at:at] = new
    return "\n".join(lines) + "\n"


def _yaml_unset(text: str, path: str) -> str:
    lines = text.splitlines()
    parent, key = _resolve(_load(text), path)
    if isinstance(parent, CommentedMap):
        if key not in parent:
            raise PatchError(f"yaml: unset {path!r}: no such key")
        kline, kcol = parent.lc.key(key)
        if lines[kline][:kcol].strip() == "-":
            raise PatchError(f"yaml: unset {path!r}: the key opens a list item; unset the item instead")
        del lines[kline:_span_end(lines, kline, kcol)]
    else:
        iline, icol = parent.lc.item(key)
        dash = icol - 2
        if lines[iline][dash:icol] != "- ":
            raise PatchError(f"yaml: unset {path!r}: the list is written in flow style")
        del lines[iline:_span_end(lines, iline, dash)]
    return "\n".join(lines) + "\n"


# --- compose environment --------------------------------------------------------------------------

def _env_edit(text: str, service: str, sets: dict[str, Any], unsets: list[str]) -> str:
    for name, value in sets.items():
        text = _env_set(text, service, str(name), "" if value is None else str(value))
    for name in unsets:
        text = _env_unset(text, service, str(name))
    return text


def _environment(text: str, service: str) -> tuple[Any, str]:
    doc = _load(text)
    services = doc.get("services") if isinstance(doc, CommentedMap) else None
    if not isinstance(services, CommentedMap) or service not in services:
        raise PatchError(f"env: no service {service!r}")
    env = services[service].get("environment") if isinstance(services[service], CommentedMap) else None
    if not isinstance(env, (CommentedMap, CommentedSeq)) or not env:
        raise PatchError(f"env: service {service!r} has no block `environment:` to edit")
    return env, f"services.{service}.environment"


def _list_index(env: CommentedSeq, name: str) -> int | None:
    for i, item in enumerate(env):
        if str(item).split("=", 1)[0] == name:
            return i
    return None


def _env_item(name: str, value: str) -> str:
    item = f"{name}={value}"
    return item if yaml.safe_load(f"- {item}") == [item] else json.dumps(item)


def _env_set(text: str, service: str, name: str, value: str) -> str:
    env, path = _environment(text, service)
    if isinstance(env, CommentedMap):
        return _yaml_set(text, f"{path}.{name}", value)
    lines = text.splitlines()
    i = _list_index(env, name)
    if i is not None:
        line, col = env.lc.item(i)
        end = _scalar_end(lines[line], col)
        lines[line] = lines[line][:col] + _env_item(name, value) + lines[line][end:]
    else:
        line, col = env.lc.item(len(env) - 1)
        lines.insert(_span_end(lines, line, col - 2), " " * (col - 2) + "- " + _env_item(name, value))
    return "\n".join(lines) + "\n"


def _env_unset(text: str, service: str, name: str) -> str:
    env, path = _environment(text, service)
    if isinstance(env, CommentedMap):
        return _yaml_unset(text, f"{path}.{name}")
    i = _list_index(env, name)
    if i is None:
        raise PatchError(f"env: {service} sets no {name}")
    return _yaml_unset(text, f"{path}[{i}]")
