"""How every entry point (the CLI, ``serve``, gunicorn's WSGI module) sets up its logs.

Logs are for whoever runs the bot, in English, one line per record on stderr; what people
read is in ``openai_deals.messages``, in French.
"""

from __future__ import annotations

import logging
import sys

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int | str) -> None:
    """Send log records at ``level`` and above to stderr, in ``LOG_FORMAT``.

    Like ``logging.basicConfig``, it does nothing when the root logger already has a handler
    (the host, e.g. gunicorn or pytest, configured logging first).
    """
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
