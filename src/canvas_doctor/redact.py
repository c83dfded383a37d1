"""The one place secrets are masked. Every reporter receives an already-redacted report."""
from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import replace
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

from .models import Fix, Location, Report, Result

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|DATABASE_URL|PRIVATE|SESSION)",
                          re.IGNORECASE)
_NOT_SECRET_NAMES = re.compile(r"^(ENABLE_|.*_ENABLED$|.*_KEY_PREFIX$|.*KEY_NAME$|.*_HEADER$)", re.IGNORECASE)
# A value that is itself a variable's name (`OPENAI_API_KEY_ENV: OPENAI_API_KEY`) names a secret, it is not one.
_VARIABLE_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
# `+  KEY=value`, `-      api_key: value` in a diff: a name, then its literal value (not a reference).
_ASSIGNMENT = re.compile(r"^(?P<head>[-+ ]\s*(?:-\s+)?[\"']?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>=|:\s*)"
                         r"(?P<value>[^#\s\"']+)")
_NOT_LITERAL = ("$", "os.environ/", "!", "{", "[")
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


MIN_PIECE = 6      # a prefix or suffix of a secret this long is masked where it stands alone
LONG_PIECE = 10    # ... and this long wherever it appears
SURE_PIECE = 16    # ... and this long even when it has no digit
_SURROGATE = re.compile("[\ud800-\udfff]")


def displayable(value: str) -> str:
    """Text any strict UTF-8 stream can print: a file name that is not UTF-8 (surrogate-escaped
    by Python) is shown with backslash escapes, `caf\\xe9.yaml`."""
    if value.isascii() or not _SURROGATE.search(value):
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


