"""The Markdown report (and the job summary of `--format github`) names the image a real generation
saved: one InvokeModel on the Bedrock emulator, through the real CLI."""
from __future__ import annotations

from bedrock_helpers import HEALTHY
from helpers import run_cli


def test_markdown_and_the_job_summary_name_the_saved_image(emu, env, tmp_path):
    saved = tmp_path / "direct.png"
    summary = tmp_path / "summary.md"
    args = ["run", "--only", "bedrock,bedrock.generate", "--project", str(HEALTHY), "--bedrock-endpoint", emu.url,
            "--region", "us-east-1", "--save-image", str(saved)]
    markdown = run_cli(*args, "--format", "markdown", env=env, timeout=60)
    assert markdown.code == 0, markdown.stdout + markdown.stderr
    assert saved.is_file() and "### Generated image" in markdown.stdout
    assert f"Saved to `{saved}`" in markdown.stdout
    github = run_cli(*args, "--format", "github", env={**env, "GITHUB_STEP_SUMMARY": str(summary)}, timeout=60)
    assert github.code == 0 and f"Saved to `{saved}`" in summary.read_text(encoding="utf-8")
