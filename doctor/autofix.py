"""`canvas-doctor fix`: apply the config-file fixes, only after showing the diff."""
from __future__ import annotations

import sys
from pathlib import Path

from .models import ExitCode


def run_fix(project: Path, *, yes: bool, dry_run: bool) -> ExitCode:
    print("canvas-doctor fix: no automatic fixes are available yet; see `canvas-doctor run`.", file=sys.stderr)
    return ExitCode.OK
