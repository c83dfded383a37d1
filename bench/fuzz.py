"""Fuzz the doctor with 10,000+ mutated sample stacks (not in the suite; the suite runs 2,000).

    .venv/bin/python bench/fuzz.py [COUNT] [SEED]

Prints the counts by mutation and every input that broke a promise (an exception, an `error`
result, an invalid JSON report, a changed project tree, a run over 20 s), with its seed, and the
peak memory of the process. Exit status 1 when any input broke one.
"""
from __future__ import annotations

import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import fuzz  # noqa: E402


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with tempfile.TemporaryDirectory(prefix="canvas-doctor-fuzz-") as work:
        summary = fuzz(count, seed, Path(work),
                       on_problem=lambda o: print(f"PROBLEM {o.stack}/{o.file} ({o.mutation}): {o.problem}",
                                                  flush=True))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(summary.line())
    print(f"peak memory {peak_mib:.0f} MiB")
    return 1 if summary.problems else 0


if __name__ == "__main__":
    sys.exit(main())
