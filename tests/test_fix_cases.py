"""`canvas-doctor fix --yes` on a realistic set of broken stacks (the rule cases of tests/rule_cases/, built on
disk from their base stacks and patches): for each, the case's own fault is gone afterwards, no finding is new,
every comment of every file is still there, the change says why its value is right, and no secret lands in a
file that did not hold it. Where the stack offers a real choice, `fix` asks on a terminal or takes --choose.
Every run is the real CLI in a subprocess; the doctor runs offline before and after, as a user would."""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from helpers import REPO, TODAY, CliRun, clean_env, in_terminal, run_cli
from rule_case import CASES_DIR, Case, build_stack, load_rule_file

# case id -> (what the change must say: the value read from the stack and the reason, --choose answers)
FIXABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    # values read from the stack itself (edits/from_stack.py)
    "compose.openwebui.api-base::localhost_is_the_open_webui_container_itself":
        ("set OPENAI_API_BASE_URL=http://litellm:4000/v1 for openwebui: the URL it had points at localhost", ()),
    "compose.openwebui.api-base::the_image_proxy_on_the_chat_proxys_port":
        ("set IMAGES_OPENAI_API_BASE_URL=http://litellm-image:4100/v1 for openwebui: the URL it had uses port 4000, "
         "but the litellm-image service listens on 4100", ()),
    "compose.openwebui.api-key::a_key_that_is_not_the_master_key":
        ("set OPENAI_API_KEY=${LITELLM_MASTER_KEY} for openwebui: the litellm proxy's own key reference", ()),
    "cloudformation.static-credentials::aws_keys_in_plain_environment":
        ("remove AWS_SECRET_ACCESS_KEY from the litellm-image container: the task role (TaskRoleArn: !GetAtt "
         "TaskRole.Arn) gives it AWS access", ()),
    "cloudformation.static-credentials::an_aws_key_from_a_secret_is_a_warning":
        ("remove AWS_ACCESS_KEY_ID from the litellm-image container: the task role", ()),
    "compose.litellm.config-mounted::mounted_beside_the_path_config_reads":
        ("mount ./litellm-image-config.yaml at /app/config.yaml for litellm-image: its command reads --config "
         "/app/config.yaml", ()),
    "litellm.config.image-model-served::open_webui_asks_for_a_name_the_proxy_does_not_serve":
        ("set IMAGE_GENERATION_MODEL=stable-image-core for openwebui: litellm-image-config.yaml serves no "
         "'stable-image'; it serves the image model 'stable-image-core'", ()),
    "litellm.config.image-model-served::image_requests_go_to_the_chat_proxy":
        ("set IMAGES_OPENAI_API_BASE_URL=http://litellm-image:4100/v1 for openwebui: the litellm proxy serves no "
         "'stable-image-core'; the image proxy litellm-image serves it", ()),
    "litellm.config.image-model-served::two_image_models_and_neither_is_the_name_asked_for":
        ("set IMAGE_GENERATION_MODEL=stable-image-core for openwebui", ("litellm-model-not-found=stable-image-core",)),
    "litellm.config.provider::a_provider_prefix_litellm_does_not_know":
        ("stable-image-core: model: bedrock/stability.stable-image-core-v1:1 (LiteLLM knows no provider "
         "'aws-bedrock'; bedrock is the nearest it knows)", ()),
    "litellm.config.region::nova_canvas_is_not_offered_in_us_west_2":
        ("nova-canvas: aws_region_name: us-east-1 (Nova Canvas is not offered in us-west-2 (aws_region_name); "
         "us-east-1 serves it)", ()),
    "litellm.config.region::the_proxys_aws_region_does_not_offer_nova_canvas":
        ("nova-canvas: aws_region_name: eu-west-1 (Nova Canvas is not offered in us-west-2 (AWS_REGION); eu-west-1 "
         "serves it)", ("bedrock-region-unsupported=eu-west-1",)),
    "compose.openwebui.image-size::a_size_titan_does_not_list":
        ("set IMAGE_SIZE=1024x1024 for openwebui: Titan Image Generator v2 rejects 1000x1000", ()),
    "compose.openwebui.image-size::a_size_nova_canvas_refuses":
        ("set IMAGE_SIZE=1008x1008 for openwebui: Nova Canvas rejects 1000x1000 (each side must be a multiple of 16); "
         "1008x1008 is the nearest size it accepts", ()),
    "compose.openwebui.images-api::no_image_key_beside_a_literal_openai_key":
        ("add IMAGES_OPENAI_API_KEY=${LITELLM_MASTER_KEY} for openwebui", ()),
    "cloudformation.openwebui.images-api::no_image_key_beside_a_literal_openai_key":
        ("add IMAGES_OPENAI_API_KEY to openwebui's Secrets, from the same source as litellm-image's "
         "LITELLM_MASTER_KEY (OPENAI_API_KEY is written literally) (!Ref LiteLLMMasterKeySecretArn", ()),
    # the edits `fix` made before (edits/planner.py): the same guarantees
    "compose.openwebui.images-api::image_requests_go_to_the_chat_proxy":
        ("add IMAGES_OPENAI_API_BASE_URL=http://litellm-image:4100/v1 for openwebui", ()),
    "cloudformation.openwebui.images-api::image_requests_go_to_openai":
        ("add IMAGES_OPENAI_API_BASE_URL=http://localhost:4100/v1 for openwebui", ()),
    "compose.openwebui.image-model::unset_open_webui_asks_for_dall_e_2": ("IMAGE_GENERATION_MODEL=", ()),
    "compose.openwebui.image-generation::yes_is_not_true_to_open_webui": ("ENABLE_IMAGE_GENERATION=True", ()),
    "litellm.config.drop-params::drop_params_false": ("set litellm_settings.drop_params: true", ()),
    "litellm.config.image-stream::stream_false_as_the_guide_says": ("remove `stream: false`", ()),
    "litellm.config.provisioned-model::a_provisioned_arn_as_model": ("model_info.mode: image_generation", ()),
}

