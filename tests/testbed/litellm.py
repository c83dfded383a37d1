"""Test bed: the real LiteLLM proxy (1.108.7 unless testbed.versions says otherwise), run from its cached venv on 127.0.0.1, Bedrock on the emulator.

    emu = BedrockEmulator().start()
    spec = ProxySpec([Deployment("nova-canvas", "bedrock/amazon.nova-canvas-v1:0")])
    config = tmp / "litellm-config.yaml"
    config.write_text(spec.config_text(emu.url))
    proxy = start_litellm(config, spec.environment())     # about 6-12 s to ready, about 350 MB
    ...                                                    # proxy.url, proxy.master_key, proxy.log_path
    proxy.stop()

How LiteLLM 1.108.7 reaches the emulator (read in litellm/llms/bedrock/base_aws_llm.py,
get_runtime_endpoint, and image_generation/image_handler.py _prepare_request): the endpoint is
`api_base or aws_bedrock_runtime_endpoint or https://bedrock-runtime.<region>.amazonaws.com`, and
the image handler posts to f"{endpoint}/model/{modelId}/invoke". So `aws_bedrock_runtime_endpoint:
http://127.0.0.1:PORT` sends every image call to the emulator and keeps `api_base` free for the
fault the guide causes (`api_base: bedrock-runtime`). With a Bedrock API key (api_key or
AWS_BEARER_TOKEN_BEDROCK) LiteLLM sends `Authorization: Bearer <key>` instead of SigV4.

Start-up facts (measured): LITELLM_LOCAL_MODEL_COST_MAP=True, else it spends seconds trying to
download a price list; without a master key (or with sk-1234) 1.104.0 and later refuse to start (older ones start open).

Run one by hand: python -m testbed.litellm CONFIG.yaml [NAME=VALUE ...]
"""
from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Mapping

import httpx
import yaml

from .process import HOST, TestbedError, ensure_venv, free_port, run_until_interrupted, stop_group, tail, venv_env
from .versions import litellm_version

START_TIMEOUT = 120.0   # two shared cores: a cold start (no .pyc yet) takes far longer than the usual 6 s
DUMMY_BEDROCK_KEY = "ABSKdGVzdGJlZC1vbmx5LWtleS0wMDAwMDAwMDA="   # the form of a Bedrock API key; valid nowhere
DEFAULT_MASTER_KEY = "sk-testbed-master-7f3a9c2e41"



def check_version(version: str) -> str:
    if version.startswith("1.107."):
        raise TestbedError(f"refusing LiteLLM {version}: a compromised release")
    return version


@dataclass
class Deployment:
    """One model_list entry. `params` are extra litellm_params (stream, api_base, timeout ...).

    `credentials` False leaves out the api_key line: the proxy then has no Bedrock credentials
    for this deployment unless its environment brings some."""

    model_name: str
    model: str = "bedrock/amazon.nova-canvas-v1:0"
    region: str = "us-east-1"
    params: dict[str, Any] = field(default_factory=dict)
    credentials: bool = True
    to_emulator: bool = True
    model_info: dict[str, Any] = field(default_factory=lambda: {"mode": "image_generation"})


