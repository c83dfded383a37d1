"""--wait SECONDS: the free probes are retried until the proxy comes up; the paid generation runs once, after."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from testbed.process import free_port
from litellm_fixtures import NOVA, REPO, LiveStack, doctor, user_env

pytestmark = pytest.mark.services


def test_wait_returns_as_soon_as_the_proxy_comes_up(healthy_stack: LiveStack, bedrock, tmp_path):
    proxy = healthy_stack.proxy
    proxy.stop()
    # Stopped, without --wait: unreachable at once, pointing at the compose line that publishes the port.
    down = doctor("--json", "--project", str(healthy_stack.project.root), "--only", "litellm,generate")
    reach = down.one("litellm.live.reachable")
    assert (reach["status"], reach["fix"]["id"]) == ("fail", "litellm-unreachable"), down.explain()
    assert reach["location"]["file"] == "docker-compose.yml" and down.seconds < 3
    image = tmp_path / "nova.png"
    cmd = [sys.executable, "-m", "canvas_doctor", "--json", *healthy_stack.flags(), "--only", "litellm,generate",
           "--wait", "60", "--save-image", str(image)]
    try:
        started = time.monotonic()
        run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=user_env(), cwd=REPO)
        time.sleep(3)                       # the doctor is already waiting when the proxy starts
        assert run.poll() is None, "the doctor gave up before the proxy started"
        proxy.launch()
        proxy.wait_ready()
        ready = time.monotonic()
        out, err = run.communicate(timeout=90)
        done = time.monotonic()
    finally:
        if not proxy.running:
            proxy.start()
    report = json.loads(out)
    assert run.returncode == 0, err + out
    reach = [r for r in report["results"] if r["check"] == "litellm.live.reachable"][0]
    assert reach["status"] == "pass" and reach["data"]["attempts"] > 1
    gen = [r for r in report["results"] if r["check"] == "generate.image"][0]
    assert gen["status"] == "pass" and "attempts" not in gen["data"]
    assert len(bedrock.invocations(NOVA)) == 1          # the paid call ran once, after the probes passed
    assert image.exists()
    print(f"proxy ready {ready - started:.1f} s after the doctor started; the doctor returned {done - ready:.1f} s later")
    # The back-off between probes is at most 3 s: the doctor returned within that of the proxy being up.
    assert done - ready < 3.0 + 2.0, f"returned {done - ready:.1f} s after the proxy was ready"
    assert done - started < 60


def test_wait_gives_up_when_the_time_is_up():
    url = f"http://127.0.0.1:{free_port()}"
    run = doctor("--json", "--project", str(REPO / "fixtures" / "pre-eol" / "healthy-nova-canvas"), "--litellm-url", url,
                 "--litellm-image-url", url, "--litellm-key", "sk-sample-master-0123456789", "--only", "litellm",
                 "--wait", "2")
    assert run.code == 1
    reach = run.one("litellm.live.reachable")
    assert reach["fix"]["id"] == "litellm-unreachable" and reach["data"]["attempts"] >= 3
    assert 2 <= run.seconds < 2 + 3
