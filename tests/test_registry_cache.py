"""The registry's cache: a warm run reports exactly what a full load reports, imports only the rules it
runs, and any change that could alter the rules (a new rule file, a plugin, a damaged cache) means
the full load again."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import FIXTURES, REPO, clean_env, run_cli

HEALTHY = str(FIXTURES / "healthy")


def _comparable(report: dict) -> dict:
    report = {k: v for k, v in report.items() if k != "duration_ms"}
    report["results"] = [{k: v for k, v in r.items() if k != "duration_ms"} for r in report["results"]]
    return report


def _index_files(cache: Path) -> list[Path]:
    return sorted((cache / "registry").glob("index-*.json"))


@pytest.mark.parametrize("stack", ["healthy", "guide-as-written", "production-public-alb"])
def test_a_warm_run_reports_what_a_full_load_reports(tmp_path: Path, stack: str) -> None:
    env = clean_env(CANVAS_DOCTOR_CACHE=str(tmp_path / "cache"))
    args = ("--offline", "--json", "--project", str(FIXTURES / stack))
    cold = run_cli(*args, env=env)
    assert len(_index_files(tmp_path / "cache")) == 1
    warm = run_cli(*args, env=env)
    off = run_cli(*args, env={**env, "CANVAS_DOCTOR_NO_CACHE": "1"})
    assert cold.code == warm.code == off.code
    assert _comparable(warm.json) == _comparable(cold.json) == _comparable(off.json)
    if stack != "healthy":  # findings whose fixes are written in rule modules the run did not import
        assert warm.fix_ids() and all(r["fix"]["title"] for r in warm.results() if r["status"] in ("warn", "fail"))


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    env = clean_env(CANVAS_DOCTOR_CACHE=str(tmp_path / "cache"), CANVAS_DOCTOR_NO_CACHE="1")
    assert run_cli("--offline", "--json", "--project", HEALTHY, env=env).code == 0
    assert not (tmp_path / "cache").exists()


PROBE = """
import sys
sys.argv = ["canvas-doctor", "--offline", "--json", "--project", sys.argv[1]]
from canvas_doctor.cli import main
try:
    main()
except SystemExit:
    pass
rules = sorted(m.rsplit(".", 1)[-1] for m in sys.modules if m.startswith("canvas_doctor.checks."))
print(" ".join(rules), file=sys.stderr)
"""


def _rule_modules_imported(env: dict[str, str], cwd: Path) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, HEALTHY], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=60)
    return set(proc.stderr.strip().splitlines()[-1].split())


def test_a_warm_offline_run_imports_only_the_rules_it_runs(tmp_path: Path) -> None:
    env = clean_env(CANVAS_DOCTOR_CACHE=str(tmp_path / "cache"))
    cold = _rule_modules_imported(env, tmp_path)
    warm = _rule_modules_imported(env, tmp_path)
    assert {"generate", "bedrock_access", "aws_ecs", "docker_env"} <= cold  # the full load imports every rule
    assert "litellm_config" in warm and "config_files" in warm
    # the live rules (and boto3/httpx behind them) stay unimported when nothing live runs
    assert not warm & {"generate", "bedrock_access", "bedrock_generate", "aws_ecs", "docker_env", "litellm_live"}


def test_a_damaged_cache_file_means_the_full_load(tmp_path: Path) -> None:
    env = clean_env(CANVAS_DOCTOR_CACHE=str(tmp_path / "cache"))
    args = ("--offline", "--json", "--project", str(FIXTURES / "guide-as-written"))
    good = run_cli(*args, env=env)
    [index] = _index_files(tmp_path / "cache")
    for damage in (b"{not json", b"", json.dumps({"key": [], "checks": []}).encode(), b"[1, 2, 3]",
                   index.read_bytes()[:-100], b"x" * (5 * 1024 * 1024)):
        index.write_bytes(damage)
        run = run_cli(*args, env=env)
        assert run.code == good.code and not run.stderr.strip()
        assert _comparable(run.json) == _comparable(good.json)
        assert json.loads(index.read_text())["checks"]  # rewritten whole by that full load


def test_an_unwritable_cache_folder_only_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = run_cli("--offline", "--json", "--project", HEALTHY, env=clean_env(CANVAS_DOCTOR_CACHE=str(blocker)))
    assert run.code == 0 and not run.stderr.strip() and run.json["summary"]["error"] == 0


def test_a_plugin_installed_after_the_cache_was_written_is_loaded(tmp_path: Path) -> None:
    env = clean_env(CANVAS_DOCTOR_CACHE=str(tmp_path / "cache"))
    run_cli("--offline", "--json", "--project", HEALTHY, env=env)
    site = tmp_path / "site"
    (site / "late_plugin-0.1.dist-info").mkdir(parents=True)
    (site / "late_plugin-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: late-plugin\nVersion: 0.1\n")
    (site / "late_plugin-0.1.dist-info" / "entry_points.txt").write_text("[canvas_doctor.checks]\nlate = late_plugin\n")
    (site / "late_plugin.py").write_text(textwrap.dedent('''
        from canvas_doctor.api import check, failed

        @check(id="late.always-fails", area="config", title="A plugin installed after the cache")
        def always_fails(stack):
            return failed("the late plugin says no", fix="config-invalid")
    '''))
    run = run_cli("--offline", "--json", "--project", HEALTHY, env={**env, "PYTHONPATH": str(site)})
    [r] = run.results("late.always-fails")
    assert run.code == 1 and r["status"] == "fail" and r["fix"]["id"] == "config-invalid"


NEW_RULE = '''
"""A rule added as one new file."""
from canvas_doctor.api import Fix, check, failed

ALWAYS = Fix(id="brand-new-rule-fix", title="Do the new thing", steps=("Change {file}",), params=("file",))


@check(id="compose.brand-new", area="config", title="A rule added after the cache was written", fixes=(ALWAYS,))
def brand_new(stack):
    """Fails everywhere, to be seen."""
    return failed("the new rule ran", fix=ALWAYS, params={"file": "compose.yaml"})
'''


def test_a_new_rule_file_is_seen_by_the_next_run(tmp_path: Path) -> None:
    """Adding a rule is one new file: the next run finds it (the cache's key holds every file of the package)."""
    copy = tmp_path / "src"
    shutil.copytree(REPO / "src" / "canvas_doctor", copy / "canvas_doctor",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = clean_env(CANVAS_DOCTOR_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(copy))
    args = ("--offline", "--json", "--project", HEALTHY)
    assert run_cli(*args, env=env).code == 0
    assert run_cli(*args, env=env).code == 0  # warm
    (copy / "canvas_doctor" / "checks" / "brand_new.py").write_text(NEW_RULE)
    run = run_cli(*args, env=env)
    [r] = run.results("compose.brand-new")
    assert run.code == 1 and r["status"] == "fail" and r["fix"]["id"] == "brand-new-rule-fix"
    assert r["fix"]["title"] == "Do the new thing"
    (copy / "canvas_doctor" / "checks" / "brand_new.py").unlink()
    gone = run_cli(*args, env=env)
    assert gone.code == 0 and not gone.results("compose.brand-new")
