"""Every rule's test cases, as data (tests/rule_cases/<check id>.yaml), run through the real CLI.

One file per check id, not per check module: ids are the stable names users select, skip and read in
the report (modules get split and merged), and a new rule then adds a new file without editing one.
The format and the harness are in tests/rule_case.py, the patch language in tests/stack_patch.py.
The completeness test reads the registry from `canvas-doctor list --json`, so a rule, built in or
from a plugin, cannot land without its cases.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from helpers import clean_env, run_cli
from rule_case import (CASES_DIR, FIXTURE_ROOT, RuleCases, Runner, incomplete, load_all, load_rule_file, problems,
                       terminal_problems)
from stack_patch import PatchError, apply_patch

RULE_FILES = load_all()
CASES = [case for rc in RULE_FILES for case in rc.cases]


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    return Runner(tmp_path_factory.mktemp("rule-cases"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case, runner: Runner) -> None:
    issues = problems(case, runner.run(case))
    assert not issues, f"{case.source.name}::{case.name}:\n" + "\n".join(issues)


FAILING = [case for case in CASES if case.expect]


@pytest.mark.parametrize("case", FAILING, ids=[c.id for c in FAILING])
def test_rule_case_in_the_terminal(case, runner: Runner) -> None:
    issues = terminal_problems(case, runner.run(case, human=True))
    assert not issues, f"{case.source.name}::{case.name}:\n" + "\n".join(issues)


def test_every_rule_has_its_cases() -> None:
    listed = run_cli("list", "--json")
    assert listed.code == 0 and not listed.json["errors"], listed.stdout + listed.stderr
    missing = incomplete(listed.json["checks"], RULE_FILES)
    assert not missing, "\n".join(missing)


def test_the_file_fix_ids_each_come_from_a_case() -> None:
    """Every fix id an offline rule declares is the outcome of at least one case."""
    listed = run_cli("list", "--json").json["checks"]
    declared = {(c["id"], fix) for c in listed if set(c["needs"]) <= {"files"} for fix in c["fixes"]}
    produced = {(f.check, f.fix) for case in CASES for f in case.expect or () if f.status in ("warn", "fail")}
    assert not declared - produced, sorted(declared - produced)


# --- adding a rule: one new file plus one small case, nothing else edited -----------------------------

RULE_MODULE = '''
    """A rule written the way any rule is: one module, found through the entry-point group."""
    from canvas_doctor.api import check, failed, passed


    @check(id="demo.openwebui.secret-key", area="config", title="Open WebUI signs its sessions with its own key",
           fixes=("config-invalid",))
    def secret_key_is_set(stack):
        svc = stack.openwebui
        if svc is None:
            return None
        if not svc.get("WEBUI_SECRET_KEY"):
            return failed("WEBUI_SECRET_KEY is not set for the openwebui service", fix="config-invalid",
                          at=svc.at("WEBUI_SECRET_KEY"))
        return passed("WEBUI_SECRET_KEY is set")
'''

RULE_CASES = '''
    rule: demo.openwebui.secret-key
    cases:
      passes_on_the_healthy_stack:
        base: stacks/healthy
        expect: pass
      fails_without_the_key:
        base: stacks/healthy
        patch:
          - env: {service: openwebui, unset: [WEBUI_SECRET_KEY]}
        expect:
          - {status: fail, fix: config-invalid, file: docker-compose.yml, line: 10, message: WEBUI_SECRET_KEY}
'''


def _install_rule(site: Path) -> dict[str, str]:
    """The new rule's one file, on a PYTHONPATH folder with the entry point a plugin's packaging gives it."""
    site.mkdir()
    (site / "demo_rule.py").write_text(textwrap.dedent(RULE_MODULE))
    info = site / "demo_rule-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-rule\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[canvas_doctor.checks]\ndemo_rule = demo_rule\n")
    return {"PYTHONPATH": str(site)}


def test_adding_a_rule_is_one_file_and_one_case(tmp_path: Path) -> None:
    env = _install_rule(tmp_path / "site")
    cases_dir = tmp_path / "rule_cases"
    cases_dir.mkdir()
    listed = run_cli("list", "--json", env=clean_env(**env)).json["checks"]
    assert "demo.openwebui.secret-key" in {c["id"] for c in listed}
    # Without its case, the completeness test names the new rule, and only it.
    assert incomplete(listed, RULE_FILES) == [
        "demo.openwebui.secret-key: no case file tests/rule_cases/demo.openwebui.secret-key.yaml"]
    (cases_dir / "demo.openwebui.secret-key.yaml").write_text(textwrap.dedent(RULE_CASES))
    demo = load_rule_file(cases_dir / "demo.openwebui.secret-key.yaml")
    assert incomplete(listed, [*RULE_FILES, demo]) == []
    runner = Runner(tmp_path / "work", env)
    for case in demo.cases:
        assert problems(case, runner.run(case)) == [], case.name
    # The harness fails a case that is wrong: the same patch, expected to pass.
    wrong = demo.cases[1].__class__(**{**demo.cases[1].__dict__, "expect": None})
    assert any("should pass" in p for p in problems(wrong, runner.run(wrong)))


def test_case_files_live_in_tests_rule_cases() -> None:
    assert CASES_DIR.is_dir() and RULE_FILES
    assert len({c.id for c in CASES}) == len(CASES)


def test_covered_by_must_name_a_test_that_exists() -> None:
    live = {"id": "litellm.live.reachable", "needs": ["network"], "fixes": []}
    ok = RuleCases("litellm.live.reachable", (), ("tests/test_cli.py::test_exit_codes",))
    gone = RuleCases("litellm.live.reachable", (), ("tests/test_cli.py::test_no_such_test",))
    assert incomplete([live], [ok]) == []
    assert incomplete([live], [gone]) == [
        "litellm.live.reachable: covered_by names tests that do not exist: ['tests/test_cli.py::test_no_such_test']"]
    offline = {"id": "config.files", "needs": ["files"], "fixes": []}
    assert incomplete([offline], [RuleCases("config.files", (), ("tests/test_cli.py::test_exit_codes",))]) == [
        "config.files: no failing case (one where the rule warns or fails)",
        "config.files: no passing case (`expect: pass`)"]


def test_a_patch_changes_only_the_lines_it_names(tmp_path: Path) -> None:
    base = FIXTURE_ROOT / "stacks" / "healthy"
    stack = tmp_path / "s"
    shutil.copytree(base, stack)
    apply_patch(stack, [{"env": {"service": "openwebui", "set": {"IMAGE_SIZE": "512x512"}}},
                        {"yaml": {"file": "litellm-image-config.yaml", "set": {"litellm_settings.drop_params": False}}}])
    before = (base / "docker-compose.yml").read_text().splitlines()
    after = (stack / "docker-compose.yml").read_text().splitlines()
    changed = [(i + 1, a) for i, (b, a) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [(16, "      - IMAGE_SIZE=512x512")]
    assert "  drop_params: false" in (stack / "litellm-image-config.yaml").read_text().splitlines()
    with pytest.raises(PatchError, match="occurs 0 times"):
        apply_patch(stack, [{"replace": {"file": ".env", "old": "no such text", "new": "x"}}])
    with pytest.raises(PatchError, match="takes a mapping of"):
        apply_patch(stack, [{"yaml": {"file": ".env", "sett": {"a": 1}}}])
    with pytest.raises(PatchError, match="no item"):
        apply_patch(stack, [{"yaml": {"file": "litellm-image-config.yaml", "unset": ["model_list[model_name=nope]"]}}])
