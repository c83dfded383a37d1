"""BedrockEmulator: one loopback HTTP server for bedrock-runtime, bedrock (control plane) and STS.

Routes (AWS paths as in botocore 1.44.8's service models):
  POST /model/{modelId}/invoke                      InvokeModel            (runtime.py)
  POST /model/{modelId}/converse                    Converse (minimal)
  POST /model/{modelId}/invoke-with-response-stream, /converse-stream  (checks only, then 400)
  GET  /foundation-models                           ListFoundationModels   (control.py)
  GET  /foundation-models/{modelIdentifier}         GetFoundationModel
  GET  /foundation-model-availability/{modelId}     GetFoundationModelAvailability
  POST /  Action=GetCallerIdentity                  STS                    (sts.py)
Anything else: 404 UnknownOperationException.
A region as the first path segment serves that region instead of emu.region, so one emulator can play
several: aws_bedrock_runtime_endpoint (or boto3's endpoint_url) http://127.0.0.1:PORT/us-west-2.
Test/admin routes (for an emulator run as a separate process), never AWS paths:
  GET /_emulator/health, GET|DELETE /_emulator/requests, GET /_emulator/models[/{id}],
  POST|PUT|DELETE /_emulator/models/{id}  (JSON body: ModelSettings fields to change),
  GET|POST /_emulator/control  ({"fault": <error fault or null>} for every control-plane call)
  GET|POST /_emulator/clock    ({"today": "2026-01-15"} or {"now": "<ISO timestamp>"}; {} = real time)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import socket
import ssl
import tempfile
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import auth, control, runtime, sts
from .errors import ERROR_FAULTS, AwsError
from .models import BASE, CATALOG, INHERIT, ModelSettings, parse_time
from .reqlog import SECRET_HEADERS, RecordedRequest, RequestLog

log = logging.getLogger("canvas_doctor_emulator")
# A region as the first path segment (us-west-2, eu-central-1, us-gov-west-1 ...): that region is served.
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d")

_MODEL_OPS = {
    "invoke": "InvokeModel",
    "converse": "Converse",
    "invoke-with-response-stream": "InvokeModelWithResponseStream",
    "converse-stream": "ConverseStream",
}


def _noon(day: str | date) -> datetime:
    """A day -> noon UTC on it (well inside the day, whatever time a date in the catalog names)."""
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            raise ValueError(f"today must be a day like 2026-01-15, not {day!r}") from None
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def _as_settings(value: ModelSettings | Mapping[str, Any] | None) -> ModelSettings:
    if value is None:
        return ModelSettings()
    if isinstance(value, ModelSettings):
        return value
    return ModelSettings(**dict(value))


class BedrockEmulator:
    """A fake AWS Bedrock for tests: see the package docstring for the whole API."""

    def __init__(
        self,
        region: str = "us-east-1",
        models: Mapping[str, ModelSettings | Mapping[str, Any]] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        include_catalog: bool = True,
        aliases: Mapping[str, str] | None = None,
        valid_keys: Iterable[str] | None = None,
        check_key_format: bool = True,
        follow_signed_region: bool = False,
        account_id: str = "123456789012",
        now: str | datetime | Callable[[], datetime] | None = None,
        tls: bool | tuple[str | Path, str | Path] = False,
        control_fault: str | None = None,
        today: str | date | None = None,
        lifecycle: Mapping[str, str | None] | None = None,
    ) -> None:
        """`now` (a timestamp or a clock) or `today` (a day: noon UTC on it) sets the emulator's clock,
        which decides each model's lifecycle; default: the real time. `lifecycle` forces a model's
        lifecycle ({model id: "ACTIVE" | "LEGACY" | "EOL" | None}), e.g. {NOVA: "ACTIVE"} to rehearse
        the stack as it was before Nova Canvas's end of life."""
        self.region = region
        # An error fault (errors.ERROR_FAULTS) for every control-plane call; may be changed at run time.
        if control_fault is not None and control_fault not in ERROR_FAULTS:
            raise ValueError(f"unknown control_fault {control_fault!r}; known: {', '.join(ERROR_FAULTS)}")
        self.control_fault = control_fault
        self.tls = tls
        self.ca_file: str | None = None  # the certificate to trust, when serving HTTPS
        self._tmpdir: tempfile.TemporaryDirectory | None = None
        self.host = host
        self._port = port
        self.aliases: dict[str, str] = dict(aliases or {})
        self.valid_keys: set[str] | None = set(valid_keys) if valid_keys is not None else None
        self.check_key_format = check_key_format
        self.follow_signed_region = follow_signed_region
        self.account_id = account_id
        if now is not None and today is not None:
            raise ValueError("give the emulator `now` or `today`, not both")
        self._clock = self._make_clock(now if today is None else _noon(today))
        self._lock = threading.RLock()
        initial: dict[str, ModelSettings] = {}
        if include_catalog:
            initial = {k: dataclasses.replace(v) for k, v in CATALOG.items()}
        for model_id, value in (models or {}).items():
            initial[model_id] = initial.get(model_id, CATALOG.get(model_id, BASE)).merged(_as_settings(value))
        for model_id, status in (lifecycle or {}).items():
            if model_id not in initial and model_id not in CATALOG:
                raise ValueError(f"lifecycle override for an unknown model {model_id!r}")
            initial[model_id] = initial.get(model_id, CATALOG.get(model_id, BASE)).merged({"lifecycle": status})
        self._initial = initial
        self._settings = {k: dataclasses.replace(v) for k, v in initial.items()}
        self.log = RequestLog()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ construction helpers

    @staticmethod
    def _make_clock(now: Any) -> Callable[[], datetime]:
        if now is None:
            return lambda: datetime.now(timezone.utc)
        if callable(now):
            return now
        fixed = parse_time(now) if isinstance(now, str) else now
        if fixed.tzinfo is None:
            fixed = fixed.replace(tzinfo=timezone.utc)
        return lambda: fixed

    @classmethod
    def from_config(cls, source: str | Path | Mapping[str, Any], **overrides: Any) -> BedrockEmulator:
        """Build from a JSON config file (or its dict): see config.py for the keys."""
        from .config import load

        kwargs = load(source)
        kwargs.update(overrides)
        return cls(**kwargs)

    # ------------------------------------------------------------ model settings

    def settings(self, model_id: str | None) -> ModelSettings | None:
        """The model's current, fully resolved settings (a copy), or None when unknown."""
        with self._lock:
            s = self._settings.get(model_id) if model_id else None
            return dataclasses.replace(s) if s else None

    def all_settings(self) -> dict[str, ModelSettings]:
        with self._lock:
            return {k: dataclasses.replace(v) for k, v in self._settings.items()}

    def set_model(self, model_id: str, settings: ModelSettings | Mapping[str, Any] | None = None, **changes: Any):
        """Change a model's behaviour at run time, e.g. set_model(id, fault="throttle", fault_times=2).
        Fields not named keep their current values. A model the catalog lacks is added."""
        update = _as_settings(settings).overrides()
        update.update(changes)
        with self._lock:
            current = self._settings.get(model_id) or CATALOG.get(model_id, BASE)
            new = current.merged(update)
            self._settings[model_id] = new
            return dataclasses.replace(new)

    def reset_model(self, model_id: str) -> None:
        """Back to the settings the emulator started with (removes a model added later)."""
        with self._lock:
            if model_id in self._initial:
                self._settings[model_id] = dataclasses.replace(self._initial[model_id])
            else:
                self._settings.pop(model_id, None)

    def take_fault(self, model_id: str) -> str | None:
        """The fault to apply to this invocation; counts down fault_times."""
        with self._lock:
            s = self._settings.get(model_id)
            if s is None or not s.fault:
                return None
            if s.fault_times is not None:
                left = int(s.fault_times) - 1
                if left <= 0:
                    self._settings[model_id] = dataclasses.replace(s, fault=None, fault_times=None)
                else:
                    self._settings[model_id] = dataclasses.replace(s, fault_times=left)
            return s.fault

    # ------------------------------------------------------------ time

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return self.now().date()

    def set_clock(self, now: str | datetime | Callable[[], datetime] | None = None,
                  today: str | date | None = None) -> None:
        """Move the emulator's clock at run time (both None: back to the real time)."""
        if now is not None and today is not None:
            raise ValueError("give `now` or `today`, not both")
        self._clock = self._make_clock(now if today is None else _noon(today))

    def sleep(self, seconds: float) -> None:
        """Latency: interrupted when the emulator stops."""
        self._stopping.wait(seconds)

    # ------------------------------------------------------------ request log

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.log.snapshot()

    def clear_requests(self) -> None:
        self.log.clear()

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        return self.log.wait(count, timeout)

    def invocations(self, model_id: str | None = None) -> list[RecordedRequest]:
        """InvokeModel requests, optionally only those that resolved to (or named) model_id."""
        return [
            r
            for r in self.requests
            if r.operation == "InvokeModel" and (model_id is None or model_id in (r.model_id, r.resolved_model_id))
        ]

    # ------------------------------------------------------------ lifecycle

    def _bind(self) -> ThreadingHTTPServer:
        if self._server is None:
            server = _Server((self.host, self._port), _Handler)
            if self.tls:
                from .tls import self_signed, server_context

                if self.tls is True:
                    self._tmpdir = tempfile.TemporaryDirectory(prefix="bedrock-emulator-tls-")
                    cert, key = self_signed(Path(self._tmpdir.name))
                else:
                    cert, key = (Path(p) for p in self.tls)
                self.ca_file = str(cert)
                # The handshake runs in the handler thread (see _Handler.setup), not in accept().
                server.socket = server_context(cert, key).wrap_socket(
                    server.socket, server_side=True, do_handshake_on_connect=False
                )
            server.emulator = self  # type: ignore[attr-defined]
            self._server = server
        return self._server

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self) -> BedrockEmulator:
        """Serve in a background thread (port 0 picks a free port)."""
        if self._thread is not None:
            return self
        server = self._bind()
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="bedrock-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until stop() (the CLI's mode)."""
        self._bind().serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> BedrockEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclasses.dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict | None = None
    error_code: str | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # quiet: a client went away mid-request
        log.debug("connection from %s failed: %s", client_address, traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BedrockEmulator/0.1"
    timeout = 120  # idle keep-alive connections end after this

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                log.debug("TLS handshake failed: %s", exc)
                self.close_connection = True
                raise

    def handle(self) -> None:
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s - %s", self.address_string(), format % args)

    @property
    def emu(self) -> BedrockEmulator:
        return self.server.emulator  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    # ------------------------------------------------------------ plumbing

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str = "application/json", headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        # Headers and body in one write: two small writes meet Nagle + delayed ACK (a 40 ms stall).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def _send_json(self, status: int, obj: Any, headers=None) -> None:
        self._send(status, json.dumps(obj).encode("utf-8"), headers=headers)

    # ------------------------------------------------------------ routing

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        raw_path = re.sub(r"^/{2,}", "/", split.path)  # a trailing "/" on the endpoint gives "//model/..."
        query = parse_qs(split.query, keep_blank_values=True)
        segs = [unquote(s) for s in raw_path.split("/")[1:]]
        body = self._read_body()
        if segs and segs[0] == "_emulator":
            self._admin(segs[1:], body)
            return
        path_region = None
        if len(segs) > 1 and _REGION.fullmatch(segs[0]):  # an endpoint like http://127.0.0.1:PORT/us-west-2
            path_region, segs = segs[0], segs[1:]
        operation, model_id, service = self._route(segs, body, query)
        info = auth.identify(self.headers)
        record = RecordedRequest(
            method=self.command,
            path=split.path,
            query=query,
            operation=operation,
            model_id=model_id,
            resolved_model_id=None,
            body=_decode(body),
            headers={k: v for k, v in self.headers.items() if k.lower() not in SECRET_HEADERS},
            auth=info.kind if info.kind in ("sigv4", "bearer", None) else "other",
            auth_region=info.region,
            auth_service=info.service,
        )
        emu = self.emu
        emu.log.add(record)
        try:
            reply = self._answer(operation, model_id, service, info, body, query, record, path_region)
        except AwsError as err:
            reply = _Reply(err.status, json.dumps(err.body()).encode(), headers={"x-amzn-ErrorType": err.error_type},
                           error_code=err.code)  # fmt: skip
        except runtime.DropConnection:
            emu.log.finish(record, None, "drop")
            self.close_connection = True
            return
        except Exception as exc:  # a bug in the emulator: answer like AWS would, and say why
            log.error("emulator error: %s", traceback.format_exc())
            err = AwsError(500, "InternalServerException", f"bedrock emulator bug: {exc!r}")
            reply = _Reply(500, json.dumps(err.body()).encode(), headers={"x-amzn-ErrorType": err.error_type},
                           error_code=err.code)  # fmt: skip
        # Recorded before the answer leaves, so a client that has its answer sees the record complete.
        emu.log.finish(record, reply.status, reply.error_code)
        self._send(reply.status, reply.body, reply.content_type, reply.headers)

    def _answer(self, operation, model_id, service, info, body, query, record, path_region=None) -> _Reply:
        emu = self.emu
        if operation is None:
            raise AwsError(404, "UnknownOperationException", None, namespace=None)
        if service == "sts":
            return self._sts(info, body, record)
        served = path_region or emu.region
        auth.check(
            info,
            region=served,
            service="bedrock",
            valid_keys=emu.valid_keys,
            check_key_format=emu.check_key_format,
            follow_signed_region=emu.follow_signed_region,
        )
        region = info.region if (emu.follow_signed_region and info.kind == "sigv4") else served
        if operation in _MODEL_OPS.values():
            fn = {"InvokeModel": runtime.invoke_model, "Converse": runtime.converse}.get(operation, runtime.streaming)
            answer = fn(emu, model_id, body, region, lambda resolved: setattr(record, "resolved_model_id", resolved))
            return _Reply(200, answer.body, answer.content_type)
        control.apply_fault(emu, operation)
        if operation == "ListFoundationModels":
            result = control.list_foundation_models(emu, query, region)
        elif operation == "GetFoundationModel":
            result = control.get_foundation_model(emu, model_id, region)
        else:
            result = control.get_availability(emu, model_id, region)
        return _Reply(200, json.dumps(result).encode())

    def _route(self, segs: list[str], body: bytes, query: dict) -> tuple[str | None, str | None, str]:
        method = self.command
        if method == "POST" and len(segs) == 3 and segs[0] == "model" and segs[2] in _MODEL_OPS:
            return _MODEL_OPS[segs[2]], segs[1], "bedrock"
        if method == "GET" and segs == ["foundation-models"]:
            return "ListFoundationModels", None, "bedrock"
        if method == "GET" and len(segs) == 2 and segs[0] == "foundation-models":
            return "GetFoundationModel", segs[1], "bedrock"
        if method == "GET" and len(segs) == 2 and segs[0] == "foundation-model-availability":
            return "GetFoundationModelAvailability", segs[1], "bedrock"
        if method == "POST" and segs in ([], [""]):
            action = sts.action(body, query)
            if action:
                return action, None, "sts"
        return None, None, "bedrock"

    def _sts(self, info: auth.AuthInfo, body: bytes, record: RecordedRequest) -> _Reply:
        emu = self.emu
        if info.kind == "bearer":  # Bedrock API keys do not sign STS calls
            info = auth.AuthInfo("other")
        try:
            auth.check(
                info,
                region=emu.region,
                service="sts",
                valid_keys=emu.valid_keys,
                check_key_format=emu.check_key_format,
                follow_signed_region=True,  # STS has a global endpoint: any region scope is fine
            )
        except AwsError as err:
            code = "InvalidClientTokenId" if err.code == "UnrecognizedClientException" else err.code
            return _Reply(err.status, sts.error(code, err.message or ""), "text/xml", error_code=code)
        if record.operation != "GetCallerIdentity":
            msg = f"Could not find operation {record.operation}"
            return _Reply(400, sts.error("InvalidAction", msg), "text/xml", error_code="InvalidAction")
        return _Reply(200, sts.caller_identity(emu.account_id), "text/xml")

    # ------------------------------------------------------------ admin (tests, other processes)

    def _admin(self, segs: list[str], body: bytes) -> None:
        emu, method = self.emu, self.command
        try:
            if segs == ["health"]:
                self._send_json(200, {"status": "ok", "region": emu.region, "url": emu.url,
                                      "now": emu.now().strftime("%Y-%m-%dT%H:%M:%SZ")})
            elif segs == ["clock"]:
                if method in ("POST", "PUT"):
                    change = json.loads(body or b"{}")
                    emu.set_clock(now=change.get("now"), today=change.get("today"))
                self._send_json(200, {"now": emu.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "today": str(emu.today())})
            elif segs == ["requests"] and method == "GET":
                self._send_json(200, [r.to_dict() for r in emu.requests])
            elif segs == ["requests"] and method == "DELETE":
                emu.clear_requests()
                self._send_json(200, {"cleared": True})
            elif segs == ["control"]:
                if method in ("POST", "PUT"):
                    fault = json.loads(body or b"{}").get("fault")
                    if fault is not None and fault not in ERROR_FAULTS:
                        raise ValueError(f"unknown control fault {fault!r}")
                    emu.control_fault = fault
                self._send_json(200, {"fault": emu.control_fault})
            elif segs == ["models"] and method == "GET":
                self._send_json(200, {k: v.to_dict() for k, v in emu.all_settings().items()})
            elif len(segs) == 2 and segs[0] == "models":
                model_id = segs[1]
                if method in ("POST", "PUT"):
                    changes = json.loads(body or b"{}")
                    self._send_json(200, emu.set_model(model_id, **changes).to_dict())
                    return
                if method == "DELETE":
                    emu.reset_model(model_id)
                s = emu.settings(model_id)
                if s is None:
                    self._send_json(404, {"error": f"unknown model {model_id}"})
                else:
                    self._send_json(200, s.to_dict())
            else:
                self._send_json(404, {"error": "unknown emulator admin route"})
        except (ValueError, TypeError) as exc:
            self._send_json(400, {"error": str(exc)})


def _decode(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


__all__ = ["BedrockEmulator", "INHERIT"]
