"""Hostile files: odd file kinds, YAML that parses but cannot be constructed, alias bombs, .env as
Compose reads it, linear-time interpolation, discovery errors and non-UTF-8 file names."""
from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import FIXTURES, clean_env, run_cli

from canvas_doctor.safefile import read_bytes, walk_files
from canvas_doctor.stack.envfile import parse_env_text
from canvas_doctor.stack.interpolate import interpolate
from canvas_doctor.stack.yamlsource import parse_yaml

HEALTHY = FIXTURES / "healthy"


def stack_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "stack"
    shutil.copytree(HEALTHY, dest)
    (dest / "expected.yaml").unlink()
    return dest


def problems(run) -> list[dict]:
    return [r for r in run.json["results"] if r["status"] in ("warn", "fail", "error")]


# ------------------------------------------------------------------ the safe reader

def test_reader_refuses_every_odd_kind_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "nowhere.yaml")
    sock_path = tmp_path / "sock.yaml"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 100)
    expected = {
        fifo: "named pipe", loop: "symbolic link loop", dangling: "symbolic link to a file that does not exist",
        sock_path: "socket", tmp_path: "is a directory", Path("/dev/zero"): "character device",
        tmp_path / "missing.yaml": "does not exist",
    }
    t0 = time.monotonic()
    try:
        for path, says in expected.items():
            data, why = read_bytes(path)
            assert data is None and why and says in why, (path, why)
        data, why = read_bytes(big, max_bytes=50)
        assert data is None and "too large" in why
        assert read_bytes(big, max_bytes=100) == (b"#" * 100, None)
    finally:
        sock.close()
    assert time.monotonic() - t0 < 2


def test_walk_is_bounded_and_immune_to_symlink_loops() -> None:
    # Outside pytest's tmp_path: its clean-up (shutil.rmtree) recurses once per level and breaks on 1,200.
    top = Path(tempfile.mkdtemp(prefix="canvas-doctor-walk-"))
    base = top / "infrastructure"
    base.mkdir()
    chain = [base]
    for _ in range(1200):
        chain.append(chain[-1] / "d")
        chain[-1].mkdir()
    (chain[-1] / "too-deep.yaml").write_text("Resources: {}\n")
    (base / "top.yaml").write_text("Resources: {}\n")
    (base / "d" / "up").symlink_to(base)            # a loop through a folder symlink
    (base / "self.yaml").symlink_to(base / "self.yaml")  # a loop through a file symlink
    os.mkfifo(base / "pipe.yaml")
    try:
        t0 = time.monotonic()
        found = walk_files(base, ("*.yaml",))
        assert time.monotonic() - t0 < 2
        assert base / "top.yaml" in found and base / "pipe.yaml" in found
        assert not any(p.name in ("too-deep.yaml", "self.yaml") for p in found)
    finally:  # unwind by hand, bottom up
        (chain[-1] / "too-deep.yaml").unlink()
        (base / "d" / "up").unlink()
        for folder in reversed(chain[1:]):
            folder.rmdir()
        shutil.rmtree(top)


@pytest.mark.parametrize("name", [".env", "docker-compose.yml", "litellm-image-config.yaml",
                                  "infrastructure/bedrock-image-chat-stack.yaml"])
def test_fifo_in_place_of_a_stack_file_is_a_finding(tmp_path: Path, name: str) -> None:
    stack = stack_copy(tmp_path)
    (stack / name).unlink()
    os.mkfifo(stack / name)
    run = run_cli("--offline", "--json", "--project", str(stack), timeout=30)
    assert run.code == 1 and "Traceback" not in run.stderr
    [finding] = [r for r in run.json["results"] if r["location"] and r["location"]["file"] == name
                 and r["fix"] and r["fix"]["id"] == "config-invalid"]
    assert finding["message"] == f"{name} is a named pipe (FIFO), not a file"
    assert not run.results(status="error")


def test_fifo_as_a_services_env_file_is_a_finding(tmp_path: Path) -> None:
    stack = stack_copy(tmp_path)
    compose = stack / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("  litellm:\n", "  litellm:\n    env_file: litellm.env\n", 1))
    os.mkfifo(stack / "litellm.env")
    run = run_cli("--offline", "--json", "--project", str(stack), timeout=30)
    assert any(r["location"] and r["location"]["file"] == "litellm.env" and "named pipe" in r["message"]
               for r in problems(run)), problems(run)


# ------------------------------------------------------------------ YAML that cannot be constructed

BAD_VALUES = [
    ("2001-13-45", "month must be in 1..12"),
    ("!!int abc", "invalid literal for int()"),
    ("9" * 5000, "4300 digits"),
    ("!!float x", "could not convert string to float"),
    ("!!python/name:os.system", "could not determine a constructor"),
    ("!!timestamp yesterday", "a value cannot be read"),
]


