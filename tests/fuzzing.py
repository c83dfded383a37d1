"""Mutations of the sample stacks, run in-process through discovery and the offline checks.

Used by tests/test_fuzz.py (a few thousand inputs, fixed seeds) and bench/fuzz.py (10,000+).
Each input is one sample stack (fixtures/stacks/*) with one or two of its files mutated: byte
flips, truncation, YAML type confusion, alias bombs, quadratic-regex bait, or the file replaced
by another kind of thing (a FIFO, a folder, a symlink loop, a device, nothing, too much).
Each run must: raise nothing, give no `error` result, produce a JSON report valid against the
schema, and leave the project tree exactly as it was.
"""
from __future__ import annotations

import io
import json
import os
import random
import shutil
import stat
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
STACKS = sorted(p for p in (REPO / "fixtures" / "stacks").iterdir() if (p / "expected.yaml").exists())

# YAML values that parse but trip constructors or the code that walks the data.
CONFUSION = [
    "[]", "{}", "null", "~", "0", "-1", "1e999", "true", "no", "''", "[[[[]]]]", "{a: {b: {c: []}}}",
    "!!int abc", "!!float x", "2001-13-45", "!!timestamp nope", "!!binary '@@@'", "!!set {a, b}",
    "!!omap [a, b]", "!!python/name:os.system", "!Ref", "!GetAtt", "!Sub [a, [b]]", "!If [a]", "!Foo bar",
    "9" * 5000, "*undefined", "&anchor", "? [a, b]", "'" + "x" * 10000 + "'", "\"\\uD800\"",
    "[" * 300 + "]" * 300, "${A:-" * 2000, "$" * 3000, "x" + " " * 20000 + "#", "0x_ff", "0o9", ".nan",
    "{<<: *undefined}", "[*a, *a]", "!!str", "!!map [a]", "!!seq {a: 1}", "- -", "a: b: c", "|\n  x\n y",
]


