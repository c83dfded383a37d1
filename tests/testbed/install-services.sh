#!/usr/bin/env bash
# Build (or reuse) the cached venvs of the real services the tests run:
#   LiteLLM proxy (+ prisma) and Open WebUI (slim install), by default 1.108.7 and 0.12.4.
# Venvs are keyed by version (LITELLM_VERSION, OPENWEBUI_VERSION), so a second run is instant.
# Never 1.107.x: that LiteLLM release was compromised and pulled from PyPI.
#
# LiteLLM: `litellm[proxy]==X` when the registry serves everything the extra pins (1.108.7). Else
# (1.103.x, 1.108.14 to 1.110.2 pin litellm-proxy / -extras / -enterprise versions it does not
# serve) `litellm==X` plus the extra's other requirements read from the wheel's METADATA, with
# each helper pin `==V` turned into `<=V` (wheel_requirements.py). The recipe used is in .recipe.
# Open WebUI: requirements-slim.txt from the wheel (0.10+), or for older wheels their own
# Requires-Dist without the torch / CUDA packages; then the wheel itself with --no-deps.
# Install times go to $CACHE/venvs/install-times.log.
set -euo pipefail
LITELLM_VERSION="${LITELLM_VERSION:-1.108.7}"
OPENWEBUI_VERSION="${OPENWEBUI_VERSION:-0.12.4}"
CACHE="${CANVAS_DOCTOR_CACHE:-$HOME/.cache/canvas-doctor}"
PY="${PYTHON:-python3}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PIP=(--disable-pip-version-check -q)
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

log_time() {  # service version recipe seconds
  echo "$(date -u +%FT%TZ) $1 $2 $3 ${4}s" >> "$CACHE/venvs/install-times.log"
}

if [[ "$want" == litellm ]]; then
  v="$CACHE/venvs/litellm-$LITELLM_VERSION"
  if [[ ! -f "$v/.complete" ]]; then
    rm -rf "$v"
    t0=$SECONDS
    "$PY" -m venv "$v"
    recipe=extra
    if ! "$v/bin/pip" install "${PIP[@]}" "litellm[proxy]==$LITELLM_VERSION" prisma 2>"$v/.extra-install.err"; then
      grep -q "No matching distribution" "$v/.extra-install.err" || { cat "$v/.extra-install.err" >&2; exit 1; }
      recipe=split
      tmp="$(mktemp -d)"
      "$v/bin/pip" download "${PIP[@]}" --no-deps -d "$tmp" "litellm==$LITELLM_VERSION"
      "$v/bin/python" "$HERE/wheel_requirements.py" litellm-proxy "$tmp"/litellm-*.whl > "$tmp/proxy.txt"
      "$v/bin/pip" install "${PIP[@]}" "$tmp"/litellm-*.whl -r "$tmp/proxy.txt" prisma
      rm -rf "$tmp"
    fi
    echo "$recipe" > "$v/.recipe"
    touch "$v/.complete"
    log_time litellm "$LITELLM_VERSION" "$recipe" $((SECONDS - t0))
  fi
  echo "litellm: $v ($(cat "$v/.recipe" 2>/dev/null || echo extra))"
fi

if [[ "$want" == openwebui ]]; then
  v="$CACHE/venvs/openwebui-$OPENWEBUI_VERSION"
  if [[ ! -f "$v/.complete" ]]; then
    rm -rf "$v"
    t0=$SECONDS
    "$PY" -m venv "$v"
    tmp="$(mktemp -d)"
    "$v/bin/pip" download "${PIP[@]}" --no-deps -d "$tmp" "open-webui==$OPENWEBUI_VERSION"
    whl="$(ls "$tmp"/open_webui-*.whl)"
    "$v/bin/python" "$HERE/wheel_requirements.py" openwebui-slim "$whl" > "$tmp/requirements-slim.txt"
    "$v/bin/pip" install "${PIP[@]}" -r "$tmp/requirements-slim.txt"
    "$v/bin/pip" install "${PIP[@]}" --no-deps "$whl"
    rm -rf "$tmp"
    echo slim > "$v/.recipe"
    touch "$v/.complete"
    log_time openwebui "$OPENWEBUI_VERSION" slim $((SECONDS - t0))
  fi
  echo "openwebui: $v"
fi
