"""Regenerate the README's check list and fix catalog from the code: `python scripts/readme_tables.py`.

tests/test_readme.py fails when the README is out of date, so the front door stays true.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from canvas_doctor.fixes import catalog
from canvas_doctor.registry import load_registry

README = Path(__file__).resolve().parent.parent / "README.md"


def checks_table() -> str:
    rows = ["| check id | area | needs | what it checks | fix ids it can give |", "|---|---|---|---|---|"]
    for c in load_registry().checks:
        fixes = ", ".join(f"`{f}`" for f in c.fixes) or "—"
        rows.append(f"| `{c.id}` | {c.area} | {', '.join(c.needs)} | {c.title} | {fixes} |")
    return "\n".join(rows)


def fixes_table() -> str:
    rows = ["| fix id | what it fixes | guide section |", "|---|---|---|"]
    for fix_id, entry in catalog().items():
        rows.append(f"| `{fix_id}` | {entry.title} | {entry.guide_section or '—'} |")
    return "\n".join(rows)


def render(text: str) -> str:
    for name, table in (("checks", checks_table()), ("fixes", fixes_table())):
        text = re.sub(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)",
                      lambda m, table=table: m.group(1) + table + m.group(2), text, flags=re.S)
    return text


if __name__ == "__main__":
    current = README.read_text()
    updated = render(current)
    if "--check" in sys.argv:
        sys.exit(0 if updated == current else 1)
    README.write_text(updated)
