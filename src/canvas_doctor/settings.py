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
        """Named by --only (an opt-in check such as the direct Bedrock generation runs then)."""
        return any(fnmatch.fnmatchcase(k, p) for p in self.only for k in (spec.id, spec.area))

    def allows(self, spec: CheckSpec) -> str | None:
        """None when the check may run under --offline/--no-live, else why not."""
        if self.offline and any(n in ("network", "docker", "aws", "paid") for n in spec.needs):
            return "--offline: files only"
        if self.no_live and "paid" in spec.needs:
            return "--no-live: the paid image generation is not run"
        return None


def split_csv(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return tuple(out)
