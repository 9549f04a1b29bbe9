"""How every entry point (the CLI, ``serve``, gunicorn's WSGI module) sets up its logs: one
format, one formatter that keeps each record on its own line, and a cap on every log line.

Logs are for whoever runs the bot, in English, one line per record on stderr; what people
read is in ``openai_deals.messages``, in French. Whatever a library puts in a message (a
request body, a whole Slack payload), no line grows past ``MAX_LINE_CHARS``: a flood of forged
or huge requests cannot flood the logs. Tracebacks are formatted separately and are not cut.

Values in a message may come from anyone (``/slack/oauth_redirect?error=…%0A…`` needs no
signature): :class:`OneLineFormatter` escapes their control characters, so a record can never
end early and forge the next one; the lines of a traceback are indented under their record.
"""

from __future__ import annotations

import logging
import re
import sys

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_LINE_CHARS = 2000
# C0 and C1 controls and DEL, the Unicode line and paragraph separators, the bidi overrides
# and isolates (they reorder what a terminal shows).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
CONTINUATION = "  "  # a traceback's lines start with it: never mistaken for a new record


def escape_controls(text: str, keep_newlines: bool = False) -> str:
    r"""``text`` with each control character written as an escape (``\n``, ``\x1b``,
    ``\u2028``); with ``keep_newlines``, line breaks stay."""

    def escaped(match: re.Match[str]) -> str:
        char = match.group()
        if keep_newlines and char == "\n":
            return char
        if char in _NAMED:
            return _NAMED[char]
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _CONTROLS.sub(escaped, text)


class OneLineFormatter(logging.Formatter):
    """``logging.Formatter`` whose records cannot forge others: the message (with every value
    put in it) has its control characters escaped; a traceback or stack keeps its line
    breaks, each of its lines indented by ``CONTINUATION`` and its other controls escaped."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:  # type: ignore[no-untyped-def]
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    lines = escape_controls(text, keep_newlines=True).split("\n")
    return "\n".join(CONTINUATION + line for line in lines)


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
    """Log to stderr at ``level`` and above in ``LOG_FORMAT`` with :class:`OneLineFormatter`,
    and cap the lines of every handler of the root logger.

    Like ``logging.basicConfig``, it adds no handler when the root logger already has one (the
    host, e.g. gunicorn or pytest, configured logging first); the level is set either way, and
    a host's handler still written with a plain ``logging.Formatter`` gets the safe one.
    """
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger().setLevel(level)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, CapLength) for f in handler.filters):
            handler.addFilter(CapLength())
        if type(handler.formatter) in (logging.Formatter, type(None)):
            handler.setFormatter(_one_line(handler.formatter))


def _one_line(plain: logging.Formatter | None) -> OneLineFormatter:
    """A :class:`OneLineFormatter` with ``plain``'s format and date format."""
    if plain is None:
        return OneLineFormatter(LOG_FORMAT)
    return OneLineFormatter(plain._fmt, plain.datefmt)
