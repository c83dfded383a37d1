#!/usr/bin/env bash
# The README's first command: set up, then diagnose a running sample stack (no AWS account needed).
# It starts the project's Bedrock emulator and the real LiteLLM proxy on 127.0.0.1, runs the doctor
# (all green, the generated image saved in demo-out/), then breaks the stack the way the guide
# says to configure it and shows the diagnosis with its fix. Every step says what it installs and
# about how long it takes before it starts (CANVAS_DOCTOR_VENV / CANVAS_DOCTOR_CACHE move the venvs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/progress.sh
VENV="${CANVAS_DOCTOR_VENV:-.venv}"
LITELLM="${LITELLM_VERSION:-1.108.7}"
CACHE="${CANVAS_DOCTOR_CACHE:-$HOME/.cache/canvas-doctor}"
echo "canvas-doctor demo: three steps, about 3-5 min the first time (two installs), about 1 min after that."
bash scripts/setup.sh
if [[ -f "$CACHE/venvs/litellm-$LITELLM/.complete" ]]; then
  echo "==> the real LiteLLM $LITELLM proxy is cached in $CACHE/venvs/litellm-$LITELLM"
else
  step "installing the real LiteLLM $LITELLM proxy into $CACHE/venvs/litellm-$LITELLM with pip (cached after)" \
       "about 2.5 min and 760 MB the first time"
  mkdir -p "$CACHE/venvs"
  quietly "$CACHE/venvs/litellm-$LITELLM.log" bash tests/testbed/install-services.sh litellm
  step_done
fi
echo "==> the walkthrough: the guide's stack, a Bedrock emulator and two LiteLLM proxies on 127.0.0.1 (about 1 min)"
PYTHONPATH=tests exec "$VENV/bin/python" -m testbed.walkthrough demo-out   # the test bed lives under tests/
