"""The table of scripts/matrix.sh: one row per version pair, the counts of pytest's summary line.

    python scripts/matrix_table.py /tmp/canvas-doctor-matrix/litellm-1.110.2+openwebui-0.12.4.log ...
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

NAME = re.compile(r"litellm-(?P<litellm>[^+]+)\+openwebui-(?P<openwebui>.+)\.log$")
SUMMARY = re.compile(r"^=*\s*(?P<counts>(\d+ \w+(, )?)+) in [\d.]+s")
COUNT = re.compile(r"(\d+) (\w+)")
SECONDS = re.compile(r"^seconds: (\d+)$", re.M)
COLUMNS = ("passed", "failed", "xfailed", "skipped", "error")


@dataclass
class Row:
    litellm: str
    openwebui: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: int | None = None

    def cells(self) -> list[str]:
        counts = [str(self.counts.get(c, 0) + (self.counts.get("errors", 0) if c == "error" else 0))
                  for c in COLUMNS]
        return [self.litellm, self.openwebui, *counts, f"{self.seconds} s" if self.seconds is not None else "?"]


def read_log(path: Path) -> Row:
    m = NAME.search(path.name)
    if m is None:
        raise SystemExit(f"{path}: not a matrix log name (litellm-X+openwebui-Y.log)")
    text = path.read_text(errors="replace")
    row = Row(m["litellm"], m["openwebui"])
    for line in reversed(text.splitlines()):
        found = SUMMARY.match(line.strip())
        if found:
            row.counts = {word: int(n) for n, word in COUNT.findall(found["counts"])}
            break
    secs = SECONDS.search(text)
    row.seconds = int(secs[1]) if secs else None
    return row


def table(rows: list[Row]) -> str:
    head = ["LiteLLM", "Open WebUI", *COLUMNS, "time"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    rows = [read_log(Path(a)) for a in argv]
    print(table(rows))
    return 1 if any(r.counts.get("failed") or r.counts.get("error") or r.counts.get("errors") or not r.counts
                    for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
