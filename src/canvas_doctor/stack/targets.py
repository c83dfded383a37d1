"""Targets: the Open WebUI and LiteLLM definitions a rule judges, one kind of object whatever wrote them.

A target is a :class:`Service` (its environment, command, mounts, each value with its file:line);
its origin says where the definition came from. A rule written once over targets is run by the
framework once per origin, under that origin's check id, so users keep selecting `compose.*` or
`cloudformation.*` while the rule itself exists in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import Service, Stack

OPENWEBUI = "openwebui"
LITELLM = "litellm"
ROLES = (OPENWEBUI, LITELLM)


@dataclass(frozen=True)
class Origin:
    """Where target definitions come from, and how a message names one of them."""

    kind: str          # the Service.kind: "compose", "cloudformation", "ecs"
    noun: str          # "service in the compose file"
    title_suffix: str  # added to the rule's title for this origin's check id


ORIGINS: dict[str, Origin] = {
    "compose": Origin("compose", "service in the compose file", ""),
    "cloudformation": Origin("cloudformation", "container in the CloudFormation templates", " (production)"),
    "ecs": Origin("ecs", "container of the deployed ECS task definitions", " (deployed)"),
}

ROLE_NAMES = {OPENWEBUI: "Open WebUI", LITELLM: "LiteLLM"}


def targets_of(stack: Stack, role: str, origin: str) -> list[Service]:
    """Every definition of `role` (openwebui, litellm) that `origin` wrote, in the stack's order."""
    if origin == "compose":
        if role == OPENWEBUI:
            return list(stack.openwebuis)
        return [s for s in stack.compose_services.values() if s.is_litellm]
    pool = stack.cfn_services if origin == "cloudformation" else stack.deployed_services
    return [s for s in pool if s.kind == origin and (s.is_openwebui if role == OPENWEBUI else s.is_litellm)]


def none_found(role: str, origin: str) -> str:
    """The skip message when an origin holds no target of the role."""
    return f"no {ROLE_NAMES.get(role, role)} {ORIGINS[origin].noun} found"
