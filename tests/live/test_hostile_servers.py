"""Every class of hostile server gives a clear finding within the doctor's own deadline, against the
LiteLLM probes, the Open WebUI probes and the Bedrock endpoint (control plane and runtime) alike.

All on 127.0.0.1 (tests/live/hostile.py): HTML, bad JSON, the wrong JSON shape, a redirect loop, a
redirect off the machine, a gzip bomb, 1 GiB bodies, a dripping body, endless chunked encoding,
HTTP/1.0 without a length, trickled headers (slowloris), silence, a socket that never reads, a
connection closed at once, and a server echoing the credentials it was sent. `--timeout 1.5` is
the doctor's per-call deadline here; each hostile check must end within it (plus the start-up of
its client), and the whole run within a few seconds.
"""
from __future__ import annotations

import socket
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from canvas_doctor.aws_transport import AwsTransport
from canvas_doctor.http import Http, ProbeError
from hostile import (HTML, NOT_JSON, OFF_MACHINE, WRONG_SHAPE, FakeLiteLLM, Route, answer, black_hole,
                     close_at_once, drip, echo_headers, endless_chunks, giant, gzip_bomb, http10_unbounded,
                     litellm_routes, redirect, silent, slowloris)
from litellm_fixtures import REPO, Run, doctor, user_env

HEALTHY = REPO / "fixtures" / "stacks" / "healthy"
TIMEOUT = 1.5                      # --timeout and --generation-timeout of every run here
CHECK_BOUND_MS = (TIMEOUT + 1.5) * 1000   # the deadline, plus importing and building its client
FIRST_AWS_BOUND_MS = (TIMEOUT + 3.5) * 1000   # the first AWS check also loads boto3 (about 2 s here)
RUN_BOUND = 10.0                   # the whole `canvas-doctor run` (boto3 alone takes 2 s to load here)
KEY = "sk-hostile-master-key-0123456789"
TOKEN = "owui-admin-token-9876543210abcdef"
ACCESS_KEY = "AKIAHOSTILETESTKEY01"
SECRET_KEY = "hostile-secret-key-0123456789abcdefgh"
SESSION_TOKEN = "hostile-session-token-FEDCBA9876543210zyx"
FRONT = "litellm.live.reachable,openwebui.health,bedrock.credentials,bedrock.model-access"
RUNTIME = "bedrock.credentials,bedrock.generate"


def aws_user(tmp: Path) -> dict[str, str]:
    """A user with SigV4 session credentials and no AWS files."""
    return user_env(HOME=str(tmp), AWS_CONFIG_FILE=str(tmp / "aws-config"),
                    AWS_SHARED_CREDENTIALS_FILE=str(tmp / "aws-credentials"), AWS_ACCESS_KEY_ID=ACCESS_KEY,
                    AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_SESSION_TOKEN=SESSION_TOKEN)


def run_against(url: str, only: str, env: dict[str, str], *extra: str) -> Run:
    """The doctor with every service it probes at `url`."""
    return doctor("--json", "--project", str(HEALTHY), "--litellm-url", url, "--litellm-image-url", url,
                  "--openwebui-url", url, "--bedrock-endpoint", url, "--region", "us-east-1", "--litellm-key", KEY,
                  "--timeout", str(TIMEOUT), "--generation-timeout", str(TIMEOUT), "--only", only, *extra, env=env)


def finding(run: Run, check: str, fix: str, *words: str) -> dict:
    """The check's one result: a failure with this fix id and these words, within the deadline."""
    r = run.one(check)
    assert (r["status"], r["fix"] and r["fix"]["id"]) == ("fail", fix), run.explain()
    for w in words:
        assert w in r["message"], f"{w!r} not in {r['message']!r}"
    bound = FIRST_AWS_BOUND_MS if check == "bedrock.credentials" else CHECK_BOUND_MS
    assert r["duration_ms"] < bound, f"{check}: {r['duration_ms']} ms\n{run.explain()}"
    return r


def bounded(run: Run) -> None:
    assert run.code == 1, run.explain()
    assert run.seconds < RUN_BOUND, f"{run.seconds:.1f} s\n{run.explain()}"
    assert not [r for r in run.json["results"] if r["status"] == "error"], run.explain()


@dataclass(frozen=True)
class Case:
    """A hostile answer and the words of the finding each side must give."""

    route: Callable[[], Route]
    litellm: str
    openwebui: str
    control: str                   # bedrock.model-access (fix bedrock-service-error)
    runtime: tuple[str, str]       # bedrock.generate: fix id and words


