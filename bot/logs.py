"""Logging set-up that never lets a secret reach a log line."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import sys

MIN_SECRET_PART = 8
"""Dot-separated parts of a secret at least this long are redacted on their own too (a token's id and HMAC)."""


def secret_variants(secret: str) -> list[str]:
    """Return the forms of a secret that must never be logged: itself, its base64, its long parts."""
    if not secret:
        return []
    raw = secret.encode()
    variants = {
        secret,
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        *(part for part in secret.split(".") if len(part) >= MIN_SECRET_PART),
    }
    return sorted(variants, key=len, reverse=True)  # longest first, so a part never splits the whole


class RedactingFilter(logging.Filter):
    """Replace every occurrence of the given secrets (and their variants) in log records with '[redacted]'."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [variant for secret in secrets for variant in secret_variants(secret)]

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message, scrub it and any traceback or stack, and keep the record."""
        message = record.getMessage()
        text = self._scrub(message)
        if text != message:
            record.msg, record.args = text, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self._scrub(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the traceback if any.

    It formats what the handler's filters left: with ``RedactingFilter`` on the handler, message and
    traceback are already scrubbed (the traceback is taken from ``exc_text``, never re-rendered).
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, secrets: list[str], *, log_format: str = "text") -> None:
    """Log to stderr at ``level`` as text or JSON lines, with secrets redacted from every handler's output."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
