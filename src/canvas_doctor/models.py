"""The data every part of the doctor shares: statuses, locations, fixes, results, check specs."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable


class Status(str, enum.Enum):
    """Outcome of one result; the order is the order of severity."""

    PASS = "pass"
    SKIP = "skip"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"

    @property
    def is_problem(self) -> bool:
        return self in (Status.WARN, Status.FAIL, Status.ERROR)


class ExitCode(enum.IntEnum):
    """The documented exit statuses of `canvas-doctor`."""

    OK = 0
    FINDINGS = 1     # a check failed (or warned, with --strict): the stack has a fault
    USAGE = 2        # the command line is wrong: unknown option, selection or output file
    INTERNAL = 3     # nothing failed, but the doctor itself broke (an `error` result)


AREAS = ("config", "litellm", "openwebui", "docker", "bedrock", "generate", "aws")
NEEDS = ("files", "network", "docker", "aws", "paid")


@dataclass(frozen=True)
class Location:
    """Where a finding is: a file (relative to the project when inside it) and a 1-based line."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line}


@dataclass(frozen=True)
class RenderedFix:
    """A remediation as one result shows it: a rule's Fix rendered with the finding's values."""

    id: str
    title: str
    steps: tuple[str, ...]
    snippet: str | None = None
    guide_section: str | None = None
    cause: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "steps": list(self.steps),
            "snippet": self.snippet,
            "guide_section": self.guide_section,
        }


Fix = RenderedFix  # the name until issue 11; a rule declares its fixes with canvas_doctor.fixes.Fix


@dataclass
class Result:
    """One finding of one check. Checks build these with the helpers in `canvas_doctor.api`."""

    status: Status
    message: str
    fix_id: str | None = None
    fix_params: dict[str, Any] = field(default_factory=dict)
    location: Location | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # Filled in by the runner:
    check: str = ""
    area: str = ""
    title: str = ""
    duration_ms: int = 0
    fix: RenderedFix | None = None
    detail: str | None = None  # traceback of a check error, shown with --verbose
    group: str | None = None   # the sub-folder project (or -f file) it belongs to, when a run covers several

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "area": self.area,
            "status": self.status.value,
            "title": self.title,
            "message": self.message,
            "location": self.location.to_dict() if self.location else None,
            "duration_ms": self.duration_ms,
            "fix": self.fix.to_dict() if self.fix else None,
            "data": self.data,
            **({"group": self.group} if self.group else {}),
        }


CheckFunc = Callable[..., Any]


@dataclass(frozen=True)
class CheckSpec:
    """What a check declares about itself: identity, area, inputs and prerequisites."""

    id: str
    area: str
    title: str
    func: CheckFunc
    needs: tuple[str, ...] = ("files",)
    depends_on: tuple[str, ...] = ()
    after: tuple[str, ...] = ()  # order only: wait for these (if in the run), never skip because of them
    timeout: float = 10.0
    retry_on_wait: bool = False  # a free probe that --wait may repeat until it passes
    image_path: bool = False     # skipped where the stack draws no pictures through LiteLLM (see stack/intent.py)
    opt_in: bool = False         # runs only when --only names its exact id (a paid probe that bills when all is well)
    fixes: tuple[str, ...] = ()  # the fix ids its warn/fail results may carry (validated at load)
    source: str = ""  # the module (or entry point) that provided it
    fix_decls: tuple[Any, ...] = ()  # the canvas_doctor.fixes.Fix of each id in `fixes` (resolved at load)
    aliases: tuple[str, ...] = ()   # ids it had before a rename: --only/--skip/explain accept them

    def fix_decl(self, fix_id: str | None) -> Any:
        """The declaration of one of its fix ids, or None (an undeclared id: the catalog decides)."""
        return next((f for f in self.fix_decls if f.id == fix_id), None)

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip().splitlines()[0] if self.func.__doc__ else ""


@dataclass
class Report:
    """Everything a reporter needs; built by the runner, redacted before any reporter sees it."""

    project: str
    results: list[Result]
    duration_ms: int
    version: str
    notes: list[str] = field(default_factory=list)  # e.g. "live areas not probed: ..."
    stack: dict[str, Any] | None = None  # what discovery found (stack/summary.py); per group when several

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in (Status.PASS, Status.WARN, Status.FAIL, Status.SKIP, Status.ERROR)}
        for r in self.results:
            counts[r.status.value] += 1
        return counts

    def exit_code(self, strict: bool = False) -> ExitCode:
        """1 when a check failed (or warned, with --strict); else 3 when the doctor broke; else 0."""
        failing = {Status.FAIL} | ({Status.WARN} if strict else set())
        statuses = {r.status for r in self.results}
        if statuses & failing:
            return ExitCode.FINDINGS
        return ExitCode.INTERNAL if Status.ERROR in statuses else ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "tool": {"name": "canvas-doctor", "version": self.version},
            "project": self.project,
            "duration_ms": self.duration_ms,
            "summary": self.summary(),
            "results": [r.to_dict() for r in self.results],
            **({"stack": self.stack} if self.stack is not None else {}),
        }
