"""The command line: run (the default), list, explain, fix.

Start-up matters (this runs as a pre-flight step): only typer is imported at module level;
discovery, checks, rich, boto3 and docker are imported inside the commands that use them.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import click
import typer
from typer.core import TyperGroup

from . import __version__

# The options of `run` the top-level --help shows too (`run` is the default command).
COMMON_RUN_OPTIONS = ("project", "compose_file", "offline", "no_live", "only", "skip", "litellm_url",
                      "openwebui_url", "json_out", "report_format", "strict", "verbose")


class RootGroup(TyperGroup):
    """The top-level help ends with the common options of `run`, the command it runs by default."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        run_command = self.get_command(ctx, "run")
        if run_command is not None:
            run_ctx = click.Context(run_command, parent=ctx, info_name="run")
            by_name = {p.name: p for p in run_command.get_params(run_ctx)}
            records = [(record[0], getattr(by_name[name], "help", None) or "") for name in COMMON_RUN_OPTIONS
                       if name in by_name and (record := by_name[name].get_help_record(run_ctx))]
            with formatter.section("Options of run, the default command (all of them: run --help)"):
                formatter.write_dl(records)
        super().format_epilog(ctx, formatter)


app = typer.Typer(
    cls=RootGroup,
    add_completion=True,  # typer's --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    no_args_is_help=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Diagnose an Open WebUI -> LiteLLM -> AWS Bedrock (Nova Canvas) image-generation stack.\n\n"
         "`canvas-doctor` alone, or with options only, means `canvas-doctor run`.",
)

COMMANDS = ("run", "list", "explain", "fix")
COMPLETION_OPTIONS = ("--install-completion", "--show-completion")  # typer's, on the top command
ENV = "CANVAS_DOCTOR_"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"canvas-doctor {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Diagnose an Open WebUI -> LiteLLM -> AWS Bedrock image-generation stack."""


def _complete_format(ctx, param, incomplete: str) -> list[str]:
    """Shell completion of --format: the installed reporters (read only when completing)."""
    from .report import formats
    return [name for name in formats() if name.startswith(incomplete)]


def _usage_error(ctx: typer.Context, problem) -> typer.BadParameter:
    """A usage problem found before the run, worded as click words its own (exit 2)."""
    param = next((p for p in ctx.command.params if p.name == problem.option), None)
    return typer.BadParameter(problem.message, ctx=ctx, param=param)


