"""The JSON report (schema_version 1), exactly as the contract describes it."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from ..models import Report

SCHEMA_FILE = "report.schema.json"


def to_json(report: Report) -> str:
    # default=str: a check that puts a Path or a datetime into `data` must not break the report
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema shipped in the package (canvas_doctor/report/report.schema.json)."""
    text = resources.files("canvas_doctor.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def reporter(report: Report, stream, options) -> None:
    """`--format json` (= `--json`): the JSON report and nothing else."""
    stream.write(to_json(report) + "\n")
