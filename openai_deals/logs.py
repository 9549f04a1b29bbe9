"""How every entry point (the CLI, ``serve``, gunicorn's WSGI module) sets up its logs: one
format, and a cap on every log line.

Logs are for whoever runs the bot, in English, one line per record on stderr; what people
read is in ``openai_deals.messages``, in French. Whatever a library puts in a message (a
request body, a whole Slack payload), no line grows past ``MAX_LINE_CHARS``: a flood of forged
or huge requests cannot flood the logs. Tracebacks are formatted separately and are not cut.
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


def configure_logging(level: int | str) -> None:
    """Log to stderr at ``level`` and above in ``LOG_FORMAT``, and cap the lines of every
    handler of the root logger.

    Like ``logging.basicConfig``, it adds no handler when the root logger already has one (the
    host, e.g. gunicorn or pytest, configured logging first); the level is set either way.
    """
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger().setLevel(level)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, CapLength) for f in handler.filters):
            handler.addFilter(CapLength())
