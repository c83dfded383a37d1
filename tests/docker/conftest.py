"""Fixtures of the Docker tests: the engine, the stand-in images, and compose stacks that are always
taken down (containers, networks, volumes, images), also when a test fails.

Without a Docker engine, docker-compose or busybox every test marked `docker` is skipped with one
reason (one line in pytest's -ra summary); CANVAS_DOCTOR_REQUIRE_DOCKER=1 (CI) makes that a failure.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from docker_fixtures import ComposeStack, TestImages, build_images, copy_project, missing_prerequisite, \
    remove_images


def _require_docker() -> None:
    why = missing_prerequisite()
    if why is None:
        return
    if os.environ.get("CANVAS_DOCTOR_REQUIRE_DOCKER") == "1":
        pytest.fail(f"Docker tests required (CANVAS_DOCTOR_REQUIRE_DOCKER=1) but cannot run: {why}", pytrace=False)
    pytest.skip(f"Docker tests skipped: {why}")  # raised here, not in a fixture: one summary line for all


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test marked `docker` needs the engine, docker-compose and busybox."""
    if item.get_closest_marker("docker") is not None:
        _require_docker()


@pytest.fixture(scope="session")
def docker_ready() -> None:
    _require_docker()


@pytest.fixture(scope="session")
def docker_client(docker_ready: None) -> Iterator[Any]:
    import docker
    client = docker.from_env(timeout=30)
    yield client
    client.close()


@pytest.fixture(scope="session")
def test_images(docker_client: Any) -> Iterator[TestImages]:
    """The stand-in image, tagged as an Open WebUI and a LiteLLM image; removed at the end."""
    images = build_images(docker_client)
    try:
        yield images
    finally:
        remove_images(docker_client, images)


@pytest.fixture(scope="module")
def make_stack(docker_client: Any, test_images: TestImages,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., ComposeStack]]:
    """make_stack(source_folder, name) -> a project copy; every stack made is taken down at module end."""
    stacks: list[ComposeStack] = []

    def make(source: Path, name: str) -> ComposeStack:
        root = copy_project(source, tmp_path_factory.mktemp("docker"), name, test_images)
        stack = ComposeStack(root, docker_client)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.down()
