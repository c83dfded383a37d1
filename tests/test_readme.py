"""The README is the front door: its tables match the code and its commands exist."""
from __future__ import annotations

import subprocess
import sys

from helpers import REPO


def test_readme_tables_are_current() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "readme_tables.py"), "--check"])
    assert proc.returncode == 0, "README is out of date: run python scripts/readme_tables.py"


def test_readme_names_the_two_commands_and_they_exist() -> None:
    text = (REPO / "README.md").read_text()
    assert "bash scripts/demo.sh" in text and "bash .ci/run" in text
    assert (REPO / "scripts" / "demo.sh").exists() and (REPO / ".ci" / "run").exists()
    ci = (REPO / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci
