"""The emulator as a separate process (python -m canvas_doctor_emulator), its config file and admin routes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest
from botocore.exceptions import ClientError

from emulator_fixtures import aws_env  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import BedrockEmulator, ModelSettings
from canvas_doctor_emulator.config import load
from canvas_doctor_emulator.testing import NOVA, TITAN2, boto_client, error_of, invoke, nova_body


class _Remote:
    """Enough of BedrockEmulator for boto_client()."""

    def __init__(self, url: str, region: str) -> None:
        self.url, self.region, self.ca_file = url, region, None


def _admin(url: str, path: str, data: dict | None = None, method: str | None = None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url + path, data=body, method=method or ("POST" if body else "GET"))
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def test_cli_serves_the_config_file(tmp_path):
    cfg = tmp_path / "emu.json"
    cfg.write_text(json.dumps({
        "region": "us-west-2",
        "now": "2026-01-01T00:00:00Z",
        "models": {TITAN2: {"latency_s": 0.0}, NOVA: {"regions": ["us-west-2"], "fault": "throttle"}},
    }))  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "canvas_doctor_emulator", "--port", "0", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("bedrock-emulator listening on http://127.0.0.1:"), line
        url = line.rsplit(" ", 1)[1]
        assert _admin(url, "/_emulator/health")["region"] == "us-west-2"
        rt = boto_client("bedrock-runtime", _Remote(url, "us-west-2"))
        body = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a fox"}}
        assert invoke(rt, TITAN2, body)["images"]  # "now" in the config: before Titan v2's end of life
        with pytest.raises(ClientError) as exc:
            invoke(rt, NOVA, nova_body())
        assert error_of(exc)[0] == "ThrottlingException"
        # Change behaviour from another process.
        assert _admin(url, f"/_emulator/models/{NOVA}", {"fault": None})["fault"] is None
        assert invoke(rt, NOVA, nova_body(width=320, height=320))["images"]
        log = _admin(url, "/_emulator/requests")
        assert [(r["operation"], r["status"], r["auth"]) for r in log] == [
            ("InvokeModel", 200, "sigv4"),
            ("InvokeModel", 429, "sigv4"),
            ("InvokeModel", 200, "sigv4"),
        ]
        _admin(url, "/_emulator/requests", method="DELETE")
        assert _admin(url, "/_emulator/requests") == []
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()
        proc.stderr.close()


def test_cli_rejects_a_bad_config(tmp_path):
    cfg = tmp_path / "bad.json"
    cfg.write_text(json.dumps({"models": {NOVA: {"fault": "explode"}}}))
    out = subprocess.run([sys.executable, "-m", "canvas_doctor_emulator", "--config", str(cfg)],
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    assert out.returncode == 2
    assert "unknown fault 'explode'" in out.stderr


def test_config_loader():
    kwargs = load({"region": "eu-west-1", "models": {NOVA: {"latency_s": 1.5}}, "tls": ["c.pem", "k.pem"]})
    assert kwargs["models"][NOVA] == ModelSettings(latency_s=1.5)
    assert kwargs["tls"] == ("c.pem", "k.pem")
    with pytest.raises(ValueError, match="unknown emulator config key"):
        load({"regoin": "eu-west-1"})
    with pytest.raises(TypeError):
        load({"models": {NOVA: {"latency": 1}}})


def test_custom_model_and_settings_inheritance():
    emu = BedrockEmulator(
        include_catalog=False,
        models={NOVA: ModelSettings(latency_s=0.1), "acme.text-v1:0": {"kind": "text", "regions": ["us-east-1"]}},
    )
    assert set(emu.all_settings()) == {NOVA, "acme.text-v1:0"}
    nova = emu.settings(NOVA)
    # Only latency_s was given: the catalog's regions and lifecycle dates stay (the clock decides the status).
    assert (nova.latency_s, nova.regions, nova.lifecycle) == (0.1, ["us-east-1", "eu-west-1", "ap-northeast-1"], None)
    assert (nova.legacy_time, nova.end_of_life) == ("2026-03-30T00:00:00Z", "2026-09-30T00:00:00Z")
    emu.set_model(NOVA, fault="throttle")
    assert emu.settings(NOVA).latency_s == 0.1
    emu.reset_model(NOVA)
    assert emu.settings(NOVA).fault is None
