"""Secrets never reach a log line: a logging filter that redacts them from every record.

PTB logs its API URL (https://api.telegram.org/bot<token>/getUpdates) at DEBUG, httpx
logs every request URL at INFO, and an exception's text may quote either. The filter
sits on the root handlers, so it sees the records of every library at every level,
after they propagated; it rewrites the message, its arguments and any exception or stack
text before a formatter can print them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "[REDACTED]"
# A secret shorter than this could match ordinary words; tokens are far longer.
MIN_SECRET_LENGTH = 8


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Every way a secret may be written in a log: as is, URL-encoded, and for a bot
    token ("123456:ABC...") its secret part alone."""
    forms: set[str] = set()
    for secret in secrets:
        if len(secret) < MIN_SECRET_LENGTH:
            continue
        forms.update({secret, quote(secret, safe=""), quote(secret)})
        _, colon, key = secret.partition(":")
        if colon and len(key) >= MIN_SECRET_LENGTH:
            forms.add(key)
    return sorted(forms, key=len, reverse=True)  # longest first: no half-redacted token


class RedactingFilter(logging.Filter):
    """Replaces each secret with "[REDACTED]" in a record's message, exception and stack."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        forms = secret_forms(secrets)
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None
        self._formatter = logging.Formatter()

    def redact(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string or __str__ must not lose the line
            message = f"{record.msg!r} % {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install_redaction(secrets: Iterable[str], logger: logging.Logger | None = None) -> None:
    """Put a RedactingFilter on every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    redactor = RedactingFilter(secrets)
    for handler in target.handlers:
        handler.addFilter(redactor)
