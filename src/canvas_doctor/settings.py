"""Everything the user can set for a run, resolved once (flags, then CANVAS_DOCTOR_* env)."""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .models import CheckSpec

TODAY_VAR = "CANVAS_DOCTOR_TODAY"


def today_from_env(environ: dict[str, str] | None = None) -> date:
    """The day of the run: CANVAS_DOCTOR_TODAY (YYYY-MM-DD, for tests and rehearsals), else the real date."""
    text = (environ if environ is not None else os.environ).get(TODAY_VAR, "").strip()
    return date.fromisoformat(text) if text else date.today()


@dataclass(frozen=True)
class Settings:
    project: Path = Path(".")
    litellm_url: str | None = None
    litellm_image_url: str | None = None
    litellm_key: str | None = None
    openwebui_url: str | None = None
    openwebui_token: str | None = None
    model: str | None = None
    region: str | None = None
    profile: str | None = None
    bedrock_endpoint: str | None = None  # bedrock, bedrock-runtime and sts at one URL (the emulator)
    offline: bool = False
    no_live: bool = False
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    wait: float = 0.0
    strict: bool = False
    verbose: bool = False
    save_image: Path | None = None
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    generation_timeout: float = 60.0
    extra_secrets: tuple[str, ...] = field(default=())
    compose_files: tuple[str, ...] = ()  # -f/--compose-file, as `docker compose -f`
    today: date = field(default_factory=today_from_env)  # the day the Bedrock lifecycle is judged on
    aws_stack: str | None = None  # --aws-stack: the deployed CloudFormation stack to diagnose (read-only calls)

    def selects(self, spec: CheckSpec) -> bool:
        """Whether --only/--skip (ids or areas, globs allowed) keep this check."""
        keys = (spec.id, spec.area)
        if self.only and not any(fnmatch.fnmatchcase(k, pat) for pat in self.only for k in keys):
            return False
        return not any(fnmatch.fnmatchcase(k, pat) for pat in self.skip for k in keys)

    def explicitly_selected(self, spec: CheckSpec) -> bool:
        """Named by --only, by id, area or glob (a rule of the image path applies then; see policy.py
        for the paid checks, which only their own exact id opts in)."""
        return any(fnmatch.fnmatchcase(k, p) for p in self.only for k in (spec.id, spec.area))

    def names(self, check_id: str) -> bool:
        """Whether --only names this check by its own exact id (not an area, not a glob)."""
        return check_id in self.only


def split_csv(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return tuple(out)
