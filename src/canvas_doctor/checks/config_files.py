"""Checklist: the stack's files are there and are valid YAML."""
from __future__ import annotations

from pathlib import Path

from canvas_doctor.api import Location, check, failed, passed, skipped
from canvas_doctor.models import Result, Status
from canvas_doctor.fixes import Fix, Variant


# -- the fixes this module's rules give (other rules import them from here) ----------------------
CONFIG_INVALID = Fix(
    id="config-invalid",
    title="Make the stack's config file readable, valid YAML",
    cause=(
        "A file the stack needs is missing, unreadable, empty or not valid YAML, so the service that reads it "
        "cannot start with it."
    ),
    steps=(
        "Open {file} and fix what the message says (at the line shown)",
        "Check it parses: python -c 'import yaml,sys; yaml.safe_load(open(sys.argv[1]))' {file}",
        "{recreate}",
    ),
    params=("file",),
    variants={
        "litellm": Variant(
            steps=(
                "Open {file} and fix what the message says (at the line shown)",
                "Check it parses: python -c 'import yaml,sys; yaml.safe_load(open(sys.argv[1]))' {file}",
                "{restart_proxy}",
            ),
        ),
        "cloudformation": Variant(
            steps=(
                "Open {file} and fix what the message says (at the line shown)",
                (
                    "Check the template: cfn-lint {file}, or aws cloudformation validate-template "
                    "--template-body file://{file}"
                ),
                "{recreate}",
            ),
        ),
    },
)


def discovery_broke(stack) -> Result:
    """The doctor could not read the stack at all: an `error` result (exit 3), never "no stack files"."""
    return Result(Status.ERROR, f"stack discovery broke, so no check could read the stack: {stack.discovery_error}",
                  detail=getattr(stack, "discovery_traceback", None))


@check(id="config.files", area="config", title="Stack files are present and valid",
       fixes=(CONFIG_INVALID,))
def stack_files_are_valid(stack):
    """Every discovered file parses; the stack has at least a compose file or a LiteLLM config."""
    if getattr(stack, "discovery_error", None):
        return discovery_broke(stack)
    results = [
        failed(f"{p.path} {p.message}" + (f" (line {p.line})" if p.line else ""), fix="config-invalid",
               at=Location(p.path, p.line), params={"file": p.path}, role=p.role)
        for p in stack.problems
    ]
    if not stack.compose_file and not stack.proxies and not stack.cfn_files and not stack.problems:
        helm = helm_files(stack.root)
        if helm:
            return skipped(f"this folder holds Helm chart values ({', '.join(helm[:3])}), which canvas-doctor does "
                           "not read yet; point --project at a compose project or infrastructure/ templates")
        results.append(failed(
            f"no stack files in {stack.root}: expected docker-compose.yml (or compose.yaml), "
            "litellm-config.yaml or infrastructure/*.yaml",
            fix="config-invalid", params={"file": "docker-compose.yml"}))
    if results:
        return results
    found = [f for f in [stack.compose_file, stack.compose_override] if f]
    found += sorted({p.config.display for p in stack.proxies.values() if p.config})
    found += stack.cfn_files
    if stack.env_file is not None:
        found.append(".env")
    return passed("read " + ", ".join(found), files=found)


def helm_files(root: Path) -> list[str]:
    """Helm values or charts (depth 3) that name Open WebUI or LiteLLM: a layout the doctor does not read yet."""
    from canvas_doctor.stack.yamlsource import read_text
    out: list[str] = []
    for pattern in ("values*.y*ml", "*/values*.y*ml", "*/*/values*.y*ml", "*/*/*/values*.y*ml"):
        for path in sorted(root.glob(pattern))[:20]:
            text, _ = read_text(path)
            low = (text or "").lower()
            if "open-webui" in low or "openwebui" in low or "litellm" in low:
                out.append(str(path.relative_to(root)))
    return out
