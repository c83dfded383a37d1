"""Test bed: the real Open WebUI (0.12.4 unless testbed.versions says otherwise), run from its cached venv on 127.0.0.1, offline, in a clean environment.

    server = start_openwebui(tmp / "data", {"IMAGE_GENERATION_MODEL": "nova-canvas"})
    admin = create_admin(server.url)          # the first signup becomes admin
    ...                                       # admin.api_key / admin.token are bearer tokens
    server.stop()

How it runs (read in open_webui/__init__.py, 0.12.4): `open-webui serve --host H --port P` sets
FROM_INIT_PY, then runs uvicorn on open_webui.main:app in this one process. Settings are read from the
environment at first start and then kept in DATA_DIR/webui.db (models/config.py seed_defaults), so a
restart on the same data dir keeps the first values: what `openwebui-config-persisted` is about.
About 8-14 s to /health and about 330 MB resident; start as few as possible.

Run one by hand: python -m testbed.openwebui [DATA_DIR] [NAME=VALUE ...]
"""
from __future__ import annotations

import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Mapping

import httpx

from .process import HOST, TestbedError, cache_dir, ensure_venv, free_port, run_until_interrupted, stop_group, tail, venv_env
from .versions import openwebui_version, parse

__all__ = ["Admin", "OpenWebUI", "TestbedError", "create_admin", "ensure_installed",
           "free_port", "launch_openwebui", "sign_in", "start_openwebui", "wait_healthy"]

START_TIMEOUT = 120.0        # two shared cores: a cold start can take far longer than the usual 8-14 s
STOP_TIMEOUT = 20.0

# A clean, offline environment (open_webui/env.py and config.py, 0.12.4). No ENV=prod: with it,
# config.py looks up host.docker.internal for Ollama.
BASE_ENV: dict[str, str] = {
    "USE_SLIM_DOCKER": "true",            # no torch / chromadb / embedding models
    "OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ENABLE_OLLAMA_API": "false",
    "ENABLE_VERSION_UPDATE_CHECK": "false",
    "ANONYMIZED_TELEMETRY": "false",
    "DO_NOT_TRACK": "true",
    "SCARF_NO_ANALYTICS": "true",
    "ENABLE_API_KEYS": "true",            # default false in 0.12.4: POST /api/v1/auths/api_key answers 403
    "GLOBAL_LOG_LEVEL": "INFO",
}
# Before 0.10 there is no slim mode: main.py loads a local embedding model at import and exits when
# sentence-transformers is missing (the slim venv leaves it out), unless an external engine is named.
# No embedding call is made: the tests never upload documents.
PRE_SLIM_ENV: dict[str, str] = {"RAG_EMBEDDING_ENGINE": "openai"}
SLIM_SINCE = (0, 10, 0)


def venv_dir(version: str | None = None) -> Path:
    return cache_dir() / "venvs" / f"openwebui-{version or openwebui_version()}"


def ensure_installed(version: str | None = None) -> Path:
    """The cached venv; built by tests/testbed/install-services.sh openwebui when missing (needs PyPI)."""
    return ensure_venv("openwebui", version or openwebui_version(), "open-webui")


def _secret_key(data_dir: Path) -> str:
    """One WEBUI_SECRET_KEY per data dir, so session tokens survive a restart on it (48 characters)."""
    path = data_dir / ".testbed-webui-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(24))
    return path.read_text().strip()


def openwebui_env(venv: Path, data_dir: Path, settings: Mapping[str, str], version: str | None = None) -> dict[str, str]:
    """The whole environment of the process: nothing leaks in from the caller's."""
    env = {
        **venv_env(venv, data_dir / "home"),
        "DATA_DIR": str(data_dir),
        "STATIC_DIR": str(data_dir / "static"),   # else it rewrites the venv's own static folder
        "WEBUI_SECRET_KEY": _secret_key(data_dir),
        **BASE_ENV,
    }
    if parse(version or openwebui_version()) < SLIM_SINCE:
        env.update(PRE_SLIM_ENV)
    env.update(settings)
    return env


@dataclass
class Admin:
    """The admin account the test bed created; token (a session JWT) and api_key (sk-...) are both bearers."""

    email: str
    password: str
    token: str
    api_key: str | None


