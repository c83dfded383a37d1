"""python -m canvas_doctor_emulator [--host 127.0.0.1] [--port 0] [--region R] [--tls] [--config FILE.json]
                                  [--today YYYY-MM-DD] [--lifecycle MODEL_ID=ACTIVE|LEGACY|EOL ...]

Prints "bedrock-emulator listening on http://127.0.0.1:PORT" (flushed) once it accepts
connections, then serves until SIGINT/SIGTERM. Exit status 2 on a bad config.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .config import load
from .models import LIFECYCLES
from .server import BedrockEmulator


def _lifecycles(values: list[str]) -> dict[str, str]:
    """["amazon.nova-canvas-v1:0=ACTIVE", ...] -> {model id: status}."""
    out = {}
    for value in values:
        model_id, eq, status = value.rpartition("=")
        status = status.strip().upper()
        if not eq or not model_id or status not in LIFECYCLES:
            raise ValueError(f"--lifecycle takes MODEL_ID=ACTIVE|LEGACY|EOL, not {value!r}")
        out[model_id.strip()] = status
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m canvas_doctor_emulator", description="A Bedrock emulator")
    parser.add_argument("--config", help="JSON config file (region, models, aliases, valid_keys, ...)")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (0: a free one; default 0)")
    parser.add_argument("--region", default=None, help="the region served (overrides the config's)")
    parser.add_argument("--tls", action="store_true", default=None, help="serve HTTPS (self-signed certificate)")
    parser.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                        help="the day the emulator lives on (default: the real today); it decides each model's "
                             "lifecycle, e.g. --today 2026-01-15 for Nova Canvas before its end of life")
    parser.add_argument("--lifecycle", action="append", default=[], metavar="MODEL_ID=STATUS",
                        help="force a model's lifecycle: ACTIVE, LEGACY or EOL (repeatable), "
                             "e.g. --lifecycle amazon.nova-canvas-v1:0=ACTIVE")
    args = parser.parse_args(argv)

    given = (("host", args.host), ("port", args.port), ("region", args.region), ("tls", args.tls),
             ("today", args.today))
    overrides = {k: v for k, v in given if v is not None}
    try:
        forced = _lifecycles(args.lifecycle)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        if forced:
            base = dict(load(args.config)) if args.config else {}
            overrides["lifecycle"] = {**(base.get("lifecycle") or {}), **forced}
        if args.today and args.config and "now" in load(args.config):
            overrides["now"] = None  # --today wins over the config's "now"
        if args.config:
            emu = BedrockEmulator.from_config(args.config, **overrides)
        else:
            emu = BedrockEmulator(**overrides)
    except (OSError, ValueError, TypeError) as exc:
        print(f"bedrock-emulator: bad config: {exc}", file=sys.stderr)
        return 2
    try:
        emu.start()
    except (OSError, RuntimeError) as exc:
        print(f"bedrock-emulator: cannot start: {exc}", file=sys.stderr)
        return 2
    done = threading.Event()

    def _stop(signum, frame):  # noqa: ARG001
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"bedrock-emulator listening on {emu.url}", flush=True)
    print(f"bedrock-emulator serves region {emu.region}, today {emu.today()}", file=sys.stderr, flush=True)
    if emu.ca_file:
        print(f"bedrock-emulator certificate {emu.ca_file}", file=sys.stderr, flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