TOO_LATE = "did not finish answering within 1.5 s"
CASES = {
    "html": Case(lambda: HTML, "gave an HTML page", "with an HTML page", "text/html: '<!doctype html>",
                 ("generation-invalid-image", "the answer is not JSON")),
    "bad-json": Case(lambda: NOT_JSON, "gave 200 '{\"status\": tru'", "'{\"status\": tru'",
                     "not the JSON an AWS service sends", ("generation-invalid-image", "the answer is not JSON")),
    "wrong-shape": Case(lambda: WRONG_SHAPE, "\"unexpected\"", "not Open WebUI's {\"status\": true}",
                        "not a GetFoundationModelAvailability answer (modelId",
                        ("generation-invalid-image", "the answer holds no image")),
    "redirect-loop": Case(lambda: redirect(), "a redirect to /health/liveliness; the doctor follows no redirect",
                          "a redirect to /health; the doctor follows no redirect", "the doctor follows no redirect",
                          ("bedrock-service-error", "the doctor follows no redirect")),
    "redirect-off-machine": Case(lambda: redirect(OFF_MACHINE), f"a redirect to {OFF_MACHINE}; the doctor follows",
                                 f"a redirect to {OFF_MACHINE}", f"a redirect to {OFF_MACHINE}",
                                 ("bedrock-service-error", f"a redirect to {OFF_MACHINE}")),
    "gzip-bomb": Case(gzip_bomb, "sent more than 4096 KiB once decompressed (gzip)", "sent more than 64 KiB",
                      "sent more than 4096 KiB once decompressed (gzip)",
                      ("bedrock-service-error", "sent more than 32768 KiB once decompressed (gzip)")),
    "1-gib-body": Case(giant, "sent more than 4096 KiB (Content-Length 1073741824)",
                       "sent more than 64 KiB (Content-Length 1073741824)",
                       "sent more than 4096 KiB (Content-Length 1073741824)",
                       ("bedrock-service-error", "sent more than 32768 KiB (Content-Length 1073741824)")),
    "1-gib-chunked": Case(lambda: giant(chunked=True), "sent more than 4096 KiB; stopped", "sent more than 64 KiB;",
                          "sent more than 4096 KiB; stopped", ("bedrock-service-error", "sent more than 32768 KiB;")),
    "slow-body": Case(lambda: drip(seconds=30), TOO_LATE, "sent more than 64 KiB", TOO_LATE,
                      ("generation-timeout", TOO_LATE)),
    "endless-chunks": Case(endless_chunks, TOO_LATE, TOO_LATE, TOO_LATE, ("generation-timeout", TOO_LATE)),
    "http10-no-length": Case(http10_unbounded, TOO_LATE, TOO_LATE, TOO_LATE, ("generation-timeout", TOO_LATE)),
    "slowloris": Case(slowloris, "but no complete headers within 1.5 s", "but no complete headers within 1.5 s",
                      "but no complete headers within 1.5 s", ("generation-timeout", "no complete headers")),
    "silence": Case(lambda: silent(30), "no answer within 1.5 s", "no answer within 1.5 s", "no answer within 1.5 s",
                    ("generation-timeout", "no answer within 1.5 s")),
    "closes-at-once": Case(close_at_once, "closed the connection without answering",
                           "closed the connection without answering", "closed the connection without answering",
                           ("bedrock-service-error", "closed the connection without answering")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_probes_and_the_bedrock_control_plane(name: str, tmp_path: Path):
    """One run: the LiteLLM and Open WebUI probes and Bedrock's control plane, all at the hostile server
    (STS GetCallerIdentity answers as AWS does, so the control-plane call is made)."""
    case = CASES[name]
    with FakeLiteLLM({}, case.route(), sts=True) as fake:
        run = run_against(fake.url, FRONT, aws_user(tmp_path))
    bounded(run)
    finding(run, "litellm.live.reachable", "litellm-unreachable", case.litellm)
    finding(run, "openwebui.health", "openwebui-unreachable", case.openwebui)
    assert run.one("bedrock.credentials")["status"] == "pass", run.explain()
    r = finding(run, "bedrock.model-access", "bedrock-service-error", case.control, "GetFoundationModelAvailability")
    assert r["message"].count(fake.url) == 1, r["message"]   # the endpoint is named, once


# The runtime shares the control plane's transport: one case per way its streamed answer can go wrong.
RUNTIME_CASES = ["html", "wrong-shape", "redirect-off-machine", "gzip-bomb", "1-gib-body", "slow-body", "slowloris",
                 "closes-at-once"]


@pytest.mark.parametrize("name", RUNTIME_CASES)
def test_bedrock_runtime(name: str, tmp_path: Path):
    """The direct InvokeModel (named with --only) at the hostile server."""
    case = CASES[name]
    fix, words = case.runtime
    with FakeLiteLLM({}, case.route(), sts=True) as fake:
        run = run_against(fake.url, RUNTIME, aws_user(tmp_path))
    bounded(run)
    finding(run, "bedrock.generate", fix, words)


def test_a_server_that_accepts_and_never_reads(tmp_path: Path):
    with black_hole() as hole:
        run = run_against(hole.url, "litellm.live.reachable,openwebui.health,bedrock.credentials",
                          aws_user(tmp_path))
    bounded(run)
    finding(run, "litellm.live.reachable", "litellm-unreachable", "no answer within 1.5 s")
    finding(run, "openwebui.health", "openwebui-unreachable", "no answer within 1.5 s")
    finding(run, "bedrock.credentials", "bedrock-service-error", "sts GetCallerIdentity", "no answer within 1.5 s")


def test_sts_answering_html(tmp_path: Path):
    """botocore's XML parser fails on the page: a finding naming the endpoint and what came back."""
    with FakeLiteLLM({}, HTML) as fake:
        run = run_against(fake.url, "bedrock.credentials", aws_user(tmp_path))
    bounded(run)
    finding(run, "bedrock.credentials", "bedrock-service-error", "sts GetCallerIdentity", fake.url,
            "HTTP 200 text/html: '<!doctype html>")


def test_an_html_error_page_is_not_read_as_bedrock_refusing(tmp_path: Path):
    """A 403 page from a proxy in front is not Bedrock's AccessDeniedException."""
    page = answer(403, "<html><body><h1>403 Forbidden</h1>Access denied by policy</body></html>", "text/html")
    with FakeLiteLLM({}, page, sts=True) as fake:
        run = run_against(fake.url, "bedrock.credentials,bedrock.model-access", aws_user(tmp_path))
    bounded(run)
    finding(run, "bedrock.model-access", "bedrock-service-error", "403 text/html", "not an AWS error answer")


def test_echoed_credentials_are_masked(tmp_path: Path):
    """A server that echoes the request headers (the key first) into the excerpt the finding shows."""
    routes = {"/health/liveliness": answer(200, '"I\'m alive!"'), "/health": answer(200, {"status": True}),
              "/api/version": answer(200, {"version": "0.12.4"})}
    with FakeLiteLLM(routes, echo_headers(), sts=True) as fake:
        run = run_against(fake.url, "litellm.live.reachable,litellm.live.key,openwebui,bedrock.credentials,"
                          "bedrock.model-access", aws_user(tmp_path), "--openwebui-token", TOKEN)
        seen = fake.seen
    assert "/v1/models" in seen and "/api/v1/images/config" in seen, seen
    finding(run, "litellm.live.key", "litellm-unhealthy", "/v1/models")
    finding(run, "bedrock.model-access", "bedrock-service-error", '{"x-amz-security-token": "host…')
    for secret in (KEY, TOKEN, SECRET_KEY, SESSION_TOKEN, ACCESS_KEY):
        for i in range(len(secret) - 9):
            assert secret[i:i + 10] not in run.stdout + run.stderr, f"a piece of {secret[:4]}… is printed"


# -- in-process: what the transport itself does ------------------------------------------------


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every connection the process opens, recorded; any that is not to loopback is refused."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        opened.append(address[:2])
        if address[0] not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"the doctor tried to connect to {address}")
        return real(address, *args, **kwargs)
    monkeypatch.setattr(socket, "create_connection", guarded)
    return opened


@pytest.mark.parametrize("client", ["probes", "aws"])
def test_no_redirect_is_followed_off_the_machine(client: str, loopback_only: list):
    http = Http(read_timeout=TIMEOUT) if client == "probes" else AwsTransport(2.0, TIMEOUT).http
    with FakeLiteLLM({}, redirect(OFF_MACHINE, status=307)) as fake:
        with pytest.raises(ProbeError) as err:
            http.exchange("GET", fake.url + "/x", headers={})
    http.close()
    assert err.value.kind == "redirect" and OFF_MACHINE in str(err.value)
    assert {host for host, _ in loopback_only} == {"127.0.0.1"}


def test_a_nested_gzip_bomb_stays_within_the_cap():
    """Content-Encoding `gzip, gzip`: 4 KiB on the wire, 64 MiB once undone: memory stays near the cap."""
    import gzip
    inner = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    bomb = gzip.compress(inner, compresslevel=9)
    http = Http(read_timeout=TIMEOUT)
    with FakeLiteLLM({"/bomb": answer(200, bomb, headers={"content-encoding": "gzip, gzip"})}) as fake:
        tracemalloc.start()
        with pytest.raises(ProbeError) as err:
            http.get(fake.url + "/bomb", max_body=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    http.close()
    assert err.value.kind == "too-large" and "once decompressed (gzip, gzip)" in str(err.value)
    assert peak < 16 << 20, f"{peak >> 20} MiB"


def test_a_small_gzip_answer_is_read():
    """What must stay quiet: an honest gzip answer is decoded, whole."""
    import gzip
    body = b'{"status": true, "pad": "' + b"x" * 5000 + b'"}'
    http = Http(read_timeout=TIMEOUT)
    with FakeLiteLLM({"/health": answer(200, gzip.compress(body), headers={"content-encoding": "gzip"})}) as fake:
        got = http.get(fake.url + "/health")
    http.close()
    assert got.body == body and got.json()["status"] is True and "content-encoding" not in got.headers


def test_healthy_litellm_routes_stay_quiet():
    """The same fake with honest answers: the probes pass (no false alarm from the bounds)."""
    with FakeLiteLLM(litellm_routes()) as fake:
        run = doctor("--json", "--project", str(HEALTHY), "--litellm-url", fake.url, "--litellm-image-url", fake.url,
                     "--litellm-key", KEY, "--timeout", str(TIMEOUT), "--only", "litellm.live.reachable,litellm.live.key")
    assert run.code == 0 and {r["status"] for r in run.json["results"]} == {"pass"}, run.explain()
