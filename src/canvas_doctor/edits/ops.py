"""Edit operations on a YAML document, each applied the same way to its data and to its text.

Low-level ops (:class:`SetKey`, :class:`DeleteKey`, :class:`AppendItem`, :class:`DeleteItem`)
address a node by path. Steps (:class:`PutKey`, :class:`RemoveKey`, :class:`SetEnv`,
:class:`UnsetEnv`) say what a fix wants and are lowered to ops against the document's current
data, so list indexes are always right even after earlier edits of the same file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from .yamltext import NotSpliceable, YamlPath, YamlText


class NotApplicable(Exception):
    """The document is not shaped the way this step needs; the reason says how."""


def get(data: Any, path: YamlPath) -> Any:
    """The value at `path`, or None when any part of it is missing."""
    node = data
    for key in path:
        if isinstance(node, dict) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node


def _container(data: Any, path: YamlPath, kind: type) -> Any:
    node = get(data, path)
    if not isinstance(node, kind):
        raise NotApplicable(f"{'/'.join(map(str, path)) or 'the document'} is not a {kind.__name__}")
    return node


# -- low-level ops ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SetKey:
    """`key: value` in the mapping at `path`: replaced when present, else added (after `after`)."""

    path: YamlPath
    key: str
    value: Any
    after: str | None = None

    def apply_data(self, data: Any) -> None:
        mapping = _container(data, self.path, dict)
        if self.key in mapping or self.after not in mapping or not hasattr(mapping, "insert"):
            mapping[self.key] = self.value
        else:  # ruamel's CommentedMap keeps order: put the key where the text puts it
            mapping.insert(list(mapping).index(self.after) + 1, self.key, self.value)

    def apply_text(self, doc: YamlText) -> str:
        if _has_key(doc, self.path, self.key):
            if isinstance(self.value, (dict, list)):
                raise NotSpliceable("replacing a value with a collection")
            return doc.set_scalar(self.path + (self.key,), self.value)
        return doc.insert_key(self.path, self.key, self.value, self.after)


@dataclass(frozen=True)
class DeleteKey:
    path: YamlPath
    key: str

    def apply_data(self, data: Any) -> None:
        del _container(data, self.path, dict)[self.key]

    def apply_text(self, doc: YamlText) -> str:
        return doc.delete_key(self.path, self.key)


@dataclass(frozen=True)
class SetItem:
    path: YamlPath
    index: int
    value: Any

    def apply_data(self, data: Any) -> None:
        _container(data, self.path, list)[self.index] = self.value

    def apply_text(self, doc: YamlText) -> str:
        return doc.set_scalar(self.path + (self.index,), self.value)


@dataclass(frozen=True)
class AppendItem:
    path: YamlPath
    value: Any

    def apply_data(self, data: Any) -> None:
        _container(data, self.path, list).append(self.value)

    def apply_text(self, doc: YamlText) -> str:
        return doc.append_item(self.path, self.value)


@dataclass(frozen=True)
class DeleteItem:
    path: YamlPath
    index: int

    def apply_data(self, data: Any) -> None:
        del _container(data, self.path, list)[self.index]

    def apply_text(self, doc: YamlText) -> str:
        return doc.delete_item(self.path, self.index)


Op = SetKey | DeleteKey | SetItem | AppendItem | DeleteItem


def _has_key(doc: YamlText, path: YamlPath, key: str) -> bool:
    node = doc.node_at(path)
    return isinstance(node, MappingNode) and any(isinstance(k, ScalarNode) and k.value == key for k, _ in node.value)


# -- steps: what a fix asks for ----------------------------------------------------------------
@dataclass(frozen=True)
class PutKey:
    """Set `key` in the mapping at `path`, creating missing mappings on the way."""

    path: YamlPath
    key: str
    value: Any
    after: str | None = None

    def lower(self, data: Any) -> list[Op]:
        for depth in range(len(self.path)):
            here, name = self.path[:depth], self.path[depth]
            parent = get(data, here)
            if isinstance(parent, list) and isinstance(name, int) and 0 <= name < len(parent):
                continue
            if not isinstance(parent, dict) or not isinstance(name, str):
                raise NotApplicable(f"{'/'.join(map(str, here + (name,)))} is not where the file's structure says")
            if parent.get(name) is None:
                value: Any = {self.key: self.value}
                for missing in reversed(self.path[depth + 1:]):
                    value = {missing: value}
                return [SetKey(here, str(name), value)]
        mapping = get(data, self.path)
        if not isinstance(mapping, dict):
            raise NotApplicable(f"{'/'.join(map(str, self.path))} is not a mapping")
        if self.key in mapping and same_value(mapping[self.key], self.value):
            return []
        return [SetKey(self.path, self.key, self.value, self.after)]


@dataclass(frozen=True)
class RemoveKey:
    path: YamlPath
    key: str

    def lower(self, data: Any) -> list[Op]:
        mapping = get(data, self.path)
        return [DeleteKey(self.path, self.key)] if isinstance(mapping, dict) and self.key in mapping else []


@dataclass(frozen=True)
class ReplaceItem:
    """Replace the item at `index` of the list at `path` with a scalar."""

    path: YamlPath
    index: int
    value: Any

    def lower(self, data: Any) -> list[Op]:
        seq = get(data, self.path)
        if not isinstance(seq, list) or not 0 <= self.index < len(seq):
            raise NotApplicable(f"{'/'.join(map(str, self.path))} has no item {self.index}")
        if same_value(seq[self.index], self.value):
            return []
        return [SetItem(self.path, self.index, self.value)]


def same_value(a: Any, b: Any) -> bool:
    """Equal, and of the same YAML kind (the text 'true' is not the boolean true)."""
    return a == b and isinstance(a, bool) == isinstance(b, bool) and isinstance(a, str) == isinstance(b, str)


def _env_name(item: Any) -> str | None:
    return str(item).split("=", 1)[0].strip() if isinstance(item, str) else None


@dataclass(frozen=True)
class SetEnv:
    """NAME=value in a compose service's `environment` (list or mapping form, as the file has it)."""

    service_path: YamlPath
    name: str
    value: str

    def lower(self, data: Any) -> list[Op]:
        path = self.service_path + ("environment",)
        env = get(data, path)
        if env is None:
            return PutKey(self.service_path, "environment", [f"{self.name}={self.value}"]).lower(data)
        if isinstance(env, list):
            wanted = f"{self.name}={self.value}"
            found = [i for i, item in enumerate(env) if _env_name(item) == self.name]
            if not found:
                return [AppendItem(path, wanted)]
            # Compose lets the last of duplicate entries win: set every one of them.
            return [SetItem(path, i, wanted) for i in found if env[i] != wanted]
        if isinstance(env, dict):
            current = env.get(self.name)
            if same_value(current, self.value):
                return []
            return [SetKey(path, self.name, self.value)]
        raise NotApplicable("the service's environment is neither a list nor a mapping")


