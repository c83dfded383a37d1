"""One run, end to end: settings -> stack -> checks -> results -> redact -> reporters."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from .models import ExitCode, Report, Status
from .redact import RedactingFilter, Redactor
from .run_context import RunContext
from .secret_sources import stack_secrets
from .settings import Settings

log = logging.getLogger("canvas_doctor")


def _setup_logging(redactor: Redactor, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for noisy in ("httpx", "httpcore", "botocore", "boto3", "urllib3", "docker"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def build_report(settings: Settings, progress=None, registry=None) -> tuple[Report, Redactor]:
    """Discover the stack(s) and run every selected check; the report is already redacted.

    A folder that holds no stack but sub-folder projects (or several `-f` variants) is diagnosed
    project by project; each result then carries its group."""
    from dataclasses import replace

    from . import __version__
    from .projects import find_projects
    from .registry import run_registry
    from .runner import Runner
    from .stack.guarded import discover_guarded
    from .stack.summary import stack_summary

    registry = registry or run_registry()
    projects = find_projects(settings.project, settings.compose_files)
    context: RunContext | None = None   # one for the whole run: a secret of one project is masked in all
    results, notes, summaries, duration = [], [], {}, 0
    for project in projects:
        stack = discover_guarded(project.folder, project.compose_files, settings.project)
        if context is None:
            context = RunContext.for_run(stack, settings)
        context.add_secrets(stack_secrets(stack))
        _setup_logging(context.redactor, settings.verbose)
        run_settings = replace(settings, project=project.folder, compose_files=project.compose_files)
        # Checks and inputs register what they learn at run time (a container's env, AWS keys) in the context.
        report = Runner(registry, run_settings, stack, progress=progress, context=context).run()
        carry_discovery_error(report.results, stack)
        for r in report.results:
            r.group = project.group
        results += report.results
        prefix = f"{project.group}: " if project.group else ""
        notes += [prefix + n for n in stack.notes + report.notes]
        summaries[project.group or ""] = stack_summary(stack, report.results)
        duration += report.duration_ms
    assert context is not None
    redactor = context.redactor
    grouped = len(projects) > 1 or projects[0].group is not None
    report = Report(project=str(settings.project), results=results, duration_ms=duration, version=__version__,
                    notes=list(dict.fromkeys(notes)),
                    stack={"groups": summaries} if grouped else summaries.get("", None))
    return redactor.report(report), redactor


def carry_discovery_error(results: list, stack) -> None:
    """A discovery error is in every report, even when `config.files` was not selected (--only ...)."""
    if not stack.discovery_error or any(r.check == "config.files" and r.status is Status.ERROR for r in results):
        return
    from canvas_doctor.checks.config_files import discovery_broke
    err = discovery_broke(stack)
    err.check, err.area, err.title = "config.files", "config", "Stack files are present and valid"
    results.insert(0, err)


def preflight(settings: Settings, junit: Path | None):
    """The settings (a renamed check's former id in --only/--skip replaced) and the registry for the
    run, once the command line is known to be usable; raises UsageProblem."""
    from .preflight import output_problems, selection_problem
    from .registry import run_registry
    problem = output_problems({"junit": junit, "save_image": settings.save_image})
    if problem is not None:
        raise problem
    registry = run_registry()
    settings = renamed(settings, registry)
    problem = selection_problem(registry.checks, settings.only, settings.skip)
    if problem is not None:
        raise problem
    return settings, registry


def reporter_for(name: str):
    """The reporter of `--format NAME`; an unknown name is a usage error (exit 2)."""
    from .preflight import UsageProblem
    from .report import ReporterError, load_reporter
    try:
        return load_reporter(name)
    except ReporterError as exc:
        if exc.usage:
            raise UsageProblem("report_format", str(exc)) from None
        raise


def renamed(settings: Settings, registry) -> Settings:
    """--only/--skip with a check's former id: the current id, and a note on stderr that it was renamed."""
    from dataclasses import replace

    def current(tokens: tuple[str, ...], option: str) -> tuple[str, ...]:
        out = []
        for token in tokens:
            spec, old = registry.resolve(token)
            if old is not None:
                print(f"canvas-doctor: {option} {old}: the check was renamed to {spec.id}", file=sys.stderr)
                token = spec.id
            out.append(token)
        return tuple(out)

    if not registry.aliases:
        return settings
    return replace(settings, only=current(settings.only, "--only"), skip=current(settings.skip, "--skip"))


def execute(settings: Settings, *, json_out: bool, junit: Path | None, report_format: str | None = None) -> ExitCode:
    """One run; UsageProblem (exit 2) is raised before anything runs."""
    from .preflight import UsageProblem
    from .report import ReporterError, ReportOptions
    if json_out and report_format not in (None, "json"):
        raise UsageProblem("report_format", f"--json and --format {report_format} ask for two reports on stdout")
    fmt = "json" if json_out else (report_format or "human")
    try:
        reporter = reporter_for(fmt)
    except ReporterError as exc:
        print(f"canvas-doctor: {exc}", file=sys.stderr)
        return ExitCode.INTERNAL
    settings, registry = preflight(settings, junit)
    if fmt != "human" or not sys.stdout.isatty():
        report, _ = build_report(settings, registry=registry)
    else:
        report = _with_spinner(settings, registry)
    written = True
    if junit is not None:
        from .report.junit import write_junit
        try:
            write_junit(report, junit)
        except OSError as exc:  # probed before the run; the disk may still fill up meanwhile
            print(f"canvas-doctor: cannot write {junit}: {exc.strerror or exc}", file=sys.stderr)
            written = False
    reporter(report, sys.stdout, ReportOptions(verbose=settings.verbose))
    return report.exit_code(settings.strict) if written else ExitCode.USAGE


def _with_spinner(settings: Settings, registry=None) -> Report:
    """On a terminal: a spinner naming the checks still running (the live generation takes 5-7 s).
    Only check titles are shown, never values, so nothing here needs the redactor."""
    from .report.human import make_console
    console = make_console()
    with console.status("checking the stack ...") as status:
        def progress(done: int, total: int, running: list[str]) -> None:
            waiting = ", ".join(running[:2]) + (" ..." if len(running) > 2 else "")
            status.update(f"{done}/{total} checks done" + (f"; waiting for: {waiting}" if waiting else ""))
        report, _ = build_report(settings, progress, registry)
    return report


def list_command(json_out: bool) -> None:
    from .registry import load_registry
    registry = load_registry()
    rows = [{"id": c.id, "area": c.area, "title": c.title, "needs": list(c.needs),
             "depends_on": list(c.depends_on), "after": list(c.after), "fixes": list(c.fixes),
             "source": c.source, **({"aliases": list(c.aliases)} if c.aliases else {})} for c in registry.checks]
    if json_out:
        import json
        print(json.dumps({"checks": rows, "errors": [e.error for e in registry.errors]}, indent=2))
        return
    from .report.human import make_console, render_list
    render_list(rows, [(e.name, e.value, e.error) for e in registry.errors], make_console())


def explain_command(name: str) -> ExitCode:
    """A fix id: the whole fix. A check id (or a former one): its explanation and the fixes it can give."""
    from .fixes import catalog
    from .registry import load_registry
    from .report.human import make_console, render_explain, render_explain_check
    if name in catalog():
        render_explain(name, make_console())
        return ExitCode.OK
    registry = load_registry()
    spec, old = registry.resolve(name)
    if spec is not None:
        if old is not None:
            print(f"canvas-doctor: {old} was renamed to {spec.id}", file=sys.stderr)
        render_explain_check(spec, make_console())
        return ExitCode.OK
    import difflib
    close = difflib.get_close_matches(name, [*catalog(), *registry.by_id(), *registry.aliases], n=3)
    hint = (f" Did you mean: {', '.join(close)}?" if close else
            " `canvas-doctor list` shows every check id; the README's fix catalog every fix id.")
    print(f"canvas-doctor: {name!r} is neither a fix id nor a check id.{hint}", file=sys.stderr)
    return ExitCode.USAGE


def fix_command(project: Path, *, yes: bool, dry_run: bool) -> ExitCode:
    from .autofix import run_fix
    return run_fix(project, yes=yes, dry_run=dry_run)


