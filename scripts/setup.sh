#!/usr/bin/env bash
# Set up canvas-doctor in ./.venv (idempotent; CANVAS_DOCTOR_VENV names another folder). With
# --services also the test bed: the static busybox the Docker tests build images from, a running
# Docker engine, and the cached venvs of the real LiteLLM proxy and Open WebUI (keyed by their
# pinned versions). Each step says what it installs and about how long it takes; pip's own output
# goes to $VENV/setup.log and is shown only when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/progress.sh
PY="${PYTHON:-python3}"
VENV="${CANVAS_DOCTOR_VENV:-.venv}"
STAMP="$VENV/.canvas-doctor-installed"   # newer than both pyproject.toml files: nothing to reinstall

if [[ -f "$STAMP" && "$STAMP" -nt pyproject.toml && "$STAMP" -nt emulator/pyproject.toml ]]; then
  echo "==> canvas-doctor is installed in $VENV (editable: source changes need no reinstall)"
else
  # Measured on a fresh 2-core machine with an empty pip cache: 65 s, 366 MB.
  step "installing canvas-doctor, its test tools and the Bedrock emulator into $VENV with pip" \
       "about 60 s and 370 MB the first time"
  [[ -x "$VENV/bin/python" ]] || "$PY" -m venv "$VENV"
  quietly "$VENV/setup.log" "$VENV/bin/pip" install --disable-pip-version-check -e '.[test]' -e ./emulator
  touch "$STAMP"
  step_done
fi

if [[ "${1:-}" == "--services" ]]; then
  if [[ ! -x /bin/busybox ]] && command -v apt-get >/dev/null; then
    step "installing busybox-static with apt-get (the Docker tests build images from it)" "about 10 s"
    (apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null) || echo "setup: could not install busybox-static" >&2
    step_done
  fi
  if command -v docker >/dev/null && ! docker info >/dev/null 2>&1; then
    step "starting the Docker engine" "up to 30 s"
    (service docker start || (nohup dockerd >/tmp/dockerd.log 2>&1 &)) >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
    step_done
  fi
  step "the real LiteLLM proxy and Open WebUI, each in its cached venv under ${CANVAS_DOCTOR_CACHE:-~/.cache/canvas-doctor}/venvs" \
       "about 3 min the first time, instant once cached"
  bash tests/testbed/install-services.sh >/dev/null
  step_done
fi
echo "    the command: $VENV/bin/canvas-doctor --help (or \`source $VENV/bin/activate\`, then canvas-doctor)"
