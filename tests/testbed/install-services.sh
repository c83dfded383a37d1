#!/usr/bin/env bash
# Build (or reuse) the cached venvs of the real services the tests run:
#   LiteLLM proxy 1.108.7 (+ prisma) and Open WebUI 0.12.4 (slim install).
# Venvs are keyed by the pinned versions, so a second run on one machine is instant.
# Never 1.107.x: that LiteLLM release was compromised and pulled from PyPI.
set -euo pipefail
LITELLM_VERSION="${LITELLM_VERSION:-1.108.7}"
OPENWEBUI_VERSION="${OPENWEBUI_VERSION:-0.12.4}"
CACHE="${CANVAS_DOCTOR_CACHE:-$HOME/.cache/canvas-doctor}"
PY="${PYTHON:-python3}"
mkdir -p "$CACHE/venvs"

case "$LITELLM_VERSION" in 1.107.*) echo "refusing LiteLLM $LITELLM_VERSION: compromised release" >&2; exit 2;; esac

want="${1:-all}"

if [[ "$want" == all ]]; then
  # Both at once: about 100 s instead of 180 s on a fresh machine (separate venvs; pip's cache is safe to share).
  bash "$0" litellm & a=$!
  bash "$0" openwebui & b=$!
  wait $a && wait $b
  exit 0
fi

if [[ "$want" == all || "$want" == litellm ]]; then
  v="$CACHE/venvs/litellm-$LITELLM_VERSION"
  if [[ ! -f "$v/.complete" ]]; then
    rm -rf "$v"
    "$PY" -m venv "$v"
    "$v/bin/pip" install -q --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION" prisma
    touch "$v/.complete"
  fi
  echo "litellm: $v"
fi

if [[ "$want" == all || "$want" == openwebui ]]; then
  v="$CACHE/venvs/openwebui-$OPENWEBUI_VERSION"
  if [[ ! -f "$v/.complete" ]]; then
    rm -rf "$v"
    "$PY" -m venv "$v"
    tmp="$(mktemp -d)"
    "$v/bin/pip" download -q --disable-pip-version-check --no-deps -d "$tmp" "open-webui==$OPENWEBUI_VERSION"
    whl="$(ls "$tmp"/open_webui-*.whl)"
    "$v/bin/python" - "$whl" "$tmp/requirements-slim.txt" <<'PYEOF'
import sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist() if n.endswith("requirements-slim.txt")]
    if not names:
        sys.exit("requirements-slim.txt not found in the wheel")
    open(out, "wb").write(z.read(names[0]))
PYEOF
    "$v/bin/pip" install -q --disable-pip-version-check -r "$tmp/requirements-slim.txt"
    "$v/bin/pip" install -q --disable-pip-version-check --no-deps "$whl"
    rm -rf "$tmp"
    touch "$v/.complete"
  fi
  echo "openwebui: $v"
fi
