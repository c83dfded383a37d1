#!/usr/bin/env bash
# The test command (README and CI): the whole suite, real services and Docker included.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
exec .venv/bin/python -m pytest "$@"