@pytest.mark.parametrize("value,says", BAD_VALUES, ids=[v[:12] for v, _ in BAD_VALUES])
def test_constructor_errors_are_reasons_with_a_line(value: str, says: str) -> None:
    data, why, line = parse_yaml(f"a: 1\nb:\n  c: {value}\n")
    assert data is None and why.startswith("is not valid YAML") and says in why and line == 3


def test_alias_bomb_is_refused_before_it_is_expanded() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    t0 = time.monotonic()
    data, why, line = parse_yaml("\n".join(lines) + "\n")
    assert time.monotonic() - t0 < 1
    assert data is None and "alias bomb" in why and 2 <= line <= 12
    # Ordinary anchors (x-common: &common, <<: *common) stay fine.
    ok, why, _ = parse_yaml("x: &c {image: a, environment: [A=1]}\ns1: {<<: *c}\ns2: *c\n")
    assert why is None and ok["s1"]["image"] == "a"


def test_recursive_alias_and_deep_nesting_are_refused() -> None:
    assert "contains it" in parse_yaml("a: &a [*a]\n")[1]
    assert "nest" in parse_yaml("a: " + "[" * 20000 + "]" * 20000 + "\n")[1]
    assert "nest" in parse_yaml("a:\n" + "".join(" " * (i + 1) + "b:\n" for i in range(1500)))[1]


@pytest.mark.parametrize("value", ["2001-13-45", "!!int abc", "9" * 5000])
def test_run_and_fix_on_unconstructible_yaml(tmp_path: Path, value: str) -> None:
    stack = stack_copy(tmp_path)
    compose = stack / "docker-compose.yml"
    lines = compose.read_text().splitlines()
    compose.write_text("\n".join(lines) + f"\nx-created: {value}\n")
    run = run_cli("--offline", "--json", "--project", str(stack))
    assert run.code == 1 and "Traceback" not in run.stderr
    [finding] = problems(run)
    assert finding["fix"]["id"] == "config-invalid"
    assert finding["location"] == {"file": "docker-compose.yml", "line": len(lines) + 1}
    fix = run_cli("fix", "--dry-run", "--project", str(stack))
    assert "Traceback" not in fix.stdout + fix.stderr and fix.code == 1
    assert "is not valid YAML" in fix.stdout


def test_fix_refuses_an_alias_bomb_in_a_file_it_would_edit(tmp_path: Path) -> None:
    from canvas_doctor.edits.document import Change, edit_file
    path = tmp_path / "c.yaml"
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    path.write_text("\n".join(lines) + "\n")
    change = Change("litellm-drop-params-off", "c.yaml", "set drop_params", ())
    t0 = time.monotonic()
    edit = edit_file(path, "c.yaml", [change])
    assert time.monotonic() - t0 < 2
    assert not edit.changed and "alias bomb" in edit.refused[0][1]


# ------------------------------------------------------------------ .env as Compose reads it

def test_env_file_follows_compose_dotenv_rules() -> None:
    text = ("\ufeffEMPTY=\r\nINHERITED\r\nexport EXPORTED=hello world # a comment\r\n"
            "SINGLE='literal $EXPORTED \\n'\n"
            'DOUBLE="tab\\there \\"q\\" $EXPORTED \\$NOT"\n'
            'MULTI="first\nsecond"\n'
            "REF=${EXPORTED}-${UNSET:-fallback}-$$dollar\n"
            "HASH=a#b\n"
            "SPACED=   padded value   \n"
            "COLON: yaml style\n"
            "FROM_ENV=${HOME_DIR}\n"
            "NOT_INHERITED\n"
            "# KEY=commented\n"
            "AFTER=\"x\" # trailing comment\n")
    env = parse_env_text(text, environ={"INHERITED": "from-env", "HOME_DIR": "/home/me"})
    assert env.values == {
        "EMPTY": "", "INHERITED": "from-env", "EXPORTED": "hello world", "SINGLE": "literal $EXPORTED \\n",
        "DOUBLE": 'tab\there "q" hello world $NOT', "MULTI": "first\nsecond",
        "REF": "hello world-fallback-$dollar", "HASH": "a#b", "SPACED": "padded value", "COLON": "yaml style",
        "FROM_ENV": "/home/me", "AFTER": "x",
    }
    assert env.lines == {"EMPTY": 1, "INHERITED": 2, "EXPORTED": 3, "SINGLE": 4, "DOUBLE": 5, "MULTI": 6,
                         "REF": 8, "HASH": 9, "SPACED": 10, "COLON": 11, "FROM_ENV": 12, "AFTER": 15}
    assert env.bad_lines == []


def test_env_file_bad_lines_are_noted_and_the_rest_still_counts() -> None:
    env = parse_env_text("GOOD=1\nbad key=2\nWORSE!=3\nOPEN=\"never closed\nLAST=4\n", environ={})
    assert env.bad_lines == [2, 3, 4]
    assert env.values == {"GOOD": "1", "LAST": "4"} and env.lines["LAST"] == 5


