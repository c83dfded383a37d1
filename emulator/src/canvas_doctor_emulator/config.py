"""The emulator's JSON config file -> BedrockEmulator keyword arguments.

    {
      "region": "us-east-1",
      "models": {
        "amazon.nova-canvas-v1:0": {"fault": null, "latency_s": 0.0},
        "amazon.titan-image-generator-v2:0": {"lifecycle": "LEGACY", "end_of_life": "2027-06-30"},
        "my.custom-model-v1:0": {"kind": "text", "regions": ["us-east-1"]}
      },
      "aliases": {"arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc": "amazon.nova-canvas-v1:0"},
      "valid_keys": ["AKIAEXAMPLE", "ABSKexample"],
      "check_key_format": true,
      "follow_signed_region": false,
      "include_catalog": true,
      "account_id": "123456789012",
      "now": "2026-01-01T00:00:00Z",       (or "today": "2026-01-15"; neither: the real time)
      "lifecycle": {"amazon.nova-canvas-v1:0": "ACTIVE"},
      "host": "127.0.0.1",
      "port": 0,
      "tls": false,
      "control_fault": null
    }
"tls": true serves HTTPS with a throwaway self-signed certificate (emu.ca_file), or
["cert.pem", "key.pem"] uses those files.
Every key is optional; model entries take ModelSettings' field names (models.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ERROR_FAULTS
from .models import ModelSettings

KEYS = {
    "region", "models", "aliases", "valid_keys", "check_key_format", "follow_signed_region",
    "include_catalog", "account_id", "now", "today", "lifecycle", "host", "port", "tls", "control_fault",
}  # fmt: skip


def load(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        data = dict(source)
    else:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("the emulator config must be a JSON object")
    unknown = set(data) - KEYS
    if unknown:
        raise ValueError(f"unknown emulator config key(s): {', '.join(sorted(unknown))}")
    models = data.get("models") or {}
    if not isinstance(models, dict):
        raise ValueError('"models" must be an object of model id -> settings')
    fault = data.get("control_fault")
    if fault is not None and fault not in ERROR_FAULTS:
        raise ValueError(f"unknown control_fault {fault!r}; known: {', '.join(ERROR_FAULTS)}")
    lifecycle = data.get("lifecycle")
    if lifecycle is not None and not isinstance(lifecycle, dict):
        raise ValueError('"lifecycle" must be an object of model id -> ACTIVE | LEGACY | EOL')
    if isinstance(data.get("tls"), list):
        data["tls"] = tuple(data["tls"])
    data["models"] = {model_id: ModelSettings(**(entry or {})) for model_id, entry in models.items()}
    return data
