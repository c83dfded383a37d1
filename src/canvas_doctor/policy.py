"""The framework's rules for which selected checks may run: files only, no paid call, opt-in.

A check declares what it touches (`needs`); one that spends money declares `"paid"`. The policy,
the same for every check (flake8's `off_by_default` is the model for `opt_in`):

- `--offline`: only checks that need nothing but files run.
- `--no-live`: no paid check runs, whatever `--only` says.
- A paid check runs when the generation is on (the run is live and selects the `generate` area:
  the default run does) or when `--only` names it by its own exact id. An area or a glob in
  `--only` (`--only bedrock`, `--only 'litellm*'`) never opts a paid check in.
- An `opt_in` paid check runs only when named by its own id (it bills even when all is well).

The skip says why and how to opt in.
"""
from __future__ import annotations

from typing import Iterable

from .models import CheckSpec
from .settings import Settings

GENERATION_AREA = "generate"   # the live image generation: the one paid call of a default run
LIVE_NEEDS = ("network", "docker", "aws", "paid")


def is_paid(spec: CheckSpec) -> bool:
    """Whether the check spends money (declared with needs=(..., "paid"))."""
    return "paid" in spec.needs


def generation_on(settings: Settings, selected: Iterable[CheckSpec]) -> bool:
    """The run generates an image: live (no --offline, no --no-live) and the `generate` area selected."""
    if settings.offline or settings.no_live:
        return False
    return any(s.area == GENERATION_AREA for s in selected)


def why_not(spec: CheckSpec, settings: Settings, generating: bool) -> str | None:
    """None when the selected check may run in this run, else why not (and how to opt in)."""
    if settings.offline and any(n in LIVE_NEEDS for n in spec.needs):
        return "--offline: files only"
    if not is_paid(spec):
        return None
    if settings.no_live:
        return "--no-live: the paid image generation is not run"
    if settings.names(spec.id):
        return None
    opt_in = f"run it with --only {spec.id} (an area or a glob never opts a paid check in)"
    if spec.opt_in:
        return f"opt-in: a paid call, billed even when all is well; {opt_in}"
    if generating:
        return None
    return (f"a paid call: it runs with the live generation (area {GENERATION_AREA}, on in the default run), "
            f"or {opt_in}")