@dataclass(frozen=True)
class UnsetEnv:
    service_path: YamlPath
    name: str

    def lower(self, data: Any) -> list[Op]:
        path = self.service_path + ("environment",)
        env = get(data, path)
        if isinstance(env, list):
            return [DeleteItem(path, i) for i, item in reversed(list(enumerate(env))) if _env_name(item) == self.name]
        if isinstance(env, dict) and self.name in env:
            return [DeleteKey(path, self.name)]
        return []


@dataclass(frozen=True)
class SetCfnEnv:
    """Name/Value in an ECS container definition's Environment list (CloudFormation), or
    Name/ValueFrom in its Secrets list."""

    container_path: YamlPath
    name: str
    value: Any
    section: str = "Environment"
    value_key: str = "Value"

    def lower(self, data: Any) -> list[Op]:
        path = self.container_path + (self.section,)
        env = get(data, path)
        if env is None:
            return PutKey(self.container_path, self.section, [self._item()]).lower(data)
        if not isinstance(env, list):
            raise NotApplicable(f"the container's {self.section} is not a list")
        for i, item in enumerate(env):
            if isinstance(item, dict) and item.get("Name") == self.name:
                if same_value(item.get(self.value_key), self.value):
                    return []
                return [SetKey(path + (i,), self.value_key, self._value())]
        return [AppendItem(path, self._item())]

    def _value(self) -> Any:
        # The guide's (and CloudFormation's usual) style: Value: "True"
        return DoubleQuotedScalarString(self.value) if isinstance(self.value, str) else self.value

    def _item(self) -> dict[str, Any]:
        return {"Name": self.name, self.value_key: self._value()}


@dataclass(frozen=True)
class UnsetCfnEnv:
    container_path: YamlPath
    name: str

    def lower(self, data: Any) -> list[Op]:
        path = self.container_path + ("Environment",)
        env = get(data, path)
        if not isinstance(env, list):
            return []
        return [DeleteItem(path, i) for i, item in reversed(list(enumerate(env)))
                if isinstance(item, dict) and item.get("Name") == self.name]


@dataclass(frozen=True)
class RemoveCfnVar:
    """Remove NAME from an ECS container definition's Environment and Secrets lists; a list left
    empty goes with it (an empty `Environment:` would read back as null)."""

    container_path: YamlPath
    name: str

    def lower(self, data: Any) -> list[Op]:
        ops: list[Op] = []
        for section in ("Environment", "Secrets"):
            path = self.container_path + (section,)
            items = get(data, path)
            if not isinstance(items, list):
                continue
            hits = [i for i, item in enumerate(items) if isinstance(item, dict) and item.get("Name") == self.name]
            if hits and len(hits) == len(items):
                ops.append(DeleteKey(self.container_path, section))
            else:
                ops += [DeleteItem(path, i) for i in reversed(hits)]
        return ops


Step = PutKey | RemoveKey | ReplaceItem | SetEnv | UnsetEnv | SetCfnEnv | UnsetCfnEnv | RemoveCfnVar
