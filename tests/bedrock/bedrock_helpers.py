"""Helpers of the Bedrock tests: the real CLI against the Bedrock emulator, with a clean AWS setup.

Import with `from bedrock_helpers import ...` (pytest puts this folder on sys.path)."""
from __future__ import annotations

import base64
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from canvas_doctor_emulator import BedrockEmulator, make_png
from helpers import FIXTURES, CliRun, clean_env, run_cli

# Nova Canvas in us-east-1, before its end of life (the clock: helpers.PRE_EOL); see fixtures/pre-eol/README.md.
HEALTHY = FIXTURES.parent / "pre-eol" / "healthy-nova-canvas"
SIGV4 = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret-0123456789"}


def aws_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment with nothing from this machine's AWS setup (HOME and AWS files point at `home`)."""
    home.mkdir(parents=True, exist_ok=True)
    env = clean_env(HOME=str(home), AWS_CONFIG_FILE=str(home / "aws-config"),
                    AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"))
    env.update(extra)
    return env


def doctor(emu: BedrockEmulator | CannedServer | None, env: dict[str, str], *args: str, project: Path = HEALTHY,
           only: str | None = "bedrock", region: str | None = None) -> CliRun:
    """`canvas-doctor run [--only ONLY] --json --project DIR [--bedrock-endpoint URL] [--region R] ARGS`."""
    argv = ["run", *(["--only", only] if only else []), "--json", "--project", str(project)]
    if emu is not None:
        argv += ["--bedrock-endpoint", emu.url]
    if region:
        argv += ["--region", region]
    return run_cli(*argv, *args, env=env, timeout=60)


def one(run: CliRun, check: str) -> dict[str, Any]:
    """The single result of a check (fails with the whole report when there is not exactly one)."""
    found = run.results(check)
    assert len(found) == 1, run.stdout + run.stderr
    return found[0]


def copy_stack(dest: Path, src: Path = HEALTHY, **replacements: str) -> Path:
    """A copy of a sample stack; `replacements` maps a file name to (old, new) edits given as 'old=>new'."""
    shutil.copytree(src, dest)
    for name, edit in replacements.items():
        path = dest / name.replace("__", "/")
        old, new = edit.split("=>", 1)
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new))
    return dest


class CannedServer:
    """A loopback HTTP server that answers every request with one fixed answer."""

    def __init__(self, status: int, body: bytes, content_type: str = "application/json"):
        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "CannedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def fake_image_proxy(width: int = 1024, height: int = 1024) -> CannedServer:
    """A stand-in for LiteLLM's POST /v1/images/generations that always answers one PNG."""
    png = base64.b64encode(make_png(width, height, 1)).decode()
    return CannedServer(200, json.dumps({"created": 1, "data": [{"b64_json": png}]}).encode())


def sts_error(code: str, message: str) -> CannedServer:
    """STS answering every call with an awsQuery error (the XML shape botocore parses)."""
    xml = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
           f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>")
    return CannedServer(400 if code != "ExpiredToken" else 403, xml.encode(), "text/xml")


def closed_port_url() -> str:
    """A loopback URL where nothing listens (bound, then released)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"

