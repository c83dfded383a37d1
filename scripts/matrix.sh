#!/usr/bin/env bash
# The version matrix: the live tests (real LiteLLM / Open WebUI, tests/live and the emulator's LiteLLM
# tests) once per version pair, then a table versions x results (scripts/matrix_table.py).
#   scripts/matrix.sh                        # every LiteLLM x every Open WebUI of testbed.versions
#   scripts/matrix.sh 1.110.2:0.12.4 ...     # only these pairs (LITELLM:OPENWEBUI)
#   MATRIX_TESTS=tests/live MATRIX_MARK=versioned scripts/matrix.sh   # another selection (what CI runs)
# Venvs are built first, one at a time (tests/testbed/install-services.sh); logs go to $MATRIX_OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true PIP_DISABLE_PIP_VERSION_CHECK=1
PY=.venv/bin/python
OUT="${MATRIX_OUT:-/tmp/canvas-doctor-matrix}"
TESTS="${MATRIX_TESTS:-tests/live tests/emulator/test_emulator_litellm.py tests/emulator/test_emulator_litellm_today.py}"
MARK="${MATRIX_MARK:-services}"   # versioned: only the tests whose expectation depends on the version
mkdir -p "$OUT"

if (($#)); then
  pairs=("$@")
else
  mapfile -t pairs < <(PYTHONPATH=tests "$PY" -c '
from testbed.versions import LITELLM_MATRIX, OPENWEBUI_MATRIX
for o in OPENWEBUI_MATRIX:
    for li in LITELLM_MATRIX:
        print(f"{li}:{o}")')
fi

for pair in "${pairs[@]}"; do   # one install at a time: two cores
  LITELLM_VERSION="${pair%%:*}" bash tests/testbed/install-services.sh litellm >/dev/null || exit 1
  OPENWEBUI_VERSION="${pair##*:}" bash tests/testbed/install-services.sh openwebui >/dev/null || exit 1
done

logs=()
for pair in "${pairs[@]}"; do
  li="${pair%%:*}" ow="${pair##*:}"
  log="$OUT/litellm-$li+openwebui-$ow.log"
  echo "== LiteLLM $li, Open WebUI $ow" >&2
  t0=$SECONDS
  # shellcheck disable=SC2086  # TESTS is a list of paths
  "$PY" -m pytest -q -p no:cacheprovider -m "$MARK" --basetemp="$OUT/pt-$li-$ow" \
    --litellm-version "$li" --openwebui-version "$ow" $TESTS > "$log" 2>&1
  echo "seconds: $((SECONDS - t0))" >> "$log"
  tail -n 2 "$log" >&2
  logs+=("$log")
done
"$PY" scripts/matrix_table.py "${logs[@]}"
