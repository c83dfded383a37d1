"""Checks load through the `canvas_doctor.checks` entry-point group, exactly as a third-party plugin would."""
from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import FIXTURES, clean_env, run_cli


def plugin_env(tmp_path: Path, name: str, source: str, **extra: str) -> dict[str, str]:
    """Install a one-module plugin on a PYTHONPATH folder with its own dist-info entry point."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / f"{name}_plugin.py").write_text(textwrap.dedent(source))
    info = site / f"{name}_plugin-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[canvas_doctor.checks]\n{name} = {name}_plugin\n")
    return clean_env(PYTHONPATH=str(site), **extra)


def test_third_party_check_runs_and_is_listed(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "extra", '''
        from canvas_doctor.api import check, failed

        @check(id="extra.always-fails", area="config", title="A plugin's own check")
        def always_fails(stack):
            return failed("plugin says no", fix="config-invalid")
    ''')
    listed = run_cli("list", "--json", env=env)
    assert "extra.always-fails" in {c["id"] for c in listed.json["checks"]}
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    assert run.code == 1
    [r] = run.results("extra.always-fails")
    assert r["status"] == "fail" and r["fix"]["id"] == "config-invalid"


def test_broken_plugin_is_an_error_result_not_a_crash(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "broken", "import does_not_exist_anywhere\n")
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    assert run.code == 3  # nothing failed, but the doctor broke: exit 3, not 1 (until 0.1.0: 1)
    [r] = run.results("plugin.broken")
    assert r["status"] == "error" and "ModuleNotFoundError" in r["message"]
    assert run.json["summary"]["pass"] > 10  # the built-in checks still ran
    assert "Traceback" not in run.stderr


def test_plugin_with_unknown_fix_id_or_bad_return_is_an_error(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "sloppy", '''
        from canvas_doctor.api import check, failed

        @check(id="sloppy.unknown-fix", area="config", title="Unknown fix id")
        def unknown_fix(stack):
            return failed("x", fix="no-such-fix")

        @check(id="sloppy.bad-return", area="config", title="Returns a string")
        def bad_return(stack):
            return "oops"

        @check(id="sloppy.bad-input", area="config", title="Asks for an input nobody provides")
        def bad_input(nonexistent_input):
            return None
    ''')
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    by_id = {r["check"]: r for r in run.json["results"] if r["check"].startswith("sloppy.")}
    assert {k: v["status"] for k, v in by_id.items()} == {
        "sloppy.unknown-fix": "error", "sloppy.bad-return": "error", "sloppy.bad-input": "error"}
    assert "no-such-fix" in by_id["sloppy.unknown-fix"]["message"]
    assert "nonexistent_input" in by_id["sloppy.bad-input"]["message"]
