"""Checks load through the `canvas_doctor.checks` entry-point group, exactly as a third-party plugin would."""
from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import FIXTURES, clean_env, run_cli
from rule_case import case_stack


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
    ''')
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    by_id = {r["check"]: r for r in run.json["results"] if r["check"].startswith("sloppy.")}
    assert {k: v["status"] for k, v in by_id.items()} == {"sloppy.unknown-fix": "error", "sloppy.bad-return": "error"}
    assert "no-such-fix" in by_id["sloppy.unknown-fix"]["message"]


def test_input_that_nothing_provides_is_a_load_error_not_a_run_time_one(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "needy", '''
        from canvas_doctor.api import check, passed

        @check(id="needy.fine", area="config", title="Asks for real inputs")
        def fine(stack, settings, results):
            return passed("ok")

        @check(id="needy.bad-input", area="config", title="Asks for an input nobody provides")
        def bad_input(stack, dokcer):
            return None
    ''')
    listed = run_cli("list", "--json", env=env)
    assert not {c["id"] for c in listed.json["checks"]} & {"needy.fine", "needy.bad-input"}
    [error] = listed.json["errors"]
    assert "'needy.bad-input' asks for the input 'dokcer'" in error and "did you mean 'docker'?" in error
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    assert run.code == 3
    [r] = run.results("plugin.needy")
    assert r["status"] == "error" and "'dokcer'" in r["message"]
    assert not run.results("needy.bad-input") and run.json["summary"]["pass"] > 10


def test_exit_3_when_only_the_doctor_broke_and_1_when_the_stack_failed_too(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "raising", '''
        from canvas_doctor.api import check

        @check(id="raising.check", area="config", title="Raises", fixes=("config-invalid",))
        def raises(stack):
            raise RuntimeError("the check itself broke")
    ''')
    healthy = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    assert healthy.code == 3
    assert healthy.json["summary"]["error"] == 1 and healthy.json["summary"]["fail"] == 0
    [r] = healthy.results("raising.check")
    assert r["status"] == "error" and "RuntimeError: the check itself broke" in r["message"]
    stream_false = case_stack("litellm.config.image-stream", "stream_false_as_the_guide_says", tmp_path / "faulty")
    faulty = run_cli("--offline", "--json", "--project", str(stream_false), env=env)
    assert faulty.code == 1  # a failure wins over an error: the stack has a fault
    warning = str(case_stack("compose.openwebui.automatic-generation", "the_variable_does_nothing_a_warning_only",
                             tmp_path / "warning"))
    warned = run_cli("--offline", "--strict", "--project", warning, env=env)
    assert warned.code == 1  # --strict: the warning fails the run, whatever broke beside it
    plain = run_cli("--offline", "--project", warning, env=env)
    assert plain.code == 3


def test_declared_fix_id_missing_from_the_catalog_is_a_load_error(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "typo", '''
        from canvas_doctor.api import check, failed, passed

        @check(id="typo.fine", area="config", title="Declares a real fix id", fixes=("config-invalid",))
        def fine(stack):
            return passed("ok")

        @check(id="typo.misspelt", area="config", title="Declares a misspelt fix id",
               fixes=("config-invalid", "litellm-stream-enabeld"))
        def misspelt(stack):
            return passed("ok")
    ''')
    listed = run_cli("list", "--json", env=env)
    ids = {c["id"] for c in listed.json["checks"]}
    assert not ids & {"typo.fine", "typo.misspelt"}  # the whole plugin is refused, as a broken import is
    [error] = listed.json["errors"]
    assert "typo.misspelt" in error and "'litellm-stream-enabeld'" in error and "'litellm-stream-enabled'" in error
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    assert run.code == 3
    [r] = run.results("plugin.typo")
    assert r["status"] == "error" and "unknown fix id 'litellm-stream-enabeld'" in r["message"]
    assert not run.results("typo.fine") and run.json["summary"]["pass"] > 10


def test_fixes_given_as_one_string_is_a_load_error(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "stringy", '''
        from canvas_doctor.api import check

        @check(id="stringy.check", area="config", title="fixes as a string", fixes="config-invalid")
        def stringy(stack):
            return None
    ''')
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    [r] = run.results("plugin.stringy")
    assert r["status"] == "error" and "fixes must be a list of fix ids" in r["message"]


def test_undeclared_fix_id_at_run_time_is_a_check_bug(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "liar", '''
        from canvas_doctor.api import check, failed, warned

        @check(id="liar.check", area="config", title="Emits a fix it does not declare", fixes=("config-invalid",))
        def liar(stack):
            return [failed("declared", fix="config-invalid"), warned("not declared", fix="litellm-unreachable")]
    ''')
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=env)
    statuses = sorted((r["status"], (r["fix"] or {}).get("id")) for r in run.results("liar.check"))
    assert statuses == [("error", None), ("fail", "config-invalid")]
    [bug] = run.results("liar.check", "error")
    assert bug["message"].startswith("check bug: a warn with the fix id 'litellm-unreachable', which liar.check "
                                     "does not declare (it declares config-invalid): not declared")
    assert run.code == 1  # its declared failure still fails the run


def test_discovery_that_breaks_is_an_error_result_and_exit_3(tmp_path: Path) -> None:
    """Discovery never raises by design; the safety net for when it does (a fault injected at start-up)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent('''
        import canvas_doctor.stack.discover as d

        def discover(root, **_):
            raise IndexError("planted discovery bug")

        d.discover = discover
    '''))
    run = run_cli("--offline", "--json", "--project", str(FIXTURES / "healthy"), env=clean_env(PYTHONPATH=str(site)))
    assert run.code == 3
    [r] = [r for r in run.results("config.files") if r["status"] == "error"]
    assert "IndexError: planted discovery bug" in r["message"]
    assert run.json["summary"]["error"] == 1 and run.json["summary"]["fail"] == 0  # no false findings
    assert run.json["summary"]["warn"] == 0
    verbose = run_cli("--offline", "-v", "--project", str(FIXTURES / "healthy"), env=clean_env(PYTHONPATH=str(site)))
    assert verbose.code == 3 and "Traceback" in verbose.stdout and "planted discovery bug" in verbose.stdout