@dataclass
class ProxySpec:
    """What a test proxy serves and the environment its service gets (as a compose file would pass it)."""

    deployments: list[Deployment]
    master_key: str = DEFAULT_MASTER_KEY
    key_var: str = "AWS_BEARER_TOKEN_BEDROCK"     # where the deployments read the Bedrock API key
    bedrock_key: str = DUMMY_BEDROCK_KEY
    drop_params: bool | None = True              # litellm_settings.drop_params; None: leave the key out
    router_settings: dict[str, Any] = field(default_factory=dict)

    def config(self, endpoint: str) -> dict[str, Any]:
        models = []
        for d in self.deployments:
            params: dict[str, Any] = {"model": d.model, "aws_region_name": d.region}
            if d.credentials:
                params["api_key"] = f"os.environ/{self.key_var}"
            if d.to_emulator:
                params["aws_bedrock_runtime_endpoint"] = endpoint
            params.update(d.params)
            entry: dict[str, Any] = {"model_name": d.model_name, "litellm_params": params}
            if d.model_info:
                entry["model_info"] = dict(d.model_info)
            models.append(entry)
        out: dict[str, Any] = {"model_list": models}
        if self.drop_params is not None:
            out["litellm_settings"] = {"drop_params": self.drop_params}
        if self.router_settings:
            out["router_settings"] = dict(self.router_settings)
        return out

    def config_text(self, endpoint: str) -> str:
        header = ("# Written by testbed: Bedrock calls go to the emulator at "
                  f"{endpoint} (aws_bedrock_runtime_endpoint).\n")
        return header + yaml.safe_dump(self.config(endpoint), sort_keys=False)

    def environment(self) -> dict[str, str]:
        """The service environment: master key, Bedrock key, local price list."""
        return {"LITELLM_MASTER_KEY": self.master_key, self.key_var: self.bedrock_key,
                "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def proxy_env(venv: Path, home: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of the process: nothing leaks in from the caller's, no AWS files or IMDS."""
    env = {
        **venv_env(venv, home),
        "PYTHONUNBUFFERED": "1",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "NO_PROXY": "*",
    }
    env.update(settings)
    return env


@dataclass
class LiteLLMProxy:
    """One LiteLLM proxy process; stop() and start() again reuse its port and config."""

    config_path: Path
    settings: dict[str, str]
    port: int
    log_path: Path
    version: str = field(default_factory=litellm_version)
    process: subprocess.Popen | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def master_key(self) -> str | None:
        return self.settings.get("LITELLM_MASTER_KEY")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log_path, lines)

    def launch(self) -> "LiteLLMProxy":
        """Start the process without waiting for it (see wait_ready)."""
        if self.running:
            return self
        venv = ensure_venv("litellm", check_version(self.version), "litellm")
        self._log = open(self.log_path, "ab")
        home = self.log_path.parent / f"{self.log_path.stem}-home"
        self.process = subprocess.Popen(
            [str(venv / "bin" / "litellm"), "--config", str(self.config_path), "--host", HOST,
             "--port", str(self.port)],
            cwd=self.config_path.parent, env=proxy_env(venv, home, self.settings), stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> float:
        """Wait for GET /health/liveliness -> 200; returns the seconds it took. Stops the proxy on failure."""
        t0 = time.monotonic()
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            while time.monotonic() - t0 < timeout:
                if not self.running:
                    code = self.stop()
                    raise TestbedError(f"LiteLLM exited with {code} during start-up:\n{self.log_tail()}")
                try:
                    if client.get(f"{self.url}/health/liveliness").status_code == 200:
                        return time.monotonic() - t0
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        self.stop()
        raise TestbedError(f"LiteLLM did not answer /health/liveliness within {timeout:g} s:\n{self.log_tail()}")

    def start(self, timeout: float = START_TIMEOUT) -> "LiteLLMProxy":
        self.launch()
        self.wait_ready(timeout)
        return self

    def stop(self) -> int | None:
        """SIGTERM the process group, then SIGKILL; returns the exit status."""
        code = stop_group(self.process) if self.process is not None else None
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    def __enter__(self) -> "LiteLLMProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_litellm(config_path: Path, settings: Mapping[str, str], *, port: int | None = None,
                  log_path: Path | None = None, timeout: float = START_TIMEOUT, wait: bool = True) -> LiteLLMProxy:
    """Start a proxy on `config_path` with `settings` as its environment; by default wait until it is live."""
    config_path = Path(config_path).resolve()
    log_path = log_path or config_path.with_suffix(".litellm.log")
    proxy = LiteLLMProxy(config_path, dict(settings), port or free_port(), log_path)
    proxy.launch()
    if wait:
        proxy.wait_ready(timeout)
    return proxy


def _setting(text: str) -> tuple[str, str]:
    """NAME=VALUE, for argparse."""
    import argparse
    name, eq, value = text.partition("=")
    if not eq or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def main(argv: list[str]) -> int:
    """Run one proxy until Ctrl-C: python -m testbed.litellm CONFIG.yaml [NAME=VALUE ...]."""
    import argparse
    parser = argparse.ArgumentParser(
        prog="python -m testbed.litellm",
        description=f"Run the real LiteLLM proxy ({litellm_version()}, from its cached venv) on 127.0.0.1 "
                    "until Ctrl-C.")
    parser.add_argument("config", type=Path, metavar="CONFIG.yaml", help="the proxy's config file")
    parser.add_argument("settings", nargs="*", type=_setting, metavar="NAME=VALUE",
                        help="environment of the proxy (default: a test master key and a dummy Bedrock API key)")
    args = parser.parse_args(argv)
    settings = {"LITELLM_MASTER_KEY": DEFAULT_MASTER_KEY, "AWS_BEARER_TOKEN_BEDROCK": DUMMY_BEDROCK_KEY}
    settings.update(args.settings)
    proxy = start_litellm(args.config, settings)
    print(f"LiteLLM {proxy.version} at {proxy.url} (log {proxy.log_path})")
    assert proxy.process is not None
    run_until_interrupted(proxy.process.wait, proxy.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
