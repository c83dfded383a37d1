"""The README's first command, end to end, with nothing of AWS needed:

    python -m testbed.walkthrough [OUT_DIR]
    python -m testbed.walkthrough --serve [OUT_DIR]   # start the sandbox and keep it up

1. copies the guide's Nova Canvas stack (fixtures/pre-eol/healthy-nova-canvas: the bundled sample as
   it was, a chat proxy and an image proxy with Nova Canvas and Titan Image v2 in us-east-1) to
   OUT_DIR/project, each deployment's Bedrock endpoint set to the project's Bedrock emulator (which
   follows Bedrock today: both models are past their end of life) and each proxy's port to a free one;
2. starts the emulator and both real LiteLLM 1.108.7 proxies on 127.0.0.1, as processes;
3. runs `canvas-doctor run` on it as of today: bedrock-model-end-of-life, in the files and in
   Bedrock's own answer, with the way out;
4. applies `canvas-doctor fix --yes` (the deployment moves to Stable Image Core in us-west-2),
   restarts the image proxy and runs the doctor again: all green, with the generated image saved
   in OUT_DIR.

Open WebUI and Docker are not part of this sandbox (the proxies run as processes, not
containers), so those two areas are skipped here with --skip.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import yaml

from canvas_doctor_emulator import BedrockEmulator
from canvas_doctor.stack.envfile import parse_env_file
from .litellm import LiteLLMProxy, start_litellm
from .process import REPO, free_port, interrupt_on_sigterm, run_until_interrupted

SAMPLE = REPO / "fixtures" / "pre-eol" / "healthy-nova-canvas"   # the guide's Nova Canvas stack
SKIP = "docker,openwebui"
PROXIES = {"litellm": ("litellm-config.yaml", 4000), "litellm-image": ("litellm-image-config.yaml", 4100)}


def _copy_sample(project: Path, emulator_url: str, ports: dict[str, int]) -> None:
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("expected.yaml"))
    compose = (project / "docker-compose.yml").read_text()
    for name, (config_name, container_port) in PROXIES.items():
        compose = re.sub(rf'"{container_port}:{container_port}"', f'"{ports[name]}:{container_port}"', compose)
        config = project / config_name
        data = yaml.safe_load(config.read_text())
        for entry in data["model_list"]:
            entry["litellm_params"]["aws_bedrock_runtime_endpoint"] = emulator_url
        config.write_text(f"# The sample stack, with Bedrock on the project's emulator ({emulator_url}).\n"
                          + yaml.safe_dump(data, sort_keys=False))
    (project / "docker-compose.yml").write_text(compose)


def _start(project: Path, name: str, port: int, out: Path) -> LiteLLMProxy:
    env = parse_env_file(project / ".env").values
    settings = {"LITELLM_MASTER_KEY": env["LITELLM_MASTER_KEY"],
                "AWS_BEARER_TOKEN_BEDROCK": env["AWS_BEARER_TOKEN_BEDROCK"]}
    return start_litellm(project / PROXIES[name][0], settings, port=port, log_path=out / f"{name}.log", wait=False)


def _env() -> dict[str, str]:
    return {**os.environ, "AWS_ACCESS_KEY_ID": "AKIAEMULATOR00000000", "AWS_SECRET_ACCESS_KEY": "emulator-only-secret",
            "AWS_EC2_METADATA_DISABLED": "true"}


def _fix(project: Path) -> int:
    print(f"\n$ canvas-doctor fix --yes --project {project}", flush=True)
    return subprocess.call([sys.executable, "-m", "canvas_doctor", "fix", "--yes", "--project", str(project)],
                           env=_env())


def _doctor(project: Path, emulator_url: str, *extra: str) -> int:
    env = _env()
    cmd = [sys.executable, "-m", "canvas_doctor", "run", "--project", str(project), "--skip", SKIP,
           "--bedrock-endpoint", emulator_url, *extra]
    print(f"\n$ canvas-doctor run --project {project} --skip {SKIP} --bedrock-endpoint {emulator_url} "
          f"{' '.join(extra)}".rstrip(), flush=True)
    return subprocess.call(cmd, env=env)


def _serve(project: Path, emulator_url: str) -> None:
    """Keep the sandbox up for trying the doctor by hand, until Ctrl-C."""
    print(f"""
The sample stack is up (Ctrl-C stops it). In another terminal:
  export AWS_ACCESS_KEY_ID=AKIAEMULATOR00000000 AWS_SECRET_ACCESS_KEY=emulator-only-secret
  canvas-doctor run --project {project} --skip docker,openwebui --bedrock-endpoint {emulator_url}
It is the guide's Nova Canvas stack, as of today: run `canvas-doctor fix --project {project}`, restart
the image proxy, and run the doctor again.""", flush=True)
    run_until_interrupted(threading.Event().wait)  # main's `finally` stops the proxies


def main(argv: list[str]) -> int:
    interrupt_on_sigterm()
    serve = "--serve" in argv
    argv = [a for a in argv if a != "--serve"]
    out = Path(argv[0] if argv else "demo-out").resolve()
    out.mkdir(parents=True, exist_ok=True)
    image = out / "stable-image-core.png"
    project = out / "project"
    ports = {name: free_port() for name in PROXIES}
    healthy = broken = fixed = -1
    # Bedrock as it is today (the emulator's real lifecycle), in the region a SigV4 call is signed for; the
    # proxies sign with a Bedrock API key, which names no region: those calls are served as us-west-2.
    with BedrockEmulator(region="us-west-2", follow_signed_region=True) as emu:
        _copy_sample(project, emu.url, ports)
        print(f"The guide's Nova Canvas stack copied to {project}\nBedrock emulator on {emu.url}; starting the real "
              f"LiteLLM proxies (chat on {ports['litellm']}, images on {ports['litellm-image']}; about 10-20 s) ...",
              flush=True)
        proxies = {name: _start(project, name, ports[name], out) for name in PROXIES}
        try:
            for proxy in proxies.values():
                proxy.wait_ready()
            if serve:
                _serve(project, emu.url)
                return 0
            print("\nToday Bedrock no longer serves Nova Canvas (end of life 2026-09-30) nor Titan Image v2 "
                  "(2026-06-30). The stack as the guide sets it up:", flush=True)
            broken = _doctor(project, emu.url)
            print(f"\n(exit {broken})", flush=True)
            fixed = _fix(project)
            print(f"\n(exit {fixed}) Restarting the image proxy so it loads the moved deployment ...", flush=True)
            proxies["litellm-image"].stop()
            proxies["litellm-image"] = _start(project, "litellm-image", ports["litellm-image"], out)
            proxies["litellm-image"].wait_ready()
            healthy = _doctor(project, emu.url, "--save-image", str(image))
            print(f"\n(exit {healthy}; the generated image is {image})", flush=True)
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan a proxy
            for proxy in proxies.values():
                proxy.stop()
    return 0 if broken == 1 and fixed == 0 and healthy == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
