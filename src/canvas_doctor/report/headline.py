"""One root cause that explains most of a run's live failures: the stack is not up.

Three causes, from the most basic: no Docker engine answers, none of the stack's containers runs,
nothing answers at the stack's URLs. Each holds only when it is total (every container probe found
no container; every service probe found nothing listening, and no live probe passed) and when its
findings are most of the live problems; the config checks' findings never count against it, nor
for it. A reporter shows the sentence first, so the user starts the stack before reading the rest.
"""
from __future__ import annotations

from ..models import Result, Status

UNREACHABLE = ("litellm-unreachable", "openwebui-unreachable")
SERVICE_AREAS = ("litellm", "openwebui")
PROBLEM = (Status.FAIL, Status.ERROR, Status.WARN)


def _fix_id(r: Result) -> str | None:
    return r.fix.id if r.fix else r.fix_id


def _urls(results: list[Result]) -> str:
    urls = list(dict.fromkeys(str(r.data["url"]) for r in results if r.data.get("url")))
    return f" ({', '.join(urls)})" if urls else ""


def root_cause(results: list[Result]) -> str | None:
    """The headline sentence (what is wrong and what to do first), or None when no one cause explains most."""
    live = [r for r in results if r.area != "config"]
    problems = [r for r in live if r.status in (Status.FAIL, Status.ERROR)
                or (r.status is Status.WARN and _fix_id(r) == "docker-unavailable")]
    if not problems:
        return None
    unreachable = [r for r in problems if _fix_id(r) in UNREACHABLE]
    answered = [r for r in live if r.area in SERVICE_AREAS and r.status is Status.PASS]
    nothing_listens = bool(unreachable) and not answered
    no_docker = any(_fix_id(r) == "docker-unavailable" for r in problems)
    containers = [r for r in live if r.check == "docker.containers" and r.status is not Status.SKIP]
    no_containers = bool(containers) and all(_fix_id(r) == "container-not-running" for r in containers)
    explained = [r for r in problems if _fix_id(r) in (*UNREACHABLE, "docker-unavailable", "container-not-running")
                 and (nothing_listens or _fix_id(r) not in UNREACHABLE)]
    if 2 * len(explained) <= len(problems):
        return None
    tail = f"then run canvas-doctor again ({len(explained)} of the {len(problems)} live problems below follow from it)."
    urls = _urls(unreachable)
    if no_docker and nothing_listens:
        return (f"no Docker engine answers and nothing listens at the stack's URLs{urls}: "
                f"start Docker and the stack (docker compose up -d), {tail}")
    if no_containers:
        also = f" and nothing answers at its URLs{urls}" if nothing_listens else ""
        return f"none of the stack's containers is running{also}: start the stack (docker compose up -d), {tail}"
    if nothing_listens:
        return (f"nothing answers at the stack's URLs{urls}: start the stack, or point the doctor at it "
                f"(--litellm-url, --openwebui-url), {tail}")
    if no_docker:
        return f"no Docker engine answers: start Docker, {tail}"
    return None