SECRET_SHAPES = re.compile(r"\b(?:sk-[\w-]{8,}|AKIA[0-9A-Z]{16}|ABSK\w{16,}|wJalr\S{20,})")


def _case(case_id: str) -> Case:
    rule, _, name = case_id.partition("::")
    [case] = [c for c in load_rule_file(CASES_DIR / f"{rule}.yaml").cases if c.name == name]
    return case


def _today(case: Case) -> str:
    args = list(case.args)
    return args[args.index("--today") + 1] if "--today" in args else TODAY


def _env(case: Case) -> dict[str, str]:
    return clean_env(CANVAS_DOCTOR_TODAY=_today(case), COLUMNS="400")


def doctor(case: Case, project: Path) -> set[tuple]:
    """The findings of `canvas-doctor run --offline`, by (check, status, fix id, file)."""
    run = run_cli("run", "--offline", "--json", "--project", str(project), "--today", _today(case), env=_env(case))
    return {(r["check"], r["status"], r["fix"]["id"] if r.get("fix") else None, (r.get("location") or {}).get("file"))
            for r in run.json["results"] if r["status"] in ("warn", "fail", "error")}


def fix(project: Path, *args: str, env: dict[str, str]) -> CliRun:
    proc = subprocess.run([sys.executable, "-m", "canvas_doctor", "fix", *args, "--project", str(project)],
                          input="", capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


def texts(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file()}


def comments(text: str) -> Counter:
    """Every YAML/.env comment: a line's text from a `#` that starts it or follows a blank."""
    return Counter(m.group(1).strip() for line in text.splitlines() if (m := re.search(r"(?:^|\s)(#.*)$", line)))


def secrets(files: dict[str, str]) -> set[str]:
    found = {v.strip() for text in files.values() for v in re.findall(r"^[A-Z_]*KEY[A-Z_]*=(.+)$", text, re.M)
             if v.strip() and "$" not in v}
    return found | {m.group(0) for text in files.values() for m in SECRET_SHAPES.finditer(text)}


def _change_lines(out: str) -> list[str]:
    return out.split("Changes:\n", 1)[1].split("\nWrote ", 1)[0].splitlines() if "Changes:\n" in out else []


@pytest.mark.parametrize("case_id", sorted(FIXABLE))
def test_fix_yes_removes_the_fault_and_only_the_fault(case_id, tmp_path):
    case = _case(case_id)
    project = build_stack(case, tmp_path / "stack")
    before = doctor(case, project)
    own = {f for f in before if f[0] == case.rule and f[1] in ("warn", "fail")}
    assert own, f"the case has no finding of its own rule: {before}"
    files_before = texts(project)
    reason, answers = FIXABLE[case_id]
    run = fix(project, "--yes", *[a for answer in answers for a in ("--choose", answer)], env=_env(case))
    other_failures = {f for f in before - own if f[1] == "fail"}
    assert run.code == (1 if other_failures else 0), run.stdout + run.stderr

    after = doctor(case, project)
    assert not own & after, f"still there: {own & after}\n{run.stdout}"
    assert after <= before, f"new findings: {after - before}\n{run.stdout}"
    # the change says what it writes and why (on the "Changes:" list, under the case's fix id)
    fix_ids = {f[2] for f in own}
    lines = [line for line in _change_lines(run.stdout) if any(f"[{i}]" in line for i in fix_ids)]
    assert any(reason in line for line in lines), f"{reason!r} not in {lines}"
    files_after = texts(project)
    for name, text in files_before.items():
        assert not comments(text) - comments(files_after.get(name, "")), f"{name} lost a comment"
    for name, text in files_after.items():
        leaked = {s for s in secrets(files_before) if s in text and s not in files_before.get(name, "")}
        assert not leaked, f"{name} now holds a secret it did not hold"
    assert files_after != files_before


def test_the_key_is_never_copied_when_the_proxy_writes_it_literally(tmp_path):
    """The proxy's master key is a literal in the compose file: `fix` writes no key, says why, changes nothing."""
    case = _case("compose.openwebui.api-key::the_proxy_key_is_a_literal_too")
    project = build_stack(case, tmp_path / "stack")
    files = texts(project)
    run = fix(project, "--yes", env=_env(case))
    assert run.code == 1
    assert "Nothing to change automatically." in run.stdout
    assert "a key is never written into a file" in run.stdout
    assert "not automatic: see canvas-doctor explain openwebui-api-key-mismatch" in run.stdout
    assert "sk-chat-master-literal-0042" not in run.stdout + run.stderr
    assert texts(project) == files


TWO_MODELS = "litellm.config.image-model-served::two_image_models_and_neither_is_the_name_asked_for"


def test_an_open_choice_is_named_with_the_choose_that_answers_it(tmp_path):
    case = _case(TWO_MODELS)
    project = build_stack(case, tmp_path / "stack")
    files = texts(project)
    run = fix(project, "--yes", env=_env(case))
    assert run.code == 1
    assert "Open choices (nothing planned for them):" in run.stdout
    assert "choose one of: stable-image-core, stable-image-ultra" in run.stdout
    assert "--choose litellm-model-not-found=stable-image-core" in run.stdout
    assert texts(project) == files


def test_a_choice_outside_the_options_is_refused_and_a_malformed_one_is_a_usage_error(tmp_path):
    case = _case(TWO_MODELS)
    project = build_stack(case, tmp_path / "stack")
    files = texts(project)
    run = fix(project, "--yes", "--choose", "litellm-model-not-found=dall-e-3", env=_env(case))
    assert run.code == 1
    assert "--choose litellm-model-not-found=dall-e-3: dall-e-3 is not one of stable-image-core, stable-image-ultra" \
        in run.stdout
    bad = fix(project, "--yes", "--choose", "litellm-model-not-found", env=_env(case))
    assert bad.code == 2
    assert "FIX_ID=VALUE" in bad.stderr
    stray = fix(project, "--dry-run", "--choose", "no-such-fix=x", env=_env(case))
    assert "no finding has the fix id no-such-fix" in stray.stderr
    assert texts(project) == files


def test_on_a_terminal_fix_asks_which_model(tmp_path):
    case = _case(TWO_MODELS)
    project = build_stack(case, tmp_path / "stack")
    env = {**_env(case), "TERM": "dumb"}
    code, out = in_terminal(["fix", "--project", str(project)], [(b"Choose 1-2", "2"), (b"[y/N]", "n")], env)
    assert "1. stable-image-core" in out and "2. stable-image-ultra" in out
    assert "+      - IMAGE_GENERATION_MODEL=stable-image-ultra" in out
    assert code == 1, out  # declined: nothing written
    assert "IMAGE_GENERATION_MODEL=stable-image\n" in (project / "docker-compose.yml").read_text()
    code, out = in_terminal(["fix", "--project", str(project)], [(b"Choose 1-2", "1"), (b"[y/N]", "y")], env)
    assert code == 0, out
    assert "IMAGE_GENERATION_MODEL=stable-image-core\n" in (project / "docker-compose.yml").read_text()
    assert not doctor(case, project)
