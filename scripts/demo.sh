#!/usr/bin/env bash
# The README's first command: set up, then diagnose a running sample stack (no AWS account needed).
# It starts the project's Bedrock emulator and the real LiteLLM proxy on 127.0.0.1, runs the doctor
# (all green, the generated image saved in demo-out/), then breaks the stack the way the guide
# says to configure it and shows the diagnosis with its fix.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash tests/testbed/install-services.sh litellm >/dev/null   # the real LiteLLM 1.108.7, cached after the first time
PYTHONPATH=tests exec .venv/bin/python -m testbed.walkthrough demo-out   # the test bed lives under tests/
