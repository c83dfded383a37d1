"""A rule is one object in one module: its checks, its fixes (texts, params, automatic edit), its
former ids. The entry-point groups for rules, inputs and reporters load tolerantly and are checked
when they load; the built-in ones go through the same groups a plugin uses."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import FIXTURES, clean_env, run_cli

HEALTHY = str(FIXTURES / "healthy")


def install(tmp_path: Path, files: dict[str, str], entry_points: str) -> dict[str, str]:
    """A distribution on a PYTHONPATH folder: its files and its entry_points.txt."""
    site = tmp_path / "site"
    for name, source in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    info = site / "rules_plugin-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rules-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    return clean_env(PYTHONPATH=str(site))


# -- the Fix declaration ---------------------------------------------------------------------------
def test_a_fix_text_naming_an_undeclared_param_is_refused_when_declared() -> None:
    from canvas_doctor.fixes import Fix, OneOf
    with pytest.raises(ValueError, match=r"name \['modle'\], which are not in its params \(model\)"):
        Fix(id="x-typo", title="Set {modle}", steps=("Add {model}",), params=("model",))
    with pytest.raises(ValueError, match="last alternative but needs \\['widget'\\]"):
        Fix(id="x-nofallback", title=OneOf("Set {widget}"), params=("widget",))
    with pytest.raises(ValueError, match="steps must be a tuple"):
        Fix(id="x-steps", title="t", steps="one string")
    with pytest.raises(ValueError, match="unknown languages \\['helm'\\]"):
        from canvas_doctor.fixes import Variant
        Fix(id="x-lang", title="t", variants={"helm": Variant(snippet="x")})
    ok = Fix(id="x-fine", title="Set {model} in {file}", steps=("{recreate}",), params=("model", "file"))
    assert ok.id == "x-fine"  # {service} and {template} of the phrase are derived by the runner


def test_every_builtin_fix_is_declared_once_in_the_module_of_a_rule_that_gives_it() -> None:
    from canvas_doctor.fixes import Fix
    from canvas_doctor.registry import load_registry
    registry = load_registry()
    assert not registry.errors
    for fix_id, fix in registry.fixes.items():
        owner = next(n for n, v in vars(sys.modules[_owner_module(fix)]).items() if v is fix)
        assert owner == fix_id.upper().replace("-", "_")
        givers = [c for c in registry.checks if fix_id in c.fixes]
        assert givers and all(c.fix_decl(fix_id) is fix for c in givers)
        assert isinstance(fix, Fix)


def _owner_module(fix) -> str:
    """The check module whose source declares the fix (others import the same object)."""
    import canvas_doctor.checks as pkg
    for path in Path(pkg.__path__[0]).glob("*.py"):
        if f'    id="{fix.id}",' in path.read_text():
            return f"canvas_doctor.checks.{path.stem}"
    raise AssertionError(f"{fix.id} is declared in no check module")


def test_automatic_edits_are_declared_by_their_fixes_and_resolve() -> None:
    from canvas_doctor.edits import from_stack, planner
    from canvas_doctor.fixes import catalog
    automatic = {fix_id: fix.planner() for fix_id, fix in catalog().items() if fix.edit}
    assert set(automatic) == {
        "litellm-stream-key-rejected", "litellm-stream-enabled", "litellm-api-base-invalid", "litellm-drop-params-off",
        "litellm-provisioned-model-format", "bedrock-inference-profile-required", "openwebui-image-model-unset",
        "openwebui-image-generation-disabled", "openwebui-image-engine-not-openai",
        "openwebui-images-api-base-unset", "openwebui-automatic-generation-on", "bedrock-model-end-of-life",
        # values read from the stack itself (edits/from_stack.py)
        "openwebui-api-base-wrong", "openwebui-api-key-mismatch", "production-static-credentials",
        "litellm-config-not-mounted", "litellm-model-not-found", "litellm-provider-invalid",
        "bedrock-region-unsupported", "image-size-unsupported"}
    assert automatic["litellm-stream-enabled"] is planner.plan_stream
    assert automatic["image-size-unsupported"] is from_stack.plan_image_size
    assert all(callable(f) and f.__module__ in (planner.__name__, from_stack.__name__) for f in automatic.values())


def test_the_fix_texts_live_in_the_rules_not_in_a_catalog_file() -> None:
    import canvas_doctor
    assert not (Path(canvas_doctor.__file__).parent / "fixes.yaml").exists()


# -- a plugin's rules: Fix objects, package entry points, load-time checks -----------------------
PLUGIN_RULE = '''
    from canvas_doctor.api import Fix, OneOf, check, failed

    WIDGET_MISSING = Fix(
        id="widget-missing",
        title="Add the widget to {file}",
        cause=OneOf("Without a widget the stack {how}.", "Without a widget the stack fails."),
        steps=(OneOf("Add widget: {widget} to {file}", "Add a widget to {file}"), "{recreate}"),
        params=("file", "widget", "how"),
    )

    @check(id="widgets.present", area="config", title="The stack has a widget",
           fixes=(WIDGET_MISSING, "config-invalid"), aliases=("widget.exists",))
    def widget_present(stack):
        """A stack needs a widget.

        The widget is what this plugin's users care about."""
        return failed("no widget", fix=WIDGET_MISSING, params={"file": "docker-compose.yml", "how": "sulks"})
