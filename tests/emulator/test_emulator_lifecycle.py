"""The emulator's clock and each model's real lifecycle, as boto3 sees them (InvokeModel, GetFoundationModel,
ListFoundationModels), and the CLI's --today / --lifecycle."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from emulator_fixtures import aws_env  # noqa: F401  (pytest fixtures)
from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor_emulator.testing import (
    CORE,
    DAY_BEFORE_NOVA_LEGACY,
    NOVA,
    NOVA_BEFORE_END_OF_LIFE,
    SD35,
    TITAN1,
    TITAN2,
    ULTRA,
    boto_client,
    error_of,
    invoke,
    nova_body,
)

END_OF_LIFE = (
    "ResourceNotFoundException",
    404,
    "This model version has reached the end of its life. Please refer to the AWS documentation for more details.",
)
TITAN_BODY = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a fox"}}


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def _life(emu: BedrockEmulator, model_id: str) -> dict:
    return boto_client("bedrock", emu).get_foundation_model(modelIdentifier=model_id)["modelDetails"]["modelLifecycle"]


def _refused(rt, model_id: str, body) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as exc:
        invoke(rt, model_id, body)
    return error_of(exc)


def test_the_default_clock_is_the_real_today():
    emu = BedrockEmulator()
    assert emu.today() == datetime.now(timezone.utc).date()


def test_nova_canvas_on_the_real_clock_is_past_its_end_of_life():
    """2026-12-01 (this machine's date) is after Nova Canvas's end of life, 2026-09-30."""
    with BedrockEmulator(region="us-east-1") as e:
        assert e.today() >= datetime(2026, 9, 30).date()
        assert _refused(boto_client("bedrock-runtime", e), NOVA, nova_body()) == END_OF_LIFE
        assert _life(e, NOVA) == {"status": "LEGACY", "legacyTime": _utc(2026, 3, 30), "endOfLifeTime": _utc(2026, 9, 30)}
        assert e.invocations(NOVA)[-1].status == 404


@pytest.mark.parametrize(
    ("today", "status", "generates"),
    [
        (DAY_BEFORE_NOVA_LEGACY, "ACTIVE", True),
        ("2026-03-30", "LEGACY", True),
        ("2026-09-29", "LEGACY", True),
        ("2026-09-30", "LEGACY", False),
    ],
)
def test_nova_canvas_lifecycle_follows_the_day(today, status, generates):
    with BedrockEmulator(region="us-east-1", today=today) as e:
        life = _life(e, NOVA)
        assert life["status"] == status
        if status == "ACTIVE":  # no Legacy or end-of-life date announced yet
            assert life == {"status": "ACTIVE"}
        rt = boto_client("bedrock-runtime", e)
        if generates:
            assert invoke(rt, NOVA, nova_body(width=320, height=320))["images"]
        else:
            assert _refused(rt, NOVA, nova_body()) == END_OF_LIFE
        listed = boto_client("bedrock", e).list_foundation_models(byOutputModality="IMAGE")["modelSummaries"]
        assert next(m for m in listed if m["modelId"] == NOVA)["modelLifecycle"] == life


@pytest.mark.parametrize("model_id", [TITAN1, TITAN2])
def test_titan_image_v1_and_v2_end_on_2026_06_30(model_id):
    with BedrockEmulator(region="us-west-2", today="2026-06-29") as e:
        assert invoke(boto_client("bedrock-runtime", e), model_id, TITAN_BODY)["images"]
        assert _life(e, model_id) == {"status": "LEGACY", "endOfLifeTime": _utc(2026, 6, 30)}
    with BedrockEmulator(region="us-west-2") as e:  # the real today
        assert _refused(boto_client("bedrock-runtime", e), model_id, TITAN_BODY) == END_OF_LIFE


@pytest.mark.parametrize("model_id", [CORE, SD35, ULTRA])
def test_the_stability_models_are_active_today_in_us_west_2(model_id):
    with BedrockEmulator(region="us-west-2") as e:
        assert _life(e, model_id) == {"status": "ACTIVE"}
        assert invoke(boto_client("bedrock-runtime", e), model_id, {"prompt": "a fox"})["images"]
    with BedrockEmulator(region="us-east-1") as e:  # a region AWS does not list for them
        assert _refused(boto_client("bedrock-runtime", e), model_id, {"prompt": "a fox"}) == (
            "ValidationException", 400, "The provided model identifier is invalid.")  # fmt: skip


def test_lifecycle_overrides():
    with BedrockEmulator(region="us-east-1", lifecycle=NOVA_BEFORE_END_OF_LIFE | {TITAN2: "EOL"}) as e:
        rt = boto_client("bedrock-runtime", e)
        assert invoke(rt, NOVA, nova_body(width=320, height=320))["images"]
        assert _life(e, NOVA) == {"status": "ACTIVE"}
        assert _refused(rt, TITAN2, TITAN_BODY) == END_OF_LIFE
        assert _life(e, TITAN2) == {"status": "LEGACY", "endOfLifeTime": _utc(2026, 6, 30)}
        e.set_model(NOVA, lifecycle="EOL")  # ended today: endOfLifeTime is today's midnight
        assert _refused(rt, NOVA, nova_body()) == END_OF_LIFE
        e.set_model(NOVA, lifecycle="LEGACY")
        assert invoke(rt, NOVA, nova_body(width=320, height=320))["images"]
        e.reset_model(NOVA)  # back to the override it started with
        assert _life(e, NOVA) == {"status": "ACTIVE"}
    with BedrockEmulator(today="2026-01-15", lifecycle={NOVA: "EOL"}) as e:
        assert _life(e, NOVA)["endOfLifeTime"] == _utc(2026, 1, 15)
    with pytest.raises(ValueError, match="lifecycle"):
        BedrockEmulator(lifecycle={NOVA: "RETIRED"})
    with pytest.raises(ValueError, match="unknown model"):
        BedrockEmulator(lifecycle={"amazon.nova-canvas-v9:0": "ACTIVE"})
    with pytest.raises(ValueError, match="not both"):
        BedrockEmulator(today="2026-01-15", now="2026-01-15T00:00:00Z")
    with pytest.raises(ValueError, match="a day like"):
        BedrockEmulator(today="15/01/2026")


def test_a_model_the_region_never_had_is_an_invalid_identifier():
    with BedrockEmulator(region="us-west-2") as e:
        assert _refused(boto_client("bedrock-runtime", e), NOVA, nova_body()) == (
            "ValidationException", 400, "The provided model identifier is invalid.")  # fmt: skip


def test_legacy_unused_is_a_per_test_fault_not_the_default():
    with BedrockEmulator(region="us-east-1", today="2026-05-01") as e:  # Nova Canvas Legacy, not ended
        rt = boto_client("bedrock-runtime", e)
        assert invoke(rt, NOVA, nova_body(width=320, height=320))["images"]
        e.set_model(NOVA, fault="legacy-unused")
        assert _refused(rt, NOVA, nova_body()) == (
            "ResourceNotFoundException",
            404,
            "Access denied. This Model is marked by provider as Legacy and you have not been actively using the "
            "model in the last 30 days. Please upgrade to an active model on Amazon Bedrock",
        )


def test_gone_after_end_of_life_forgets_the_model_in_the_control_plane():
    with BedrockEmulator(region="us-east-1", models={NOVA: {"gone_after_end_of_life": True}}) as e:
        with pytest.raises(ClientError) as exc:
            boto_client("bedrock", e).get_foundation_model(modelIdentifier=NOVA)
        assert error_of(exc) == END_OF_LIFE
        listed = boto_client("bedrock", e).list_foundation_models(byOutputModality="IMAGE")["modelSummaries"]
        assert NOVA not in {m["modelId"] for m in listed}
        e.set_clock(today=DAY_BEFORE_NOVA_LEGACY)
        assert _life(e, NOVA) == {"status": "ACTIVE"}


def test_the_clock_moves_at_run_time():
    with BedrockEmulator(region="us-east-1", today="2026-09-29") as e:
        rt = boto_client("bedrock-runtime", e)
        assert invoke(rt, NOVA, nova_body(width=320, height=320))["images"]
        e.set_clock(today="2026-09-30")
        assert _refused(rt, NOVA, nova_body()) == END_OF_LIFE
        e.set_clock()
        assert e.today() == datetime.now(timezone.utc).date()


def _admin(url: str, path: str, data: dict | None = None):
    body = json.dumps(data).encode() if data is not None else None
    with urllib.request.urlopen(urllib.request.Request(url + path, data=body), timeout=5) as resp:
        return json.loads(resp.read())


class _Remote:
    def __init__(self, url: str, region: str) -> None:
        self.url, self.region, self.ca_file = url, region, None


def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "canvas_doctor_emulator", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    line = proc.stdout.readline().strip()
    assert line.startswith("bedrock-emulator listening on http://127.0.0.1:"), (line, proc.stderr.read())
    return proc, line.rsplit(" ", 1)[1]


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    return err


def test_cli_today_and_lifecycle_options(tmp_path):
    proc, url = _serve("--today", "2026-01-15", "--lifecycle", f"{TITAN2}=eol")
    try:
        assert _admin(url, "/_emulator/health")["now"] == "2026-01-15T12:00:00Z"
        rt = boto_client("bedrock-runtime", _Remote(url, "us-east-1"))
        assert invoke(rt, NOVA, nova_body(width=320, height=320))["images"]  # ACTIVE on 2026-01-15
        assert _refused(rt, TITAN2, TITAN_BODY) == END_OF_LIFE  # forced
        assert _admin(url, "/_emulator/clock", {"today": "2026-10-01"})["today"] == "2026-10-01"
        assert _refused(rt, NOVA, nova_body()) == END_OF_LIFE
    finally:
        assert "today 2026-01-15" in _stop(proc)
    proc, url = _serve("--lifecycle", f"{NOVA}=ACTIVE")  # the real today, Nova Canvas forced ACTIVE
    try:
        assert invoke(boto_client("bedrock-runtime", _Remote(url, "us-east-1")), NOVA, nova_body())["images"]
    finally:
        _stop(proc)
    cfg = tmp_path / "emu.json"
    cfg.write_text(json.dumps({"now": "2027-01-01T00:00:00Z", "lifecycle": {TITAN2: "ACTIVE"}}))
    proc, url = _serve("--config", str(cfg), "--today", "2026-01-15", "--lifecycle", f"{NOVA}=EOL")
    try:
        assert _admin(url, "/_emulator/health")["now"] == "2026-01-15T12:00:00Z"  # --today wins over "now"
        rt = boto_client("bedrock-runtime", _Remote(url, "us-east-1"))
        assert invoke(rt, TITAN2, TITAN_BODY)["images"]  # the config's override stays
        assert _refused(rt, NOVA, nova_body()) == END_OF_LIFE
    finally:
        _stop(proc)
    bad = subprocess.run([sys.executable, "-m", "canvas_doctor_emulator", "--lifecycle", "nova=RETIRED"],
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    assert bad.returncode == 2 and "--lifecycle takes MODEL_ID=ACTIVE|LEGACY|EOL" in bad.stderr
