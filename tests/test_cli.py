"""The command line as the contract describes it: commands, options, environment variables, exit codes."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FIXTURES, clean_env, run_cli
from rule_case import case_stack


@pytest.fixture
def stream_true(tmp_path: Path) -> Path:
    return case_stack("litellm.config.image-stream", "stream_true", tmp_path / "stream-true")


@pytest.fixture
def stream_false(tmp_path: Path) -> Path:
    return case_stack("litellm.config.image-stream", "stream_false_as_the_guide_says", tmp_path / "stream-false")


def test_bare_command_runs_in_the_current_folder(stream_true: Path) -> None:
    run = run_cli(cwd=stream_true, env=clean_env(CANVAS_DOCTOR_OFFLINE="1"))
    assert run.code == 1 and "litellm-stream-enabled" in run.stdout


def test_exit_codes(stream_false: Path) -> None:
    assert run_cli("--offline", "--project", str(FIXTURES / "healthy")).code == 0
    assert run_cli("--offline", "--project", str(stream_false)).code == 1
    assert run_cli("--offline", "--no-such-option").code == 2
    assert run_cli("--offline", "--project", "/definitely/not/here").code == 2


def test_strict_makes_warnings_fail(tmp_path: Path) -> None:
    stack = str(case_stack("compose.openwebui.automatic-generation", "the_variable_does_nothing_a_warning_only",
                           tmp_path / "automatic-generation-on"))
    assert run_cli("--offline", "--project", stack).code == 0
    assert run_cli("--offline", "--strict", "--project", stack).code == 1


def test_options_read_from_environment_variables(stream_false: Path) -> None:
    env = clean_env(CANVAS_DOCTOR_PROJECT=str(stream_false), CANVAS_DOCTOR_JSON="1",
                    CANVAS_DOCTOR_OFFLINE="true", CANVAS_DOCTOR_ONLY="litellm.config.image-stream")
    run = run_cli(env=env)
    assert run.code == 1
    assert {r["check"] for r in run.json["results"]} == {"litellm.config.image-stream"}


def test_only_and_skip_take_ids_areas_and_globs() -> None:
    stack = str(FIXTURES / "guide-as-written")
    only = run_cli("--offline", "--json", "--project", stack, "--only", "litellm.config.*")
    assert {r["check"].rsplit(".", 1)[0] for r in only.json["results"]} == {"litellm.config"}
    skipped = run_cli("--offline", "--json", "--project", stack, "--skip", "config")
    assert all(r["area"] != "config" for r in skipped.json["results"])
    both = run_cli("--offline", "--json", "--project", stack, "--only", "config", "--skip", "compose.*,cloudformation.*")
    assert both.json["results"] and all(not r["check"].startswith(("compose.", "cloudformation.")) for r in both.json["results"])


def test_list_shows_every_check_with_area_and_needs() -> None:
    run = run_cli("list", "--json")
    checks = {c["id"]: c for c in run.json["checks"]}
    assert checks["compose.openwebui.image-model"]["area"] == "config"
    assert checks["compose.openwebui.image-model"]["needs"] == ["files"]
    assert not run.json["errors"]
    plain = run_cli("list")
    assert "compose.openwebui.image-model" in plain.stdout


def test_explain_prints_the_whole_fix() -> None:
    run = run_cli("explain", "litellm-stream-key-rejected")
    assert run.code == 0
    assert "extraneous key [stream]" in run.stdout
    assert 'Error: "Streaming not supported for image models"' in run.stdout
    bad = run_cli("explain", "litellm-stream")
    assert bad.code == 2 and "litellm-stream-enabled" in bad.stderr


def test_every_contract_fix_id_can_be_explained() -> None:
    import re
    contract = Path(__file__).resolve().parents[2] / "shared" / "contract.md"  # ../shared beside the checkout
    ids = set(re.findall(r"^\| `([a-z][a-z0-9-]+)` \|", contract.read_text(), re.M)) if contract.exists() else set()
    from canvas_doctor.fixes import catalog
    assert ids <= set(catalog()), sorted(ids - set(catalog()))
    assert len(catalog()) >= 38


def test_offline_run_says_which_live_areas_were_not_probed() -> None:
    run = run_cli("--project", str(FIXTURES / "healthy"), "--offline")
    assert "not probed" in run.stdout


def test_version() -> None:
    run = run_cli("--version")
    assert run.code == 0 and run.stdout.strip() == "canvas-doctor 0.1.0"


def test_explain_leaves_no_raw_placeholder_in_any_fix() -> None:
    import re
    from canvas_doctor.fixes import catalog
    for fix_id in catalog():
        out = run_cli("explain", fix_id).stdout
        assert not re.search(r"\{[a-z_]+\}", out), (fix_id, out)


# -- a strict command line: a typo in CI is a usage error (exit 2), never a false green ----------------

HEALTHY = str(FIXTURES / "healthy")


def test_only_or_skip_token_that_selects_no_check_is_a_usage_error() -> None:
    only = run_cli("--offline", "--json", "--project", HEALTHY, "--only", "bogus.check")
    assert only.code == 2 and only.stdout == ""  # no report: nothing ran
    assert "'bogus.check' selects no check" in only.stderr and "--only" in only.stderr
    assert "canvas-doctor list" in only.stderr  # nothing close: where to look instead
    skip = run_cli("--offline", "--json", "--project", HEALTHY, "--skip", "confg")
    assert skip.code == 2 and "'confg' selects no check" in skip.stderr and "Did you mean: config?" in skip.stderr
    # one bad token among good ones is enough; globs are judged by what they match
    mixed = run_cli("--offline", "--project", HEALTHY, "--only", "config,litellm.confg.*")
    assert mixed.code == 2 and "'litellm.confg.*' selects no check" in mixed.stderr
    assert "litellm.config." in mixed.stderr.split("Did you mean:")[1]
    typo = run_cli("--offline", "--project", HEALTHY, "--skip", "compose.openwebui.image-modle")
    assert typo.code == 2 and "compose.openwebui.image-model" in typo.stderr


def test_selection_from_the_environment_is_held_to_the_same_rule() -> None:
    run = run_cli(env=clean_env(CANVAS_DOCTOR_PROJECT=HEALTHY, CANVAS_DOCTOR_OFFLINE="1",
                                CANVAS_DOCTOR_SKIP="docker,bedrok"))
    assert run.code == 2 and "'bedrok' selects no check" in run.stderr and "CANVAS_DOCTOR_SKIP" in run.stderr


def test_only_and_skip_that_leave_nothing_are_a_usage_error() -> None:
    run = run_cli("--offline", "--project", HEALTHY, "--only", "litellm.config.*", "--skip", "config")
    assert run.code == 2 and "leaves no check to run" in run.stderr
    everything = run_cli("--offline", "--project", HEALTHY, "--skip", "config,litellm,openwebui,docker,bedrock,generate,aws")
    assert everything.code == 2 and "leaves no check to run" in everything.stderr


def test_valid_selections_stay_quiet() -> None:
    # areas whose checks the run then skips (--offline) are still valid selections
    for args in (["--skip", "docker"], ["--only", "docker,config"], ["--only", "bedrock.*"],
                 ["--only", "config", "--skip", "compose.*"], ["--only", "generate.image"]):
        run = run_cli("--offline", "--json", "--project", HEALTHY, *args)
        assert run.code == 0, (args, run.stderr)
        assert run.stderr == ""


def test_unwritable_output_files_are_usage_errors_found_before_the_run(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    cases = [("--junit", str(a_file / "junit.xml"), "is not a folder"),
             ("--junit", str(tmp_path), "is a directory"),
             ("--save-image", str(a_file / "deep" / "image.png"), "is not a folder")]
    if Path("/proc/self").is_dir():  # a folder nobody may create files in, not even root
        cases.append(("--junit", "/proc/canvas-doctor-junit.xml", "cannot write in /proc"))
    for option, path, words in cases:
        run = run_cli("--offline", "--json", "--project", HEALTHY, option, path)
        assert run.code == 2, (option, path, run.stderr)
        assert run.stdout == "", "the run must not start"
        assert option in run.stderr and words in run.stderr, run.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # the probes leave nothing behind
    assert a_file.read_text() == "x"


def test_writable_output_files_are_written_and_probes_leave_nothing(tmp_path: Path) -> None:
    junit = tmp_path / "reports" / "ci" / "junit.xml"  # folders a fresh CI checkout lacks
    run = run_cli("--offline", "--project", HEALTHY, "--junit", str(junit))
    assert run.code == 0 and junit.read_text().startswith("<?xml")
    # an existing file is probed without being changed; a usage error elsewhere then stops the run
    junit.write_text("old")
    bad = run_cli("--offline", "--project", HEALTHY, "--junit", str(junit), "--only", "nothing-like-this")
    assert bad.code == 2 and junit.read_text() == "old"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["ci", "junit.xml", "reports"]


def test_list_shows_fix_ids_and_order_of_each_check() -> None:
    run = run_cli("list", "--json")
    checks = {c["id"]: c for c in run.json["checks"]}
    key = checks["litellm.live.key"]
    assert key["depends_on"] == ["litellm.live.reachable"] and key["after"] == []
    assert "openwebui-api-key-mismatch" in key["fixes"]
    assert checks["bedrock.generate"]["after"] == ["bedrock.model-access", "bedrock.model-lifecycle", "generate.image"]
    assert checks["litellm.config.image-stream"]["fixes"] == ["litellm-stream-enabled", "litellm-stream-key-rejected"]
    plain = run_cli("list").stdout
    block = plain.split("litellm.live.key", 1)[1].split("litellm.live.image-model", 1)[0]
    assert "depends on: litellm.live.reachable" in block and "openwebui-api-key-mismatch" in block
    assert "runs after: bedrock.model-access, bedrock.model-lifecycle, generate.image" in plain
    assert "fixes: config-invalid" in plain


def test_explain_a_check_id() -> None:
    run = run_cli("explain", "litellm.config.image-stream")
    assert run.code == 0, run.stderr
    out = run.stdout
    assert out.startswith("litellm.config.image-stream: Image models carry no `stream` key")
    assert "area: config" in out and "needs: files" in out
    assert "LiteLLM 1.108.7 forwards any `stream`" in out  # the check's docstring
    fixes = out.split("Fixes it can give", 1)[1]
    assert "litellm-stream-enabled       Do not stream an image model" in fixes  # each fix id with its title
    assert "litellm-stream-key-rejected  Remove the `stream` key from the image model" in fixes
    assert "canvas-doctor explain FIX_ID" in out
    dep = run_cli("explain", "generate.image").stdout
    assert "Runs when these pass (else it is skipped): litellm.live.image-model" in dep
    assert "needs: network, paid" in dep


def test_explain_unknown_name_offers_fix_ids_and_check_ids() -> None:
    check_typo = run_cli("explain", "litellm.config.image-strem")
    assert check_typo.code == 2 and "litellm.config.image-stream" in check_typo.stderr
    assert "neither a fix id nor a check id" in check_typo.stderr
    nothing = run_cli("explain", "zzzz")
    assert nothing.code == 2 and "canvas-doctor list" in nothing.stderr


def test_top_level_help_shows_the_common_options_of_run() -> None:
    """`canvas-doctor --help` is where a new user looks: it lists run's everyday options (run is the default)."""
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "canvas_doctor", "--help"],
                          capture_output=True, text=True, env=clean_env(), timeout=60)
    assert proc.returncode == 0
    _, _, options = proc.stdout.partition("Options of run, the default command (all of them: run --help):\n")
    shown = [line.split()[0].rstrip(",") for line in options.splitlines() if line.startswith("  -")]
    assert shown == ["--project", "-f", "--offline", "--no-live", "--only", "--skip", "--litellm-url",
                     "--openwebui-url", "--json", "--format", "--strict", "-v"]
    assert "  --offline                Files only: no network, Docker or AWS.\n" in proc.stdout
    assert "  list     Every check: its area, needs, order and fix ids.\n" in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert not {"rich", "canvas_doctor.registry", "canvas_doctor.app", "boto3", "docker"} & imported  # stays fast