def forms_of(secret: str) -> set[str]:
    """Every way a secret may be written where the doctor prints it: as is, URL-encoded, JSON- and
    HTML-escaped, and with Compose's `$$` for a `$` (or the other way round)."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), html.escape(secret),
             json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    if "$" in secret:
        forms |= {secret.replace("$", "$$"), secret.replace("$$", "$")}
    return {f for f in forms if len(f) >= 4}


def _alone(text: str, i: int) -> bool:
    """Whether position i of text is a token edge (start, end, or next to a non-alphanumeric)."""
    return i <= 0 or i >= len(text) or not text[i].isalnum() or not text[i - 1].isalnum()


def _masks(piece: str, alone: bool) -> bool:
    """Whether a prefix or suffix of a secret is masked where it stands: it must look like part of a
    key (letters and digits mixed), alone as a token or long; 16+ characters always. So a service
    named `litellm-nomount` stays readable beside a key `nomount-new-master-key-7777`."""
    if len(piece) >= SURE_PIECE:
        return True
    mixed = any(c.isdigit() for c in piece) and any(c.isalpha() for c in piece)
    return mixed and (alone or len(piece) >= LONG_PIECE)


def _mask_prefixes(value: str, secret: str) -> str:
    head = secret[:MIN_PIECE]
    i = value.find(head)
    while i >= 0:
        n = MIN_PIECE
        while n < len(secret) and i + n < len(value) and value[i + n] == secret[n]:
            n += 1
        if _masks(value[i:i + n], _alone(value, i) and _alone(value, i + n)):
            shown = f"{secret[:4]}…"
            value = value[:i] + shown + value[i + n:]
            i = value.find(head, i + len(shown))
        else:
            i = value.find(head, i + 1)
    return value


def _mask_suffixes(value: str, secret: str) -> str:
    tail = secret[-MIN_PIECE:]
    i = value.find(tail)
    while i >= 0:
        start, n = i, MIN_PIECE
        while n < len(secret) and start > 0 and value[start - 1] == secret[-n - 1]:
            start -= 1
            n += 1
        end = i + MIN_PIECE
        if _masks(value[start:end], _alone(value, start) and _alone(value, end)):
            shown = f"…{secret[-4:]}"
            value = value[:start] + shown + value[end:]
            i = value.find(tail, start + len(shown))
        else:
            i = value.find(tail, i + 1)
    return value


def _pieces_apply(secret: str) -> bool:
    """Prefixes and suffixes are masked for secret-looking values, not for paths (a KEY_FILE=/home/...)."""
    return (len(secret) > MIN_PIECE and not secret.startswith(("/", "~/", "./", "../")) and " " not in secret
            and "://" not in secret)  # a URL's pieces are host and path words; its password is registered alone


class Redactor:
    """Masks registered secret values and secret-shaped strings in any text or structure.

    A secret is registered once (:meth:`add`) and then masked in all its forms (:func:`forms_of`),
    and where only a prefix or a suffix of it appears (a server quoting the first characters of a
    key, a value cut by `$$`): longer than the masked display, alone as a token or long.
    """

    def __init__(self, secrets: Iterable[str] = ()):
        self._secrets: set[str] = set()
        self._whole: list[tuple[str, str]] = []      # (form, its mask), longest first
        self._pieces: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str | None]) -> None:
        fresh = False
        for s in secrets:
            if isinstance(s, str) and len(s) >= 4 and s.strip().lower() not in _HARMLESS and s not in self._secrets \
                    and not _VARIABLE_NAME.fullmatch(s):
                self._secrets.add(s)
                fresh = True
        if fresh:
            whole = {(form, mask(s)) for s in self._secrets for form in forms_of(s)}
            self._whole = sorted(whole, key=lambda fm: (-len(fm[0]), fm[0]))
            pieces = {form for s in self._secrets if _pieces_apply(s)
                      for form in (s, s.replace("$", "$$"), quote(s, safe="")) if len(form) > MIN_PIECE}
            self._pieces = sorted(pieces, key=len, reverse=True)

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def text(self, value: str) -> str:
        if not value:
            return value
        value = displayable(value)
        # Longest first, so a secret that contains another is masked whole.
        for form, masked in self._whole:
            if form in value:
                value = value.replace(form, masked)
        for secret in self._pieces:
            value = _mask_suffixes(_mask_prefixes(value, secret), secret)
        for pattern in _PATTERNS:
            value = pattern.sub(lambda m: mask(m.group(0)), value)
        return value

    def value(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.text(obj)
        if obj is None or isinstance(obj, (bool, int, float)):
            return obj
        if isinstance(obj, dict):
            return {self.value(k) if isinstance(k, str) else k: self.value(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if isinstance(obj, (tuple, set, frozenset)):
            return [self.value(v) for v in obj] if isinstance(obj, (set, frozenset)) else tuple(self.value(v) for v in obj)
        return self.text(str(obj))  # a Path, a datetime, bytes: shown as text, masked like text

    def diff_line(self, line: str) -> str:
        """A line of a unified diff (`canvas-doctor fix`): registered secrets masked, and the literal value
        of a secret-named variable or key too, registered or not (a key typed into a file)."""
        line = self.text(line)
        m = _ASSIGNMENT.match(line)
        if m and is_secret_name(m.group("name")):
            value = m.group("value")
            if not value.startswith(_NOT_LITERAL) and "…" not in value and value.lower() not in ("true", "false", "null"):
                line = line[: m.start("value")] + mask(value) + line[m.end("value"):]
        return line

    def fix(self, fix: Fix | None) -> Fix | None:
        if fix is None:
            return None
        return replace(fix, title=self.text(fix.title), steps=tuple(self.text(s) for s in fix.steps),
                       snippet=self.text(fix.snippet) if fix.snippet else fix.snippet,
                       cause=self.text(fix.cause) if fix.cause else fix.cause,
                       guide_section=self.text(fix.guide_section) if fix.guide_section else fix.guide_section)

    def location(self, loc: Location | None) -> Location | None:
        return None if loc is None else replace(loc, file=self.text(loc.file))

    def result(self, r: Result) -> Result:
        return replace(r, message=self.text(r.message), data=self.value(r.data), fix=self.fix(r.fix),
                       fix_params=self.value(r.fix_params), detail=self.text(r.detail) if r.detail else None,
                       title=self.text(r.title), location=self.location(r.location))

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
