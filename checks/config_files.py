"""Checklist: the stack's files are there and are valid YAML."""
from __future__ import annotations

from canvas_doctor.api import Location, check, failed, passed


@check(id="config.files", area="config", title="Stack files are present and valid",
       fixes=("config-invalid",))
def stack_files_are_valid(stack):
    """Every discovered file parses; the stack has at least a compose file or a LiteLLM config."""
    results = [
        failed(f"{p.path} {p.message}" + (f" (line {p.line})" if p.line else ""), fix="config-invalid",
               at=Location(p.path, p.line), params={"file": p.path}, role=p.role)
        for p in stack.problems
    ]
    if not stack.compose_file and not stack.proxies and not stack.cfn_files and not stack.problems:
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
