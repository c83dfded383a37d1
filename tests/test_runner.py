"""The runner as a user sees it, through real plugins: timeouts, prerequisites, concurrency."""
from __future__ import annotations

import time
from pathlib import Path

from helpers import FIXTURES
from helpers import run_cli
from test_plugins import plugin_env

PLUGIN = '''
import time
from canvas_doctor.api import check, failed, passed

@check(id="slow.hangs", area="config", title="Never finishes", timeout=1.0)
def hangs(stack):
    time.sleep(30)

@check(id="slow.root", area="config", title="A prerequisite that fails")
def root(stack):
    return failed("root cause", fix="config-invalid")

@check(id="slow.child", area="config", title="Depends on the root", depends_on=("slow.root",))
def child(stack):
    return passed("must not run")

@check(id="slow.after", area="config", title="Runs after the root, even when it failed", after=("slow.root",))
def after(stack, results):
    return passed("saw: " + results["slow.root"][0].message)

@check(id="slow.one", area="config", title="Sleeps 2 s")
def one(stack):
    time.sleep(2.0)
    return passed("one")

@check(id="slow.two", area="config", title="Sleeps 2 s too")
def two(stack):
    time.sleep(2.0)
    return passed("two")
'''


def test_timeouts_prerequisites_and_concurrency(tmp_path: Path) -> None:
    env = plugin_env(tmp_path, "slow", PLUGIN)
    t0 = time.monotonic()
    run = run_cli("--offline", "--json", "--only", "slow.*", "--project", str(FIXTURES / "healthy"), env=env)
    elapsed = time.monotonic() - t0
    by_id = {r["check"]: r for r in run.json["results"]}
    assert by_id["slow.hangs"]["status"] == "error"
    assert "did not finish within 1 s" in by_id["slow.hangs"]["message"]
    assert by_id["slow.child"]["status"] == "skip" and "slow.root did not pass" in by_id["slow.child"]["message"]
    assert by_id["slow.after"]["status"] == "pass" and by_id["slow.after"]["message"] == "saw: root cause"
    assert by_id["slow.one"]["status"] == by_id["slow.two"]["status"] == "pass"
    assert run.code == 1
    # The hung check is abandoned at its timeout, and the two 2 s checks run side by side
    # (one after the other, the run would take at least 1 + 2 + 2 s).
    assert elapsed < 4.0, elapsed
