"""Helpers of the Docker tests (import with `from docker_fixtures import ...`): the busybox stand-in
image, compose stacks in their own folders, and readers of the doctor's JSON report.

Nothing is pulled: the image is `FROM scratch` + Debian's static busybox (apt package
busybox-static, /bin/busybox) + fixtures/docker/image/fake-service, tagged twice so the doctor
sees an Open WebUI image and a LiteLLM image. Every stack gets a unique project folder, so unique
compose project, container, network and volume names; `down` removes all of them.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from helpers import REPO, CliRun, clean_env, run_cli

DOCKER_FIXTURES = REPO / "fixtures" / "docker"
BUSYBOX = Path(os.environ.get("CANVAS_DOCTOR_BUSYBOX", "/bin/busybox"))
TOKEN = uuid.uuid4().hex[:10]          # one per test session: image tags and project folders
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


@dataclass(frozen=True)
class TestImages:
    openwebui: str
    litellm: str


def missing_prerequisite() -> str | None:
    """Why the Docker tests cannot run here, or None (asked once per session)."""
    global _MISSING
    if _MISSING is None:
        from canvas_doctor.docker_client import connect
        engine = connect(timeout=10)
        if not engine.available:
            _MISSING = f"no Docker engine answers at {engine.describe()}: {engine.error}"
        elif shutil.which("docker-compose") is None:
            _MISSING = "docker-compose (v1) is not installed"
        elif not BUSYBOX.is_file():
            _MISSING = f"{BUSYBOX} not found: apt-get install -y busybox-static"
        else:
            _MISSING = ""
        engine.close()
    return _MISSING or None


_MISSING: str | None = None


def build_context() -> bytes:
    """A tar of Dockerfile, fake-service and the static busybox, as `docker build` wants it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in ("Dockerfile", "fake-service"):
            tar.add(DOCKER_FIXTURES / "image" / name, arcname=name)
        tar.add(BUSYBOX, arcname="busybox")
    return buf.getvalue()


def build_images(client: Any) -> TestImages:
    images = TestImages(f"canvas-doctor-test/open-webui:{TOKEN}", f"canvas-doctor-test/litellm:{TOKEN}")
    image, _ = client.images.build(fileobj=io.BytesIO(build_context()), custom_context=True,
                                   tag=images.openwebui, rm=True, forcerm=True, pull=False)
    repo, tag = images.litellm.split(":")
    image.tag(repo, tag)
    return images


def remove_images(client: Any, images: TestImages) -> None:
    for tag in (images.litellm, images.openwebui):
        try:
            client.images.remove(tag, force=True)
        except Exception:
            pass


@dataclass
class ComposeStack:
    """A compose project in its own folder, driven with docker-compose as a user would."""

    root: Path
    client: Any
    env: dict[str, str] = field(default_factory=clean_env)
    name: str | None = None          # a project name given with -p, else compose derives it from the folder

    @property
    def project(self) -> str:
        return self.name or re.sub(r"[^a-z0-9_-]", "", self.root.name.lower())

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        named = ["-p", self.name] if self.name else []
        proc = subprocess.run(["docker-compose", "--no-ansi", *named, *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"docker-compose {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def up(self, *services: str) -> None:
        self.compose("up", "-d", "--no-build", *services)

    def container(self, service: str) -> Any:
        found = self.client.containers.list(
            all=True, filters={"label": [f"{PROJECT_LABEL}={self.project}", f"{SERVICE_LABEL}={service}"]})
        assert found, f"no container for {service} in {self.project}"
        return found[0]

    def wait_for(self, what: str, ready: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def doctor(self, *extra: str, env: dict[str, str] | None = None) -> CliRun:
        """`canvas-doctor run --only docker --json --project DIR`, through the real CLI."""
        return run_cli("run", "--only", "docker", "--json", "--project", str(self.root), *extra,
                       env=env or clean_env())

    def edit(self, name: str, old: str, new: str) -> None:
        """Change a file of the project in place, as an editor that keeps the file would."""
        path = self.root / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        with open(path, "r+") as f:
            f.truncate(0)
            f.write(text.replace(old, new, 1))

    def replace(self, name: str, old: str, new: str) -> None:
        """Change a file by writing a new one and renaming it over the old (vim, sed -i, most IDEs)."""
        path = self.root / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        tmp = path.with_name(path.name + ".new")
        tmp.write_text(text.replace(old, new, 1))
        os.replace(tmp, path)

    def line_of(self, name: str, needle: str) -> int:
        lines = (self.root / name).read_text().splitlines()
        return next(i for i, line in enumerate(lines, start=1) if needle in line)

    def down(self) -> None:
        self.compose("down", "-v", "--remove-orphans", "-t", "1", check=False)
        label = {"label": f"{PROJECT_LABEL}={self.project}"}
        for c in self.client.containers.list(all=True, filters=label):  # whatever compose left behind
            c.remove(force=True, v=True)
        for net in self.client.networks.list(filters=label):
            net.remove()
        for vol in self.client.volumes.list(filters=label):
            vol.remove(force=True)


def copy_project(source: Path, dest_parent: Path, name: str, images: TestImages) -> Path:
    """Copy a stack folder to a uniquely named project folder, with the test images in its compose file."""
    root = dest_parent / f"cdtest-{name}-{TOKEN}"
    shutil.copytree(source, root)
    compose = root / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("@OPENWEBUI_IMAGE@", images.openwebui)
                       .replace("@LITELLM_IMAGE@", images.litellm))
    return root


def put_file(container: Any, folder: str, name: str, data: bytes) -> None:
    """Copy bytes into a container (docker cp)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    assert container.put_archive(folder, buf.getvalue())


def of_service(run: CliRun, check: str, service: str) -> list[dict[str, Any]]:
    """The results of one check about one compose service."""
    return [r for r in run.results(check) if r["data"].get("service") == service]


def problems(run: CliRun) -> list[dict[str, Any]]:
    return [r for r in run.json["results"] if r["status"] in ("warn", "fail", "error")]
