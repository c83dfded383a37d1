"""A rule written once over targets runs on every Open WebUI / LiteLLM definition, under each origin's id.

Unit tests import what they test (src layout): the decorator, the registry's reading of it and the runner.
"""
from __future__ import annotations

import types
from pathlib import Path

import pytest

from canvas_doctor.api import CHECK_ATTR, failed, passed, rule
from canvas_doctor.models import Location, Status
from canvas_doctor.registry import Registry, _specs_in
from canvas_doctor.runner import Runner
from canvas_doctor.settings import Settings
from canvas_doctor.stack.model import Service, Setting, Stack
from canvas_doctor.stack.roles import Role


def _openwebui(name: str, kind: str, size: str | None) -> Service:
    env = {"IMAGE_SIZE": Setting("IMAGE_SIZE", size, Location(f"{kind}.yml", 7))} if size else {}
    return Service(name=name, kind=kind, file=f"{kind}.yml", line=3, env=env, role=Role("openwebui", "test"))


def _module() -> types.ModuleType:
    mod = types.ModuleType("size_rules")

    @rule(ids={"compose": "compose.openwebui.size-set", "cloudformation": "cloudformation.openwebui.size-set"},
          role="openwebui", area="config", title="IMAGE_SIZE is set", fixes=("image-size-unsupported",))
    def size_is_set(svc: Service, settings: Settings):
        """Open WebUI sends the size it is told."""
        if svc.get("IMAGE_SIZE"):
            return passed(f"{svc.name}: {svc.get('IMAGE_SIZE')}", at=svc.at("IMAGE_SIZE"))
        return failed(f"{svc.name}: no IMAGE_SIZE", fix="image-size-unsupported", at=svc.at("IMAGE_SIZE"))

    mod.size_is_set = size_is_set
    return mod


def test_one_rule_gives_one_check_id_per_origin() -> None:
    specs, _ = _specs_in(_module(), "test")
    assert [(s.id, s.title) for s in specs] == [
        ("compose.openwebui.size-set", "IMAGE_SIZE is set"),
        ("cloudformation.openwebui.size-set", "IMAGE_SIZE is set (production)"),
    ]
    assert specs[0].doc == "Open WebUI sends the size it is told."


def test_the_rule_judges_every_target_and_says_when_an_origin_has_none() -> None:
    stack = Stack(root=Path("."), openwebuis=[_openwebui("webui", "compose", "1024x1024"),
                                             _openwebui("webui-2", "compose", None)])
    registry = Registry(tuple(_specs_in(_module(), "test")[0]), ())
    report = Runner(registry, Settings(), stack).run()
    got = [(r.check, r.status, r.message, r.location.file if r.location else None) for r in report.results]
    assert got == [
        ("compose.openwebui.size-set", Status.PASS, "webui: 1024x1024", "compose.yml"),
        ("compose.openwebui.size-set", Status.FAIL, "webui-2: no IMAGE_SIZE", "compose.yml"),
        ("cloudformation.openwebui.size-set", Status.SKIP,
         "no Open WebUI container in the CloudFormation templates found", None),
    ]
    assert report.results[1].fix_id == "image-size-unsupported"


def test_a_rule_with_an_unknown_origin_or_role_is_refused_when_it_is_declared() -> None:
    with pytest.raises(ValueError, match="unknown origins"):
        rule(ids={"helm": "helm.x"}, role="openwebui", area="config", title="t")
    with pytest.raises(ValueError, match="unknown role"):
        rule(ids={"compose": "compose.x"}, role="nginx", area="config", title="t")


def test_the_marked_function_still_judges_one_target_when_called_directly() -> None:
    mod = _module()
    assert isinstance(getattr(mod.size_is_set, CHECK_ATTR), tuple)
    result = mod.size_is_set(_openwebui("w", "compose", None), Settings())
    assert result.status is Status.FAIL and result.fix_id == "image-size-unsupported"
