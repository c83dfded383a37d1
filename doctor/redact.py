"""The one place secrets are masked. Every reporter receives an already-redacted report."""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any, Iterable

from .models import Fix, Report, Result

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|DATABASE_URL|PRIVATE|SESSION)",
                          re.IGNORECASE)
_NOT_SECRET_NAMES = re.compile(r"^(ENABLE_|.*_ENABLED$|.*_KEY_PREFIX$|.*KEY_NAME$|.*_HEADER$)", re.IGNORECASE)
_HARMLESS = {"true", "false", "none", "null", "yes", "no", "on", "off", "0", "1", ""}

# Shapes that are secrets wherever they appear, registered or not.
_PATTERNS = (
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),                 # AWS access key ids
    re.compile(r"(?<=Bearer )[A-Za-z0-9._~+/=-]{8,}"),             # bearer tokens
    re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"),                          # OpenAI/LiteLLM-style keys
    re.compile(r"\bABSK[A-Za-z0-9+/=]{16,}"),                       # Bedrock API keys
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),                 # user:password@ in URLs
)


def is_secret_name(name: str) -> bool:
    """Whether a variable or key name holds a secret (OPENAI_API_KEY yes, ENABLE_API_KEY no)."""
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAMES.match(name)


def mask(value: str) -> str:
    """`sk-test-1234567890` -> `sk-t…7890`; short values are hidden whole."""
    return f"{value[:4]}…{value[-4:]}" if len(value) >= 12 else "****"


class Redactor:
    """Masks registered secret values and secret-shaped strings in any text or structure."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str | None]) -> None:
        for s in secrets:
            if s and len(s) >= 4 and s.strip().lower() not in _HARMLESS:
                self._secrets.add(s)

    def text(self, value: str) -> str:
        if not value:
            return value
        # Longest first, so a secret that contains another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, mask(secret))
        for pattern in _PATTERNS:
            value = pattern.sub(lambda m: mask(m.group(0)), value)
        return value

    def value(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {self.value(k) if isinstance(k, str) else k: self.value(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.value(v) for v in obj) if isinstance(obj, list) else tuple(self.value(v) for v in obj)
        return obj

    def fix(self, fix: Fix | None) -> Fix | None:
        if fix is None:
            return None
        return replace(fix, title=self.text(fix.title), steps=tuple(self.text(s) for s in fix.steps),
                       snippet=self.text(fix.snippet) if fix.snippet else fix.snippet,
                       cause=self.text(fix.cause) if fix.cause else fix.cause)

    def result(self, r: Result) -> Result:
        return replace(r, message=self.text(r.message), data=self.value(r.data), fix=self.fix(r.fix),
                       fix_params=self.value(r.fix_params), detail=self.text(r.detail) if r.detail else None,
                       title=self.text(r.title))

    def report(self, report: Report) -> Report:
        return replace(report, results=[self.result(r) for r in report.results],
                       notes=[self.text(n) for n in report.notes], project=self.text(report.project),
                       stack=self.value(report.stack))


class RedactingFilter(logging.Filter):
    """Logging filter: every log record passes the redactor before any handler writes it."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = ()
        return True
