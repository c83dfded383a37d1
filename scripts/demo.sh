#!/usr/bin/env bash
# The README's first command: set up, then diagnose the bundled sample stacks (no AWS account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
echo "== canvas-doctor on the healthy sample stack (files only) =="
.venv/bin/canvas-doctor run --offline --project fixtures/stacks/healthy || true
echo
echo "== canvas-doctor on the stack exactly as the guide writes it =="
.venv/bin/canvas-doctor run --offline --project fixtures/stacks/guide-as-written || true
