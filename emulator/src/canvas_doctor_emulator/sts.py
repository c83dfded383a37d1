"""A minimal STS GetCallerIdentity (awsQuery protocol, XML), so an identity check can run
against the emulator too. Bedrock API keys do not sign STS calls (botocore sends no Bearer to
STS), so only SigV4 reaches here."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def caller_identity(account_id: str, user: str = "canvas-doctor-emulator") -> bytes:
    rid = uuid.uuid4()
    return (
        f'<GetCallerIdentityResponse xmlns="{NS}"><GetCallerIdentityResult>'
        f"<Arn>arn:aws:iam::{escape(account_id)}:user/{escape(user)}</Arn>"
        f"<UserId>AIDAEMULATOR000000001</UserId><Account>{escape(account_id)}</Account>"
        f"</GetCallerIdentityResult><ResponseMetadata><RequestId>{rid}</RequestId>"
        f"</ResponseMetadata></GetCallerIdentityResponse>"
    ).encode()


def error(code: str, message: str) -> bytes:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{escape(code)}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()


def action(raw_body: bytes, query: dict) -> str | None:
    form = parse_qs(raw_body.decode("utf-8", "replace")) if raw_body else {}
    values = form.get("Action") or query.get("Action")
    return values[0] if values else None