@dataclass
class OpenWebUI:
    """One running Open WebUI process."""

    url: str
    port: int
    data_dir: Path
    log_path: Path
    settings: dict[str, str]
    process: subprocess.Popen
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log_path, lines)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit status.

        uvicorn 0.54 (in the 0.12.4 venv) shuts down gracefully on SIGTERM in well under a second and
        then re-raises the signal, so a clean stop reports -15.
        """
        stop_group(self.process, timeout)  # its own session: the group is this process alone
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode

    def __enter__(self) -> "OpenWebUI":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def launch_openwebui(data_dir: Path, settings: Mapping[str, str] | None = None, *, port: int | None = None,
                     log_path: Path | None = None, version: str | None = None) -> OpenWebUI:
    """Start Open WebUI without waiting for it (see wait_healthy); data_dir is created when missing."""
    version = version or openwebui_version()
    venv = ensure_installed(version)
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    n = len(list(data_dir.parent.glob(f"{data_dir.name}-openwebui-*.log")))
    log_path = log_path or data_dir.parent / f"{data_dir.name}-openwebui-{n + 1}.log"
    log = open(log_path, "ab")
    process = subprocess.Popen([str(venv / "bin" / "open-webui"), "serve", "--host", HOST, "--port", str(port)],
                               cwd=data_dir, env=openwebui_env(venv, data_dir, settings or {}, version),
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    return OpenWebUI(f"http://{HOST}:{port}", port, data_dir, log_path, dict(settings or {}), process, log)


def wait_healthy(server: OpenWebUI, timeout: float = START_TIMEOUT) -> float:
    """Wait for GET /health -> {"status": true}; returns the seconds it took. Stops the server on failure."""
    t0 = time.monotonic()
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while time.monotonic() - t0 < timeout:
            if not server.running:
                server.stop()
                raise TestbedError(f"Open WebUI exited with {server.process.returncode} during start-up:\n"
                                   f"{server.log_tail()}")
            try:
                r = client.get(f"{server.url}/health")
                if r.status_code == 200 and r.json().get("status") is True:
                    return time.monotonic() - t0
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.25)
    server.stop()
    raise TestbedError(f"Open WebUI did not answer /health within {timeout:g} s:\n{server.log_tail()}")


def start_openwebui(data_dir: Path, settings: Mapping[str, str] | None = None, *, port: int | None = None,
                    timeout: float = START_TIMEOUT, version: str | None = None) -> OpenWebUI:
    """Start Open WebUI and wait until it is healthy; one retry on another port if the port was taken."""
    for attempt in (1, 2):
        server = launch_openwebui(data_dir, settings, port=port, version=version)
        try:
            wait_healthy(server, timeout)
            return server
        except TestbedError as exc:
            if attempt == 2 or port is not None or "address already in use" not in str(exc).lower():
                raise
    raise AssertionError("unreachable")


def create_admin(url: str, *, email: str = "admin@example.com", password: str = "Testbed-Passw0rd!",
                 name: str = "Doctor Admin", api_key: bool = True) -> Admin:
    """Sign up the first user (0.12.4 makes it admin, then closes signup) and, if allowed, make an API key."""
    with httpx.Client(base_url=url, trust_env=False, timeout=30.0) as client:
        r = client.post("/api/v1/auths/signup", json={"name": name, "email": email, "password": password})
        if r.status_code != 200:
            raise TestbedError(f"signup answered {r.status_code}: {r.text[:300]}")
        body = r.json()
        if body.get("role") != "admin":
            raise TestbedError(f"the first signup got the role {body.get('role')!r}, not admin")
        token = body["token"]
        key = None
        if api_key:
            k = client.post("/api/v1/auths/api_key", headers={"authorization": f"Bearer {token}"})
            if k.status_code != 200:
                raise TestbedError(f"creating an API key answered {k.status_code}: {k.text[:300]} "
                                   "(ENABLE_API_KEYS must be true at first start)")
            key = k.json()["api_key"]
    return Admin(email, password, token, key)


def sign_in(url: str, email: str, password: str) -> str:
    """A fresh session token for an existing account."""
    with httpx.Client(base_url=url, trust_env=False, timeout=30.0) as client:
        r = client.post("/api/v1/auths/signin", json={"email": email, "password": password})
        if r.status_code != 200:
            raise TestbedError(f"signin answered {r.status_code}: {r.text[:300]}")
        return r.json()["token"]


def main(argv: list[str]) -> int:
    """Run one Open WebUI until Ctrl-C: python -m testbed.openwebui [DATA_DIR] [NAME=VALUE ...]."""
    import argparse
    import tempfile
    parser = argparse.ArgumentParser(
        prog="python -m testbed.openwebui",
        description="Run the real Open WebUI (from its cached venv) on 127.0.0.1, offline, until Ctrl-C.")
    parser.add_argument("args", nargs="*", metavar="[DATA_DIR] [NAME=VALUE ...]",
                        help="its data folder (default: a new temporary one), then settings for its environment")
    args = parser.parse_args(argv).args
    if args and "=" not in args[0]:
        data, args = Path(args[0]), args[1:]
    else:
        data = Path(tempfile.mkdtemp(prefix="openwebui-")) / "data"
    bad = [a for a in args if "=" not in a]
    if bad:
        parser.error(f"{bad[0]!r} is not NAME=VALUE")
    settings = dict(a.split("=", 1) for a in args)
    server = start_openwebui(data, settings)
    print(f"Open WebUI {openwebui_version()} at {server.url} (data {server.data_dir}, log {server.log_path})")
    run_until_interrupted(server.process.wait, server.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
