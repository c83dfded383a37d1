#!/usr/bin/env bash
# Set up canvas-doctor in ./.venv (idempotent). With --services also the test bed: the static
# busybox the Docker tests build images from, a running Docker engine, and the cached venvs of
# the real LiteLLM proxy and Open WebUI (keyed by their pinned versions).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' -e ./emulator   # the emulator: its own distribution

if [[ "${1:-}" == "--services" ]]; then
  if [[ ! -x /bin/busybox ]] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null) || echo "setup: could not install busybox-static" >&2
  fi
  if command -v docker >/dev/null && ! docker info >/dev/null 2>&1; then
    (service docker start || (nohup dockerd >/tmp/dockerd.log 2>&1 &)) >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
  fi
  bash tests/testbed/install-services.sh
fi
