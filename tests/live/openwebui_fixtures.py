"""Fixtures for the live Open WebUI tests: the real Open WebUI of the version in play (one per session), a hostile
look-alike, and throw-away projects whose compose file points at them.

Test modules import what they use: `from openwebui_fixtures import live_openwebui, ...`.
"""
from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from helpers import FIXTURES, CliRun

from canvas_doctor.stack.discover import discover
from testbed.versions import litellm_image_tag, openwebui_image_tag, openwebui_version
from testbed.openwebui import Admin, OpenWebUI, TestbedError, create_admin, ensure_installed, \
    start_openwebui

HEALTHY = FIXTURES.parent / "pre-eol" / "healthy-nova-canvas"   # Nova Canvas before its end of life (helpers.PRE_EOL)


def statuses(run: CliRun) -> dict[str, set[str]]:
    """check id -> the statuses of its results."""
    out: dict[str, set[str]] = {}
    for r in run.json["results"]:
        out.setdefault(r["check"], set()).add(r["status"])
    return out


def compose_env(project: Path) -> dict[str, str]:
    """The environment the project's files give its Open WebUI service (what `docker compose up` would)."""
    stack = discover(project)
    assert stack.openwebui is not None, f"no Open WebUI service in {project}"
    return {name: s.value for name, s in stack.openwebui.env.items()}


@dataclass
class LiveOpenWebUI:
    server: OpenWebUI
    admin: Admin

    @property
    def url(self) -> str:
        return self.server.url


def openwebui_or_skip() -> None:
    """Build the cached venv when missing (tests/testbed/install-services.sh openwebui); skip if that cannot be done."""
    try:
        ensure_installed()
    except (TestbedError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Open WebUI {openwebui_version()} test bed not available: {exc}")


@pytest.fixture(scope="session")
def live_openwebui(tmp_path_factory) -> Iterator[LiveOpenWebUI]:
    """One real Open WebUI for the session, started with the healthy sample stack's environment."""
    openwebui_or_skip()
    data = tmp_path_factory.mktemp("openwebui-healthy") / "data"
    server = start_openwebui(data, compose_env(HEALTHY))
    try:
        yield LiveOpenWebUI(server, create_admin(server.url))
    finally:
        server.stop()


# -- a hostile "Open WebUI": a tiny server that answers HTML for every path ----------------------
PAGE = b"<!doctype html><html><head><title>Welcome</title></head><body>It works!</body></html>"


class _HtmlEverywhere(BaseHTTPRequestHandler):
    health_json = False

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.health_json and self.path == "/health":
            body, ctype = b'{"status": true}', "application/json"
        else:
            body, ctype = PAGE, "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _HealthOnly(_HtmlEverywhere):
    health_json = True


@pytest.fixture(params=["html-everywhere", "health-only"])
def hostile_openwebui(request) -> Iterator[tuple[str, str]]:
    """(kind, url): HTML for every path, or a JSON /health and HTML for everything else."""
    handler = _HtmlEverywhere if request.param == "html-everywhere" else _HealthOnly
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield request.param, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- throw-away projects -----------------------------------------------------------------------
MASTER_KEY = "sk-persist-master-0123456789"


def write_project(root: Path, *, port: int, model: str, served: str, images_api: bool = True,
                  extra: tuple[str, ...] = ()) -> Path:
    """A compose project: Open WebUI (published on 127.0.0.1:port) and an image proxy serving `served`;
    images_api=False leaves out IMAGE_SIZE and IMAGES_OPENAI_API_BASE_URL/KEY (Open WebUI's defaults apply);
    `extra` adds NAME=VALUE lines to Open WebUI's environment."""
    root.mkdir(parents=True, exist_ok=True)
    more = "".join(f"      - {line}\n" for line in extra)
    images = """\
      - IMAGE_SIZE=1024x1024
      - IMAGES_OPENAI_API_BASE_URL=http://litellm-image:4100/v1
      - IMAGES_OPENAI_API_KEY=${LITELLM_MASTER_KEY}
""" if images_api else ""
    (root / ".env").write_text(f"LITELLM_MASTER_KEY={MASTER_KEY}\n")
    (root / "docker-compose.yml").write_text(f"""\
services:
  openwebui:
    image: {openwebui_image_tag()}
    ports:
      - "127.0.0.1:{port}:8080"
    environment:
      - ENABLE_IMAGE_GENERATION=True
      - IMAGE_GENERATION_ENGINE=openai
      - IMAGE_GENERATION_MODEL={model}
{images}{more}      - OPENAI_API_BASE_URL=http://litellm-image:4100/v1
      - OPENAI_API_KEY=${{LITELLM_MASTER_KEY}}
  litellm-image:
    image: {litellm_image_tag()}
    command: ["--config", "/app/config.yaml", "--port", "4100"]
    environment:
      - LITELLM_MASTER_KEY=${{LITELLM_MASTER_KEY}}
      - AWS_BEARER_TOKEN_BEDROCK=ABSKpersistBedrockKey000000000000
    volumes:
      - ./litellm-image-config.yaml:/app/config.yaml:ro
""")
    (root / "litellm-image-config.yaml").write_text(f"""\
model_list:
  - model_name: {served}
    litellm_params:
      model: bedrock/amazon.nova-canvas-v1:0
      aws_region_name: us-east-1
      api_key: os.environ/AWS_BEARER_TOKEN_BEDROCK
    model_info:
      mode: image_generation
litellm_settings:
  drop_params: true
""")
    return root


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line containing `text`."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)