def test_env_file_environment_wins_in_expansion() -> None:
    env = parse_env_text("A=file\nB=${A}\n", environ={"A": "shell"})
    assert env.values["B"] == "shell"


def test_env_values_reach_compose_as_compose_reads_them(tmp_path: Path) -> None:
    from canvas_doctor.stack.discover import discover
    stack = stack_copy(tmp_path)
    env = stack / ".env"
    lines = env.read_text().splitlines()
    lines = [f'export {ln.replace("=", "=" + chr(34), 1)}"   # quoted, exported, commented' if ln.startswith("LITELLM_MASTER_KEY")
             else ln for ln in lines]
    env.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    found = discover(stack, environ={})
    setting = found.compose_services["openwebui"].env["OPENAI_API_KEY"]
    assert setting.value == "sk-sample-master-0123456789"
    assert str(setting.location) == f".env:{next(i for i, ln in enumerate(lines, 1) if 'LITELLM_MASTER_KEY' in ln)}"
    run = run_cli("--offline", "--json", "--project", str(stack))
    assert run.code == 0, problems(run)


@pytest.mark.parametrize("text", [
    "X=" + " " * 100_000 + "x",
    "X=" + " \t" * 50_000,
    " " * 100_000,
    "X=\"" + "\\ " * 50_000,
    "X=${A:-" * 20_000,
    "X='" + "a" * 100_000,
    "export " * 15_000,
])
def test_env_parser_is_linear(text: str) -> None:
    t0 = time.monotonic()
    parse_env_text(text, environ={})
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize("text", [
    "${A:-" * 20_000,
    "${A:-" * 20_000 + "}" * 20_000,
    "${" * 50_000,
    "$" * 100_000,
    "{" * 50_000 + "${A}" + "}" * 50_000,
    "${A" + " " * 100_000,
])
def test_interpolation_is_linear(text: str) -> None:
    t0 = time.monotonic()
    interpolate(text, {"A": "a"})
    assert time.monotonic() - t0 < 2


def test_interpolation_as_compose() -> None:
    env = {"A": "a", "E": ""}
    cases = {"${A}": "a", "$A": "a", "$$A": "$A", "${B:-${A}}": "a", "${B:-${C:-x}}y": "xy", "${E:-d}": "d",
             "${E-d}": "", "${A:+alt}": "alt", "${B:+alt}": "", "${A:-}": "a", "x${B}y": "xy"}
    for text, value in cases.items():
        assert interpolate(text, env).value == value, text
    assert interpolate("${B:?must be set}", env).errors == ["B: must be set"]
    assert interpolate("${A", env).errors and interpolate("${A", env).value == "${A"


# ------------------------------------------------------------------ discovery errors and odd names

def test_a_discovery_error_is_an_error_result_in_every_format(monkeypatch, tmp_path: Path) -> None:
    from canvas_doctor.app import build_report
    from canvas_doctor.report.human import make_console, render
    from canvas_doctor.report.json_report import to_json
    from canvas_doctor.report.junit import to_junit
    from canvas_doctor.settings import Settings
    from canvas_doctor.stack import discover as discover_module

    def broken(project, environ=None, **_):
        raise OSError("planted discovery failure")
    monkeypatch.setattr(discover_module, "discover", broken)
    for only in ((), ("litellm",)):
        report, _ = build_report(Settings(project=stack_copy(tmp_path / str(len(only))), offline=True, only=only))
        [err] = [r for r in report.results if r.status.value == "error"]
        assert err.check == "config.files" and "planted discovery failure" in err.message
        assert not any("no stack files" in r.message for r in report.results)
        assert "planted discovery failure" in to_json(report) and "planted discovery failure" in to_junit(report)
        out = tmp_path / "human.txt"
        with out.open("w") as stream:
            render(report, make_console(stream))
        assert "planted discovery failure" in out.read_text()


def test_file_names_that_are_not_utf8_are_shown_escaped(tmp_path: Path) -> None:
    stack = stack_copy(tmp_path)
    name = os.fsdecode(b"caf\xe9.yaml")
    (stack / "infrastructure" / name).write_text("Resources: [\n")
    junit = tmp_path / "report.xml"
    env = clean_env(PYTHONIOENCODING="utf-8:strict", LC_ALL="C.UTF-8")
    human = run_cli("--offline", "--project", str(stack), env=env)
    as_json = run_cli("--offline", "--json", "--junit", str(junit), "--project", str(stack), env=env)
    for run in (human, as_json):
        assert run.code == 1 and "Traceback" not in run.stderr, run.stderr
    assert "infrastructure/caf\\xe9.yaml" in human.stdout
    [finding] = problems(as_json)
    assert finding["location"]["file"] == "infrastructure/caf\\xe9.yaml"
    [case] = [c for c in ET.parse(junit).iter("testcase") if "caf" in (c.get("file") or "")]
    assert case.get("file") == "infrastructure/caf\\xe9.yaml"
    json.loads(as_json.stdout)
