#!/usr/bin/env bash
# The test command (README and CI): lint for real bugs, then the whole suite, real services and
# Docker included. Arguments go to pytest (e.g. scripts/test.sh tests/test_cli.py -q).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
.venv/bin/ruff check src emulator tests bench scripts
exec .venv/bin/python -m pytest "$@"
