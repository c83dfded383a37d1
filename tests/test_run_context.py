"""Secrets learned at run time go through the run context (canvas_doctor.run_context): a check that
registers one from its own thread, another check that quotes it, and `fix` showing a diff near it:
the value never appears in the human, JSON or JUnit output, nor in the fix diff."""
from __future__ import annotations

import threading
from pathlib import Path

from rule_case import case_stack
from helpers import FIXTURES, clean_env, run_cli
from test_plugins import plugin_env

from canvas_doctor.run_context import RunContext

LEARNED = "learned-at-run-time-4b7c9e1f2a3d"   # registered by no file, flag or variable: only by the check

PLUGIN = f'''
    from canvas_doctor.api import check, passed, warned

    @check(id="learn.secret", area="config", title="Learns a secret at run time")
    def learns(context):
        context.add_secret("{LEARNED}")          # e.g. a key read from a container
        return passed("learned one", value="{LEARNED}")

    @check(id="learn.quote", area="config", title="Quotes what it saw", after=("learn.secret",))
    def quotes(stack):
        return warned("the proxy log says api_key={LEARNED}", fix="litellm-drop-params-off",
                      params={{"file": "litellm-config.yaml"}}, seen=["{LEARNED}"])
'''


def test_a_secret_registered_in_the_run_context_is_masked_in_every_output(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "learn", PLUGIN)
    junit = tmp_path / "junit.xml"
    args = ("run", "--offline", "--project", str(FIXTURES / "healthy"), "--only", "learn.*")
    human = run_cli(*args, "-v", env=env)
    as_json = run_cli(*args, "--json", "--junit", str(junit), env=env)
    assert {r["check"]: r["status"] for r in as_json.json["results"]} == {"learn.secret": "pass", "learn.quote": "warn"}
    quote = as_json.results("learn.quote")[0]
    assert "api_key=lear…2a3d" in quote["message"] and quote["data"]["seen"] == ["lear…2a3d"]
    for out in (human.stdout, human.stderr, as_json.stdout, as_json.stderr, junit.read_text()):
        assert LEARNED not in out and LEARNED[4:-4] not in out


def test_fix_shows_its_diff_through_the_same_redaction(tmp_path: Path) -> None:
    stack = case_stack("litellm.config.drop-params", "drop_params_false", tmp_path / "stack")
    cfg = stack / "litellm-image-config.yaml"              # its `drop_params: false` is what fix changes
    cfg.write_text(cfg.read_text().replace("litellm_settings:\n", f"litellm_settings:\n  # owner: {LEARNED}\n", 1))
    env = plugin_env(tmp_path, "learn", PLUGIN)
    without = run_cli("fix", "--dry-run", "--project", str(stack), env=clean_env())
    assert LEARNED in without.stdout, "the diff must show the planted line (else this test proves nothing)"
    fix = run_cli("fix", "--dry-run", "--project", str(stack), env=env)
    assert "drop_params" in fix.stdout and "lear…2a3d" in fix.stdout, fix.stdout
    assert LEARNED not in fix.stdout + fix.stderr


def test_registering_from_many_threads_loses_nothing() -> None:
    context = RunContext()
    values = [f"thread-secret-{i:04d}-abcdef" for i in range(64)]
    threads = [threading.Thread(target=context.add_secret, args=(v,)) for v in values]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert context.secrets == frozenset(values)
    assert all(v not in context.redactor.text(" ".join(values)) for v in values)