'''


def test_a_package_of_rules_loads_every_module_and_its_fixes_render(tmp_path: Path) -> None:
    env = install(tmp_path, {
        "widgets/__init__.py": "",
        "widgets/present.py": PLUGIN_RULE,
        "widgets/broken.py": "import no_such_module_anywhere\n",
        "widgets/uses.py": '''
            from canvas_doctor.api import check, warned
            from widgets.present import WIDGET_MISSING

            @check(id="widgets.used", area="config", title="Widgets are used", fixes=(WIDGET_MISSING,))
            def widget_used(stack):
                return warned("unused", fix=WIDGET_MISSING, params={"widget": "gear", "file": "compose.yaml"})
        ''',
    }, "[canvas_doctor.checks]\nwidgets = widgets\n")
    run = run_cli("--offline", "--json", "--project", HEALTHY, env=env)
    [present] = run.results("widgets.present")
    assert present["status"] == "fail" and present["fix"]["id"] == "widget-missing"
    assert present["fix"]["steps"][0] == "Add a widget to docker-compose.yml"
    assert present["fix"]["steps"][1] == "Recreate the containers: docker compose up -d"
    [used] = run.results("widgets.used")
    assert used["fix"]["steps"][0] == "Add widget: gear to compose.yaml"
    [broken] = run.results("plugin.widgets.widgets.broken")
    assert broken["status"] == "error" and "ModuleNotFoundError" in broken["message"]
    assert run.code == 1 and run.json["summary"]["pass"] > 10  # the built-in rules ran beside it
    explained = run_cli("explain", "widget-missing", env=env)
    assert explained.code == 0 and "Without a widget the stack <how>." in explained.stdout


def test_a_renamed_check_keeps_its_former_id(tmp_path: Path) -> None:
    env = install(tmp_path, {"widget_rules.py": PLUGIN_RULE}, "[canvas_doctor.checks]\nwidgets = widget_rules\n")
    only = run_cli("--offline", "--json", "--project", HEALTHY, "--only", "widget.exists", env=env)
    assert [r["check"] for r in only.json["results"]] == ["widgets.present"]
    assert "--only widget.exists: the check was renamed to widgets.present" in only.stderr
    skip = run_cli("--offline", "--json", "--project", HEALTHY, "--skip", "widget.exists", env=env)
    assert skip.code == 0 and not skip.results("widgets.present")
    explained = run_cli("explain", "widget.exists", env=env)
    assert explained.code == 0 and "widget.exists was renamed to widgets.present" in explained.stderr
    assert "A stack needs a widget." in explained.stdout and "formerly: widget.exists" in explained.stdout
    assert "widget-missing  Add the widget to <file>" in explained.stdout
    listed = run_cli("list", "--json", env=env)
    [row] = [c for c in listed.json["checks"] if c["id"] == "widgets.present"]
    assert row["aliases"] == ["widget.exists"] and row["fixes"] == ["widget-missing", "config-invalid"]


def test_a_plugin_fix_with_an_undeclared_param_is_a_load_error(tmp_path: Path) -> None:
    env = install(tmp_path, {"typo_rules.py": PLUGIN_RULE.replace('params=("file", "widget", "how")',
                                                                  'params=("file", "widget")')},
                  "[canvas_doctor.checks]\ntypo = typo_rules\n")
    run = run_cli("--offline", "--json", "--project", HEALTHY, env=env)
    assert run.code == 3
    [r] = run.results("plugin.typo")
    assert r["status"] == "error" and "fix 'widget-missing': its texts name ['how']" in r["message"]


def test_one_fix_id_declared_twice_is_a_load_error(tmp_path: Path) -> None:
    env = install(tmp_path, {"aaa_rules.py": '''
        from canvas_doctor.api import Fix, check, passed

        MINE = Fix(id="config-invalid", title="Not the built-in one")

        @check(id="twice.check", area="config", title="Reuses a built-in fix id", fixes=(MINE,))
        def twice(stack):
            return passed("ok")
    '''}, "[canvas_doctor.checks]\naaa = aaa_rules\n")
    run = run_cli("--offline", "--json", "--project", HEALTHY, env=env)
    [r] = run.results("plugin.aaa")
    assert "fix id 'config-invalid' is declared twice" in r["message"]
    assert not run.results("twice.check")
    assert run.results("config.files")[0]["status"] == "pass"  # the built-in rule keeps its fix


# -- inputs and reporters are entry points too -----------------------------------------------------
def test_a_plugin_input_is_injected_and_a_plugin_reporter_is_a_format(tmp_path: Path) -> None:
    env = install(tmp_path, {"extras.py": '''
        from canvas_doctor.api import check, passed

        def clock(inputs):
            return f"the clock of {inputs.settings.project.name}"

        def plain(report, stream, options):
            for r in report.results:
                stream.write(f"{r.status.value} {r.check}\\n")

        @check(id="extras.clock", area="config", title="Asks for a plugin's input")
        def uses_clock(stack, clock):
            return passed(clock)
    ''', "broken_reporter.py": "raise ImportError('reporter broke')\n"},
        "[canvas_doctor.checks]\nextras = extras\n[canvas_doctor.inputs]\nclock = extras:clock\n"
        "[canvas_doctor.reporters]\nplain = extras:plain\nbroken = broken_reporter:report\n")
    run = run_cli("--offline", "--json", "--project", HEALTHY, env=env)
    [r] = run.results("extras.clock")
    assert r["status"] == "pass" and r["message"] == "the clock of healthy"
    plain = run_cli("--offline", "--format", "plain", "--project", HEALTHY, env=env)
    assert plain.code == 0 and "pass extras.clock\n" in plain.stdout and "pass config.files\n" in plain.stdout
    unknown = run_cli("--offline", "--format", "plian", "--project", HEALTHY, env=env)
    assert unknown.code == 2 and unknown.stdout == ""
    assert "'plian' is not a report format; one of broken, github, human, json, junit, markdown, plain, sarif" in unknown.stderr
    assert "did you mean 'plain'?" in unknown.stderr
    broken = run_cli("--offline", "--format", "broken", "--project", HEALTHY, env=env)
    assert broken.code == 3 and "the reporter 'broken' (broken_reporter:report) could not be loaded" in broken.stderr


def test_builtin_formats_json_and_junit_print_their_report() -> None:
    as_json = run_cli("--offline", "--format", "json", "--project", HEALTHY)
    assert as_json.code == 0 and as_json.json == {**as_json.json, "schema_version": 1}
    junit = run_cli("--offline", "--format", "junit", "--project", HEALTHY)
    assert junit.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="canvas-doctor"')
    both = run_cli("--offline", "--json", "--format", "junit", "--project", HEALTHY)
    assert both.code == 2 and "two reports on stdout" in both.stderr


def test_help_reads_no_entry_point_and_imports_no_rule() -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "canvas_doctor", "run", "--help"],
                          capture_output=True, text=True, env=clean_env())
    assert proc.returncode == 0 and "--format" in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert not {"canvas_doctor.plugins", "canvas_doctor.registry", "canvas_doctor.fixes", "rich"} & imported
    assert not any(m.startswith("canvas_doctor.checks") for m in imported)


def test_every_built_in_rule_explains_itself() -> None:
    """`canvas-doctor explain ID` renders the rule's docstring: each built-in rule has one."""
    import inspect

    from canvas_doctor.registry import load_registry
    missing = [s.id for s in load_registry().checks
               if s.source.startswith("canvas_doctor.") and not (inspect.unwrap(s.func).__doc__ or "").strip()]
    assert not missing
