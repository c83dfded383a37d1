"""Apply a file's changes: splice the text, prove the result, else re-dump, else refuse.

Every change is lowered to ops against the document's data first. The ops are then spliced
into the text (:mod:`.yamltext`: every other byte kept). The result is parsed again with
ruamel.yaml and must equal the original data with exactly those ops applied; if splicing was
impossible or the proof fails, the ops are applied to ruamel's round-trip document instead
(comments, order and quoting survive; indentation is the file's own) and proved the same way.
A file neither way can prove is left alone and its changes are reported as not automatic.
"""
from __future__ import annotations

import copy
import difflib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import TaggedScalar

from ..safefile import read_bytes
from ..stack.yamlsource import parse_yaml
from .ops import NotApplicable, Op, Step
from .yamltext import YamlText

BOM = "\ufeff"


@dataclass(frozen=True)
class Change:
    """One fix for one finding: what it does, in words and as steps on one file."""

    fix_id: str
    file: str            # display path, as findings show it
    summary: str
    steps: tuple[Step, ...]
    services: tuple[str, ...] = ()   # compose services to restart/recreate afterwards
    recreate: bool = False           # environment changed: `up -d`, not `restart`


@dataclass
class FileEdit:
    """The outcome for one file: its new text (None if unchanged) and what was done or refused."""

    path: Path
    display: str
    original: bytes
    new: bytes | None = None
    applied: list[Change] = field(default_factory=list)
    refused: list[tuple[Change, str]] = field(default_factory=list)
    method: str = ""  # "splice" (only the edited lines) or "rewrite" (ruamel round-trip dump)

    @property
    def changed(self) -> bool:
        return self.new is not None and self.new != self.original

    def diff(self) -> str:
        """A unified diff of the edit (not yet redacted)."""
        if not self.changed:
            return ""
        old = self.original.decode("utf-8-sig").splitlines(keepends=True)
        new = (self.new or b"").decode("utf-8-sig").splitlines(keepends=True)
        shown = [self.display] * 2 if Path(self.display).is_absolute() else [f"a/{self.display}", f"b/{self.display}"]
        lines = difflib.unified_diff(old, new, *shown)
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def plain(obj: Any) -> Any:
    """ruamel's round-trip data as plain Python, tags kept, for comparing two documents."""
    if isinstance(obj, TaggedScalar):
        return {"!tag": str(obj.tag), "value": obj.value}
    tag = getattr(obj, "tag", None)
    tag_value = getattr(tag, "value", None) if tag is not None else None
    if isinstance(obj, dict):
        out: Any = {plain(k): plain(v) for k, v in obj.items()}
    elif isinstance(obj, list):
        out = [plain(v) for v in obj]
    elif isinstance(obj, bool):
        return bool(obj)
    elif isinstance(obj, int):
        return int(obj)
    elif isinstance(obj, float):
        return float(obj)
    elif isinstance(obj, str):
        return str(obj)
    else:
        return obj
    return {"!tag": tag_value, "value": out} if tag_value else out


def _rt() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


def _load(text: str) -> Any:
    return _rt().load(text)


def _lower(changes: list[Change], data: Any, edit: FileEdit) -> tuple[list[Op], Any]:
    """Each change's ops, applied to a copy of the data; a change that does not fit is refused whole."""
    ops: list[Op] = []
    for change in changes:
        trial = copy.deepcopy(data)
        lowered: list[Op] = []
        try:
            for step in change.steps:
                for op in step.lower(trial):
                    op.apply_data(trial)
                    lowered.append(op)
        except (NotApplicable, KeyError, IndexError, TypeError) as exc:
            edit.refused.append((change, str(exc) or type(exc).__name__))
            continue
        data = trial
        ops += lowered
        edit.applied.append(change)
    return ops, data


def _splice(text: str, ops: list[Op]) -> tuple[str | None, str]:
    """The text with every op spliced in, or None and why not."""
    try:
        for op in ops:
            text = op.apply_text(YamlText(text))
        return text, ""
    except Exception as exc:  # NotSpliceable, or any parser trouble: fall back to the round-trip dump
        return None, str(exc)


def _rewrite(text: str, ops: list[Op]) -> str | None:
    try:
        layout = YamlText(text).layout()
        y = _rt()
        y.indent(mapping=layout.step, sequence=layout.dash + 2, offset=layout.dash)
        y.explicit_start = text.lstrip().startswith("---")
        doc = y.load(text)
        for op in ops:
            op.apply_data(doc)
        out = io.StringIO()
        y.dump(doc, out)
        result = out.getvalue()
        return result.replace("\n", "\r\n") if "\r\n" in text else result
    except Exception:
        return None


def _proves(text: str | None, expected: Any) -> bool:
    if text is None:
        return False
    try:
        return plain(_load(text)) == plain(expected)
    except Exception:
        return False


def edit_file(path: Path, display: str, changes: list[Change]) -> FileEdit:
    """Work out the new content of one file; nothing is written here."""
    original, why = read_bytes(path)
    if original is None:
        edit = FileEdit(path, display, b"")
        edit.refused = [(c, f"cannot read {display}: it {why}") for c in changes]
        return edit
    edit = FileEdit(path, display, original)
    try:
        decoded = original.decode("utf-8")
        bom = decoded.startswith(BOM)
        text = decoded[1:] if bom else decoded
    except UnicodeDecodeError:
        edit.refused = [(c, f"{display} cannot be parsed for editing (not UTF-8 text)") for c in changes]
        return edit
    # The safe loader first: an alias bomb or a value no constructor takes is refused before ruamel
    # (whose data `plain` walks in full) ever sees it.
    _, problem, _ = parse_yaml(text)
    if problem is not None:
        edit.refused = [(c, f"{display} cannot be parsed for editing: it {problem}") for c in changes]
        return edit
    try:
        data = plain(_load(text))
    except Exception as exc:
        edit.refused = [(c, f"{display} cannot be parsed for editing ({type(exc).__name__})") for c in changes]
        return edit
    ops, data = _lower(changes, data, edit)
    if not ops:
        return edit
    new_text, why = _splice(text, ops)
    edit.method = "splice"
    if not _proves(new_text, data):
        new_text, edit.method = _rewrite(text, ops), "rewrite"
        if not _proves(new_text, data):
            why = why or "the edited file would not read back as intended"
            edit.refused += [(c, f"{display} cannot be edited safely: {why}") for c in edit.applied]
            edit.applied, edit.method = [], ""
            return edit
    edit.new = ((BOM if bom else "") + (new_text or "")).encode("utf-8")
    return edit
