"""The injectable ``docker`` input: the Docker engine that runs the stack, or why none answered.

The `docker` package (docker-py) is imported only when a check asks for ``docker``. The engine is
found the way the Docker CLI finds it: DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH),
else the current Docker context (DOCKER_CONTEXT, else ``currentContext`` of ~/.docker/config.json),
else the default socket. The first request (API version negotiation) has a short timeout, so an
engine that is not there costs about a second at most; the checks then report `docker-unavailable`
once and skip the rest. Read in docker-py 7.2.0: docker/client.py, docker/utils/utils.py
(kwargs_from_env), docker/context/api.py (ContextAPI.get_context).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from .clients import Inputs
from .run_context import RunContext

PROBE_TIMEOUT = 1.0        # seconds for the first request: the engine answers at once or not at all
DEFAULT_SOCKET = "unix:///var/run/docker.sock"


@dataclass
class Engine:
    """A Docker engine (``client`` set) or the reason none could be reached (``error`` set)."""

    endpoint: str                 # where the doctor looked: unix:///var/run/docker.sock, tcp://...
    source: str                   # why there: "DOCKER_HOST", "Docker context 'x'", "the default socket"
    client: Any = None            # docker.DockerClient when reachable
    error: str | None = None
    server_version: str | None = None
    api_version: str | None = None
    context: RunContext | None = None   # the run's: a container's own secrets are registered there

    @property
    def available(self) -> bool:
        return self.client is not None

    def describe(self) -> str:
        return f"{self.endpoint} ({self.source})"

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def _context_endpoint(sdk: Any, environ: Mapping[str, str]) -> tuple[dict[str, Any], str | None]:
    """base_url/tls of the current Docker context, and its name; empty for the default context."""
    from docker.context import ContextAPI
    from docker.context.config import get_current_context_name

    name = environ.get("DOCKER_CONTEXT") or get_current_context_name()
    if not name or name == "default":
        return {}, None
    ctx = ContextAPI.get_context(name)
    if ctx is None:
        raise sdk.errors.ContextNotFound(name)
    params: dict[str, Any] = {}
    if ctx.Host:
        params["base_url"] = ctx.Host
    if ctx.TLSConfig is not None:
        params["tls"] = ctx.TLSConfig
    return params, name


def _readable(exc: BaseException, endpoint: str, timeout: float) -> str:
    """One sentence for why the engine did not answer."""
    text = str(exc)
    low = text.lower()
    path = endpoint.split("://", 1)[-1]
    if "no such file" in low or "filenotfounderror" in low:
        return f"{path} does not exist: Docker is not running here"
    if "permission denied" in low:
        return f"permission denied on {path}: run as root or as a member of the docker group"
    if "connection refused" in low:
        return "connection refused: nothing listens there"
    if "timed out" in low or "timeout" in low:
        return f"no answer within {timeout:g} s"
    if "name or service not known" in low or "nodename nor servname" in low:
        return "the host name does not resolve"
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"


def connect(environ: Mapping[str, str] | None = None, *, probe_timeout: float = PROBE_TIMEOUT,
            timeout: float = 10.0) -> Engine:
    """Reach the engine the Docker CLI would use; never raises."""
    environ = dict(os.environ if environ is None else environ)
    endpoint, source = environ.get("DOCKER_HOST") or DEFAULT_SOCKET, \
        "DOCKER_HOST" if environ.get("DOCKER_HOST") else "the default socket"
    try:
        import docker as sdk  # imported here only: a run without docker checks never loads it
    except ImportError:
        return Engine(endpoint, source, error="the `docker` Python package is not installed")
    try:
        params = sdk.utils.kwargs_from_env(environment=environ)
        if "base_url" not in params:
            ctx_params, ctx_name = _context_endpoint(sdk, environ)
            if ctx_name:
                params.update(ctx_params)
                endpoint, source = ctx_params.get("base_url", DEFAULT_SOCKET), f"Docker context {ctx_name!r}"
        # version=None: the constructor asks the engine for its API version (GET /version), with
        # the short probe timeout; an engine that is not there fails right here.
        client = sdk.DockerClient(version=None, timeout=probe_timeout, **params)
    except Exception as exc:  # DockerException, TLSParameterError, ssh without paramiko ...
        return Engine(endpoint, source, error=_readable(exc, endpoint, probe_timeout))
    client.api.timeout = timeout  # later calls (logs, exec, archives) may take longer
    engine = Engine(endpoint, source, client=client, api_version=client.api.api_version)
    try:
        engine.server_version = str(client.version().get("Version") or "") or None
    except Exception:  # the version text is a nicety; the engine did answer
        pass
    return engine


def docker_input(inputs: Inputs) -> Engine:
    engine = connect(os.environ, probe_timeout=min(PROBE_TIMEOUT, inputs.settings.connect_timeout),
                     timeout=inputs.settings.read_timeout)
    engine.context = inputs.context
    return engine