def alias_bomb(levels: int = 9) -> str:
    lines = ["x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"x-{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


ENV_BAIT = ["KEY=" + " " * 30000 + "x", "A=${A:-" * 3000, "X=\"never closed", "export", "=novalue", "K V=1",
            "Q='a\\'b", "B=\\", "\ufeffBOM=1", "CR=1\r", "M=\"a\nb\nc", "E=${:-x}", "U=${UNSET:?boom}",
            "N=" + "\\0123" * 500, "P=$$$$" * 500, "LONG=" + "y" * 100000]


def _stack_files(stack: Path) -> list[Path]:
    out = []
    for p in sorted(stack.rglob("*")):
        if p.is_file() and p.name not in ("expected.yaml", "README.md"):
            out.append(p)
    return out


def _flip(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)] if data else data


def _confuse(data: bytes, rng: random.Random) -> bytes:
    """Replace the value of a random `key: value` (or list item) with a confusing one."""
    lines = data.decode("utf-8", "replace").splitlines()
    candidates = [i for i, ln in enumerate(lines) if ":" in ln or ln.lstrip().startswith("-")]
    for _ in range(rng.randint(1, 3)):
        if not candidates:
            break
        i = rng.choice(candidates)
        line = lines[i]
        value = rng.choice(CONFUSION)
        if ": " in line or line.rstrip().endswith(":"):
            head = line.split(":", 1)[0]
            lines[i] = f"{head}: {value}"
        else:
            indent = line[: len(line) - len(line.lstrip())]
            lines[i] = f"{indent}- {value}"
    return ("\n".join(lines) + "\n").encode()


def _bomb(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", "replace")
    bomb = alias_bomb(rng.randint(6, 10))
    if rng.random() < 0.5:
        return (bomb + text).encode()
    # the bomb used where a section is expected
    key = rng.choice(["services", "model_list", "Resources", "litellm_settings", "environment", "x-top"])
    return (bomb + f"{key}: *{chr(ord('a') + 6)}\n" + text).encode()


def _lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.3:
            del lines[i]
        elif op < 0.6:
            lines.insert(i, lines[i])
        elif op < 0.8:
            lines[i] = b" " * rng.randint(1, 5) + lines[i]
        else:
            lines[i] = lines[i].lstrip()
    return b"\n".join(lines)


def _env_bait(data: bytes, rng: random.Random) -> bytes:
    extra = "\n".join(rng.sample(ENV_BAIT, rng.randint(1, 3)))
    return data + b"\n" + extra.encode() + b"\n"


def _encoding(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    if choice == 1:
        return data.decode("utf-8", "replace").encode("utf-16")
    if choice == 2:
        return data + b"\x00"
    return data.replace(b"e", b"\xe9", 3)


BYTE_MUTATIONS: list[tuple[str, Callable[[bytes, random.Random], bytes]]] = [
    ("byte-flip", _flip), ("truncate", _truncate), ("type-confusion", _confuse), ("type-confusion", _confuse),
    ("alias-bomb", _bomb), ("lines", _lines), ("env-bait", _env_bait), ("encoding", _encoding),
]
KINDS = ["fifo", "directory", "symlink-loop", "dangling-symlink", "device", "missing", "empty", "huge"]


def _replace_kind(path: Path, kind: str) -> None:
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "symlink-loop":
        path.symlink_to(path.name)
    elif kind == "dangling-symlink":
        path.symlink_to(path.name + ".nowhere")
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "huge":
        with path.open("wb") as f:
            f.truncate(6 * 1024 * 1024)  # sparse: cheap to make, too large to read
    # "missing": nothing in its place


@dataclass
class Outcome:
    mutation: str
    stack: str
    file: str
    seconds: float
    problem: str | None = None  # None: everything held


@dataclass
class Summary:
    inputs: int = 0
    by_mutation: Counter = field(default_factory=Counter)
    problems: list[Outcome] = field(default_factory=list)
    slowest: float = 0.0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.inputs} inputs in {self.seconds:.1f} s ({self.inputs / max(self.seconds, 1e-9):.0f}/s), "
                f"slowest {self.slowest:.2f} s, {len(self.problems)} problems; "
                + ", ".join(f"{k} {v}" for k, v in sorted(self.by_mutation.items())))


def mutate(stack_dir: Path, rng: random.Random, kinds: list[str] = KINDS) -> tuple[str, str]:
    """Mutate one or two files of a copied stack in place; (mutation name, file) for the record."""
    files = _stack_files(stack_dir)
    target = rng.choice(files)
    rel = str(target.relative_to(stack_dir))
    if rng.random() < 0.12:
        kind = rng.choice(kinds)
        _replace_kind(target, kind)
        return kind, rel
    name, func = rng.choice(BYTE_MUTATIONS)
    if name == "env-bait" and target.name != ".env" and (stack_dir / ".env").is_file():
        target, rel = stack_dir / ".env", ".env"
    target.write_bytes(func(target.read_bytes(), rng))
    if rng.random() < 0.15:  # and a second file, another way
        other = rng.choice([f for f in _stack_files(stack_dir) if f != target] or [target])
        other.write_bytes(_confuse(other.read_bytes(), rng))
        name += "+confusion"
    return name, rel


def snapshot(root: Path) -> dict[str, tuple]:
    """What `fix`-less runs must never change: every entry's kind, size, mode and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mode, st.st_mtime_ns)
    return out


class Harness:
    """Runs inputs through the real pipeline: guarded discovery, the offline checks, redaction, JSON."""

    def __init__(self) -> None:
        import jsonschema

        from canvas_doctor import registry
        from canvas_doctor.report.json_report import schema
        self.validator = jsonschema.Draft202012Validator(schema())
        # The plugins are the same for every input: load them once (the entry-point scan is most of
        # a run's time), through the same function build_report calls.
        loaded = registry.run_registry()
        self._original_load = registry.run_registry
        registry.run_registry = lambda *a, **k: loaded
        self.count = 0
        self._valid_results: set[str] = set()
        logging_quiet()

    def _unseen(self, report: dict) -> dict:
        """The report with only the results not validated before (the schema checks each item on its
        own: `results` is an array of `#/$defs/result`), so validation costs what is new."""
        fresh = []
        for r in report.get("results", []):
            key = repr(r)
            if key not in self._valid_results:
                self._valid_results.add(key)
                fresh.append(r)
        return {**report, "results": fresh}

    def close(self) -> None:
        from canvas_doctor import registry
        registry.run_registry = self._original_load

    def run_one(self, project: Path) -> str | None:
        """None when every promise held, else what broke."""
        from canvas_doctor.app import build_report
        from canvas_doctor.report.human import make_console, render
        from canvas_doctor.report.json_report import to_json
        from canvas_doctor.report.junit import to_junit
        from canvas_doctor.settings import Settings

        before = snapshot(project)
        try:
            report, _ = build_report(Settings(project=project, offline=True))
            text = to_json(report)
            to_junit(report).encode("utf-8")
            self.count += 1
            if self.count % 8 == 0:  # the terminal report, on a strict UTF-8 stream (rich is the slow part)
                buf = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
                render(report, make_console(buf), verbose=True)
                buf.flush()
        except BaseException as exc:  # noqa: BLE001 - the point is that nothing escapes
            if isinstance(exc, KeyboardInterrupt):
                raise
            return f"raised {type(exc).__name__}: {exc}"
        errors = [f"{r.check}: {r.message}" for r in report.results if r.status.value == "error"]
        if errors:
            return "error result: " + "; ".join(errors)[:500]
        invalid = next(iter(self.validator.iter_errors(self._unseen(json.loads(text)))), None)
        if invalid is not None:
            return f"JSON report invalid: {invalid.message[:300]}"
        if snapshot(project) != before:
            return "the project tree changed"
        return None


def logging_quiet() -> None:
    import logging
    logging.getLogger().setLevel(logging.CRITICAL)


def fuzz(count: int, seed: int, workdir: Path, on_problem: Callable[[Outcome], None] | None = None,
         kinds: list[str] | None = None) -> Summary:
    """Run `count` mutated stacks with seeds seed, seed+1, ...; every input is reproducible from its seed."""
    harness = Harness()
    try:
        return _fuzz(harness, count, seed, workdir, on_problem, kinds or KINDS)
    finally:
        harness.close()


def _fuzz(harness: Harness, count: int, seed: int, workdir: Path, on_problem, kinds: list[str]) -> Summary:
    summary = Summary()
    t_all = time.perf_counter()
    for i in range(count):
        rng = random.Random(seed + i)
        source = rng.choice(STACKS)
        project = workdir / f"in-{i % 4}"
        if project.exists() or project.is_symlink():
            _remove(project)
        shutil.copytree(source, project, symlinks=True)
        (project / "expected.yaml").unlink()
        mutation, file = mutate(project, rng, kinds)
        t0 = time.perf_counter()
        problem = harness.run_one(project)
        took = time.perf_counter() - t0
        summary.inputs += 1
        summary.by_mutation[mutation.split("+")[0]] += 1
        summary.slowest = max(summary.slowest, took)
        if problem is None and took > 20:
            problem = f"took {took:.1f} s"
        if problem is not None:
            outcome = Outcome(mutation, source.name, file, took, f"seed {seed + i}: {problem}")
            summary.problems.append(outcome)
            if on_problem:
                on_problem(outcome)
    summary.seconds = time.perf_counter() - t_all
    return summary


def _remove(path: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(path, topdown=False):
        for name in filenames + dirnames:
            p = os.path.join(dirpath, name)
            if os.path.islink(p) or not os.path.isdir(p):
                os.unlink(p)
            else:
                os.rmdir(p)
    os.rmdir(path)