@app.command()
def run(
    ctx: typer.Context,
    project: Path = typer.Option(Path("."), "--project", envvar=ENV + "PROJECT", exists=True, file_okay=False,
                                 dir_okay=True, help="The stack's folder."),
    compose_file: Optional[List[str]] = typer.Option(None, "-f", "--compose-file", envvar=ENV + "COMPOSE_FILE",
                                                     help="A compose file to read, as `docker compose -f` "
                                                          "(repeatable; default: what Compose picks)."),
    litellm_url: Optional[str] = typer.Option(None, envvar=ENV + "LITELLM_URL",
                                              help="The (chat) LiteLLM proxy as seen from this machine."),
    litellm_image_url: Optional[str] = typer.Option(None, envvar=ENV + "LITELLM_IMAGE_URL",
                                                    help="The proxy that serves images, if a second one."),
    litellm_key: Optional[str] = typer.Option(None, envvar=ENV + "LITELLM_KEY", help="Bearer key for the proxy."),
    openwebui_url: Optional[str] = typer.Option(None, envvar=ENV + "OPENWEBUI_URL", help="Open WebUI's URL."),
    openwebui_token: Optional[str] = typer.Option(None, envvar=ENV + "OPENWEBUI_TOKEN",
                                                  help="Admin API key: reads Open WebUI's effective image config."),
    model: Optional[str] = typer.Option(None, envvar=ENV + "MODEL", help="The image model under test."),
    region: Optional[str] = typer.Option(None, envvar=ENV + "REGION", help="AWS region for the Bedrock checks."),
    profile: Optional[str] = typer.Option(None, envvar=ENV + "PROFILE", help="AWS profile for the Bedrock checks."),
    bedrock_endpoint: Optional[str] = typer.Option(None, "--bedrock-endpoint", envvar=ENV + "BEDROCK_ENDPOINT",
                                                   help="Send bedrock, bedrock-runtime and STS calls to this URL "
                                                        "(a Bedrock emulator, for rehearsals and tests)."),
    aws_stack: Optional[str] = typer.Option(None, "--aws-stack", envvar=ENV + "AWS_STACK",
                                            help="Also diagnose this deployed CloudFormation stack and its ECS "
                                                 "services (read-only AWS calls; --region, --profile)."),
    offline: bool = typer.Option(False, "--offline", envvar=ENV + "OFFLINE", help="Files only: no network, Docker or AWS."),
    no_live: bool = typer.Option(False, "--no-live", envvar=ENV + "NO_LIVE",
                                 help="Everything but the paid image generation."),
    only: Optional[List[str]] = typer.Option(None, "--only", envvar=ENV + "ONLY",
                                             help="Check ids or areas to run (comma-separated, globs allowed)."),
    skip: Optional[List[str]] = typer.Option(None, "--skip", envvar=ENV + "SKIP",
                                             help="Check ids or areas to leave out."),
    wait: float = typer.Option(0.0, "--wait", envvar=ENV + "WAIT", min=0,
                               help="Pre-flight: retry the service probes for up to SECONDS."),
    json_out: bool = typer.Option(False, "--json", envvar=ENV + "JSON", help="Print the JSON report only."),
    report_format: Optional[str] = typer.Option(None, "--format", envvar=ENV + "FORMAT", metavar="FORMAT",
                                                shell_complete=_complete_format,
                                                help="The report on stdout: human (default), json, junit, sarif, "
                                                     "github, markdown, or a format a reporter plugin adds."),
    junit: Optional[Path] = typer.Option(None, "--junit", envvar=ENV + "JUNIT", dir_okay=False,
                                         help="Also write a JUnit XML report."),
    save_image: Optional[Path] = typer.Option(None, "--save-image", envvar=ENV + "SAVE_IMAGE", dir_okay=False,
                                              help="Keep the image the live generation returned."),
    generation_timeout: float = typer.Option(60.0, "--generation-timeout", envvar=ENV + "GENERATION_TIMEOUT", min=1,
                                             help="Seconds the live generation may take (Nova Canvas: 5-7 s)."),
    timeout: float = typer.Option(10.0, "--timeout", envvar=ENV + "TIMEOUT", min=0.5,
                                  help="Seconds each network call may take in all: connect, headers and body "
                                       "(the generation has --generation-timeout)."),
    strict: bool = typer.Option(False, "--strict", envvar=ENV + "STRICT", help="Warnings fail the run too."),
    verbose: bool = typer.Option(False, "-v", "--verbose", envvar=ENV + "VERBOSE",
                                 help="Evidence for every check, timings, tracebacks."),
    today: Optional[str] = typer.Option(None, "--today", envvar=ENV + "TODAY", hidden=True,
                                        help="Judge the Bedrock model lifecycle as of this day (YYYY-MM-DD)."),
) -> None:
    """Run the checks and report (the default command)."""
    from datetime import date

    from .settings import Settings, split_csv, today_from_env
    from .app import execute
    from .preflight import UsageProblem

    try:
        day = date.fromisoformat(today) if today else today_from_env()
    except ValueError:
        raise typer.BadParameter(f"{today!r} is not a date (YYYY-MM-DD)", param_hint="--today") from None

    settings = Settings(
        project=project, litellm_url=litellm_url, litellm_image_url=litellm_image_url, litellm_key=litellm_key,
        openwebui_url=openwebui_url, openwebui_token=openwebui_token, model=model, region=region,
        profile=profile, bedrock_endpoint=bedrock_endpoint, offline=offline, no_live=no_live,
        only=split_csv(only), skip=split_csv(skip),
        wait=wait, strict=strict, verbose=verbose, save_image=save_image, generation_timeout=generation_timeout, today=day,
        compose_files=tuple(compose_file or ()), aws_stack=aws_stack or None,
        read_timeout=timeout, connect_timeout=min(2.0, timeout),
    )
    try:
        code = execute(settings, json_out=json_out, junit=junit, report_format=report_format)
    except UsageProblem as problem:
        raise _usage_error(ctx, problem) from None
    raise typer.Exit(int(code))


@app.command("list", short_help="Every check: its area, needs, order and fix ids.")
def list_checks(json_out: bool = typer.Option(False, "--json", help="As JSON.")) -> None:
    """Every check: id, area, what it needs, what it runs after, the fix ids it can give."""
    from .app import list_command
    list_command(json_out)


@app.command(short_help="A fix in full, or a check and the fixes it can give.")
def explain(name: str = typer.Argument(..., metavar="FIX_ID|CHECK_ID",
                                       help="A fix id or a check id, as shown in a report.")) -> None:
    """A fix in full (cause, steps, snippet, guide section), or a check and the fixes it can give."""
    from .app import explain_command
    raise typer.Exit(int(explain_command(name)))


@app.command()
def fix(
    project: Path = typer.Option(Path("."), "--project", envvar=ENV + "PROJECT", exists=True, file_okay=False),
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the diff and change nothing."),
    choose: list[str] = typer.Option([], "--choose", metavar="FIX_ID=VALUE",
                                     help="Answer a fix's choice (e.g. two candidate models) without a terminal."),
) -> None:
    """Apply the config-file fixes, after showing the diff."""
    chosen: dict[str, str] = {}
    for item in choose:
        fix_id, sep, value = item.partition("=")
        if not sep or not fix_id.strip() or not value.strip():
            raise typer.BadParameter(f"{item!r} is not FIX_ID=VALUE", param_hint="--choose")
        chosen[fix_id.strip()] = value.strip()
    if chosen:
        from .autofix import run_fix
        raise typer.Exit(int(run_fix(project, yes=yes, dry_run=dry_run, choose=chosen)))
    from .app import fix_command
    raise typer.Exit(int(fix_command(project, yes=yes, dry_run=dry_run)))


def _with_default_command(argv: list[str]) -> list[str]:
    """`canvas-doctor` and `canvas-doctor --json ...` mean `canvas-doctor run ...`."""
    if not argv:
        return ["run"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version", *COMPLETION_OPTIONS):
        return argv
    if first.startswith("-"):
        return ["run", *argv]
    return argv


def main() -> None:
    app(args=_with_default_command(sys.argv[1:]), prog_name="canvas-doctor")


if __name__ == "__main__":  # pragma: no cover
    main()
