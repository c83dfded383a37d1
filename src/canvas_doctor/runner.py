"""Runs checks: dependency order, concurrency, per-check timeouts, --wait retries, skip-with-reason.

Each selected check runs on a worker thread as soon as the checks it depends on are done: an idle
worker takes it, else a new one starts (checks that wait on a service still run side by side, and
one that hangs only ever holds its own worker; most offline checks take well under a millisecond,
so a run needs a handful of threads, not one per check).
A check that raises becomes an ``error`` result; one that overruns its timeout is abandoned (its
late results are ignored) and becomes an ``error`` result too. A check whose prerequisite did not
pass is skipped with the reason, so one root cause shows as one failure.
"""
from __future__ import annotations

import inspect
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from . import __version__, policy
from .advice import fix_context
from .clients import Inputs
from .fixes import render
from .models import AREAS, CheckSpec, Report, Result, Status
from .registry import Registry
from .run_context import RunContext
from .settings import Settings
from .stack.model import Stack

WAIT_BACKOFF = (0.25, 0.5, 1.0, 2.0, 3.0)


@dataclass
class _Run:
    spec: CheckSpec
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    results: list[Result] = field(default_factory=list)
    started: float | None = None
    finished: bool = False
    attempt: int = 0


class _Workers:
    """Daemon worker threads, reused: a task goes to an idle worker, or to a new one when all are busy."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0     # workers that will take the next task without being asked
        self._started = 0

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        with self._lock:
            spawn = self._idle == 0
            if spawn:
                self._started += 1
            else:
                self._idle -= 1
        self._tasks.put((fn, args))
        if spawn:
            threading.Thread(target=self._work, name=self._name, daemon=True).start()

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            fn, args = task
            fn(*args)  # _execute turns a check's exception into its result
            with self._lock:
                self._idle += 1

    def close(self) -> None:
        """Let every worker end once it is idle (one abandoned with a hung check ends when that returns)."""
        with self._lock:
            started = self._started
        for _ in range(started):
            self._tasks.put(None)


def _normalize(value: Any) -> list[Result]:
    if value is None:
        return []
    if isinstance(value, Result):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, dict)):
        out = []
        for item in value:
            if not isinstance(item, Result):
                raise TypeError(f"a check returned {type(item).__name__}, not a Result")
            out.append(item)
        return out
    raise TypeError(f"a check returned {type(value).__name__}, not a Result")


def _error(message: str, detail: str | None = None) -> Result:
    return Result(Status.ERROR, message, detail=detail)


def _finish(spec: CheckSpec, results: list[Result], duration_ms: int, stack: Stack | None = None,
            registry: Registry | None = None) -> list[Result]:
    """Stamp identity and timing on each result and render its fix from the catalog, in the language
    of the file the result points at (canvas_doctor.advice; the check's own params win)."""
    if not results:
        results = [Result(Status.PASS, spec.title)]
    out = []
    for r in results:
        r.check, r.area, r.title, r.duration_ms = spec.id, spec.area, r.title or spec.title, duration_ms
        if r.status in (Status.WARN, Status.FAIL):
            if not r.fix_id:
                r = Result(Status.ERROR, f"check bug: a {r.status.value} without a fix id: {r.message}",
                           check=spec.id, area=spec.area, title=spec.title, duration_ms=duration_ms)
            elif spec.fixes and r.fix_id not in spec.fixes:
                r = Result(Status.ERROR, f"check bug: a {r.status.value} with the fix id {r.fix_id!r}, which "
                           f"{spec.id} does not declare (it declares {', '.join(spec.fixes)}): {r.message}",
                           check=spec.id, area=spec.area, title=spec.title, duration_ms=duration_ms)
            else:
                params = {**fix_context(stack, r.location, r.fix_params), **r.fix_params}
                if r.location is not None:
                    params.setdefault("file", r.location.file)
                try:
                    decl = spec.fix_decl(r.fix_id) or (registry.fix(r.fix_id) if registry else None)
                    r.fix = render(decl or r.fix_id, params)
                except KeyError:
                    r = Result(Status.ERROR, f"check bug: unknown fix id {r.fix_id!r}: {r.message}",
                               check=spec.id, area=spec.area, title=spec.title, duration_ms=duration_ms)
        else:
            r.fix_id, r.fix = None, None
        out.append(r)
    return out


class Runner:
    """Runs the selected checks of a registry against one stack."""

    def __init__(self, registry: Registry, settings: Settings, stack: Stack,
                 progress: Callable[[int, int, list[str]], None] | None = None, context: RunContext | None = None):
        self.registry = registry
        self.settings = settings
        self.stack = stack
        self.inputs = Inputs(settings, stack, context)
        self.context = self.inputs.context
        self._progress = progress  # (done, total, titles of the checks running now), for a spinner
        self._running: dict[str, str] = {}
        self._counts = [0, 0]
        self._progress_lock = threading.Lock()

    def _report_progress(self, spec: CheckSpec, started: bool) -> None:
        if self._progress is None:
            return
        with self._progress_lock:
            if started:
                self._running[spec.id] = spec.title
            else:
                self._running.pop(spec.id, None)
                self._counts[0] += 1
            done, total, running = self._counts[0], self._counts[1], list(self._running.values())
        try:
            self._progress(done, total, running)
        except Exception:  # a display problem must never break a run
            pass

    def _call(self, spec: CheckSpec) -> list[Result]:
        params = inspect.signature(spec.func).parameters
        kwargs = {name: self.inputs.get(name) for name in params}
        return _normalize(spec.func(**kwargs))

    def _execute(self, run: _Run, runs: dict[str, _Run], deadline: float) -> None:
        spec = run.spec
        for dep in spec.depends_on + spec.after:
            if dep in runs:
                runs[dep].done.wait()
        blockers = [d for d in spec.depends_on if d in runs
                    and any(r.status is not Status.PASS and r.status is not Status.WARN
                            for r in runs[d].results)]
        if blockers:
            self._complete(run, [Result(Status.SKIP, f"skipped: {', '.join(blockers)} did not pass")], 0, run.attempt)
            return
        off_path = self._off_image_path(spec)
        if off_path:
            self._complete(run, [Result(Status.SKIP, off_path)], 0, run.attempt)
            return
        self._report_progress(spec, started=True)
        while True:
            with run.lock:
                run.attempt += 1
                attempt = run.attempt
                run.started = time.monotonic()
            t0 = time.perf_counter()
            try:
                results = self._call(spec)
            except Exception as exc:  # a crashing check is a finding about the doctor, not a crash
                results = [_error(f"the check raised {type(exc).__name__}: {exc}", traceback.format_exc())]
            duration = int((time.perf_counter() - t0) * 1000)
            failing = any(r.status in (Status.FAIL, Status.ERROR) for r in results)
            if failing and spec.retry_on_wait and time.monotonic() < deadline:
                pause = WAIT_BACKOFF[min(attempt - 1, len(WAIT_BACKOFF) - 1)]
                if time.monotonic() + pause < deadline:
                    with run.lock:
                        if run.finished:  # abandoned by the watchdog meanwhile
                            return
                        run.started = None
                    time.sleep(pause)
                    continue
            self._complete(run, results, duration, attempt)
            return

    def _off_image_path(self, spec: CheckSpec) -> str | None:
        """Why an image-path rule does not apply to this stack, or None (`--model`, or naming the rule or its
        area with --only, always opts in: the user asked for it)."""
        intent = self.stack.image_intent
        if not spec.image_path or self.settings.model or intent is None or intent.kind == "litellm":
            return None
        if self.settings.explicitly_selected(spec):
            return None
        if intent.kind == "none":
            return f"no image generation is set up ({intent.reason}): see config.image-path"
        return f"not the LiteLLM image path: {intent.reason}"

    def _complete(self, run: _Run, results: list[Result], duration_ms: int, attempt: int) -> None:
        with run.lock:
            if run.finished or attempt != run.attempt:
                return  # timed out earlier: late results are ignored
            run.results = _finish(run.spec, results, duration_ms, self.stack, self.registry)
            if attempt > 1:
                for r in run.results:
                    r.data.setdefault("attempts", attempt)
            run.finished = True
            self.inputs.results[run.spec.id] = run.results
        run.done.set()
        self._report_progress(run.spec, started=False)

    def _timeout(self, run: _Run) -> None:
        with run.lock:
            if run.finished:
                return
            run.results = _finish(run.spec, [_error(f"the check did not finish within {run.spec.timeout:g} s")],
                                  int(run.spec.timeout * 1000))
            run.finished = True
            self.inputs.results[run.spec.id] = run.results
        run.done.set()

    def run(self) -> Report:
        t0 = time.perf_counter()
        selected = [s for s in self.registry.checks if self.settings.selects(s)]
        generating = policy.generation_on(self.settings, selected)
        runs: dict[str, _Run] = {}
        preset: list[Result] = []
        for spec in selected:
            reason = policy.why_not(spec, self.settings, generating)
            run = _Run(spec)
            runs[spec.id] = run
            preset_result = Result(Status.SKIP, f"skipped: {reason}") if reason is not None else self._load(run)
            if preset_result is not None:
                run.results = _finish(run.spec, [preset_result], 0)
                run.finished = True
                run.done.set()
        deadline = time.monotonic() + max(self.settings.wait, 0.0)
        self._counts = [sum(r.finished for r in runs.values()), len(runs)]
        workers = _Workers("canvas-doctor-check")
        for run in runs.values():
            if not run.finished:
                workers.submit(self._execute, run, runs, deadline)
        try:
            self._watch(runs)
        finally:
            workers.close()
            self.inputs.close()
        for err in self.registry.errors:
            preset.append(Result(Status.ERROR, f"the check plugin {err.name!r} ({err.value}) could not be loaded: "
                                 f"{err.error}", check=f"plugin.{err.name}", area="config",
                                 title="Check plugin loads", detail=err.traceback))
        results = preset + [r for run in runs.values() for r in run.results]
        report = Report(project=str(self.settings.project), results=results,
                        duration_ms=int((time.perf_counter() - t0) * 1000), version=__version__)
        report.notes = self._notes(runs)
        return report

    def _load(self, run: _Run) -> Result | None:
        """Import the check's module now, in this thread, before any check runs (a registry from
        the cache has declarations only); a module that no longer loads is an `error` result."""
        try:
            run.spec = self.registry.loaded(run.spec)
        except Exception as exc:
            return _error(f"the check's module {run.spec.source} could not be loaded: {type(exc).__name__}: {exc}",
                          traceback.format_exc())
        return None

    def _watch(self, runs: dict[str, _Run]) -> None:
        pending = [r for r in runs.values() if not r.finished]
        while pending:
            now = time.monotonic()
            for run in pending:
                with run.lock:
                    started = run.started
                if started is not None and now - started > run.spec.timeout:
                    self._timeout(run)
            pending = [r for r in pending if not r.done.is_set()]
            if pending:
                pending[0].done.wait(0.02)

    def _notes(self, runs: dict[str, _Run]) -> list[str]:
        ran = {run.spec.area for run in runs.values()
               if any(r.status is not Status.SKIP for r in run.results)}
        available = {s.area for s in self.registry.checks}
        missing = [a for a in AREAS if a not in available]
        notes = []
        if missing:
            notes.append(f"not probed: {', '.join(missing)} (no checks installed for these areas)")
        skipped = [a for a in AREAS if a in available and a not in ran and
                   any(s.area == a and self.settings.selects(s) for s in self.registry.checks)]
        if skipped:
            notes.append(f"not probed in this run: {', '.join(skipped)}")
        return notes