def test_list_fits_an_80_column_terminal_and_each_check_reads_as_a_block() -> None:
    run = run_cli("list", env=clean_env(COLUMNS="80"))
    lines = run.stdout.splitlines()
    assert run.code == 0 and max(len(line) for line in lines) <= 80
    assert not [line for line in lines if line != line.rstrip()]
    i = lines.index("litellm.live.key  (litellm; needs network)")
    assert lines[i + 1:i + 5] == ["    The proxy accepts the key", "    depends on: litellm.live.reachable",
                                  "    fixes: openwebui-api-key-mismatch, litellm-config-stale,",
                                  "           container-env-stale, litellm-unhealthy, litellm-unreachable"]
    assert run.stdout.count("\n    fixes: ") == len(run_cli("list", "--json").json["checks"])


def test_explain_wraps_to_the_terminal_width_with_hanging_indents() -> None:
    run = run_cli("explain", "litellm-stream-key-rejected", env=clean_env(COLUMNS="80"))
    lines = run.stdout.splitlines()
    assert run.code == 0 and max(len(line) for line in lines) <= 80
    assert lines[:2] == ["litellm-stream-key-rejected: Remove the `stream` key from the image model (the",
                         "                             guide's `stream: false` too)"]
    assert run.stdout.split() == run_cli("explain", "litellm-stream-key-rejected").stdout.split()
