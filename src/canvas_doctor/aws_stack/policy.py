"""The least-privilege IAM policy `--aws-stack` needs (shipped as data/aws-doctor-policy.json).

Every action is a read: Describe*, Get*, List*, FilterLogEvents and SimulatePrincipalPolicy (which
evaluates a policy, changing nothing). GetSecretValue is there only to compare the keys two containers
must share, by SHA-256; narrow its Resource to the stack's secrets, or leave the statement out and the
comparison is skipped (an AccessDenied there is reported, not fatal).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

POLICY_FILE = "data/aws-doctor-policy.json"
READ_PREFIXES = ("Describe", "Get", "List", "FilterLogEvents", "SimulatePrincipalPolicy", "LookupEvents")
WRITE_PREFIXES = ("Create", "Put", "Update", "Delete", "Modify", "Register", "Deregister", "Start", "Stop",
                  "Run", "Set", "Tag", "Untag", "Attach", "Detach", "Add", "Remove", "Execute", "Invoke",
                  "Cancel", "Continue", "Signal", "Rotate", "Restore", "Replicate", "Submit", "Send", "Upload",
                  "Change", "Reset", "Import", "Enable", "Disable")


def policy_text() -> str:
    return resources.files("canvas_doctor").joinpath(POLICY_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def policy_actions() -> frozenset[str]:
    """Every action the shipped policy allows."""
    doc = json.loads(policy_text())
    out: set[str] = set()
    for stmt in doc.get("Statement") or []:
        actions = stmt.get("Action") or []
        out.update([actions] if isinstance(actions, str) else actions)
    return frozenset(out)


def is_read_only(action: str) -> bool:
    """`service:Operation` reads (by its verb), never writes."""
    operation = action.split(":", 1)[-1]
    return operation.startswith(READ_PREFIXES) and not operation.startswith(WRITE_PREFIXES)


def covered(action: str) -> bool:
    return action.lower() in {a.lower() for a in policy_actions()}
