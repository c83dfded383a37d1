"""Bounded boto3 clients for the deployed stack's region, recording every call by its IAM action.

It is the Bedrock checks' `Aws` input with two differences: the region is the stack's (--region, else
AWS_REGION / AWS_DEFAULT_REGION, else the profile's), and no endpoint is forced, so boto3's own
AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> decide where calls go (how the tests reach moto).
Each call goes through canvas_doctor.aws_transport: one total deadline, capped bodies, one attempt.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ..aws_client import Aws, RegionChoice

DEFAULT_REGION = "us-east-1"


@dataclass
class StackAws(Aws):
    """The `Aws` input, for the stack's own services (cloudformation, ecs, elbv2, logs, iam, ...)."""

    operations: list[str] = field(default_factory=list)   # IAM action names of every call made, in order
    _ops_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str | None:
        return None  # boto3 reads AWS_ENDPOINT_URL(_<SERVICE>) itself

    def _choose_region(self) -> RegionChoice:
        if self.settings.region:
            return RegionChoice(self.settings.region, "--region")
        return self._region_of_this_machine() or RegionChoice(DEFAULT_REGION, "no region configured; AWS's default")

    def client(self, service: str, read_timeout: float | None = None) -> Any:
        client = super().client(service, read_timeout)
        client.meta.events.register("before-call", self._record, unique_id="canvas-doctor-record-operation")
        return client

    def _record(self, model: Any = None, **_: Any) -> None:
        """botocore's before-call event: the operation about to be sent, as `prefix:Operation`."""
        if model is None:
            return
        prefix = model.service_model.signing_name or model.service_model.endpoint_prefix
        with self._ops_lock:
            self.operations.append(f"{prefix}:{model.name}")

    def recorded(self) -> list[str]:
        with self._ops_lock:
            return list(self.operations)
