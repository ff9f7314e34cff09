"""Logging set-up that never lets a secret reach a log line."""

from __future__ import annotations

import logging
import sys


class RedactingFilter(logging.Filter):
    """Replace every occurrence of the given secrets in log records with '[redacted]'."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message, scrub it, and keep the record."""
        message = record.getMessage()
        text = message
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "[redacted]")
        if text != message:
            record.msg, record.args = text, None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    """Log to stderr at ``level``, with secrets redacted from every handler's output."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
