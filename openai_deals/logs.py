"""One log format, and a cap on every log line, for the long-running processes.

Logs are English, for operators. Whatever a library puts in a message (a request body, a whole
Slack payload), no line grows past ``MAX_LINE_CHARS``: a flood of forged or huge requests
cannot flood the logs. Tracebacks are formatted separately and are not cut.
"""

from __future__ import annotations

import logging
import sys

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_LINE_CHARS = 2000


class CapLength(logging.Filter):
    """Cut a record's message to ``limit`` characters, saying how much was left out."""

    def __init__(self, limit: int = MAX_LINE_CHARS) -> None:
        super().__init__()
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > self.limit:
            record.msg = f"{message[: self.limit]}… [{len(message) - self.limit} characters cut]"
            record.args = None
        return True


def configure_logging(level: str) -> None:
    """Log to stderr at ``level`` in ``LOG_FORMAT`` (unless logging is already configured), and
    cap the lines of every handler of the root logger."""
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger().setLevel(level)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, CapLength) for f in handler.filters):
            handler.addFilter(CapLength())
